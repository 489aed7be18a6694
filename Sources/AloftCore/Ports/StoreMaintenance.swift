/// What administration and benchmarks do with a store beyond running agents.
public protocol StoreMaintenance: Sendable {
    /// Where the store is (a file path, or a URL with its password masked).
    var location: String { get }
    /// Bytes the store takes on disk.
    func sizeOnDisk() -> Int
    /// Moves pending writes into the main storage, so `sizeOnDisk` reflects what is stored.
    func checkpoint() async throws
    /// Fills the store with `count` copies of the finished run `runId`, older than anything
    /// stored, for benchmarks that measure a run in a store that already holds many.
    func preload(copiesOf runId: String, count: Int, batch: Int) async throws
}
