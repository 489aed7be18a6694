import Foundation

/// What recording journal entries changes, for any engine: the journal rows, the messages,
/// approvals, timers and session they touch, the run's read model, and the events they emit.
/// Pure: the same entries on the same state give the same step, whichever engine records it.
public enum RunProjection {
    /// A step ready to commit: `write` (its `events` left for the engine to number), the state
    /// and run after it, and the events it emits, in order.
    public struct Step: Sendable {
        public var write: StepWrite
        public var state: RunState
        public var run: Run
        public var events: [RunEventDraft]
    }

    /// Projects `entries` recorded after `state` onto `run` at `time`. `adjust` adds what the
    /// entries alone do not say (approvals and timers of a pause, commands consumed) before
    /// the run's phase is derived.
    public static func step(
        _ entries: [JournalEntry], after state: RunState, run: Run, at time: Date,
        extraEvents: [RunEventDraft] = [], adjust: (inout StepWrite) -> Void = { _ in }
    ) -> Step {
        var run = run
        var next = state
        var write = StepWrite(runId: run.id)
        var drafts: [RunEventDraft] = []
        func message(_ position: Int, _ role: Role, _ content: String, toolCalls: [ToolCall] = [], callId: String? = nil, tool: String? = nil) -> Message {
            Message(
                sessionId: run.sessionId, runId: run.id, position: position, role: role, content: content, toolCalls: toolCalls,
                toolCallId: callId, toolName: tool, createdAt: time, completedAt: time
            )
        }
        for entry in entries {
            let before = next
            next.apply(entry)
            write.entries.append((next.entryCount, entry))
            drafts += RunEventDraft.events(for: entry, after: next)
            switch entry {
            case .modelResponded(let step, let response):
                let position = MessagePositions.assistant(step: step, in: before, base: run.messageBase)
                write.messages.append(message(position, .assistant, response.text, toolCalls: response.toolCalls))
            case .toolCompleted(let result):
                if let position = MessagePositions.tool(callId: result.callId, in: next, base: run.messageBase) {
                    write.messages.append(message(position, .tool, result.content, callId: result.callId, tool: result.name))
                }
            case .approvalResolved(let decision):
                write.removeApprovals.append(decision.callId)
                write.removeTimers.append(DurableTimer.approvalDeadlineId(runId: run.id, callId: decision.callId))
            case .approvalTimedOut(let callIds):
                write.removeApprovals += callIds
            case .finished(let outcome):
                write.sessionActiveRun = (run.sessionId, nil)
                write.removeAllApprovals = true
                write.removeAllTimers = true
                write.interruptOpenMessages = true
                switch outcome {
                case .completed(let answer): run.output = answer
                case .failed(let error):
                    run.error = error
                    // A run stopped by its budget keeps what the model had said, as its output.
                    if error.code == .budgetExceeded {
                        run.output = next.iterations.last(where: { !$0.response.text.isEmpty })?.response.text
                    }
                case .cancelled: break
                }
                run.finishedAt = time
            case .started, .modelFailed, .cancelRequested:
                break
            }
        }
        drafts += extraEvents
        adjust(&write)
        let phase = AgentLoop.phase(of: next)
        // A run shows as waiting for approval only from the step that stores what it waits
        // on: a reader never sees it waiting with no pending approvals.
        run.phase = phase == .waitingForApproval && run.phase != .waitingForApproval && write.addApprovals.isEmpty ? .running : phase
        run.iterations = next.iterations.count
        run.usage = next.usage
        run.updatedAt = time
        write.run = run
        return Step(write: write, state: next, run: run, events: drafts)
    }
}

extension DurableTimer {
    /// The id of the timer that denies a call waiting for approval when its deadline passes.
    public static func approvalDeadlineId(runId: String, callId: String) -> String { "\(runId):approval:\(callId)" }
}
