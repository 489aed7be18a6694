import AloftCore
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
///
/// Numbering follows `RunEventNumbering`: text deltas are numbered and published at once
/// and stored with the next save; every other event is numbered, stored with its step, and
/// published once stored. No number goes beyond the last stored one by more than
/// `RunEventNumbering.unsavedLimit`, so a process taking the run over after a crash can
/// start above every number this one used.
final class RunControl: Sendable {
    private struct State {
        var commands: [RunCommandDelivery] = []
        var stopRequested = false
        var stopWaiter: CheckedContinuation<Void, Never>?
        /// The last number given.
        var eventSeq = 0
        /// The highest number known stored.
        var storedSeq = 0
        /// Deltas published but not yet stored, and their size.
        var unsaved: [RunEvent] = []
        var unsavedBytes = 0
        /// Set until the stored numbering is first adopted, for a run taken over after a crash.
        var takenOver: Bool
        /// Attempts of each model step made by this control, and whether text of the last one
        /// reached clients.
        var attempts: [Int: (attempt: Int, streamed: Bool)] = [:]
        /// For a run taken over after a crash: how many times its next model step may already
        /// have been tried (and streamed) by processes that died.
        var abandonedAttempts: Int
    }

    let runId: String
    private let state: Mutex<State>
    private let seedState: Mutex<RunSeed?>

    /// `abandonedAttempts`: for a run resumed after the engine stopped while driving it, how
    /// many engines in a row stopped while driving it (see `SQLiteStore.countResumes`).
    init(runId: String, seed: RunSeed? = nil, abandonedAttempts: Int = 0) {
        self.runId = runId
        self.seedState = Mutex(seed)
        self.state = Mutex(State(takenOver: abandonedAttempts > 0, abandonedAttempts: abandonedAttempts))
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

    /// Takes up the run's stored numbering (`Run.eventSeq`). For a run taken over after a
    /// crash, numbering continues above every number the dead process could have given.
    func adopt(storedSeq: Int) {
        state.withLock { state in
            let floor = state.takenOver ? RunEventNumbering.resumedSeq(stored: storedSeq) : storedSeq
            state.takenOver = false
            state.eventSeq = max(state.eventSeq, floor)
            state.storedSeq = max(state.storedSeq, storedSeq)
        }
    }

    /// Starts an attempt of model step `step`: its number, and whether clients must first be
    /// told to drop text of the step they may hold (an earlier attempt streamed some, here or
    /// in a process that died).
    func beginModelAttempt(step: Int) -> (attempt: Int, reset: Bool) {
        state.withLock { state in
            let result: (attempt: Int, reset: Bool)
            if let previous = state.attempts[step] {
                result = (previous.attempt + 1, previous.streamed)
            } else if state.abandonedAttempts > 0 {
                result = (state.abandonedAttempts + 1, true)
            } else {
                result = (1, false)
            }
            state.abandonedAttempts = 0
            state.attempts[step] = (result.attempt, false)
            return result
        }
    }

    /// Numbers a text delta of model step `step` and publishes it at once; it is stored with
    /// the next save (`takeUnsaved`). Returns true when the caller must save before streaming
    /// more (too many or too large unsaved deltas).
    /// Numbers and publishes an event now, storing it with the next save (as text deltas are):
    /// true when a save is due.
    func emitLive(_ draft: RunEventDraft, to hub: any RunEventBus) -> Bool {
        state.withLock { state in
            state.eventSeq += 1
            let event = RunEvent(runId: runId, seq: state.eventSeq, kind: draft.kind, data: draft.data)
            state.unsaved.append(event)
            state.unsavedBytes += draft.data["delta"]?.stringValue?.utf8.count ?? 0
            hub.publish(event)
            return state.eventSeq - state.storedSeq >= RunEventNumbering.unsavedLimit || state.unsavedBytes >= RunEventNumbering.unsavedBytes
        }
    }

    func emitDelta(_ delta: String, step: Int, to hub: any RunEventBus) -> Bool {
        state.withLock { state in
            let attempt = state.attempts[step]?.attempt ?? 1
            state.attempts[step] = (attempt, true)
            state.eventSeq += 1
            let draft = RunEventDraft.content(delta, step: step, attempt: attempt)
            let event = RunEvent(runId: runId, seq: state.eventSeq, kind: draft.kind, data: draft.data)
            state.unsaved.append(event)
            state.unsavedBytes += delta.utf8.count
            hub.publish(event)
            return state.eventSeq - state.storedSeq >= RunEventNumbering.unsavedLimit
                || state.unsavedBytes >= RunEventNumbering.unsavedBytes
        }
    }

    /// The deltas published but not stored yet, handed to the save that stores them.
    func takeUnsaved() -> [RunEvent] {
        state.withLock { state in
            defer {
                state.unsaved = []
                state.unsavedBytes = 0
            }
            return state.unsaved
        }
    }

    /// Numbers events to be stored with a step: returns the unsaved deltas followed by the new
    /// events, all to store, and the new events alone, to publish once stored (`published`).
    func number(_ drafts: [RunEventDraft]) -> (toStore: [RunEvent], toPublish: [RunEvent]) {
        state.withLock { state in
            let fresh = drafts.map { draft in
                state.eventSeq += 1
                return RunEvent(runId: runId, seq: state.eventSeq, kind: draft.kind, data: draft.data)
            }
            defer {
                state.unsaved = []
                state.unsavedBytes = 0
            }
            return (state.unsaved + fresh, fresh)
        }
    }

    /// Events up to `seq` are stored: publishes `events` (in order, under the same lock as
    /// deltas, so subscribers see numbers rising).
    func stored(through seq: Int, publishing events: [RunEvent] = [], to hub: any RunEventBus) {
        state.withLock { state in
            state.storedSeq = max(state.storedSeq, seq)
            for event in events { hub.publish(event) }
        }
    }

    /// The last number given.
    var eventSeq: Int { state.withLock { $0.eventSeq } }
}
