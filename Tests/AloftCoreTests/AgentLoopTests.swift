import Testing

@testable import AloftCore

private let weather = ToolDefinition(
    name: "weather",
    description: "Weather for a city",
    parameters: ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]]
)
private let deleteFile = ToolDefinition(
    name: "delete_file",
    description: "Deletes a file",
    parameters: ["type": "object", "properties": ["path": ["type": "string"]], "required": ["path"]]
)

private func configuration(
    maxIterations: Int = 10,
    requireApproval: [String] = [],
    deadline: Double? = nil
) -> LoopConfiguration {
    LoopConfiguration(
        tools: [weather, deleteFile],
        policies: AgentPolicies(maxIterations: maxIterations, requireApproval: requireApproval, approvalDeadlineSeconds: deadline)
    )
}

private let start = JournalEntry.started(
    RunStart(runId: "run-1", sessionId: "s-1", agent: "a", agentVersion: "v1", context: [.system("Be brief."), .user("Hi")])
)

private func call(_ id: String, _ name: String = "weather", _ arguments: String = #"{"city":"Oslo"}"#) -> ToolCall {
    ToolCall(id: id, name: name, arguments: arguments)
}

private func toolResponse(_ calls: ToolCall...) -> JournalEntry {
    .modelResponded(step: 1, response: ModelResponse(text: "", toolCalls: calls, usage: Usage(inputTokens: 10, outputTokens: 5)))
}

@Suite("AgentLoop decides from the journal")
struct AgentLoopTests {
    @Test("a new run calls the model with its start context and tools")
    func firstModelCall() {
        let state = RunState(configuration: configuration(), journal: [start])
        let orders = AgentLoop.decide(state)
        #expect(orders.count == 1)
        guard case .callModel(let step, let request) = orders.first else { Issue.record("expected a model call"); return }
        #expect(step == 1)
        #expect(request.messages == [.system("Be brief."), .user("Hi")])
        #expect(request.tools.map(\.name) == ["weather", "delete_file"])
        #expect(AgentLoop.phase(of: state) == .running)
    }

    @Test("a plain answer completes the run")
    func plainAnswer() {
        let state = RunState(
            configuration: configuration(),
            journal: [start, .modelResponded(step: 1, response: ModelResponse(text: "Hello!", usage: Usage(inputTokens: 3, outputTokens: 2)))]
        )
        #expect(AgentLoop.decide(state) == [.finish(.completed(answer: "Hello!"))])
        #expect(state.usage == Usage(inputTokens: 3, outputTokens: 2))
    }

    @Test("one tool call runs with a stable idempotency key, then its result goes back to the model")
    func oneToolCall() {
        var state = RunState(configuration: configuration(), journal: [start, toolResponse(call("c1"))])
        let orders = AgentLoop.decide(state)
        #expect(orders == [.runTool(ToolInvocation(call: call("c1"), arguments: ["city": "Oslo"], idempotencyKey: "run-1:c1"))])

        state.apply(.toolCompleted(ToolResult(callId: "c1", name: "weather", content: "12°C")))
        guard case .callModel(let step, let request) = AgentLoop.decide(state).first else { Issue.record("expected a model call"); return }
        #expect(step == 2)
        #expect(request.messages.last == ChatMessage(role: .tool, content: "12°C", toolCallId: "c1", toolName: "weather"))
        #expect(request.messages[2].toolCalls == [call("c1")])
    }

