import Synchronization

/// A thread-safe map that forgets its oldest entries past `capacity`: caches keyed by
/// something clients choose (agent definitions sent with requests) must not grow without end.
package final class BoundedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct State {
        var values: [Key: Value] = [:]
        var order: [Key] = []
        var start = 0
    }

    package let capacity: Int
    private let state = Mutex(State())

    package init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    package subscript(key: Key) -> Value? {
        state.withLock { $0.values[key] }
    }

    package var count: Int { state.withLock { $0.values.count } }

    /// Forgets `key`'s value.
    package func remove(_ key: Key) {
        state.withLock { _ = $0.values.removeValue(forKey: key) }
    }

    package func set(_ value: Value, for key: Key) {
        state.withLock { state in
            if state.values.updateValue(value, forKey: key) == nil { state.order.append(key) }
            while state.values.count > capacity, state.start < state.order.count {
                state.values[state.order[state.start]] = nil
                state.start += 1
            }
            if state.start > 1024, state.start * 2 > state.order.count {
                state.order.removeFirst(state.start)
                state.start = 0
            }
        }
    }
}
