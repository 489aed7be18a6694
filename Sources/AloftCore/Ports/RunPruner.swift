import Foundation

/// Retention: deleting what a store keeps of runs that finished long ago.
public protocol RunPruner: Sendable {
    /// Prunes runs that finished before `cutoff` (deleting what `scope` says), `batch` runs per
    /// transaction so the engine is never held up for long. Returns how many runs were pruned.
    func prune(finishedBefore cutoff: Date, scope: PruneScope, batch: Int) async throws -> Int
}

extension RunPruner {
    /// Prunes in batches of 500 runs.
    public func prune(finishedBefore cutoff: Date, scope: PruneScope) async throws -> Int {
        try await prune(finishedBefore: cutoff, scope: scope, batch: 500)
    }
}
