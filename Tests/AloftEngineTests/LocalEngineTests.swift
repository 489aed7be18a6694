import AloftCore
import AloftStore
import GRDB
import Logging
import AloftTestSupport
import Foundation
import Synchronization
import Testing

@testable import AloftEngine

@Suite("Local engine")
struct LocalEngineTests {
    @Test("a run with a tool call completes, with events numbered in order and every message stored")
    func toolRunCompletes() async throws {
        let log = ToolCallLog()
        let store = try SQLiteStore(path: temporaryDatabasePath())
        let agent = scriptedAgent([
            ScriptedReply(text: "Let me check. ", toolCalls: [.init(name: "echo", arguments: ["text": "ping"])]),
            ScriptedReply(text: "The echo said ping."),
        ])
        let (run, events) = try await withEngine(store: store, configuration: testConfiguration(log: log)) { engine in
            let run = try await engine.start(StartRunRequest(agent: agent, input: "Echo ping"))
            return (run, try await collect(try await engine.events(runId: run.id)))
        }
        #expect(events.map(\.seq) == Array(1...events.count))
        #expect(events.first?.kind == .runStarted)
        #expect(events.last?.kind == .runCompleted)
        #expect(events.contains { $0.kind == .toolCallStarted })
        #expect(events.filter { $0.kind == .runContent }.compactMap { $0.data["delta"]?.stringValue }.joined() == "Let me check. The echo said ping.")
        let stored = try #require(try await store.run(id: run.id))
        #expect(stored.phase == .completed)
        #expect(stored.output == "The echo said ping.")
        #expect(stored.iterations == 2)
        #expect(stored.eventSeq >= events.count)
        let messages = try await store.messages(runId: run.id)
        #expect(messages.map(\.role) == [.user, .assistant, .tool, .assistant])
        #expect(messages.allSatisfy { $0.completedAt != nil && !$0.interrupted })
        #expect(log.keys == ["\(run.id):call_1_1"])
        #expect(try await store.session(id: run.sessionId)?.activeRunId == nil)
    }

