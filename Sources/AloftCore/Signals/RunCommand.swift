/// A request for a run, from another process, waiting in the database until the engine
/// that owns the run picks it up.
public enum RunCommand: Sendable, Hashable, Codable {
    case cancel(reason: String?)
    case resolveApproval(decision: ApprovalDecision)
    case approvalDeadlinePassed(callIds: [String])
}
