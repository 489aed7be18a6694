import AloftCore
import Synchronization

/// The scheduler's book of runs: which runs are being driven (each by exactly one driver),
/// the queue of runs to drive, and who waits for the engine to become idle.
final class RunRegistry: Sendable {
    private struct State {
        var active: [String: RunControl] = [:]
        /// Inbox rows and timers already handed to a driver, so polling does not deliver them twice.
        var delivered: Set<String> = []
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    let queue: AsyncStream<RunControl>
    private let queueContinuation: AsyncStream<RunControl>.Continuation

    init() {
        (queue, queueContinuation) = AsyncStream.makeStream(of: RunControl.self, bufferingPolicy: .unbounded)
    }

    /// Makes sure the run is driven, handing it `delivery` if given. `abandonedAttempts`: the
    /// run is taken over after the engine stopped while driving it (see `RunControl`).
    func schedule(runId: String, delivery: RunCommandDelivery? = nil, seed: RunSeed? = nil, abandonedAttempts: Int = 0) {
        let control: RunControl? = state.withLock { state in
            if let key = delivery.flatMap(Self.key) {
                guard state.delivered.insert(key).inserted else { return nil }
            }
            if let existing = state.active[runId] {
                if let delivery { existing.deliver(delivery) }
                return nil
            }
            let control = RunControl(runId: runId, seed: seed, abandonedAttempts: abandonedAttempts)
            if let delivery { control.deliver(delivery) }
            state.active[runId] = control
            return control
        }
        if let control { queueContinuation.yield(control) }
    }

    /// The driver is done with the run for now. Returns false (and keeps it active) when
    /// commands arrived meanwhile: the driver must go on.
    func release(_ control: RunControl) -> Bool {
        let waiters: [CheckedContinuation<Void, Never>]? = state.withLock { state in
            if control.hasCommands { return nil }
            state.active[control.runId] = nil
            guard state.active.isEmpty else { return [] }
            defer { state.idleWaiters = [] }
            return state.idleWaiters
        }
        guard let waiters else { return false }
        for waiter in waiters { waiter.resume() }
        return true
    }

    /// Forgets that these inbox rows and timers were delivered (they are consumed or discarded).
    func forget(_ deliveries: [RunCommandDelivery]) {
        state.withLock { state in
            for key in deliveries.compactMap(Self.key) { state.delivered.remove(key) }
        }
    }

    var activeCount: Int { state.withLock { $0.active.count } }

    /// Returns once no run is being driven.
    func waitUntilIdle() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { state in
                if state.active.isEmpty { return true }
                state.idleWaiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }

    func finishQueue() {
        queueContinuation.finish()
    }

    private static func key(_ delivery: RunCommandDelivery) -> String? {
        if let id = delivery.inboxId { return "inbox:\(id)" }
        if let id = delivery.timerId { return "timer:\(id)" }
        return nil
    }
}
