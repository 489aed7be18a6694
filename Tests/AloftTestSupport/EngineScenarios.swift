import AloftCore
import Foundation
import Synchronization

/// What a scenario needs from the engine under test.
///
/// The host gives engines built on one store for the whole scenario; calling `withEngine`
/// again is a restart (after the previous engine was stopped mid-way, as a crash or a
/// shutdown would stop it). Its engines know three test tools: `echo` (instant), `slow_echo`
/// (takes a few seconds) and `delete_everything` (instant; agents make it need approval).
public protocol EngineScenarioHost: Sendable {
    func withEngine(_ body: @Sendable (any RunEngine) async throws -> Void) async throws
    /// The idempotency keys the test tools were called with, in order.
    var toolKeys: [String] { get }
}

/// The behaviour of an agent run that every engine must show, written against `RunEngine`
/// only: the local engine runs these now, the Temporal engine will run the same.
///
/// ```swift
/// @Test(arguments: EngineScenarios.all)
/// func scenario(_ scenario: EngineScenarios.Scenario) async throws { try await scenario.run(on: MyHost()) }
/// ```
public enum EngineScenarios {
    public struct Scenario: Sendable, CustomStringConvertible {
        public let description: String
        let body: @Sendable (any EngineScenarioHost) async throws -> Void

        public func run(on host: any EngineScenarioHost) async throws { try await body(host) }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static let all: [Scenario] = [
        Scenario(description: "a plain answer completes the run, streamed in numbered events", body: plainAnswer),
        Scenario(description: "a token budget stops the run before the call that would exceed it, keeping the partial output", body: tokenBudget),
        Scenario(description: "a session token budget counts the session's earlier runs; a new session starts afresh", body: sessionBudget),
        Scenario(description: "an agent called as a tool runs as a linked child run; its answer is the result, its tokens count for the parent", body: agentAsTool),
        Scenario(description: "stopping a run stops the child run of the agent it is calling", body: stopStopsChild),
        Scenario(description: "a tool call runs once with a stable idempotency key, and its result goes back to the model", body: oneTool),
        Scenario(description: "parallel tool calls all run before the model is asked again", body: parallelTools),
        Scenario(description: "a call needing approval waits; approved, it runs", body: approve),
        Scenario(description: "a denied call never runs; the run goes on and completes", body: deny),
        Scenario(description: "an approval deadline that passes denies the call", body: deadline),
        Scenario(description: "stop during a model call keeps the partial answer, interrupted", body: stopDuringModel),
        Scenario(description: "stop during a tool ends the run without its result", body: stopDuringTool),
        Scenario(description: "stop while waiting for approval ends the run", body: stopWhileWaiting),
        Scenario(description: "max iterations fails the run clearly", body: maxIterations),
        Scenario(description: "a model answering 429 and 503 is retried and the run completes", body: modelRetry),
        Scenario(description: "an engine stopped mid-tool is followed by one that redoes the call with the same key and completes", body: crashAndResume),
    ]

    // MARK: Helpers

