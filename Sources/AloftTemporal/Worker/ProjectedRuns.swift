public import AloftCore
import AloftRuntime

/// The runs a worker serves, as it last projected them into the store: the run's row, its
/// journal's length and its folded state. The workflow context writes them; the activities
/// read a run's conversation from here rather than from the store.
///
/// What is here was in the store before the workflow task that projected it was answered, so
/// an activity that task scheduled (handed to this worker eagerly, or polled by it) finds the
/// conversation it is to carry on without a read. A run another worker moved on since is
/// behind here: the activity sees it is behind and reads the store.
public final class ProjectedRuns: Sendable {
    /// A run as projected.
    public struct Projection: Sendable {
        public var run: Run
        /// Journal entries stored.
        public var count: Int
        public var state: RunState
        /// The journal as just read from the store, not yet compared with a history that
        /// claims to continue it (a task folded from the start).
        var unchecked: [JournalEntry]?
    }

    private let projections: BoundedCache<String, Projection>

    public init(capacity: Int = 10_000) {
        projections = BoundedCache(capacity: capacity)
    }

    public subscript(runId: String) -> Projection? { projections[runId] }

    func set(_ projection: Projection, for runId: String) { projections.set(projection, for: runId) }

    func remove(_ runId: String) { projections.remove(runId) }
}