    @Test("parallel tool calls are all ordered at once, and the model waits for every result")
    func parallelCalls() {
        var state = RunState(configuration: configuration(), journal: [start, toolResponse(call("c1"), call("c2", "weather", #"{"city":"Rome"}"#))])
        let orders = AgentLoop.decide(state)
        #expect(orders.count == 2)
        #expect(orders.allSatisfy { if case .runTool = $0 { true } else { false } })

        state.markInFlight(orders)
        state.apply(.toolCompleted(ToolResult(callId: "c2", name: "weather", content: "20°C")))
        #expect(AgentLoop.decide(state).isEmpty, "c1 is still in flight: nothing new to order")

        state.apply(.toolCompleted(ToolResult(callId: "c1", name: "weather", content: "12°C")))
        guard case .callModel(_, let request) = AgentLoop.decide(state).first else { Issue.record("expected a model call"); return }
        // Results go back in the order the model made the calls, whatever order they finished in.
        #expect(request.messages.suffix(2).map(\.toolCallId) == ["c1", "c2"])
    }

    @Test("an order in flight is never given again; after a restart it is")
    func inFlightNotReordered() {
        var state = RunState(configuration: configuration(), journal: [start])
        let orders = AgentLoop.decide(state)
        state.markInFlight(orders)
        #expect(AgentLoop.decide(state).isEmpty)
        let restarted = RunState(configuration: configuration(), journal: [start])
        #expect(AgentLoop.decide(restarted) == orders)
    }

    @Test("a tool error is reported to the model as the call's result")
    func toolError() {
        var state = RunState(configuration: configuration(), journal: [start, toolResponse(call("c1"))])
        state.apply(.toolCompleted(ToolResult(callId: "c1", name: "weather", content: "service unavailable", failure: .toolError)))
        guard case .callModel(_, let request) = AgentLoop.decide(state).first else { Issue.record("expected a model call"); return }
        #expect(request.messages.last?.content == "service unavailable")
    }

    @Test("what follows without anything happening outside is settled at once: the end of a run, results for calls that cannot run")
    func settledEntries() {
        let answered = RunState(configuration: configuration(), journal: [start, .modelResponded(step: 1, response: ModelResponse(text: "Hello!"))])
        #expect(AgentLoop.settledEntries(after: answered) == [.finished(.completed(answer: "Hello!"))])

        let malformed = RunState(configuration: configuration(), journal: [start, toolResponse(call("c1", "weather", "{city"), call("c2", "teleport", "{}"))])
        let settled = AgentLoop.settledEntries(after: malformed)
        #expect(settled.map { if case .toolCompleted(let result) = $0 { result.callId } else { "?" } } == ["c1", "c2"], "then the model is called: nothing more")

        let mixed = RunState(configuration: configuration(), journal: [start, toolResponse(call("c1", "weather", "{city"), call("c2"))])
        #expect(AgentLoop.settledEntries(after: mixed).isEmpty, "a call still has to run: the step waits for it")
        #expect(AgentLoop.settledEntries(after: RunState(configuration: configuration(), journal: [start])).isEmpty)
        let cancelled = RunState(configuration: configuration(), journal: [start, .cancelRequested(reason: "enough")])
        #expect(AgentLoop.settledEntries(after: cancelled) == [.finished(.cancelled(reason: "enough"))])
    }

    @Test("malformed tool arguments become a validation error for the model; the tool does not run")
    func malformedArguments() {
        let state = RunState(
            configuration: configuration(),
            journal: [start, toolResponse(call("c1", "weather", "{city: Oslo"), call("c2", "weather", #"{"town":"Oslo"}"#), call("c3", "teleport", "{}"))]
        )
        let orders = AgentLoop.decide(state)
        #expect(orders.count == 3)
        var results: [String: ToolResult] = [:]
        for order in orders {
            guard case .recordToolResult(let result) = order else { Issue.record("expected only recorded results, got \(order)"); continue }
            results[result.callId] = result
        }
        #expect(results["c1"]?.failure == .invalidArguments)
        #expect(results["c1"]?.content.contains("not valid JSON") == true)
        #expect(results["c2"]?.failure == .invalidArguments)
        #expect(results["c2"]?.content.contains("missing required property 'city'") == true)
        #expect(results["c3"]?.failure == .unknownTool)
        #expect(results["c3"]?.content.contains("weather") == true)
    }

    @Test("max iterations fails the run with a clear error")
    func maxIterations() {
        var state = RunState(configuration: configuration(maxIterations: 1), journal: [start, toolResponse(call("c1"))])
        state.apply(.toolCompleted(ToolResult(callId: "c1", name: "weather", content: "12°C")))
        guard case .finish(.failed(let error)) = AgentLoop.decide(state).first else { Issue.record("expected failure"); return }
        #expect(error.code == .maxIterationsExceeded)
        #expect(error.message.contains("max_iterations"))
    }

    @Test("a call that needs approval waits; the others run meanwhile")
    func approvalWaits() {
        let state = RunState(
            configuration: configuration(requireApproval: ["delete_file"], deadline: 60),
            journal: [start, toolResponse(call("c1"), call("c2", "delete_file", #"{"path":"/tmp/x"}"#))]
        )
        let orders = AgentLoop.decide(state)
        #expect(orders.count == 2)
        #expect(orders.contains { if case .runTool(let i) = $0 { i.call.id == "c1" } else { false } })
        #expect(orders.contains(.awaitApproval(calls: [call("c2", "delete_file", #"{"path":"/tmp/x"}"#)], deadlineSeconds: 60)))
        #expect(AgentLoop.phase(of: state) == .running)

        var afterTool = state
        afterTool.apply(.toolCompleted(ToolResult(callId: "c1", name: "weather", content: "12°C")))
        #expect(AgentLoop.phase(of: afterTool) == .waitingForApproval)
        #expect(AgentLoop.callsAwaitingApproval(afterTool).map(\.id) == ["c2"])
    }

    @Test("an approved call runs")
    func approved() {
        var state = RunState(configuration: configuration(requireApproval: ["delete_file"]), journal: [start, toolResponse(call("c2", "delete_file", #"{"path":"/x"}"#))])
        state.apply(.approvalResolved(ApprovalDecision(callId: "c2", approved: true)))
        guard case .runTool(let invocation) = AgentLoop.decide(state).first else { Issue.record("expected the tool to run"); return }
        #expect(invocation.call.id == "c2")
        #expect(AgentLoop.phase(of: state) == .running)
    }

    @Test("a denied call is reported to the model with the reason")
    func denied() {
        var state = RunState(configuration: configuration(requireApproval: ["delete_file"]), journal: [start, toolResponse(call("c2", "delete_file", #"{"path":"/x"}"#))])
        state.apply(.approvalResolved(ApprovalDecision(callId: "c2", approved: false, reason: "too risky")))
        guard case .recordToolResult(let result) = AgentLoop.decide(state).first else { Issue.record("expected a denial"); return }
        #expect(result.failure == .denied)
        #expect(result.content.contains("too risky"))
    }

    @Test("a passed approval deadline denies the call")
    func deadlinePassed() {
        var state = RunState(configuration: configuration(requireApproval: ["delete_file"], deadline: 1), journal: [start, toolResponse(call("c2", "delete_file", #"{"path":"/x"}"#))])
        state.apply(.approvalTimedOut(callIds: ["c2"]))
        guard case .recordToolResult(let result) = AgentLoop.decide(state).first else { Issue.record("expected a denial"); return }
        #expect(result.failure == .denied)
        #expect(result.content.contains("deadline"))
    }

    @Test("cancel during a model call, during tools, and while waiting ends the run cancelled", arguments: [
        [start],
        [start, toolResponse(call("c1"))],
        [start, toolResponse(call("c2", "delete_file", #"{"path":"/x"}"#))],
    ])
    func cancel(journal: [JournalEntry]) {
        var state = RunState(configuration: configuration(requireApproval: ["delete_file"]), journal: journal)
        state.markInFlight(AgentLoop.decide(state))
        state.apply(.cancelRequested(reason: "user pressed stop"))
        #expect(AgentLoop.decide(state) == [.finish(.cancelled(reason: "user pressed stop"))])
        state.apply(.finished(.cancelled(reason: "user pressed stop")))
        #expect(AgentLoop.decide(state).isEmpty)
        #expect(AgentLoop.phase(of: state) == .cancelled)
    }

    @Test("a model failure fails the run with its error")
    func modelFailure() {
        let error = RunError(code: .modelFailed, message: "401 invalid api key")
        let state = RunState(configuration: configuration(), journal: [start, .modelFailed(step: 1, error: error)])
        #expect(AgentLoop.decide(state) == [.finish(.failed(error))])
    }
}
