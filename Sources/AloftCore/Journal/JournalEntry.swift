/// A recorded fact of a run. The journal — a run's entries in order — is its source of truth:
/// everything else (phase, messages, events) is derived from it.
public enum JournalEntry: Sendable, Hashable, Codable {
    /// The run began, with the exact model context it was given.
    case started(RunStart)
    /// The model answered the call of iteration `step` (1-based).
    case modelResponded(step: Int, response: ModelResponse)
    /// The model call of iteration `step` failed for good (after its retries).
    case modelFailed(step: Int, error: RunError)
    /// A tool call has its result (success, tool error, validation error or denial).
    case toolCompleted(ToolResult)
    /// A person approved or denied a tool call.
    case approvalResolved(ApprovalDecision)
    /// The approval deadline of these calls passed: they count as denied.
    case approvalTimedOut(callIds: [String])
    /// Someone asked the run to stop.
    case cancelRequested(reason: String?)
    /// The run ended.
    case finished(RunOutcome)
}

/// How a run began: which agent version, and the model context built for it.
public struct RunStart: Sendable, Hashable, Codable {
    public var runId: String
    public var sessionId: String
    public var agent: String
    /// Content hash of the agent definition this run uses, so that editing the agent
    /// file does not change a run already under way.
    public var agentVersion: String
    /// Instructions, summary, history and the new input: exactly what the first model call sees.
    public var context: [ChatMessage]
    /// Where the context came from, when it was built by `ConversationContext.build` from the
    /// agent version's instructions, the session's summary, the session messages at positions
    /// `historyFrom ..< messageBase` and the run's input: stores then keep this reference
    /// instead of a copy (see `CompactJournal`). Nil for a context given whole.
    public var historyFrom: Int?
    /// Tokens the session's earlier runs had used when this run started, for
    /// `policies.max_tokens_per_session` (recorded, so a resumed run counts the same); nil when
    /// the agent has no session budget.
    public var sessionUsage: Usage?
    /// The prices the run's cost budget counts with (from the agent file or the price list),
    /// recorded so that a resumed run counts the same; nil without a cost budget.
    public var prices: ModelPrices?

    public init(
        runId: String, sessionId: String, agent: String, agentVersion: String, context: [ChatMessage], historyFrom: Int? = nil,
        sessionUsage: Usage? = nil, prices: ModelPrices? = nil
    ) {
        self.prices = prices
        self.sessionUsage = sessionUsage
        self.runId = runId
        self.sessionId = sessionId
        self.agent = agent
        self.agentVersion = agentVersion
        self.context = context
        self.historyFrom = historyFrom
    }
}

/// The result of one tool call, as reported to the model.
public struct ToolResult: Sendable, Hashable, Codable {
    /// Why a result is an error, when it is one.
    public enum Failure: String, Sendable, Hashable, Codable {
        /// The tool ran and failed.
        case toolError = "tool_error"
        /// The arguments did not match the tool's parameters; the tool did not run.
        case invalidArguments = "invalid_arguments"
        /// The model named a tool the agent does not have.
        case unknownTool = "unknown_tool"
        /// A person denied the call, or its approval deadline passed.
        case denied
    }

    public var callId: String
    public var name: String
    public var content: String
    public var failure: Failure?
    /// Tokens the call used on the run's behalf (an agent called as a tool: its child run's),
    /// rolled up into the run's usage and budgets.
    public var usage: Usage?

    public init(callId: String, name: String, content: String, failure: Failure? = nil, usage: Usage? = nil) {
        self.usage = usage
        self.callId = callId
        self.name = name
        self.content = content
        self.failure = failure
    }

    public var isError: Bool { failure != nil }
}

/// A person's decision on a tool call that needs approval.
public struct ApprovalDecision: Sendable, Hashable, Codable {
    public var callId: String
    public var approved: Bool
    public var reason: String?
    /// Who decided, for the record: a person at a terminal (`alice@host (cli)`), or what an
    /// API client said (`decided_by`) with the key it used. Nil in journals written before.
    public var decidedBy: String?

    public init(callId: String, approved: Bool, reason: String? = nil, decidedBy: String? = nil) {
        self.callId = callId
        self.approved = approved
        self.reason = reason
        self.decidedBy = decidedBy
    }
}
