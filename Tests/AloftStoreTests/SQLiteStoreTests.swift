import AloftCore
import Foundation
import Testing

@testable import AloftStore

private func temporaryDatabase() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("aloft-store-\(UUID().uuidString)/aloft.db").path
}

private let agent = AgentDefinition(
    name: "helper", instructions: "Help.", model: ModelSettings(provider: .scripted, name: "scripted", script: [ScriptedReply(text: "hi")])
)

private func startWrite(runId: String, sessionId: String, at date: Date = Date()) -> StepWrite {
    var write = StepWrite(runId: runId)
    write.agentVersion = (agent.version, agent)
    write.newSession = Session(id: sessionId, agent: agent.name, activeRunId: runId, createdAt: date, updatedAt: date)
    write.newRun = Run(
        id: runId, sessionId: sessionId, agent: agent.name, agentVersion: agent.version, phase: .running, input: "hello",
        createdAt: date, updatedAt: date
    )
    write.entries = [(1, .started(RunStart(runId: runId, sessionId: sessionId, agent: agent.name, agentVersion: agent.version, context: [.user("hello")])))]
    write.messages = [Message(sessionId: sessionId, runId: runId, position: 0, role: .user, content: "hello", createdAt: date, completedAt: date)]
    return write
}

@Suite("SQLite store")
struct SQLiteStoreTests {
    @Test("a step's journal entry and read models are written together and read back")
    func roundTrip() async throws {
        let store = try SQLiteStore(path: temporaryDatabase())
        try await store.commit(startWrite(runId: "r1", sessionId: "s1"))
        var step = StepWrite(runId: "r1")
        step.entries = [(2, .modelResponded(step: 1, response: ModelResponse(text: "hi there", usage: Usage(inputTokens: 4, outputTokens: 2))))]
        var run = try #require(try await store.run(id: "r1"))
        run.phase = .completed
        run.output = "hi there"
        run.iterations = 1
        step.run = run
        step.messages = [Message(sessionId: "s1", runId: "r1", position: 1, role: .assistant, content: "hi there", createdAt: Date(), completedAt: Date())]
        step.sessionActiveRun = ("s1", nil)
        try await store.commit(step)

        let journal = try await store.journal(runId: "r1")
        #expect(journal.count == 2)
        #expect(journal.last == .modelResponded(step: 1, response: ModelResponse(text: "hi there", usage: Usage(inputTokens: 4, outputTokens: 2))))
        let stored = try #require(try await store.run(id: "r1"))
        #expect(stored.phase == .completed)
        #expect(stored.output == "hi there")
        #expect(try await store.messages(sessionId: "s1").map(\.content) == ["hello", "hi there"])
        #expect(try await store.session(id: "s1")?.activeRunId == nil)
        #expect(try await store.agentDefinition(version: agent.version) == agent)
        #expect(try await store.unfinishedRuns().isEmpty)
    }

    @Test("a journal sequence number is never written twice, and the failed step leaves nothing behind")
    func conflictingStep() async throws {
        let store = try SQLiteStore(path: temporaryDatabase())
        try await store.commit(startWrite(runId: "r1", sessionId: "s1"))
        var step = StepWrite(runId: "r1")
        step.entries = [(1, .cancelRequested(reason: nil))]
        step.messages = [Message(sessionId: "s1", runId: "r1", position: 5, role: .assistant, content: "ghost", createdAt: Date())]
        await #expect(throws: StoreError.self) { try await store.commit(step) }
        #expect(try await store.journal(runId: "r1").count == 1)
        #expect(try await store.messages(sessionId: "s1").count == 1, "the message of the failed step must not be written")
    }

    @Test("many concurrent steps are committed together and none is lost; a bad one fails alone")
    func groupCommit() async throws {
        let store = try SQLiteStore(path: temporaryDatabase())
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask { try await store.commit(startWrite(runId: "r\(index)", sessionId: "s\(index)")) }
            }
            try await group.waitForAll()
        }
        #expect(try await store.unfinishedRuns().count == 200)

        let results = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<50 {
                group.addTask {
                    var step = StepWrite(runId: "r\(index)")
                    // Every fifth step reuses a sequence number: only those must fail.
                    step.entries = [(index % 5 == 0 ? 1 : 2, .cancelRequested(reason: "test"))]
                    return (try? await store.commit(step)) != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.filter { !$0 }.count == 10)
        #expect(try await store.journal(runId: "r1").count == 2)
        #expect(try await store.journal(runId: "r5").count == 1)
    }

    @Test("commands wait in the inbox until a step consumes them")
    func commandInbox() async throws {
        let store = try SQLiteStore(path: temporaryDatabase())
        try await store.commit(startWrite(runId: "r1", sessionId: "s1"))
        try await store.enqueue(.cancel(reason: "stop"), runId: "r1")
        try await store.enqueue(.resolveApproval(decision: ApprovalDecision(callId: "c1", approved: true)), runId: "r1")
        let queued = try await store.queuedCommands()
        #expect(queued.map(\.command) == [.cancel(reason: "stop"), .resolveApproval(decision: ApprovalDecision(callId: "c1", approved: true))])
        var step = StepWrite(runId: "r1")
        step.consumedCommands = [queued[0].id]
        try await store.commit(step)
        #expect(try await store.queuedCommands().count == 1)
    }

    @Test("approvals and durable timers are stored and found when due")
    func approvalsAndTimers() async throws {
        let path = temporaryDatabase()
        let store = try SQLiteStore(path: path)
        try await store.commit(startWrite(runId: "r1", sessionId: "s1"))
        var step = StepWrite(runId: "r1")
        step.addApprovals = [PendingApproval(runId: "r1", call: ToolCall(id: "c1", name: "rm", arguments: "{}"), requestedAt: 100, deadline: 160)]
        step.addTimers = [DurableTimer(id: "r1:c1", runId: "r1", fireAt: 160, kind: .approvalDeadline, callIds: ["c1"])]
        try await store.commit(step)

        let reopened = try SQLiteStore(path: path)
        #expect(try await reopened.pendingApprovals(runId: "r1").map(\.call.id) == ["c1"])
        #expect(try await reopened.dueTimers(at: 150).isEmpty)
        #expect(try await reopened.dueTimers(at: 170).map(\.callIds) == [["c1"]])
    }

    @Test("a database that cannot be opened is a clear error")
    func unopenable() {
        #expect(throws: StoreError.self) { try SQLiteStore(path: "/proc/aloft/cannot/be/here.db") }
    }
}

@Suite("SQLite store opened by many at once")
struct ConcurrentOpenTests {
    @Test("stores opening one new database file at the same moment all succeed")
    func concurrentFirstOpen() async throws {
        for _ in 0..<5 {
            let path = temporaryDatabase()
            let opened = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<6 {
                    group.addTask { (try? SQLiteStore(path: path)) != nil }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(opened.allSatisfy { $0 })
        }
    }
}
