import AloftCore
import AloftEngine

/// What a terminal needs from wherever a run lives: its events, a way to decide approvals
/// and to stop it, and a one-line summary at the end.
protocol RunChannel: Sendable {
    func events(runId: String, after: Int) -> AsyncThrowingStream<RunEvent, any Error>
    func resolve(runId: String, decision: ApprovalDecision) async throws
    func cancel(runId: String, reason: String) async throws
    /// The run's phase and a line saying how it ended.
    func summary(runId: String) async throws -> (phase: RunPhase, line: String)
    /// What a suggested command adds to reach the run (` --server URL` for a server's runs).
    var commandSuffix: String { get }
}

extension RunChannel {
    var commandSuffix: String { "" }
}

/// Runs in the engine of this process.
struct EngineRunChannel: RunChannel {
    let engine: LocalEngine

    func events(runId: String, after: Int) -> AsyncThrowingStream<RunEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await event in try await engine.events(runId: runId, after: after) { continuation.yield(event) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    func resolve(runId: String, decision: ApprovalDecision) async throws {
        try await engine.resolveApproval(runId: runId, decision: decision)
    }

    func cancel(runId: String, reason: String) async throws {
        try await engine.cancel(runId: runId, reason: reason)
    }

    func summary(runId: String) async throws -> (phase: RunPhase, line: String) {
        guard let run = try await engine.store.run(id: runId) else {
            throw EngineError(code: .runNotFound, message: "no run \(runId)")
        }
        return (run.phase, RunFollower.summary(of: run))
    }
}
