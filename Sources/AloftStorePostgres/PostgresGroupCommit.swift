import Synchronization

/// Commits the steps of many concurrent runs together: everything queued goes to the database
/// as one call (one round trip, one transaction, one WAL flush). Announcements of live events
/// go the same way.
///
/// Submitters queue their item and wait. Up to `concurrentBatches` batches are under way at
/// once, each on a connection of its own, so that while one waits for its flush the next is
/// being written; each goes on with whatever queued meanwhile until the queue is empty. Under
/// load, batches grow by themselves; alone, a step is committed at once. Each item gets its
/// own `Answer` back (the numbers the database gave its events).
final class PostgresGroupCommit<Item: Sendable, Answer: Sendable>: Sendable {
    private struct Waiter {
        var item: Item
        /// Nil for an item sent without waiting.
        var continuation: CheckedContinuation<Answer, any Error>?
    }

    private struct State {
        var queue: [Waiter] = []
        var batchesUnderWay = 0
    }

    private let state = Mutex(State())
    private let concurrentBatches: Int
    private let largestBatch: Int
    private let write: @Sendable (_ items: [Item]) async throws -> [Answer]

    /// `write` commits items, all or none, and answers for each, in order.
    init(concurrentBatches: Int = 3, largestBatch: Int = 200, write: @escaping @Sendable (_ items: [Item]) async throws -> [Answer]) {
        self.concurrentBatches = concurrentBatches
        self.largestBatch = largestBatch
        self.write = write
    }

    /// Returns once `item` is committed; throws if it could not be.
    func submit(_ item: Item) async throws -> Answer {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Answer, any Error>) in
            queue(Waiter(item: item, continuation: continuation))
        }
    }

    /// Queues `item` without waiting for it (best effort: a failure is dropped). Items sent
    /// one after another are written in that order when `concurrentBatches` is 1.
    func send(_ item: Item) {
        queue(Waiter(item: item, continuation: nil))
    }

    private func queue(_ waiter: Waiter) {
        let startBatch = state.withLock { state in
            state.queue.append(waiter)
            guard state.batchesUnderWay < concurrentBatches else { return false }
            state.batchesUnderWay += 1
            return true
        }
        // Not a child task: it serves every submitter queued meanwhile, not just this one.
        if startBatch { Task { await self.drain() } }
    }

    /// Commits batches until nothing is queued.
    private func drain() async {
        while true {
            let batch: [Waiter] = state.withLock { state in
                let batch = Array(state.queue.prefix(largestBatch))
                state.queue.removeFirst(batch.count)
                if batch.isEmpty { state.batchesUnderWay -= 1 }
                return batch
            }
            if batch.isEmpty { return }
            do {
                let answers = try await write(batch.map(\.item))
                guard answers.count == batch.count else { throw GroupCommitMiscount(items: batch.count, answers: answers.count) }
                for (waiter, answer) in zip(batch, answers) { waiter.continuation?.resume(returning: answer) }
            } catch {
                guard batch.count > 1 else {
                    batch[0].continuation?.resume(throwing: error)
                    continue
                }
                // One refused item must not fail its neighbours: commit them one by one.
                for waiter in batch {
                    do {
                        let answers = try await write([waiter.item])
                        guard let answer = answers.first else { throw GroupCommitMiscount(items: 1, answers: 0) }
                        waiter.continuation?.resume(returning: answer)
                    } catch {
                        waiter.continuation?.resume(throwing: error)
                    }
                }
            }
        }
    }
}

/// The database answered a batch with fewer or more answers than it had items (a function
/// that does not match this Aloft).
struct GroupCommitMiscount: Error, CustomStringConvertible {
    let items: Int
    let answers: Int
    var description: String { "a batch of \(items) steps was answered \(answers) times" }
}
