public import AloftCore

/// What a workflow worker needs beyond the history: the run's start (its context lives in
/// the shared store, not in the history) and the agent's loop configuration; and where the
/// journal a task folded is projected (runs, messages, events) before its commands go out.
public protocol RunWorkflowContext: Sendable {
    /// The run's start, and its loop configuration — or why its agent cannot run here (a
    /// missing API key, an agent file no longer valid): the run then fails with that error.
    func start(of input: RunWorkflowInput) async throws -> (start: RunStart, configuration: Result<LoopConfiguration, RunError>)
    /// The first `count` entries of the run's journal, as earlier executions of its workflow
    /// recorded them (a run continued as a new execution starts from them).
    func recorded(runId: String, count: Int) async throws -> [JournalEntry]
    /// Called after every workflow task with the whole journal; writes what is new (a replayed
    /// task projects nothing twice). `continuing`: this worker answered the run's previous
    /// task and no other worker has answered one since (the task came on its sticky queue), so
    /// what it projected then is what is stored.
    func project(runId: String, journal: [JournalEntry], continuing: Bool) async throws
}
