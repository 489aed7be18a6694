public import AloftCore

import Foundation
public import Logging
public import ServiceLifecycle

/// Prunes runs that finished more than `days` ago (deleting what `scope` says), at start and
/// then every `interval`, in the store's small batches. Stops at graceful shutdown.
public struct RetentionService: Service {
    let store: any RunPruner
    let days: Int
    let scope: PruneScope
    let interval: Duration
    let logger: Logger
    let onPruned: @Sendable (Int) -> Void

    public init(store: any RunPruner, days: Int, scope: PruneScope = .journalAndEvents, interval: Duration = .seconds(3600), logger: Logger, onPruned: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.store = store
        self.days = days
        self.scope = scope
        self.interval = interval
        self.logger = logger
        self.onPruned = onPruned
    }

    public func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                let deleted = try await store.prune(finishedBefore: Date().addingTimeInterval(-Double(days) * 86_400), scope: scope, batch: 500)
                if deleted > 0 {
                    logger.info("pruned finished runs", metadata: ["count": "\(deleted)", "older_than_days": "\(days)", "scope": "\(scope.rawValue)"])
                    onPruned(deleted)
                }
            } catch {
                logger.error("pruning finished runs failed; trying again later", metadata: ["error": "\(error)"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return  // cancelled, or shutting down
            }
        }
    }
}
