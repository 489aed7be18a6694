import Synchronization

/// Commits the writes of many concurrent submitters together, so that one transaction
/// (and one fsync) serves them all.
///
/// No background task: the first submitter that finds no commit under way leads. It takes
/// every write queued so far and commits them in one batch. Submitters that arrive
/// meanwhile queue up and wait; when the batch is done, the leader hands leadership to the
/// first of them, which commits everything queued since. Under load, batches grow by
/// themselves; alone, a write is committed at once.
final class GroupCommit<Item: Sendable>: Sendable {
    private enum Role { case done, lead }

    private struct Waiter {
        var item: Item
        var continuation: CheckedContinuation<Role, any Error>?
    }

    private struct State {
        var queue: [Waiter] = []
        var committing = false
    }

    private let state = Mutex(State())
    private let commitBatch: @Sendable ([Item]) async throws -> Void

    /// `commitBatch` writes the items in one transaction, all or none.
    init(commitBatch: @escaping @Sendable ([Item]) async throws -> Void) {
        self.commitBatch = commitBatch
    }

    /// Returns once `item` is committed; throws if it could not be.
    func submit(_ item: Item) async throws {
        let role: Role = try await withCheckedThrowingContinuation { continuation in
            state.withLock { state in
                if state.committing {
                    state.queue.append(Waiter(item: item, continuation: continuation))
                } else {
                    state.committing = true
                    state.queue.append(Waiter(item: item, continuation: nil))
                    continuation.resume(returning: .lead)
                }
            }
        }
        if case .lead = role {
            try await lead()
        }
    }

    private func lead() async throws {
        let batch = state.withLock { state in
            let batch = state.queue
            state.queue = []
            return batch
        }
        var ownError: (any Error)?
        do {
            try await commitBatch(batch.map(\.item))
            for waiter in batch { waiter.continuation?.resume(returning: .done) }
        } catch {
            // One bad write must not fail its neighbours: commit them one by one.
            for waiter in batch {
                do {
                    try await commitBatch([waiter.item])
                    waiter.continuation?.resume(returning: .done)
                } catch {
                    if let continuation = waiter.continuation {
                        continuation.resume(throwing: error)
                    } else {
                        ownError = error
                    }
                }
            }
        }
        state.withLock { state in
            // Everyone who queued while we committed has a continuation: hand over to the first.
            if let index = state.queue.firstIndex(where: { $0.continuation != nil }),
                let next = state.queue[index].continuation
            {
                state.queue[index].continuation = nil
                next.resume(returning: .lead)
            } else {
                state.committing = false
            }
        }
        if let ownError { throw ownError }
    }
}
