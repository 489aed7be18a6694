public import AloftCore

extension SQLiteStore: LocalEngineStore, AgentStore, RunPruner {
    public var files: [String] { ["", "-wal", "-shm", "-journal"].map { path + $0 } }
}
