import AloftCore
import AloftLLM
import AloftTools
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

/// The text of an answer being streamed, shared by the streaming task and the driver.
final class StreamedText: Sendable {
    private let text = Mutex("")
    var value: String { text.withLock { $0 } }
    func append(_ delta: String) { text.withLock { $0 += delta } }
    func clear() { text.withLock { $0 = "" } }
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
                    group.addTask { await runTool(invocation, runtime: runtime, runId: run.id, logger: logger) }
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

    /// Calls the model, streaming deltas to subscribers and saving the growing answer (with
    /// the deltas) every `streamFlushInterval`; retries retryable failures. An attempt that
    /// follows one whose text reached clients (a retry here, or a step redone after a crash)
    /// first stores and sends `run_content_reset`, so clients drop the abandoned text.
    func callModel(
        step: Int, request: ModelRequest, runtime: AgentRuntime, run: Run, position: Int, control: RunControl, logger: Logger
    ) async -> OrderResult {
        let streamed = StreamedText()
        let clock = ContinuousClock()
        let started = clock.now
        let policies = runtime.definition.policies
        let metrics = EngineMetrics(factory: configuration.metrics)
        let provider = runtime.definition.model.provider.rawValue
        do {
            let response = try await StepRetrier(policy: policies.modelRetry).run(
                onRetry: { attempt, error, delay in
                    logger.warning(
                        "model call failed; retrying",
                        metadata: ["attempt": "\(attempt)", "delay_s": "\(delay)", "error": "\(error)", "detail": "\((error as? ModelError)?.detail ?? "")"]
                    )
                }
            ) { _ in
                let (attempt, reset) = control.beginModelAttempt(step: step)
                if reset {
                    streamed.clear()
                    try await save(run: run, control: control, events: [RunEventDraft.contentReset(step: step, attempt: attempt)])
                }
                var lastSave = clock.now
                return try await runtime.provider.respond(to: request) { delta in
                    streamed.append(delta)
                    let mustSave = control.emitDelta(delta, step: step, to: hub)
                    if mustSave || clock.now - lastSave >= configuration.streamFlushInterval {
                        lastSave = clock.now
                        try await save(run: run, control: control, streamed: (streamed.value, position, interrupted: false))
                    }
                }
            }
            metrics.modelCall(provider: provider, duration: clock.now - started, failed: false)
            metrics.tokens(response.usage, provider: provider)
            return .model(step: step, .success(response))
        } catch {
            metrics.modelCall(provider: provider, duration: clock.now - started, failed: true)
            if Task.isCancelled || error is CancellationError {
                // Stopped: keep what the user already saw, marked interrupted.
                let text = streamed.value
                if !text.isEmpty { try? await save(run: run, control: control, streamed: (text, position, interrupted: true)) }
                return .interrupted
            }
            guard let error = error as? ModelError else {
                // Not ours to describe to a client: the details go to the log only.
                logger.error("model call failed", metadata: ["error": "\(error)"])
                return .model(step: step, .failure(RunError(code: .modelFailed, message: "the model call failed; see the server log")))
            }
            if let detail = error.detail { logger.warning("model call failed", metadata: ["error": "\(error)", "detail": "\(detail)"]) }
            let code: RunError.Code = error.code == .timeout ? .modelTimeout : .modelFailed
            return .model(step: step, .failure(RunError(code: code, message: "\(error)")))
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

    /// Runs a tool with its timeout and retry policy. Failures become the call's result.
    func runTool(_ invocation: ToolInvocation, runtime: AgentRuntime, runId: String, logger: Logger) async -> OrderResult {
        let call = invocation.call
        guard let tool = runtime.toolbox.tools[call.name] else {
            return .tool(ToolResult(callId: call.id, name: call.name, content: "Unknown tool '\(call.name)'.", failure: .unknownTool))
        }
        let context = ToolCallContext(runId: runId, callId: call.id, idempotencyKey: invocation.idempotencyKey)
        let policies = runtime.definition.policies
        let metrics = EngineMetrics(factory: configuration.metrics)
        let clock = ContinuousClock()
        let started = clock.now
        do {
            let content = try await StepRetrier(policy: policies.toolRetry).run(
                onRetry: { attempt, error, delay in
                    logger.warning("tool call failed; retrying", metadata: ["tool": "\(call.name)", "attempt": "\(attempt)", "error": "\(error)"])
                }
            ) { _ in
                try await withTimeout(seconds: policies.toolTimeoutSeconds, tool: call.name) {
                    try await tool.call(invocation.arguments, context: context)
                }
            }
            metrics.toolCall(name: call.name, duration: clock.now - started, failed: false)
            return .tool(ToolResult(callId: call.id, name: call.name, content: content))
        } catch {
            if Task.isCancelled || error is CancellationError { return .interrupted }
            metrics.toolCall(name: call.name, duration: clock.now - started, failed: true)
            let message: String
            if let error = error as? ToolError {
                message = error.message
            } else {
                logger.error("tool call failed", metadata: ["tool": "\(call.name)", "error": "\(error)"])
                message = "the tool failed unexpectedly"
            }
            return .tool(ToolResult(callId: call.id, name: call.name, content: "Error: \(message)", failure: .toolError))
        }
    }

    private func withTimeout(seconds: Double, tool: String, _ operation: @escaping @Sendable () async throws -> String) async throws -> String {
        try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int64(min(max(seconds, 0.001), AgentLimits.maxSeconds) * 1000)))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw ToolError(code: .timeout, message: "\(tool) did not finish within \(seconds) s", isRetryable: true)
            }
            return value
        }
    }
}
