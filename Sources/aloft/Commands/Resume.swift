import AloftCore
import AloftEngine
import ArgumentParser
import Foundation

/// `aloft resume`: resumes every unfinished run in the database and waits for them.
struct Resume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Resume every unfinished run (after a crash or a kill) and wait until each ends or waits for approval."
    )

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        guard let store = try await database.existingStore() else {
            printError(database.noDatabase("no unfinished runs to resume"))
            return
        }
        // Runs waiting for a person stay parked, unless their approval deadline passed meanwhile.
        let expired = Set(try await store.dueTimers(at: Date().timeIntervalSince1970).map(\.runId))
        let before = try await store.unfinishedRuns().filter { $0.phase != .waitingForApproval || expired.contains($0.id) }
        let done = try await EngineHost.withEngine(store: store, verbose: database.verbose) { engine in
            try await engine.resumeUnfinished()
            await engine.waitUntilIdle()
            return true
        }
        guard done != nil else {
            printError("error: another aloft process owns \(store.location) and is already running its runs")
            throw ExitCode(2)
        }
        if before.isEmpty { printError("no unfinished runs to resume") }
        var failed = false
        for run in before {
            guard let after = try await store.run(id: run.id) else { continue }
            printError(RunFollower.summary(of: after))
            if after.phase == .waitingForApproval { printError("  approve: aloft approve \(after.id)") }
            failed = failed || after.phase == .failed
        }
        if failed { throw ExitCode(1) }
    }
}
