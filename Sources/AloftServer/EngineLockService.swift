import AloftEngine
import ServiceLifecycle

/// Holds the store's engine lock while the server runs, and lets it go once everything that
/// uses the store has stopped (it is the first service, so it stops last).
struct EngineLockService: Service {
    let lock: any EngineOwnership

    func run() async throws {
        try? await gracefulShutdown()
        withExtendedLifetime(lock) {}
    }
}
