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