    @Test("a session remembers earlier turns")
    func multiTurn() async throws {
        let server = FakeModelServer(replies: [.text("Nice to meet you, Ada."), .text("Your name is Ada.")])
        try await server.run { baseURL in
            let store = try SQLiteStore(path: temporaryDatabasePath())
            let agent = AgentDefinition(name: "chat", instructions: "Be kind.", model: ModelSettings(provider: .openai, name: "m", baseURL: baseURL))
            try await withEngine(store: store, configuration: testConfiguration(log: ToolCallLog())) { engine in
                let first = try await engine.start(StartRunRequest(agent: agent, input: "I am Ada."))
                _ = try await collect(try await engine.events(runId: first.id))
                _ = try await waitForPhase(store, runId: first.id, [.completed])
                let second = try await engine.start(StartRunRequest(agent: agent, input: "What is my name?", sessionId: first.sessionId))
                _ = try await collect(try await engine.events(runId: second.id))
                #expect(try await waitForPhase(store, runId: second.id, [.completed]).output == "Your name is Ada.")
            }
        }
        let sent = try #require(server.requests.last?.body["messages"])
        #expect(sent == [
            ["role": "system", "content": "Be kind."], ["role": "user", "content": "I am Ada."],
            ["role": "assistant", "content": "Nice to meet you, Ada."], ["role": "user", "content": "What is my name?"],
        ])
    }

    @Test("turns started at the same moment on one session: exactly one runs, the others are told the session is busy")
    func concurrentTurns() async throws {
        let store = try SQLiteStore(path: temporaryDatabasePath())
        let agent = scriptedAgent([ScriptedReply(text: "first answer")])
        // The turn that wins is still under way (its tool takes a second) when the others try:
        // an instant answer could end it before a slower start looked, and that start would rightly run.
        let slow = {
            var slow = scriptedAgent([ScriptedReply(toolCalls: [.init(name: "slow_echo")]), ScriptedReply(text: "second answer")], tools: ["slow_echo"])
            slow.name = agent.name
            return slow
        }()
        try await withEngine(store: store, configuration: testConfiguration(log: ToolCallLog(), slowTool: .seconds(1))) { engine in
            let first = try await engine.start(StartRunRequest(agent: agent, input: "go"))
            _ = try await waitForPhase(store, runId: first.id, [.completed])
            let outcomes = await withTaskGroup(of: Result<Run, any Error>.self) { group in
                for turn in 0..<8 {
                    group.addTask {
                        do { return .success(try await engine.start(StartRunRequest(agent: slow, input: "turn \(turn)", sessionId: first.sessionId))) }
                        catch { return .failure(error) }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let started = outcomes.compactMap { try? $0.get() }
            #expect(started.count == 1, "one turn runs: \(outcomes)")
            #expect(outcomes.allSatisfy { outcome in
                if case .failure(let error) = outcome { return (error as? EngineError)?.code == .sessionBusy }
                return true
            })
            let second = try #require(started.first)
            _ = try await waitForPhase(store, runId: second.id, [.completed])
            #expect(try await store.messages(sessionId: first.sessionId).map(\.position) == [0, 1, 2, 3, 4, 5])
            #expect(try await store.runs(RunQuery(sessionId: first.sessionId)).count == 2)
        }
    }

    @Test("a second turn while one runs is refused: one active run per session")
    func sessionBusy() async throws {
        let store = try SQLiteStore(path: temporaryDatabasePath())
        let agent = scriptedAgent([ScriptedReply(toolCalls: [.init(name: "delete_everything")]), ScriptedReply(text: "done")], tools: ["delete_everything"], approval: ["delete_everything"])
        try await withEngine(store: store, configuration: testConfiguration(log: ToolCallLog())) { engine in
            let first = try await engine.start(StartRunRequest(agent: agent, input: "go"))
            _ = try await waitForPhase(store, runId: first.id, [.waitingForApproval])
            await #expect { try await engine.start(StartRunRequest(agent: agent, input: "again", sessionId: first.sessionId)) } throws: {
                ($0 as? EngineError)?.code == .sessionBusy
            }
            await #expect { try await engine.start(StartRunRequest(agent: agent, input: "x", sessionId: "ses_nope")) } throws: {
                ($0 as? EngineError)?.code == .sessionNotFound
            }
            await #expect { try await engine.start(StartRunRequest(agent: agent, input: "   ")) } throws: {
                ($0 as? EngineError)?.code == .invalidInput
            }
        }
    }

    @Test("approval pauses the run durably; approved after an engine restart, the tool runs and the run completes")
    func approvalAcrossRestart() async throws {
        let log = ToolCallLog()
        let path = temporaryDatabasePath()
        let agent = scriptedAgent(
            [ScriptedReply(toolCalls: [.init(name: "delete_everything", arguments: ["text": "/"])]), ScriptedReply(text: "Deleted.")],
            tools: ["delete_everything"], approval: ["delete_everything"]
        )
        let runId = try await withEngine(store: try SQLiteStore(path: path), configuration: testConfiguration(log: log)) { engine in
            let run = try await engine.start(StartRunRequest(agent: agent, input: "Delete everything"))
            let events = try await collect(try await engine.events(runId: run.id))
            #expect(events.last?.kind == .runPaused)
            _ = try await waitForPhase(engine.store, runId: run.id, [.waitingForApproval])
            await engine.waitUntilIdle()
            return run.id
        }
        #expect(log.count == 0, "the tool must not run before approval")
        let store = try SQLiteStore(path: path)
        let pending = try await store.pendingApprovals(runId: runId)
        #expect(pending.map(\.call.name) == ["delete_everything"])
        try await withEngine(store: store, configuration: testConfiguration(log: log)) { engine in
            await #expect { try await engine.resolveApproval(runId: runId, decision: ApprovalDecision(callId: "nope", approved: true)) } throws: {
                ($0 as? EngineError)?.code == .notAwaitingApproval
            }
            try await engine.resolveApproval(runId: runId, decision: ApprovalDecision(callId: pending[0].call.id, approved: true))
            let run = try await waitForPhase(store, runId: runId, [.completed, .failed])
            #expect(run.output == "Deleted.")
        }
        #expect(log.count == 1)
        #expect(try await store.pendingApprovals(runId: runId).isEmpty)
    }

    @Test("a model that fails with 429 is retried after Retry-After; a 400 fails the run at once with the provider's message")
    func modelRetries() async throws {
        let server = FakeModelServer(replies: [
            .status(429, message: "slow down", headers: ["Retry-After": "0"]), .status(503, message: "busy"), .text("Finally."),
            .status(400, message: "model 'x' does not exist"),
        ])
        try await server.run { baseURL in
            let store = try SQLiteStore(path: temporaryDatabasePath())
            var agent = scriptedAgent([], tools: [])
            agent.model = ModelSettings(provider: .openai, name: "m", baseURL: baseURL)
            agent.policies.modelRetry = RetryPolicy(maxAttempts: 4, initialBackoffSeconds: 0.01, maxBackoffSeconds: 0.05)
            let configured = agent
            try await withEngine(store: store, configuration: testConfiguration(log: ToolCallLog())) { engine in
                let agent = configured
                let ok = try await engine.start(StartRunRequest(agent: agent, input: "hi"))
                #expect(try await waitForPhase(store, runId: ok.id, [.completed, .failed]).output == "Finally.")
                let bad = try await engine.start(StartRunRequest(agent: agent, input: "hi"))
                let failed = try await waitForPhase(store, runId: bad.id, [.completed, .failed])
                #expect(failed.phase == .failed)
                #expect(failed.error?.code == .modelFailed)
                #expect(failed.error?.message.contains("model 'x' does not exist") == true)
            }
        }
        #expect(server.requests.count == 4, "three attempts for the first run, one for the second")
    }

    @Test("an invalid agent is refused with every problem named")
    func invalidAgent() async throws {
        let store = try SQLiteStore(path: temporaryDatabasePath())
        var agent = scriptedAgent([ScriptedReply(text: "x")], tools: ["teleport"], approval: ["rm"], maxIterations: 0)
        agent.name = "bad name!"
        let configured = agent
        try await withEngine(store: store, configuration: testConfiguration(log: ToolCallLog())) { engine in
            let agent = configured
            await #expect { try await engine.start(StartRunRequest(agent: agent, input: "hi")) } throws: { error in
                guard let error = error as? EngineError, error.code == .invalidAgent else { return false }
                return error.message.contains("max_iterations") && error.message.contains("teleport") && error.message.contains("'rm'")
                    && error.message.contains("name")
            }
        }
        #expect(try await store.runs(RunQuery()).isEmpty, "nothing is written for a refused run")
    }
}

