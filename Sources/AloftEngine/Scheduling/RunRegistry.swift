import AloftCore
import Synchronization

/// The scheduler's book of runs: `RunSchedulerState` (which runs are driven, what was
/// delivered) behind one lock, with the mailboxes of the driven runs, the queue of runs to
/// drive, and who waits for the engine to become idle.
final class RunRegistry: Sendable {
    private struct State {
        var machine = RunSchedulerState()
        var controls: [String: RunControl] = [:]
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
            switch state.machine.schedule(runId: runId, deliveryKey: delivery.flatMap(Self.key)) {
            case .duplicate:
                return nil
            case .handToDriver:
                if let delivery { state.controls[runId]?.deliver(delivery) }
                return nil
            case .startDriver:
                let control = RunControl(runId: runId, seed: seed, abandonedAttempts: abandonedAttempts)
                if let delivery { control.deliver(delivery) }
                state.controls[runId] = control
                return control
            }
        }
        if let control { queueContinuation.yield(control) }
    }

    /// The driver is done with the run for now. Returns false (and keeps it active) when
    /// commands arrived meanwhile: the driver must go on.
    func release(_ control: RunControl) -> Bool {
        let waiters: [CheckedContinuation<Void, Never>]? = state.withLock { state in
            switch state.machine.release(runId: control.runId, hasCommands: control.hasCommands) {
            case .goOn:
                return nil
            case .released(let idle):
                state.controls[control.runId] = nil
                guard idle else { return [] }
                defer { state.idleWaiters = [] }
                return state.idleWaiters
            }
        }
        guard let waiters else { return false }
        for waiter in waiters { waiter.resume() }
        return true
    }

    /// Forgets that these inbox rows and timers were delivered (they are consumed or discarded).
    func forget(_ deliveries: [RunCommandDelivery]) {
        state.withLock { $0.machine.forget(deliveryKeys: deliveries.compactMap(Self.key)) }
    }

    var activeCount: Int { state.withLock { $0.controls.count } }

    /// Returns once no run is being driven.
    func waitUntilIdle() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { state in
                if state.machine.isIdle { return true }
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
