import AloftCore
import Foundation

/// One run while a driver holds it: its folded state and read model, and how a recorded
/// step changes both. Lives only while the run is being driven.
struct RunExecution {
    var run: Run
    var state: RunState
    let control: RunControl
    let store: any RunStore
    let hub: RunEventHub
    let now: @Sendable () -> Date

    var runId: String { run.id }

    func message(position: Int, role: Role, content: String, toolCalls: [ToolCall] = [], toolCallId: String? = nil,
                 toolName: String? = nil, complete: Bool = true, interrupted: Bool = false) -> Message {
        let time = now()
        return Message(
            sessionId: run.sessionId, runId: runId, position: position, role: role, content: content, toolCalls: toolCalls,
            toolCallId: toolCallId, toolName: toolName, createdAt: time, completedAt: complete ? time : nil, interrupted: interrupted
        )
    }

    /// Records journal entries and what they change, in one transaction; then folds them in
    /// and publishes their events. Nothing is published that is not durable.
    mutating func record(
        _ entries: [JournalEntry],
        extraEvents: [RunEventDraft] = [],
        adjust: (inout StepWrite) -> Void = { _ in }
    ) async throws {
        var next = state
        var write = StepWrite(runId: runId)
        var drafts: [RunEventDraft] = []
        for entry in entries {
            let before = next
            next.apply(entry)
            write.entries.append((next.entryCount, entry))
            drafts += RunEventDraft.events(for: entry, after: next)
            switch entry {
            case .modelResponded(let step, let response):
                let position = MessagePositions.assistant(step: step, in: before, base: run.messageBase)
                write.messages.append(message(position: position, role: .assistant, content: response.text, toolCalls: response.toolCalls))
            case .toolCompleted(let result):
                if let position = MessagePositions.tool(callId: result.callId, in: next, base: run.messageBase) {
                    write.messages.append(
                        message(position: position, role: .tool, content: result.content, toolCallId: result.callId, toolName: result.name)
                    )
                }
            case .approvalResolved(let decision):
                write.removeApprovals.append(decision.callId)
                write.removeTimers.append(Self.timerId(runId: runId, callId: decision.callId))
            case .approvalTimedOut(let callIds):
                write.removeApprovals += callIds
            case .finished(let outcome):
                write.sessionActiveRun = (run.sessionId, nil)
                write.removeAllApprovals = true
                write.removeAllTimers = true
                write.interruptOpenMessages = true
                switch outcome {
                case .completed(let answer): run.output = answer
                case .failed(let error): run.error = error
                case .cancelled: break
                }
                run.finishedAt = now()
            case .started, .modelFailed, .cancelRequested:
                break
            }
        }
        drafts += extraEvents
        adjust(&write)
        let phase = AgentLoop.phase(of: next)
        // A run shows as waiting for approval only from the step that stores what it waits
        // on: a reader never sees it waiting with no pending approvals.
        if phase == .waitingForApproval, run.phase != .waitingForApproval, write.addApprovals.isEmpty {
            run.phase = .running
        } else {
            run.phase = phase
        }
        run.iterations = next.iterations.count
        run.usage = next.usage
        run.updatedAt = now()
        // Deltas still unsaved are stored with this step; its own events are published once stored.
        let (events, fresh) = control.number(drafts)
        write.events = events
        run.eventSeq = control.eventSeq
        write.run = run
        try await store.commit(write)
        state = next
        control.stored(through: run.eventSeq, publishing: fresh, to: hub)
    }

    static func timerId(runId: String, callId: String) -> String { "\(runId):approval:\(callId)" }

    init(run: Run, state: RunState, control: RunControl, store: any RunStore, hub: RunEventHub,
         now: @escaping @Sendable () -> Date) {
        self.run = run
        self.state = state
        self.control = control
        self.store = store
        self.hub = hub
        self.now = now
    }
}