@Suite("Engine inbox")
struct EngineInboxTests {
    @Test("unreadable commands in the inbox are discarded, so they cannot hide the ones behind them")
    func poisonCommands() async throws {
        let path = temporaryDatabasePath()
        let store = try SQLiteStore(path: path)
        do {
            // Commands no Aloft can read (corrupt, or from a newer version), more than one poll reads.
            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in
                for index in 0..<600 {
                    try db.execute(sql: "INSERT INTO run_commands (run_id, command, created_at) VALUES ('run_gone', ?, 0)", arguments: ["{\"type\":\"teleport\",\"n\":\(index)}"])
                }
            }
        }
        let agent = scriptedAgent([ScriptedReply(toolCalls: [.init(name: "delete_everything")]), ScriptedReply(text: "done")], tools: ["delete_everything"], approval: ["delete_everything"])
        try await withEngine(store: store, configuration: testConfiguration(log: ToolCallLog())) { engine in
            let run = try await engine.start(StartRunRequest(agent: agent, input: "go"))
            _ = try await waitForPhase(store, runId: run.id, [.waitingForApproval])
            let call = try #require(try await store.pendingApprovals(runId: run.id).first)
            try await engine.resolveApproval(runId: run.id, decision: ApprovalDecision(callId: call.call.id, approved: true))
            #expect(try await waitForPhase(store, runId: run.id, [.completed]).output == "done")
            #expect(try await store.queuedCommands(limit: 1_000).isEmpty)
        }
    }
}