    static func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw Failure(description: message()) }
    }

    static func agent(
        _ replies: [ScriptedReply], tools: [String] = ["echo"], approval: [String] = [], deadline: Double? = nil, maxIterations: Int = 10
    ) -> AgentDefinition {
        AgentDefinition(
            name: "scenario", instructions: "You test things.", model: ModelSettings(provider: .scripted, name: "scripted", script: replies),
            tools: tools.map { ToolSpec(builtin: $0) },
            policies: AgentPolicies(maxIterations: maxIterations, requireApproval: approval, approvalDeadlineSeconds: deadline)
        )
    }

    /// Events until one of `stop` (or the end).
    static func events(
        _ engine: any RunEngine, _ runId: String, after: Int = 0,
        until stop: Set<RunEvent.Kind> = [.runCompleted, .runFailed, .runCancelled, .runPaused]
    ) async throws -> [RunEvent] {
        var events: [RunEvent] = []
        for try await event in try await engine.runEvents(runId: runId, after: after) {
            events.append(event)
            if stop.contains(event.kind) { break }
        }
        return events
    }

    /// Waits by the clock, not by a count of sleeps: under a loaded CI machine a sleep of 10 ms can
    /// take far longer, and a Temporal engine's first step waits on its dev server.
    static let patience: Duration = .seconds(90)

    static func phase(_ engine: any RunEngine, _ runId: String, in phases: Set<RunPhase>) async throws -> Run {
        let deadline = ContinuousClock.now + patience
        while ContinuousClock.now < deadline {
            if let run = try await engine.reader.run(id: runId), phases.contains(run.phase) { return run }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw Failure(description: "run \(runId) never reached \(phases.map(\.rawValue).sorted())")
    }

    /// The text of the last model step, as a client assembles it.
    static func text(_ events: [RunEvent]) -> String {
        let text = assembledText(events)
        return text.keys.max().flatMap { text[$0] } ?? ""
    }

    // MARK: Scenarios

    static func plainAnswer(_ host: any EngineScenarioHost) async throws {
        try await host.withEngine { engine in
            let run = try await engine.start(StartRunRequest(agent: agent([ScriptedReply(text: "All good here.")]), input: "Status?"))
            let events = try await events(engine, run.id)
            try expect(events.first?.kind == .runStarted && events.last?.kind == .runCompleted, "started … completed: \(events.map(\.kind))")
            try expect(zip(events, events.dropFirst()).allSatisfy { $0.seq < $1.seq }, "numbers rise: \(events.map(\.seq))")
            let done = try await phase(engine, run.id, in: [.completed])
            try expect(done.output == "All good here." && text(events) == done.output, "the streamed text is the answer")
            try expect(try await engine.reader.messages(runId: run.id).map(\.content) == ["Status?", "All good here."], "messages stored")
        }
    }

    static func tokenBudget(_ host: any EngineScenarioHost) async throws {
        try await host.withEngine { engine in
            let step = ScriptedReply(text: "Working on it. ", toolCalls: [.init(name: "echo", arguments: ["text": "x"])])
            var agent = agent([step, step, step, step, ScriptedReply(text: "Done.")])
            let probe = try await engine.start(StartRunRequest(agent: Self.agent([step, ScriptedReply(text: "Done.")]), input: "Work"))
            let first = try await engine.reader.journal(runId: (try await phase(engine, probe.id, in: [.completed])).id)
            guard case .modelResponded(_, let response)? = first.first(where: { if case .modelResponded = $0 { true } else { false } }) else {
                throw Failure(description: "the probe run has no model response")
            }
            // Room for two calls, not three: the third would need at least what the second used.
            let perCall = response.usage.inputTokens + response.usage.outputTokens
            agent.policies.maxTokensPerRun = perCall * 3
            let run = try await engine.start(StartRunRequest(agent: agent, input: "Work"))
            let failed = try await phase(engine, run.id, in: [.failed])
            try expect(failed.error?.code == .budgetExceeded, "budget_exceeded: \(String(describing: failed.error))")
            try expect(failed.output == "Working on it. ", "the partial output is kept: \(String(describing: failed.output))")
            try expect(failed.usage.inputTokens + failed.usage.outputTokens <= perCall * 3, "never over the budget: \(failed.usage)")
            try expect(failed.iterations == 2, "two calls made, the third not: \(failed.iterations)")
        }
    }

    static func sessionBudget(_ host: any EngineScenarioHost) async throws {
        try await host.withEngine { engine in
            var agent = agent([ScriptedReply(text: "Answer.")])
            let probe = try await phase(engine, try await engine.start(StartRunRequest(agent: agent, input: "One")).id, in: [.completed])
            let perRun = probe.usage.inputTokens + probe.usage.outputTokens
            // Room for the first two runs of a session: the third finds it spent.
            agent.policies.maxTokensPerSession = perRun * 2
            let first = try await engine.start(StartRunRequest(agent: agent, input: "One"))
            let session = first.sessionId
            _ = try await phase(engine, first.id, in: [.completed])
            let second = try await phase(engine, try await engine.start(StartRunRequest(agent: agent, input: "Two", sessionId: session)).id, in: [.completed])
            try expect(second.output == "Answer.", "the second run fits: \(String(describing: second.error))")
            let third = try await phase(engine, try await engine.start(StartRunRequest(agent: agent, input: "Three", sessionId: session)).id, in: [.failed])
            try expect(third.error?.code == .budgetExceeded, "budget_exceeded: \(String(describing: third.error))")
            try expect(third.error?.message.contains("max_tokens_per_session") == true, "it names the policy: \(String(describing: third.error))")
            try expect(third.iterations == 0, "no model call was made: \(third.iterations)")
            let fresh = try await phase(engine, try await engine.start(StartRunRequest(agent: agent, input: "One")).id, in: [.completed])
            try expect(fresh.output == "Answer.", "a new session has its own budget")
        }
    }

    /// The agents scenario agents call as tools: hosts answer their engine's `agentNamed` with it.
    public static func agentNamed(_ name: String) -> AgentDefinition? {
        switch name {
        case "scenario-helper":
            return AgentDefinition(
                name: name, instructions: "You summarize.",
                model: ModelSettings(provider: .scripted, name: "scripted", script: [ScriptedReply(text: "The helper's summary.")])
            )
        case "scenario-slow-helper":
            let words = (1...400).map { "w\($0)" }.joined(separator: " ")
            return AgentDefinition(
                name: name, instructions: "You talk slowly.",
                model: ModelSettings(provider: .scripted, name: "scripted", script: [ScriptedReply(text: words, chunkDelayMilliseconds: 50)])
            )
        default:
            return nil
        }
    }

    static func agentAsTool(_ host: any EngineScenarioHost) async throws {
        try await host.withEngine { engine in
            var parent = agent([
                ScriptedReply(toolCalls: [.init(name: "scenario-helper", arguments: ["input": "Summarize the report."])]), ScriptedReply(text: "Done: summarized."),
            ])
            parent.tools = [ToolSpec(agent: "scenario-helper")]
            let run = try await engine.start(StartRunRequest(agent: parent, input: "Get a summary"))
            let done = try await phase(engine, run.id, in: [.completed, .failed])
            try expect(done.phase == .completed && done.output == "Done: summarized.", "the parent completes: \(String(describing: done.error))")
            let parentEvents = try await events(engine, run.id)
            let result = parentEvents.first { $0.kind == .toolCallCompleted }
            try expect(result?.data["content"] == "The helper's summary." && result?.data["name"] == "scenario-helper", "the child's answer is the result: \(String(describing: result))")
            try expect(parentEvents.contains { $0.kind == .toolCallProgress }, "the child's text streams as the call's progress: \(parentEvents.map(\.kind))")
            guard let callId = result?.data["tool_call_id"]?.stringValue, let child = try await engine.reader.run(id: "\(run.id)_\(callId)") else {
                throw Failure(description: "the child run exists")
            }
            try expect(child.agent == "scenario-helper" && child.phase == .completed && child.output == "The helper's summary.", "the child ran: \(child)")
            try expect(child.metadata["parent_run_id"] == run.id && child.correlationId == run.id, "the child is linked to its parent: \(child.metadata)")
            let childTokens = child.usage.inputTokens + child.usage.outputTokens
            try expect(childTokens > 0 && done.usage.inputTokens + done.usage.outputTokens > childTokens, "the parent's usage includes the child's: \(done.usage) vs \(child.usage)")
            // An agent nobody can find is a tool error the model reads.
            var lost = agent([ScriptedReply(toolCalls: [.init(name: "nobody", arguments: ["input": "x"])]), ScriptedReply(text: "ok")])
            lost.tools = [ToolSpec(agent: "nobody")]
            let missing = try await phase(engine, try await engine.start(StartRunRequest(agent: lost, input: "go")).id, in: [.completed, .failed])
            let failed = try await events(engine, missing.id).first { $0.kind == .toolCallCompleted }
            try expect(failed?.data["content"]?.stringValue?.contains("there is no agent named nobody") == true, "\(String(describing: failed))")
        }
    }

    static func stopStopsChild(_ host: any EngineScenarioHost) async throws {
        try await host.withEngine { engine in
            var parent = agent([ScriptedReply(toolCalls: [.init(name: "scenario-slow-helper", arguments: ["input": "Talk."])]), ScriptedReply(text: "never")])
            parent.tools = [ToolSpec(agent: "scenario-slow-helper")]
            let run = try await engine.start(StartRunRequest(agent: parent, input: "go"))
            let progress = try await events(engine, run.id, until: [.toolCallProgress])
            guard let callId = progress.last?.data["tool_call_id"]?.stringValue else { throw Failure(description: "the child streams: \(progress.map(\.kind))") }
            try await engine.cancel(runId: run.id, reason: nil)
            _ = try await phase(engine, run.id, in: [.cancelled])
            let child = try await phase(engine, "\(run.id)_\(callId)", in: [.cancelled])
            try expect(child.output.map { $0.count < 400 * 4 } ?? true, "the child stopped early: \(child.output?.count ?? 0) characters")
        }
    }

    static func oneTool(_ host: any EngineScenarioHost) async throws {
        try await host.withEngine { engine in
            let agent = agent([ScriptedReply(toolCalls: [.init(name: "echo", arguments: ["text": "x"])]), ScriptedReply(text: "Echoed.")])
            let run = try await engine.start(StartRunRequest(agent: agent, input: "Echo x"))
            let events = try await events(engine, run.id)
            try expect(events.map(\.kind).contains(.toolCallCompleted), "the tool's result is an event")
            try expect(try await phase(engine, run.id, in: [.completed]).output == "Echoed.", "completes")
            try expect(host.toolKeys == ["\(run.id):call_1_1"], "one call, keyed by run and call: \(host.toolKeys)")
            let messages = try await engine.reader.messages(runId: run.id)
            try expect(messages.map(\.role) == [.user, .assistant, .tool, .assistant], "the tool result is in the conversation")
        }
    }

    static func parallelTools(_ host: any EngineScenarioHost) async throws {
        try await host.withEngine { engine in
            let calls = [ScriptedReply.Call(name: "echo", arguments: ["text": "a"]), .init(name: "echo", arguments: ["text": "b"])]
            let run = try await engine.start(StartRunRequest(agent: agent([ScriptedReply(toolCalls: calls), ScriptedReply(text: "Both.")]), input: "go"))
            _ = try await phase(engine, run.id, in: [.completed])
            try expect(Set(host.toolKeys) == ["\(run.id):call_1_1", "\(run.id):call_1_2"], "both calls: \(host.toolKeys)")
            try expect(try await engine.reader.run(id: run.id)?.iterations == 2, "one model call for both results")
        }
    }

    static func waitingRun(_ engine: any RunEngine, deadline: Double? = nil) async throws -> Run {
        let agent = agent(
            [ScriptedReply(toolCalls: [.init(name: "delete_everything")]), ScriptedReply(text: "Done as decided.")],
            tools: ["delete_everything"], approval: ["delete_everything"], deadline: deadline
        )
        let run = try await engine.start(StartRunRequest(agent: agent, input: "Clean up"))
        let paused = try await events(engine, run.id)
        try expect(paused.last?.kind == .runPaused, "the run pauses: \(paused.map(\.kind))")
        return try await phase(engine, run.id, in: [.waitingForApproval])
    }

    static func approve(_ host: any EngineScenarioHost) async throws {
        try await host.withEngine { engine in
            let run = try await waitingRun(engine)
            try expect(host.toolKeys.isEmpty, "nothing runs before the decision")
            let pending = try await engine.reader.pendingApprovals(runId: run.id)
            try expect(pending.count == 1, "one pending approval")
            try await engine.resolveApproval(runId: run.id, decision: ApprovalDecision(callId: pending[0].call.id, approved: true))
            try expect(try await phase(engine, run.id, in: [.completed, .failed]).phase == .completed, "completes")
            try expect(host.toolKeys.count == 1, "the approved call ran once")
        }
    }

    static func deny(_ host: any EngineScenarioHost) async throws {
        try await host.withEngine { engine in
            let run = try await waitingRun(engine)
            let callId = try await engine.reader.pendingApprovals(runId: run.id)[0].call.id
            try await engine.resolveApproval(runId: run.id, decision: ApprovalDecision(callId: callId, approved: false, reason: "not today"))
            try expect(try await phase(engine, run.id, in: [.completed, .failed]).phase == .completed, "the run goes on")
            try expect(host.toolKeys.isEmpty, "a denied call never runs")
            let tool = try await engine.reader.messages(runId: run.id).first { $0.role == .tool }
            try expect(tool?.content.contains("not today") == true, "the model is told why: \(tool?.content ?? "none")")
        }
    }

    static func deadline(_ host: any EngineScenarioHost) async throws {
        try await host.withEngine { engine in
            let run = try await waitingRun(engine, deadline: 0.3)
            try expect(try await phase(engine, run.id, in: [.completed, .failed]).phase == .completed, "the run goes on after the deadline")
            try expect(host.toolKeys.isEmpty, "the call was denied, not run")
            try expect(try await engine.reader.pendingApprovals(runId: run.id).isEmpty, "nothing is pending any more")
            let tool = try await engine.reader.messages(runId: run.id).first { $0.role == .tool }
            try expect(tool?.content.contains("deadline") == true, "the model is told the deadline passed: \(tool?.content ?? "none")")
        }
    }

    static func stopDuringModel(_ host: any EngineScenarioHost) async throws {
        try await host.withEngine { engine in
            let words = (1...300).map { "word\($0)" }.joined(separator: " ")
            let run = try await engine.start(StartRunRequest(agent: agent([ScriptedReply(text: words, chunkDelayMilliseconds: 10)]), input: "talk"))
            let seen = text(try await events(engine, run.id, until: [.runContent]))
            try await engine.cancel(runId: run.id, reason: "enough")
            try expect(try await phase(engine, run.id, in: [.cancelled, .completed]).phase == .cancelled, "cancelled")
            let answer = try await engine.reader.messages(runId: run.id).first { $0.role == .assistant }
            try expect(answer?.interrupted == true && (answer?.content.count ?? 0) < words.count, "the partial answer is kept, interrupted")
            try expect(answer?.content.hasPrefix(seen) == true, "what the client saw is kept: \(seen)")
            do {
                try await engine.cancel(runId: run.id, reason: nil)
                throw Failure(description: "stopping a finished run was accepted")
            } catch let error as EngineError {
                try expect(error.code == .runFinished, "stopping it again says it has finished: \(error)")
            }
        }
    }

    static func stopDuringTool(_ host: any EngineScenarioHost) async throws {
        try await host.withEngine { engine in
            let agent = agent([ScriptedReply(toolCalls: [.init(name: "slow_echo")]), ScriptedReply(text: "never")], tools: ["slow_echo"])
            let run = try await engine.start(StartRunRequest(agent: agent, input: "go"))
            _ = try await events(engine, run.id, until: [.toolCallStarted])
            try await engine.cancel(runId: run.id, reason: nil)
            let events = try await events(engine, run.id)
            try expect(events.last?.kind == .runCancelled, "cancelled: \(events.map(\.kind))")
            try expect(!events.contains { $0.kind == .toolCallCompleted }, "the slow tool's result is not waited for")
        }
    }

    static func stopWhileWaiting(_ host: any EngineScenarioHost) async throws {
        try await host.withEngine { engine in
            let run = try await waitingRun(engine)
            try await engine.cancel(runId: run.id, reason: "changed my mind")
            try expect(try await phase(engine, run.id, in: [.cancelled, .completed]).phase == .cancelled, "cancelled")
            try expect(try await engine.reader.pendingApprovals(runId: run.id).isEmpty, "nothing left pending")
            try expect(host.toolKeys.isEmpty, "the call never ran")
        }
    }

    static func maxIterations(_ host: any EngineScenarioHost) async throws {
        try await host.withEngine { engine in
            let loop = ScriptedReply(toolCalls: [.init(name: "echo")])
            let run = try await engine.start(StartRunRequest(agent: agent([loop, loop, loop, loop], maxIterations: 2), input: "loop"))
            let failed = try await phase(engine, run.id, in: [.failed, .completed])
            try expect(failed.phase == .failed && failed.error?.code == .maxIterationsExceeded, "fails clearly: \(String(describing: failed.error))")
            try expect(failed.iterations == 2, "after exactly the allowed model calls")
        }
    }

    static func modelRetry(_ host: any EngineScenarioHost) async throws {
        let server = FakeModelServer(replies: [.status(429, message: "slow down", headers: ["Retry-After": "0"]), .status(503, message: "busy"), .text("Finally.")])
        try await server.run { baseURL in
            try await host.withEngine { engine in
                let agent = AgentDefinition(
                    name: "remote", instructions: "Be kind.", model: ModelSettings(provider: .openai, name: "m", baseURL: baseURL),
                    policies: AgentPolicies(modelRetry: RetryPolicy(maxAttempts: 3, initialBackoffSeconds: 0.01, maxBackoffSeconds: 0.05))
                )
                let run = try await engine.start(StartRunRequest(agent: agent, input: "hi"))
                let done = try await phase(engine, run.id, in: [.completed, .failed])
                try expect(done.phase == .completed && done.output == "Finally.", "completes after retries: \(String(describing: done.error))")
            }
        }
        try expect(server.requests.count == 3, "three requests: \(server.requests.count)")
    }

    static func crashAndResume(_ host: any EngineScenarioHost) async throws {
        let agent = agent([ScriptedReply(toolCalls: [.init(name: "slow_echo", arguments: ["text": "x"])]), ScriptedReply(text: "Survived.")], tools: ["slow_echo"])
        let started = RunIdBox()
        try await host.withEngine { engine in
            let run = try await engine.start(StartRunRequest(agent: agent, input: "go"))
            started.set(run.id)
            let deadline = ContinuousClock.now + patience
            while host.toolKeys.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            try expect(host.toolKeys.count == 1, "the slow tool is under way when the engine stops")
        }
        let runId = try started.get()
        try await host.withEngine { engine in
            let done = try await phase(engine, runId, in: [.completed, .failed, .cancelled])
            try expect(done.phase == .completed && done.output == "Survived.", "the next engine finishes the run")
            try expect(host.toolKeys == ["\(runId):call_1_1", "\(runId):call_1_1"], "the call is redone with the same key: \(host.toolKeys)")
            try expect(done.iterations == 2, "no model step is redone")
        }
    }
}

/// A value set inside one engine's lifetime and read after it.
final class RunIdBox: Sendable {
    private let value = Mutex<String?>(nil)
    func set(_ id: String) { value.withLock { $0 = id } }
    func get() throws -> String {
        guard let id = value.withLock({ $0 }) else { throw EngineScenarios.Failure(description: "the run never started") }
        return id
    }
}
