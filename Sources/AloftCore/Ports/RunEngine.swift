/// An engine that executes agent runs durably: the embedded one on this machine, or one on
/// Temporal. The API, the terminal and the engine scenario suite talk to engines through this.
public protocol RunEngine: Sendable {
    /// Records the start of a run durably and has it executed. Its events can be followed
    /// from number 0.
    func start(_ request: StartRunRequest) async throws -> Run
    /// Asks a run to stop; durable. `EngineError` `run_not_found` / `run_finished` otherwise.
    func cancel(runId: String, reason: String?) async throws
    /// Approves or denies a tool call waiting for approval.
    func resolveApproval(runId: String, decision: ApprovalDecision) async throws
    /// The run's events after number `after`: stored ones, then live ones; ends after the
    /// terminal event.
    func runEvents(runId: String, after: Int) async throws -> any AsyncSequence<RunEvent, any Error>
    /// Where runs are read from.
    var reader: any RunReader { get }
}
