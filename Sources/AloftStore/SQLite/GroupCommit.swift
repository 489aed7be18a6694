import GRDB
import Synchronization

/// Commits the writes of many concurrent submitters together, so that one transaction
/// (and one fsync) serves them all.
///
/// Submitters queue their write and wait. When no drain is under way, the first one
/// schedules one on the database's writer queue; it commits everything queued as one
/// transaction, resumes those submitters, and goes on with whatever queued meanwhile until
/// the queue is empty — no task hop between commits. Under load, batches grow by themselves;
/// alone, a write is committed at once.
final class GroupCommit<Item: Sendable>: Sendable {
    private struct Waiter {
        var item: Item
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var queue: [Waiter] = []
        var draining = false
    }

    private let state = Mutex(State())
    private let writer: DatabasePool
    private let apply: @Sendable (Item, Database) throws -> Void

    /// `apply` writes one item inside the batch's transaction.
    init(writer: DatabasePool, apply: @escaping @Sendable (Item, Database) throws -> Void) {
        self.writer = writer
        self.apply = apply
    }

    /// Returns once `item` is committed; throws if it could not be.
    func submit(_ item: Item) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let startDrain = state.withLock { state in
                state.queue.append(Waiter(item: item, continuation: continuation))
                if state.draining { return false }
                state.draining = true
                return true
            }
            if startDrain {
                writer.asyncWriteWithoutTransaction { db in self.drain(db) }
            }
        }
    }

    /// Runs on the writer queue until nothing is left to commit.
    private func drain(_ db: Database) {
        while true {
            let batch: [Waiter] = state.withLock { state in
                let batch = state.queue
                state.queue = []
                if batch.isEmpty { state.draining = false }
                return batch
            }
            if batch.isEmpty { return }
            do {
                try db.inTransaction {
                    for waiter in batch { try apply(waiter.item, db) }
                    return .commit
                }
                for waiter in batch { waiter.continuation.resume() }
            } catch {
                // One bad write must not fail its neighbours: commit them one by one.
                for waiter in batch {
                    do {
                        try db.inTransaction {
                            try apply(waiter.item, db)
                            return .commit
                        }
                        waiter.continuation.resume()
                    } catch {
                        waiter.continuation.resume(throwing: error)
                    }
                }
            }
        }
    }
}
