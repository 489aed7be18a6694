/// What a run's agent may do: the tools the model is offered and the policies the loop obeys.
/// Derived from the agent version a run started with, so it does not change under a run.
public struct LoopConfiguration: Sendable, Hashable {
    public var tools: [ToolDefinition]
    public var policies: AgentPolicies
    /// What the model's tokens cost (`model.prices`), for a cost budget.
    public var prices: ModelPrices?

    public init(tools: [ToolDefinition], policies: AgentPolicies, prices: ModelPrices? = nil) {
        self.tools = tools
        self.policies = policies
        self.prices = prices
    }
}

/// A run folded from its journal: `state = fold(journal)`.
///
/// `inFlight` is the one part not derived from the journal: the orders an interpreter is
/// carrying out right now. It is empty after a restart, which is what makes an order whose
/// result was never recorded be ordered again.
public struct RunState: Sendable {
    /// One model iteration: the model's response and the results of its tool calls so far.
    public struct Iteration: Sendable, Hashable {
        public var response: ModelResponse
        public var results: [String: ToolResult]

        /// The tool calls that have no result yet, in the order the model made them.
        public var unresolvedCalls: [ToolCall] { response.toolCalls.filter { results[$0.id] == nil } }
    }

    public let configuration: LoopConfiguration
    public private(set) var start: RunStart?
    public private(set) var iterations: [Iteration] = []
    public private(set) var modelFailure: RunError?
    public private(set) var approvals: [String: ApprovalDecision] = [:]
    public private(set) var timedOutApprovals: Set<String> = []
    public private(set) var cancelRequested = false
    public private(set) var cancelReason: String?
    public private(set) var outcome: RunOutcome?
    public private(set) var usage = Usage()
    /// Entries folded so far: the sequence number the next entry gets is `entryCount + 1`.
    public private(set) var entryCount = 0
    /// Orders being carried out now (see the type's documentation).
    public var inFlight: Set<OrderKey> = []

    public init(configuration: LoopConfiguration, journal: [JournalEntry] = []) {
        self.configuration = configuration
        for entry in journal { apply(entry) }
    }

    /// Folds one more entry in; the order it answered is no longer in flight.
    public mutating func apply(_ entry: JournalEntry) {
        entryCount += 1
        switch entry {
        case .started(let start):
            self.start = start
        case .modelResponded(let step, let response):
            if step == iterations.count + 1 {
                iterations.append(Iteration(response: response, results: [:]))
                usage = usage + response.usage
            }
            inFlight.remove(.model(step: step))
        case .modelFailed(let step, let error):
            modelFailure = error
            inFlight.remove(.model(step: step))
        case .toolCompleted(let result):
            if !iterations.isEmpty, iterations[iterations.count - 1].response.toolCalls.contains(where: { $0.id == result.callId }) {
                if iterations[iterations.count - 1].results[result.callId] == nil, let used = result.usage { usage = usage + used }
                iterations[iterations.count - 1].results[result.callId] = result
            }
            inFlight.remove(.tool(callId: result.callId))
        case .approvalResolved(let decision):
            approvals[decision.callId] = decision
            inFlight = inFlight.filter { key in
                if case .approval(let ids) = key { return !ids.contains(decision.callId) }
                return true
            }
        case .approvalTimedOut(let callIds):
            timedOutApprovals.formUnion(callIds)
            inFlight = inFlight.filter { key in
                if case .approval(let ids) = key { return Set(ids).isDisjoint(with: callIds) }
                return true
            }
        case .cancelRequested(let reason):
            cancelRequested = true
            cancelReason = reason
        case .finished(let outcome):
            self.outcome = outcome
            inFlight.removeAll()
        }
    }

    /// Marks orders as being carried out, so `AgentLoop.decide` does not order them again.
    public mutating func markInFlight(_ orders: [Order]) {
        for order in orders { inFlight.insert(order.key) }
    }

    /// The messages so far: the start context, then each iteration's answer and tool results.
    public var transcript: [ChatMessage] {
        var messages = start?.context ?? []
        for iteration in iterations {
            messages.append(
                ChatMessage(role: .assistant, content: iteration.response.text, toolCalls: iteration.response.toolCalls, signature: iteration.response.signature)
            )
            for call in iteration.response.toolCalls {
                if let result = iteration.results[call.id] {
                    messages.append(
                        ChatMessage(role: .tool, content: result.content, toolCallId: call.id, toolName: call.name)
                    )
                }
            }
        }
        return messages
    }

    /// The key a tool can use to make a retried call exactly-once.
    public func idempotencyKey(for call: ToolCall) -> String {
        "\(start?.runId ?? "run"):\(call.id)"
    }
}
