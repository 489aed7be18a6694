import Synchronization

/// The JSON of finished runs, which never change again: `GET /v1/runs/{id}` answers them
/// without touching the database. Bounded; deleting a run or a session forgets it.
final class FinishedRunCache: Sendable {
    private struct State {
        var entries: [String: (json: String, sessionId: String)] = [:]
        var order: [String] = []
    }

    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    func json(runId: String) -> String? {
        state.withLock { $0.entries[runId]?.json }
    }

    func store(runId: String, sessionId: String, json: String) {
        state.withLock { state in
            guard state.entries[runId] == nil else { return }
            state.entries[runId] = (json, sessionId)
            state.order.append(runId)
            if state.order.count > capacity {
                state.entries[state.order.removeFirst()] = nil
            }
        }
    }

    func forget(runId: String) {
        state.withLock { state in
            state.entries[runId] = nil
            state.order.removeAll { $0 == runId }
        }
    }

    func forget(sessionId: String) {
        state.withLock { state in
            let runs = state.entries.filter { $0.value.sessionId == sessionId }.map(\.key)
            for run in runs { state.entries[run] = nil }
            state.order.removeAll { runs.contains($0) }
        }
    }
}
