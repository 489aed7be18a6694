public import AloftCore

/// What a workflow worker needs beyond the history: the run's start (its context lives in
/// the shared store, not in the history) and the agent's loop configuration; and where the
/// journal a task folded is projected (runs, messages, events) before its commands go out.
public protocol RunWorkflowContext: Sendable {
    func start(of input: RunWorkflowInput) async throws -> (start: RunStart, configuration: LoopConfiguration)
    /// Called after every workflow task with the whole journal; writes what is new (a replayed
    /// task projects nothing twice).
    func project(runId: String, journal: [JournalEntry]) async throws
}
