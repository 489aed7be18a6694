public import AloftCore
import AloftStore

/// A store the local engine runs on, with everything the CLI and the server do with it.
public typealias EngineStore = any LocalEngineStore & AgentStore & StoreMaintenance

/// Opens the store the configuration names: the one place that knows the concrete stores
/// (SQLite today; PostgreSQL next), so that the server and the CLI depend on the ports only.
public enum EngineStores {
    /// Opens (creating and migrating if needed) the store at `location`.
    public static func open(_ location: String, durability: Durability = .powerCut) throws -> EngineStore {
        try SQLiteStore(path: location, durability: durability)
    }
}
