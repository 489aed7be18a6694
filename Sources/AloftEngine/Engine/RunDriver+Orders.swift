import AloftCore
import AloftRuntime
import Foundation
import Logging
import Synchronization

/// What carrying out one order gave.
enum OrderResult: Sendable {
    case model(step: Int, Result<ModelResponse, RunError>)
    case tool(ToolResult)
    /// Stopped before it finished: nothing to record (the partial answer was saved).
    case interrupted
    /// A stop was requested.
    case stop
}

extension RunDriver {
    /// Carries out model and tool orders concurrently, recording each result as it arrives
    /// (so a crash loses only unfinished work). A stop interrupts whatever is in flight.
    func carryOut(_ orders: [Order], runtime: AgentRuntime, in execution: inout RunExecution, logger: Logger) async throws {
        let control = execution.control
        let run = execution.run
        let state = execution.state
        try await withThrowingTaskGroup(of: OrderResult.self) { group in
            for order in orders {
                switch order {
                case .callModel(let step, let request):
                    let position = MessagePositions.assistant(step: step, in: state, base: run.messageBase)
                    group.addTask {
                        await callModel(step: step, request: request, runtime: runtime, run: run, position: position, control: control, logger: logger)
                    }
                case .runTool(let invocation):
                    group.addTask { await runTool(invocation, runtime: runtime, run: run, control: control, logger: logger) }
                default:
                    break
                }
            }
            group.addTask {
                await control.waitForStop()
                return .stop
            }
            var remaining = orders.count
            while remaining > 0, let result = try await group.next() {
                switch result {
                case .stop:
                    group.cancelAll()
                case .interrupted:
                    remaining -= 1
                case .model(let step, .success(let response)):
                    remaining -= 1
                    try await execution.record([.modelResponded(step: step, response: response)])
                case .model(let step, .failure(let error)):
                    remaining -= 1
                    try await execution.record([.modelFailed(step: step, error: error)])
                case .tool(let result):
                    remaining -= 1
                    try await execution.record([.toolCompleted(result)])
                }
            }
            group.cancelAll()
        }
    }

    /// Calls the model (see `ModelStep`), streaming deltas to subscribers and saving the
    /// growing answer (with the deltas) every `streamFlushInterval`. An attempt that follows
    /// one whose text reached clients (a retry here, or a step redone after a crash) first
    /// stores and sends `run_content_reset`, so clients drop the abandoned text.
    func callModel(
        step: Int, request: ModelRequest, runtime: AgentRuntime, run: Run, position: Int, control: RunControl, logger: Logger
    ) async -> OrderResult {
        let clock = ContinuousClock()
        let lastSave = Mutex(clock.now)
        let outcome = await ModelStep(runtime: runtime, metrics: RunMetrics(factory: configuration.metrics), logger: logger).run(
            request,
            onAttempt: {
                let (attempt, reset) = control.beginModelAttempt(step: step)
                if reset { try await save(run: run, control: control, events: [RunEventDraft.contentReset(step: step, attempt: attempt)]) }
                lastSave.withLock { $0 = clock.now }
            },
            onDelta: { delta, text in
                let mustSave = control.emitDelta(delta, step: step, to: hub)
                let due = lastSave.withLock { last in
                    guard mustSave || clock.now - last >= configuration.streamFlushInterval else { return false }
                    last = clock.now
                    return true
                }
                if due { try await save(run: run, control: control, streamed: (text, position, interrupted: false)) }
            }
        )
        switch outcome {
        case .answered(let response):
            return .model(step: step, .success(response))
        case .failed(let error, _):
            return .model(step: step, .failure(error))
        case .stopped(let text):
            // Stopped: keep what the user already saw, marked interrupted.
            if !text.isEmpty { try? await save(run: run, control: control, streamed: (text, position, interrupted: true)) }
            return .interrupted
        }
    }

    /// Saves, outside a journal step: the deltas sent since the last save, the growing answer
    /// (`streamed`: its text and session position) and `events`, which are published once stored.
    private func save(
        run: Run, control: RunControl, streamed: (text: String, position: Int, interrupted: Bool)? = nil, events drafts: [RunEventDraft] = []
    ) async throws {
        var write = StepWrite(runId: run.id)
        if let streamed {
            let time = configuration.now()
            write.messages = [
                Message(
                    sessionId: run.sessionId, runId: run.id, position: streamed.position, role: .assistant, content: streamed.text,
                    createdAt: time, completedAt: streamed.interrupted ? time : nil, interrupted: streamed.interrupted
                )
            ]
        }
        let (events, fresh) = control.number(drafts)
        write.events = events
        let seq = control.eventSeq
        write.eventSeq = seq
        try await store.commit(write)
        control.stored(through: seq, publishing: fresh, to: hub)
    }

    /// Runs a tool (see `ToolStep`). Failures become the call's result. What it reports while
    /// it works goes to subscribers at once and to the event log with the next save (one at
    /// least every `streamFlushInterval`), as a model's text does.
    func runTool(_ invocation: ToolInvocation, runtime: AgentRuntime, run: Run, control: RunControl, logger: Logger) async -> OrderResult {
        let clock = ContinuousClock()
        let lastSave = Mutex(clock.now)
        let call = invocation.call
        let result = await ToolStep(runtime: runtime, metrics: RunMetrics(factory: configuration.metrics), logger: logger).run(
            invocation, runId: run.id,
            progress: { delta in
                let mustSave = control.emitLive(RunEventDraft.toolProgress(delta, callId: call.id, name: call.name), to: hub)
                let due = lastSave.withLock { last in
                    guard mustSave || clock.now - last >= configuration.streamFlushInterval else { return false }
                    last = clock.now
                    return true
                }
                if due { try? await save(run: run, control: control) }
            }
        )
        return result.map(OrderResult.tool) ?? .interrupted
    }
}
