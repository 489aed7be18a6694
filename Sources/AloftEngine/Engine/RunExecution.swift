import AloftCore
import Foundation

/// One run while a driver holds it: its folded state and read model, and how a recorded
/// step changes both. Lives only while the run is being driven.
struct RunExecution {
    var run: Run
    var state: RunState
    let control: RunControl
    let store: any RunStore
    let hub: any RunEventBus
    let now: @Sendable () -> Date

    /// How the run ended, once a step recorded here ended it.
    private(set) var outcome: RunOutcome?

    var runId: String { run.id }

    /// Records journal entries and what they change, in one transaction; then folds them in
    /// and publishes their events. Nothing is published that is not durable.
    ///
    /// When the loop's next decision needs nothing from outside — the run ends, or calls get
    /// their results without running — it is recorded in the same transaction: one commit
    /// where there would be two, and no moment where the answer is stored but the run open.
    mutating func record(
        _ entries: [JournalEntry],
        extraEvents: [RunEventDraft] = [],
        adjust: (inout StepWrite) -> Void = { _ in }
    ) async throws {
        var entries = entries
        if !entries.isEmpty {
            var ahead = state
            for entry in entries { ahead.apply(entry) }
            entries += AgentLoop.settledEntries(after: ahead)
        }
        var step = RunProjection.step(entries, after: state, run: run, at: now(), extraEvents: extraEvents, adjust: adjust)
        // Deltas still unsaved are stored with this step; its own events are published once stored.
        let (events, fresh) = control.number(step.events)
        step.write.events = events
        step.run.eventSeq = control.eventSeq
        step.write.run = step.run
        try await store.commit(step.write)
        state = step.state
        run = step.run
        control.stored(through: run.eventSeq, publishing: fresh, to: hub)
        for case .finished(let outcome) in entries { self.outcome = outcome }
    }

    init(run: Run, state: RunState, control: RunControl, store: any RunStore, hub: any RunEventBus,
         now: @escaping @Sendable () -> Date) {
        self.run = run
        self.state = state
        self.control = control
        self.store = store
        self.hub = hub
        self.now = now
    }
}
