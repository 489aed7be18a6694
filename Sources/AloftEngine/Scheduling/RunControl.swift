import AloftCore
import AloftStore
import Synchronization

/// A command for a run, with the inbox row or timer it came from (consumed with the step
/// that records it).
struct RunCommandDelivery: Sendable {
    var command: RunCommand
    var inboxId: Int64?
    var timerId: String?
}

/// A run as just recorded, so its driver need not read it back.
struct RunSeed: Sendable {
    var run: Run
    var journal: [JournalEntry]
}

/// The mailbox of a run being driven: commands waiting to be recorded, a signal that
/// interrupts the step in flight when a stop arrives, and the run's event numbering.
final class RunControl: Sendable {
    private struct State {
        var commands: [RunCommandDelivery] = []
        var stopRequested = false
        var stopWaiter: CheckedContinuation<Void, Never>?
        var eventSeq = 0
    }

    let runId: String
    private let state = Mutex(State())
    private let seedState: Mutex<RunSeed?>

    init(runId: String, seed: RunSeed? = nil) {
        self.runId = runId
        self.seedState = Mutex(seed)
    }

    /// The seed, once: later activations read the store.
    func takeSeed() -> RunSeed? {
        seedState.withLock { seed in
            defer { seed = nil }
            return seed
        }
    }

    func deliver(_ delivery: RunCommandDelivery) {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            state.commands.append(delivery)
            guard case .cancel = delivery.command else { return nil }
            state.stopRequested = true
            defer { state.stopWaiter = nil }
            return state.stopWaiter
        }
        waiter?.resume()
    }

    func takeCommands() -> [RunCommandDelivery] {
        state.withLock { state in
            defer { state.commands = [] }
            return state.commands
        }
    }

    var hasCommands: Bool { state.withLock { !$0.commands.isEmpty } }

    /// Returns when a stop is requested, or when the calling task is cancelled.
    func waitForStop() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.stopRequested || Task.isCancelled { return true }
                    state.stopWaiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.stopWaiter = nil }
                return state.stopWaiter
            }
            waiter?.resume()
        }
    }

    var stopRequested: Bool { state.withLock { $0.stopRequested } }

    /// Numbers an event and publishes it, atomically, so events reach subscribers in order.
    func emit(_ draft: RunEventDraft, to hub: RunEventHub) {
        state.withLock { state in
            state.eventSeq += 1
            hub.publish(RunEvent(runId: runId, seq: state.eventSeq, kind: draft.kind, data: draft.data))
        }
    }

    var eventSeq: Int {
        get { state.withLock { $0.eventSeq } }
        set { state.withLock { $0.eventSeq = max($0.eventSeq, newValue) } }
    }
}
