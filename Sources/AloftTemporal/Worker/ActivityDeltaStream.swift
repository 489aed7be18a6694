import AloftCore
import Foundation
import Synchronization

/// The text a model activity streams, as run events: numbered from blocks reserved in the
/// store (the workflow's projection may number events of the same run meanwhile), published
/// at once to the process's event bus (subscribers of every API server see them live), and
/// saved to the event log with the growing answer every `flushInterval`, and at the end.
final class ActivityDeltaStream: Sendable {
    private struct State {
        var reserved: ClosedRange<Int>?
        var unsaved: [RunEvent] = []
        var text = ""
        var lastSave: ContinuousClock.Instant
    }

    /// Numbers reserved at a time: a larger block leaves larger gaps, a smaller one costs a
    /// round trip more often.
    static let block = 32

    let run: Run
    let step: Int
    let attempt: Int
    /// The session position of the answer's message.
    let position: Int
    let store: any RunStore
    let bus: (any RunEventBus)?
    let flushInterval: Duration
    private let clock = ContinuousClock()
    private let state: Mutex<State>

    init(run: Run, step: Int, attempt: Int, position: Int, store: any RunStore, bus: (any RunEventBus)?, flushInterval: Duration = .milliseconds(250)) {
        self.run = run
        self.step = step
        self.attempt = attempt
        self.position = position
        self.store = store
        self.bus = bus
        self.flushInterval = flushInterval
        state = Mutex(State(lastSave: ContinuousClock().now))
    }

    /// A later attempt first tells clients to drop the text an earlier one streamed.
    func begin() async throws {
        guard attempt > 1 else { return }
        try await emit(RunEventDraft.contentReset(step: step, attempt: attempt))
        try await save(interrupted: false)
    }

    /// One piece of text: numbered, published, saved when a save is due.
    func delta(_ delta: String) async throws {
        try await emit(RunEventDraft.content(delta, step: step, attempt: attempt), text: delta)
        let due = state.withLock { $0.lastSave + flushInterval <= clock.now }
        if due { try await save(interrupted: false) }
    }

    /// An event other than text (a tool's progress): numbered, published, saved when a save is due.
    func event(_ draft: RunEventDraft) async throws {
        try await emit(draft)
        let due = state.withLock { $0.lastSave + flushInterval <= clock.now }
        if due { try await save(interrupted: false) }
    }

    /// Saves what is not saved yet: the events, and the answer so far (marked interrupted
    /// when the call was stopped; the projection writes the finished one).
    func save(interrupted: Bool) async throws {
        let (events, text) = state.withLock { state -> ([RunEvent], String) in
            defer {
                state.unsaved = []
                state.lastSave = clock.now
            }
            return (state.unsaved, state.text)
        }
        guard !events.isEmpty || interrupted else { return }
        var write = StepWrite(runId: run.id)
        write.events = events
        write.eventSeq = events.last?.seq
        if !text.isEmpty {
            let time = Date()
            write.messages = [
                Message(
                    sessionId: run.sessionId, runId: run.id, position: position, role: .assistant, content: text, createdAt: time,
                    completedAt: interrupted ? time : nil, interrupted: interrupted
                )
            ]
        }
        try await store.commit(write)
    }

    private func emit(_ draft: RunEventDraft, text: String = "") async throws {
        let seq = try await nextNumber()
        let event = RunEvent(runId: run.id, seq: seq, kind: draft.kind, data: draft.data)
        state.withLock { state in
            state.unsaved.append(event)
            state.text += text
        }
        bus?.publish(event)
    }

    private func nextNumber() async throws -> Int {
        if let number = state.withLock({ state -> Int? in
            guard let range = state.reserved, !range.isEmpty else { return nil }
            let number = range.lowerBound
            state.reserved = number < range.upperBound ? (number + 1)...range.upperBound : nil
            return number
        }) {
            return number
        }
        let block = try await store.reserveEventNumbers(runId: run.id, count: Self.block)
        state.withLock { $0.reserved = block.lowerBound < block.upperBound ? (block.lowerBound + 1)...block.upperBound : nil }
        return block.lowerBound
    }
}
