/// A request for a run, from another process, waiting in the database until the engine
/// that owns the run picks it up.
public enum RunCommand: Sendable, Hashable, Codable {
    case cancel(reason: String?)
    case resolveApproval(decision: ApprovalDecision)
    case approvalDeadlinePassed(callIds: [String])
    /// The run was started by a process that does not execute runs (a server standing by):
    /// the executing engine takes it up. Records nothing in the journal.
    case drive
}