@Suite("Engine memory")
struct EngineMemoryTests {
    @Test("runs waiting for a person hold nothing in the engine: no driver, and events kept for a bounded number of them")
    func parkedRunsHoldNoMemory() async throws {
        let store = try SQLiteStore(path: temporaryDatabasePath())
        let hub = RunEventHub()
        var logger = Logger(label: "test-engine")
        logger.logLevel = .critical
        let engine = LocalEngine(store: store, configuration: testConfiguration(log: ToolCallLog()), bus: hub, logger: logger)
        let agent = scriptedAgent([ScriptedReply(toolCalls: [.init(name: "delete_everything")]), ScriptedReply(text: "done")], tools: ["delete_everything"], approval: ["delete_everything"])
        let parked = RunEventHub.retainedEndedRuns + 300
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await engine.run() }
            var runs: [Run] = []
            for _ in 0..<parked { runs.append(try await engine.start(StartRunRequest(agent: agent, input: "go"))) }
            await engine.waitUntilIdle()
            #expect(try await store.runCountsByPhase()[.waitingForApproval] == parked)
            #expect(engine.registry.activeCount == 0, "no run is being driven")
            // The last driver lets the hub know just after the registry: give it a moment.
            try await eventually("the hub keeps a bounded number of runs") { hub.channelCount <= RunEventHub.retainedEndedRuns }
            // The oldest, whose events the hub let go, still streams them from the log and finishes when approved.
            let oldest = try #require(runs.first)
            let events = try await collect(try await engine.events(runId: oldest.id))
            #expect(events.last?.kind == .runPaused)
            let call = try #require(try await store.pendingApprovals(runId: oldest.id).first)
            try await engine.resolveApproval(runId: oldest.id, decision: ApprovalDecision(callId: call.call.id, approved: true))
            #expect(try await waitForPhase(store, runId: oldest.id, [.completed]).output == "done")
            group.cancelAll()
        }
    }
}

@Suite("Approval deadlines")
struct ApprovalDeadlineTests {
    @Test("a decision after the deadline passed is refused as too late, and the call goes on as denied")
    func tooLate() async throws {
        let store = try SQLiteStore(path: temporaryDatabasePath())
        let clock = Mutex(Date(timeIntervalSince1970: 1_900_000_000))
        var configuration = testConfiguration(log: ToolCallLog())
        configuration.now = { clock.withLock { $0 } }
        configuration.pollInterval = .seconds(3600)  // no poll finds the deadline first: only the decision does
        let agent = scriptedAgent(
            [ScriptedReply(toolCalls: [.init(name: "delete_everything")]), ScriptedReply(text: "Skipped it.")], tools: ["delete_everything"],
            approval: ["delete_everything"], deadline: 60
        )
        try await withEngine(store: store, configuration: configuration) { engine in
            let run = try await engine.start(StartRunRequest(agent: agent, input: "go"))
            _ = try await waitForPhase(store, runId: run.id, [.waitingForApproval])
            let call = try #require(try await store.pendingApprovals(runId: run.id).first)
            clock.withLock { $0 = $0.addingTimeInterval(61) }
            await #expect { try await engine.resolveApproval(runId: run.id, decision: ApprovalDecision(callId: call.call.id, approved: true)) } throws: {
                ($0 as? EngineError)?.code == .approvalDeadlinePassed && "\($0)".contains("counts as denied")
            }
            #expect(try await waitForPhase(store, runId: run.id, [.completed]).output == "Skipped it.")
            let tool = try await store.messages(runId: run.id).first { $0.role == .tool }
            #expect(tool?.content.contains("deadline") == true)
        }
    }
}
