import AloftEngine
import Logging
import ServiceLifecycle

/// Holds the store's engine lock while the server runs, and lets it go once everything that
/// uses the store has stopped (it is the first service, so it stops last).
///
/// A server that started standing by (another process executes the runs of the shared
/// database) tries to take the lock every second; once it has it, its engine takes over and
/// resumes every unfinished run.
struct EngineLockService: Service {
    let lock: (any EngineOwnership)?
    let take: @Sendable () async throws -> (any EngineOwnership)?
    let engine: LocalEngine
    let logger: Logger

    func run() async throws {
        var held = lock
        while held == nil {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            } catch {
                return
            }
            do {
                held = try await take()
            } catch {
                logger.warning("cannot try to take the engine over", metadata: ["error": "\(error)"])
            }
            if let held {
                held.record(driving: nil)
                engine.takeOver()
            }
        }
        try? await gracefulShutdown()
        withExtendedLifetime(held) {}
    }
}
