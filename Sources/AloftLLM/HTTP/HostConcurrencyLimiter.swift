import Synchronization

/// Lets at most `limit` requests per host be in flight and queues the rest in order.
/// Waiting here is not part of a call's deadline (the clock starts once a slot is free);
/// the time spent waiting is reported so that queueing shows in metrics, not as timeouts.
public final class HostConcurrencyLimiter: Sendable {
    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct HostState {
        var active = 0
        var waiters: [Waiter] = []
    }

    private struct State {
        var hosts: [String: HostState] = [:]
        var nextId: UInt64 = 0
    }

    public let limit: Int
    private let state = Mutex(State())

    public init(limit: Int) {
        precondition(limit > 0, "a host needs at least one connection")
        self.limit = limit
    }

    /// Runs `operation` once fewer than `limit` calls to `host` are in flight.
    /// `onWaited` gets the time spent in the queue (zero when a slot was free).
    public func withSlot<Result>(
        host: String, onWaited: (Duration) -> Void = { _ in }, _ operation: () async throws -> Result
    ) async throws -> Result {
        let clock = ContinuousClock()
        let started = clock.now
        try await acquire(host: host)
        onWaited(clock.now - started)
        defer { release(host: host) }
        return try await operation()
    }

    /// Requests in flight and waiting for `host`.
    public func load(host: String) -> (active: Int, waiting: Int) {
        state.withLock { ($0.hosts[host]?.active ?? 0, $0.hosts[host]?.waiters.count ?? 0) }
    }

    private func acquire(host: String) async throws {
        // Deciding and queueing happen under one lock, so a release cannot slip in between.
        let id = state.withLock { state -> UInt64 in
            state.nextId += 1
            return state.nextId
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                enum Decision { case go, wait, cancelled }
                let decision = state.withLock { state -> Decision in
                    if Task.isCancelled { return .cancelled }
                    if state.hosts[host, default: HostState()].active < limit {
                        state.hosts[host, default: HostState()].active += 1
                        return .go
                    }
                    state.hosts[host, default: HostState()].waiters.append(Waiter(id: id, continuation: continuation))
                    return .wait
                }
                switch decision {
                case .go: continuation.resume()
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .wait: break
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.hosts[host]?.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.hosts[host]?.waiters.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    private func release(host: String) {
        let next = state.withLock { state -> Waiter? in
            guard var entry = state.hosts[host] else { return nil }
            defer {
                if entry.active == 0, entry.waiters.isEmpty { state.hosts[host] = nil } else { state.hosts[host] = entry }
            }
            if entry.waiters.isEmpty {
                entry.active -= 1
                return nil
            }
            // The slot passes straight to the first waiter: `active` stays the same.
            return entry.waiters.removeFirst()
        }
        next?.continuation.resume()
    }
}
