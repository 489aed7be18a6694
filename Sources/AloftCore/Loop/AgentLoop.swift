import Foundation

/// The pure, deterministic decider at the heart of Aloft: `orders = AgentLoop.decide(state)`.
///
/// No I/O, no clock, no randomness. The same journal always gives the same orders, and
/// an order already in flight is never given again. Every engine interprets these orders.
public enum AgentLoop {
    /// What must happen next. Empty when the run is finished, or when all it can do is wait
    /// for what is in flight or for a person.
    public static func decide(_ state: RunState) -> [Order] {
        allOrders(state).filter { !state.inFlight.contains($0.key) }
    }

    /// The entries the loop records next when nothing outside has to happen first — the run
    /// ends, or calls get their results without running — so that an engine can record them
    /// in the same step as the entry that led to them. Empty when something must be carried
    /// out or waited for.
    public static func settledEntries(after state: RunState) -> [JournalEntry] {
        var ahead = state
        var settled: [JournalEntry] = []
        // Each round records something, so the loop moves on; the bound is only a guard.
        for _ in 0..<8 where ahead.outcome == nil {
            let orders = allOrders(ahead, buildingRequest: false).filter { !ahead.inFlight.contains($0.key) }
            let round = orders.compactMap { order -> JournalEntry? in
                switch order {
                case .finish(let outcome): .finished(outcome)
                case .recordToolResult(let result): .toolCompleted(result)
                default: nil
                }
            }
            guard !orders.isEmpty, round.count == orders.count else { break }
            for entry in round { ahead.apply(entry) }
            settled += round
        }
        return settled
    }

    /// The phase a run's state puts it in.
    public static func phase(of state: RunState) -> RunPhase {
        if let outcome = state.outcome { return outcome.phase }
        if state.start == nil { return .pending }
        let orders = allOrders(state, buildingRequest: false)
        if !orders.isEmpty, orders.allSatisfy({ if case .awaitApproval = $0 { true } else { false } }) {
            return .waitingForApproval
        }
        return .running
    }

    /// The tool calls waiting for a person's decision right now.
    public static func callsAwaitingApproval(_ state: RunState) -> [ToolCall] {
        for order in allOrders(state, buildingRequest: false) {
            if case .awaitApproval(let calls, _) = order { return calls }
        }
        return []
    }

    /// `buildingRequest: false` leaves a model call's request empty, for callers that only
    /// look at which orders there are (building the transcript is the costly part).
    private static func allOrders(_ state: RunState, buildingRequest: Bool = true) -> [Order] {
        if state.outcome != nil { return [] }
        guard state.start != nil else {
            if state.entryCount == 0 { return [] }
            return [.finish(.failed(RunError(code: .invalidJournal, message: "the journal does not begin with a start entry")))]
        }
        if state.cancelRequested {
            return [.finish(.cancelled(reason: state.cancelReason))]
        }
        if let failure = state.modelFailure {
            return [.finish(.failed(failure))]
        }
        if let last = state.iterations.last {
            if last.response.toolCalls.isEmpty {
                return [.finish(.completed(answer: last.response.text))]
            }
            let unresolved = last.unresolvedCalls
            if !unresolved.isEmpty {
                return toolOrders(for: unresolved, in: state)
            }
        }
        let policies = state.configuration.policies
        if state.iterations.count >= policies.maxIterations {
            let message =
                "the agent made \(state.iterations.count) model calls without a final answer; "
                + "raise policies.max_iterations (now \(policies.maxIterations)) or simplify the task"
            return [.finish(.failed(RunError(code: .maxIterationsExceeded, message: message)))]
        }
        if let refusal = RunBudget.refusal(before: state) {
            return [.finish(.failed(refusal))]
        }
        let request = buildingRequest ? ModelRequest(messages: state.transcript, tools: state.configuration.tools) : ModelRequest(messages: [], tools: [])
        return [.callModel(step: state.iterations.count + 1, request: request)]
    }

    private static func toolOrders(for calls: [ToolCall], in state: RunState) -> [Order] {
        let policies = state.configuration.policies
        let approvalNeeded = Set(policies.requireApproval)
        var orders: [Order] = []
        var waiting: [ToolCall] = []
        for call in calls {
            let arguments: JSONValue
            switch validate(call, tools: state.configuration.tools) {
            case .failure(let failure):
                orders.append(.recordToolResult(failure.result))
                continue
            case .success(let value):
                arguments = value
            }
            let invocation = ToolInvocation(call: call, arguments: arguments, idempotencyKey: state.idempotencyKey(for: call))
            guard approvalNeeded.contains(call.name) else {
                orders.append(.runTool(invocation))
                continue
            }
            if let decision = state.approvals[call.id] {
                if decision.approved {
                    orders.append(.runTool(invocation))
                } else {
                    let reason = decision.reason.map { ": \($0)" } ?? ""
                    orders.append(
                        .recordToolResult(
                            ToolResult(
                                callId: call.id, name: call.name,
                                content: "A person denied this call to \(call.name)\(reason). Do not retry it; continue without it.",
                                failure: .denied
                            )
                        )
                    )
                }
            } else if state.timedOutApprovals.contains(call.id) {
                orders.append(
                    .recordToolResult(
                        ToolResult(
                            callId: call.id, name: call.name,
                            content: "No person approved this call to \(call.name) before its deadline, so it was denied. Continue without it.",
                            failure: .denied
                        )
                    )
                )
            } else {
                waiting.append(call)
            }
        }
        if !waiting.isEmpty {
            orders.append(.awaitApproval(calls: waiting, deadlineSeconds: policies.approvalDeadlineSeconds))
        }
        return orders
    }

    /// Checks a call against the agent's tools: known name, JSON arguments, schema.
    /// A failure becomes the call's result, so the model can correct itself.
    static func validate(_ call: ToolCall, tools: [ToolDefinition]) -> Result<JSONValue, ToolResultFailure> {
        guard let tool = tools.first(where: { $0.name == call.name }) else {
            let known = tools.map(\.name).joined(separator: ", ")
            return .failure(
                ToolResultFailure(
                    ToolResult(
                        callId: call.id, name: call.name,
                        content: "Unknown tool '\(call.name)'. Available tools: \(known.isEmpty ? "none" : known).",
                        failure: .unknownTool
                    )
                )
            )
        }
        let text = call.arguments.trimmingCharacters(in: .whitespacesAndNewlines)
        let arguments: JSONValue
        do {
            arguments = text.isEmpty ? .object([:]) : try JSONValue.parse(text)
        } catch {
            return .failure(
                ToolResultFailure(
                    ToolResult(
                        callId: call.id, name: call.name,
                        content: "Invalid arguments for \(call.name): not valid JSON. Send the arguments as one JSON object.",
                        failure: .invalidArguments
                    )
                )
            )
        }
        let problems = JSONSchemaValidator(schema: tool.parameters).problems(in: arguments)
        if !problems.isEmpty {
            return .failure(
                ToolResultFailure(
                    ToolResult(
                        callId: call.id, name: call.name,
                        content: "Invalid arguments for \(call.name): \(problems.joined(separator: "; ")).",
                        failure: .invalidArguments
                    )
                )
            )
        }
        return .success(arguments)
    }
}

/// A tool result that stands in for a call that cannot run.
struct ToolResultFailure: Error {
    var result: ToolResult
    init(_ result: ToolResult) { self.result = result }
}
