import AloftCore

/// A request for a run, from another process, waiting in the database until the engine
/// that owns the run picks it up.
public enum RunCommand: Sendable, Hashable, Codable {
    case cancel(reason: String?)
    case resolveApproval(decision: ApprovalDecision)
    case approvalDeadlinePassed(callIds: [String])
}

/// A command as stored, with the id it is consumed by.
public struct QueuedRunCommand: Sendable, Hashable {
    public var id: Int64
    public var runId: String
    public var command: RunCommand

    public init(id: Int64, runId: String, command: RunCommand) {
        self.id = id
        self.runId = runId
        self.command = command
    }
}

/// A tool call waiting for a person's decision.
public struct PendingApproval: Sendable, Hashable, Codable {
    public var runId: String
    public var call: ToolCall
    public var requestedAt: Double
    /// Seconds since 1970 at which the call is denied automatically.
    public var deadline: Double?

    public init(runId: String, call: ToolCall, requestedAt: Double, deadline: Double?) {
        self.runId = runId
        self.call = call
        self.requestedAt = requestedAt
        self.deadline = deadline
    }
}

/// A durable timer: fires at `fireAt` (seconds since 1970) even if the process restarted meanwhile.
public struct DurableTimer: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// Deny the calls in `callIds` if nobody decided by then.
        case approvalDeadline = "approval_deadline"
    }

    public var id: String
    public var runId: String
    public var fireAt: Double
    public var kind: Kind
    public var callIds: [String]

    public init(id: String, runId: String, fireAt: Double, kind: Kind, callIds: [String]) {
        self.id = id
        self.runId = runId
        self.fireAt = fireAt
        self.kind = kind
        self.callIds = callIds
    }
}
