public import AloftCore
public import AloftRuntime
import AloftTemporalAPI
import Foundation
public import Logging

/// The activities of a run's workflow, carried out as the embedded engine carries out the
/// same orders (AloftRuntime's `ModelStep` and `ToolStep`), one attempt per activity
/// attempt: Temporal retries per the agent's policy, and a failure another attempt cannot
/// mend (a model server's 4xx, a tool refusing its arguments) says so.
///
/// Inputs are references: the model activity rebuilds the request from the run's journal —
/// as this worker projected it when that is current (`ProjectedRuns`), from the store
/// otherwise — so the workflow history never holds the conversation.
public struct RunActivities: Sendable {
    let store: any RunStore
    let catalog: AgentCatalog
    /// Where streamed text is published live (the process's bus; on a shared database it
    /// reaches the subscribers of every API server).
    let bus: (any RunEventBus)?
    let metrics: RunMetrics
    let logger: Logger
    /// The runs this worker's workflow context projected.
    let projected: ProjectedRuns?

    public init(
        store: any RunStore, catalog: AgentCatalog, bus: (any RunEventBus)?, metrics: RunMetrics, projected: ProjectedRuns? = nil, logger: Logger
    ) {
        self.projected = projected
        self.store = store
        self.catalog = catalog
        self.bus = bus
        self.metrics = metrics
        self.logger = logger
    }

    /// The handlers, by activity type, for an `ActivityWorker`.
    public var handlers: [String: ActivityWorker.Handler] {
        [RunWorkflowKey.modelActivityType: { try await model($0) }, RunWorkflowKey.toolActivityType: { try await tool($0) }]
    }

    func model(_ task: ActivityTask) async throws -> Temporal_Api_Common_V1_Payloads {
        let input = try TemporalPayload.decode(ModelActivityInput.self, from: task.input)
        let (run, runtime, state) = try await conversation(input.runId, before: input.step)
        // Already answered (the workflow task that would record it was lost): the same answer.
        if state.iterations.count >= input.step { return try TemporalPayload.payloads(state.iterations[input.step - 1].response) }
        guard state.iterations.count == input.step - 1 else {
            throw ActivityFailure(type: "stale_step", message: "run \(input.runId) is not at model call \(input.step)", nonRetryable: true)
        }
        var logger = logger
        logger[metadataKey: "run.id"] = "\(input.runId)"
        let request = ModelRequest(messages: state.transcript, tools: runtime.loop.tools)
        let stream = ActivityDeltaStream(
            run: run, step: input.step, attempt: Int(max(task.attempt, 1)),
            position: MessagePositions.assistant(step: input.step, in: state, base: run.messageBase), store: store, bus: bus
        )
        let outcome = await ModelStep(runtime: runtime, metrics: metrics, logger: logger, attempts: .one).run(
            request, onAttempt: { try await stream.begin() }, onDelta: { delta, _ in try await stream.delta(delta) }
        )
        switch outcome {
        case .answered(let response):
            // The text streamed is in the log before the answer is recorded.
            try await stream.save(interrupted: false)
            return try TemporalPayload.payloads(response)
        case .failed(let error, let retryable):
            try? await stream.save(interrupted: false)
            throw ActivityFailure(type: retryable ? error.code.rawValue : ActivityFailureType.modelRefused, message: error.message, nonRetryable: !retryable)
        case .stopped:
            // Stopped: keep what the user already saw, marked interrupted.
            try? await stream.save(interrupted: true)
            throw CancellationError()
        }
    }

    func tool(_ task: ActivityTask) async throws -> Temporal_Api_Common_V1_Payloads {
        let input = try TemporalPayload.decode(ToolActivityInput.self, from: task.input)
        let run: Run
        if let known = projected?[input.runId]?.run { run = known } else { run = try await stored(input.runId) }
        let runtime = try await runtime(of: run)
        var logger = logger
        logger[metadataKey: "run.id"] = "\(input.runId)"
        // What the tool reports while it works reaches subscribers as a model's text does.
        let call = input.invocation.call
        let progress = ActivityDeltaStream(run: run, step: 0, attempt: Int(max(task.attempt, 1)), position: 0, store: store, bus: bus)
        let outcome = await ToolStep(runtime: runtime, metrics: metrics, logger: logger, attempts: .one).carryOut(
            input.invocation, runId: input.runId,
            progress: { delta in try? await progress.event(RunEventDraft.toolProgress(delta, callId: call.id, name: call.name)) }
        )
        try? await progress.save(interrupted: false)
        switch outcome {
        case .result(let result):
            return try TemporalPayload.payloads(result)
        case .failed(let result, let retryable):
            // Not worth another attempt: the error is the call's result, for the model to read.
            guard retryable else { return try TemporalPayload.payloads(result) }
            let message = result.content.hasPrefix("Error: ") ? String(result.content.dropFirst(7)) : result.content
            throw ActivityFailure(type: "tool_failed", message: message)
        case .stopped:
            throw CancellationError()
        }
    }

    /// The run and its state before model call `step`: as projected by this worker when that
    /// has come so far, from the store otherwise.
    private func conversation(_ runId: String, before step: Int) async throws -> (Run, AgentRuntime, RunState) {
        if let known = projected?[runId], known.state.iterations.count >= step - 1 {
            return (known.run, try await runtime(of: known.run), known.state)
        }
        let run = try await stored(runId)
        let runtime = try await runtime(of: run)
        return (run, runtime, RunState(configuration: runtime.loop, journal: try await store.journal(runId: runId)))
    }

    private func stored(_ runId: String) async throws -> Run {
        guard let run = try await store.run(id: runId) else {
            throw ActivityFailure(type: "run_not_found", message: "run \(runId) is not in the store", nonRetryable: true)
        }
        return run
    }

    private func runtime(of run: Run) async throws -> AgentRuntime {
        do {
            return try await catalog.runtime(version: run.agentVersion, store: store)
        } catch let error as EngineError where error.code == .invalidAgent {
            throw ActivityFailure(type: "invalid_run", message: error.message, nonRetryable: true)
        }
    }
}
