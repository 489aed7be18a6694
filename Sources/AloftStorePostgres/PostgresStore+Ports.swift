public import AloftCore

extension PostgresStore: LocalEngineStore, AgentStore, RunPruner, StoreMaintenance {
    /// No files: the database is another process's.
    public var files: [String] { [] }

    /// Not known without asking the server (see `pg_database_size`); benchmarks on PostgreSQL
    /// report the server's own figures instead.
    public func sizeOnDisk() -> Int { 0 }

    public func checkpoint() async throws {}

    public func preload(copiesOf runId: String, count: Int, batch: Int) async throws {
        throw StoreError(code: .unavailable, message: "preloading copies of runs is not available on PostgreSQL yet")
    }
}
