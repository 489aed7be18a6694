public import AloftCore

extension SQLiteStore: LocalEngineStore, AgentStore, RunPruner, StoreMaintenance {
    public var location: String { path }

    public var files: [String] { ["", "-wal", "-shm", "-journal"].map { path + $0 } }
}
