/// Reading runs, sessions and their messages, approvals and events: what the API and the
/// terminal need from a store, whichever store it is (SQLite now, PostgreSQL next).
///
/// Every method reads committed state only. Implementations must answer each of these
/// through an index: their cost may not grow with the number of runs stored.
public protocol RunReader: Sendable {
    func run(id: String) async throws -> Run?
    /// Runs, newest first.
    func runs(_ query: RunQuery) async throws -> [Run]
    func session(id: String) async throws -> Session?
    /// Sessions, newest first.
    func sessions(_ query: SessionQuery) async throws -> [Session]
    /// A run's messages in order.
    func messages(runId: String) async throws -> [Message]
    /// A session's messages in order; `last` keeps only the most recent ones.
    func messages(sessionId: String, last: Int?) async throws -> [Message]
    /// A page of a session's messages after a position.
    func messages(sessionId: String, after position: Int, limit: Int) async throws -> [Message]
    /// The tokens all runs of a session used together (runs deleted since are not counted).
    func sessionUsage(sessionId: String) async throws -> Usage
    /// Tool calls waiting for a decision, of one run or (nil) of all.
    func pendingApprovals(runId: String?) async throws -> [PendingApproval]
    /// A run's stored events numbered above `after` (and below `before`), in order, about `limit` at most.
    func events(runId: String, after: Int, before: Int?, limit: Int) async throws -> [RunEvent]
    /// A run's journal, in order.
    func journal(runId: String) async throws -> [JournalEntry]
    /// A run's journal, in order, with the time each entry was recorded.
    func journalRecords(runId: String) async throws -> [JournalRecord]
    /// The agent definition stored under a version.
    func agentDefinition(version: String) async throws -> AgentDefinition?
    /// How many runs are in each phase.
    func runCountsByPhase() async throws -> [RunPhase: Int]
    /// Whether the store answers (for readiness checks).
    func ping() async throws
}

extension RunReader {
    public func messages(sessionId: String) async throws -> [Message] {
        try await messages(sessionId: sessionId, last: nil)
    }

    public func pendingApprovals() async throws -> [PendingApproval] {
        try await pendingApprovals(runId: nil)
    }

    public func events(runId: String, after: Int) async throws -> [RunEvent] {
        try await events(runId: runId, after: after, before: nil, limit: 1000)
    }
}
