import Synchronization

/// The JSON of finished runs, which never change again: `GET /v1/runs/{id}` answers them
/// without touching the database. Bounded in entries and in bytes (a run's JSON carries its
/// whole answer); deleting or pruning runs forgets them.
final class FinishedRunCache: Sendable {
    private struct State {
        var entries: [String: (json: String, sessionId: String)] = [:]
        var order: [String] = []
        var bytes = 0

        mutating func remove(_ runId: String) {
            if let entry = entries.removeValue(forKey: runId) { bytes -= entry.json.utf8.count }
        }
    }

    private let state = Mutex(State())
    let capacity: Int
    let maxBytes: Int

    init(capacity: Int = 10_000, maxBytes: Int = 32 << 20) {
        self.capacity = capacity
        self.maxBytes = maxBytes
    }

    func json(runId: String) -> String? {
        state.withLock { $0.entries[runId]?.json }
    }

    /// Bytes of JSON held.
    var bytes: Int { state.withLock { $0.bytes } }

    func store(runId: String, sessionId: String, json: String) {
        let size = json.utf8.count
        guard size <= maxBytes / 4 else { return }  // a huge answer is read from the database each time
        state.withLock { state in
            guard state.entries[runId] == nil else { return }
            state.entries[runId] = (json, sessionId)
            state.bytes += size
            state.order.append(runId)
            var evicted = 0
            while state.order.count - evicted > capacity || state.bytes > maxBytes {
                state.remove(state.order[evicted])
                evicted += 1
            }
            if evicted > 0 { state.order.removeFirst(evicted) }
        }
    }

    func forget(runId: String) {
        state.withLock { state in
            state.remove(runId)
            state.order.removeAll { $0 == runId }
        }
    }

    func forget(sessionId: String) {
        state.withLock { state in
            let runs = Set(state.entries.filter { $0.value.sessionId == sessionId }.map(\.key))
            for run in runs { state.remove(run) }
            state.order.removeAll { runs.contains($0) }
        }
    }

    /// Forgets everything (after runs were pruned from the database).
    func removeAll() {
        state.withLock { $0 = State() }
    }
}
