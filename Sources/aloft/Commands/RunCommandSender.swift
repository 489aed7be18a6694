import AloftCore
import AloftEngine
import ArgumentParser
import Foundation

/// Delivers a command to a run. When no other aloft process owns the database, it runs the
/// engine here and follows the run until it ends or waits again; otherwise it leaves the
/// command in the database for the process that owns it.
struct RunCommandSender {
    let store: EngineStore
    let verbose: Bool

    func send(
        to runId: String,
        _ act: @escaping @Sendable (LocalEngine) async throws -> Void,
        queued: () -> [AloftCore.RunCommand]
    ) async throws {
        guard let existing = try await store.run(id: runId) else {
            printError("error: no run \(runId) in \(store.location)")
            throw ExitCode(1)
        }
        let interactive = RunFollower.stdinIsTerminal
        let outcome: RunPhase?
        do {
            outcome = try await EngineHost.withEngine(store: store, verbose: verbose, onlyOwnRuns: true) { engine in
                try await act(engine)
                return try await RunFollower(engine: engine, json: false, interactive: interactive).follow(runId: runId, after: existing.eventSeq)
            }
        } catch let error as EngineError {
            printError("error: \(error)")
            throw ExitCode(1)
        }
        guard let outcome else {
            guard !existing.phase.isTerminal else {
                printError("error: run \(runId) has already ended (\(existing.phase.rawValue))")
                throw ExitCode(1)
            }
            for command in queued() { try await store.enqueue(command, runId: runId) }
            printError("recorded; the aloft process that owns \(store.location) will carry it out")
            return
        }
        if outcome == .waitingForApproval { throw ExitCode(3) }
    }
}
