public import AloftCore
import AloftStore
import AloftStorePostgres
import Foundation
public import Logging

/// A store the local engine runs on, with everything the CLI and the server do with it.
public typealias EngineStore = any LocalEngineStore & AgentStore & StoreMaintenance & RunWebhookStore & ExecutionStore

/// The right to execute a store's runs, held by one process at a time and given up when the
/// process ends however it ends: a file lock for SQLite, an advisory lock for PostgreSQL.
public protocol EngineOwnership: AnyObject, Sendable {
    /// Records which runs this process drives (nil: all of them), for `aloft runs list`.
    func record(driving runs: [String]?)
}

extension EngineLock: EngineOwnership {}

extension PostgresEngineLease: EngineOwnership {
    /// (PostgreSQL stores do not record a holder yet: `runs list` shows no run as stalled.)
    public func record(driving runs: [String]?) {}
}

/// Opens the store the configuration names: the one place that knows the concrete stores, so
/// that the server and the CLI depend on the ports only. A `postgres://` URL is a PostgreSQL
/// database; anything else is a SQLite file.
public enum EngineStores {
    /// Whether `location` names a PostgreSQL database.
    public static func isShared(_ location: String) -> Bool {
        PostgresLocation.isPostgres(location)
    }

    /// `location` as it may be shown: a URL's password masked.
    public static func display(_ location: String) -> String {
        isShared(location) ? PostgresLocation.masked(location) : location
    }

    /// Opens (creating and migrating if needed) the store at `location`.
    public static func open(_ location: String, durability: Durability = .powerCut, logger: Logger = Logger(label: "aloft")) async throws
        -> EngineStore
    {
        if isShared(location) { return try await PostgresStore.connect(url: location, logger: logger) }
        return try SQLiteStore(path: location, durability: durability)
    }

    /// Takes the right to execute `store`'s runs; nil when another live process has it. `lost`
    /// is called if a PostgreSQL lease ends while held (its connection ended): the process must
    /// then stop driving runs at once, or two processes could drive one run.
    public static func takeEngine(of store: EngineStore, lost: @escaping @Sendable () -> Void) async throws -> (any EngineOwnership)? {
        if let shared = store as? PostgresStore { return try await PostgresEngineLease.take(shared, lost: lost) }
        return try EngineLock.acquire(database: store.location)
    }

    /// Stops the process at once after the engine lease of `store` was lost: fail-stop, so that no
    /// run is driven by two processes; every run resumes from its journal on the next start.
    public static func stopAfterLosingLease(of store: EngineStore, logger: Logger) -> @Sendable () -> Void {
        let location = store.location
        return {
            logger.critical("lost the engine lease of \(location) (its database connection ended); stopping at once so that no run is driven twice — start again to resume every run")
            exit(75)  // EX_TEMPFAIL: a supervisor should start the process again
        }
    }

    /// What runs beside the engine for the store's sake (PostgreSQL's connection pool), to be
    /// run first in the process's service group so it stops last.
    public static func service(of store: EngineStore) -> PostgresStore? {
        store as? PostgresStore
    }
}
