public import AloftCore
import AloftLLM
import AloftTools
import Foundation
public import Logging
import Synchronization

/// One tool call of a run, as every engine carries it out: the agent's tool run with the
/// call's idempotency key, within its timeout, tried again per `tool_retry`; every failure
/// becomes the call's result for the model (an unknown tool, a timeout, a tool error).
public struct ToolStep: Sendable {
    public let runtime: AgentRuntime
    public let metrics: RunMetrics
    public let logger: Logger

    /// Attempts in all: the agent's `tool_retry`, or one when the engine's scheduler retries.
    public let attempts: StepAttempts

    public init(runtime: AgentRuntime, metrics: RunMetrics, logger: Logger, attempts: StepAttempts = .policy) {
        self.runtime = runtime
        self.metrics = metrics
        self.logger = logger
        self.attempts = attempts
    }

    /// How a tool step ended.
    public enum Outcome: Sendable, Hashable {
        /// The tool's answer, or a failure that is the call's result for good.
        case result(ToolResult)
        /// The attempts allowed failed; `result` is what the model is told if nothing retries,
        /// `retryable` whether another attempt might succeed (a timeout, an unreachable service).
        case failed(ToolResult, retryable: Bool)
        /// The task was cancelled before the tool finished (the run is being stopped).
        case stopped
    }

    /// Runs the call; nil when the task was cancelled before it finished (the run is being stopped).
    public func run(_ invocation: ToolInvocation, runId: String, progress: (@Sendable (String) async -> Void)? = nil) async -> ToolResult? {
        switch await carryOut(invocation, runId: runId, progress: progress) {
        case .result(let result), .failed(let result, _): result
        case .stopped: nil
        }
    }

    /// Runs the call, saying whether a failure is worth another attempt. `progress` takes the
    /// text the tool reports while it works.
    public func carryOut(_ invocation: ToolInvocation, runId: String, progress: (@Sendable (String) async -> Void)? = nil) async -> Outcome {
        let call = invocation.call
        guard let tool = runtime.toolbox.tools[call.name] else {
            return .result(ToolResult(callId: call.id, name: call.name, content: "Unknown tool '\(call.name)'.", failure: .unknownTool))
        }
        // A child run reports its usage; a retried call reaches the same child, so the last report counts.
        let used = Mutex<Usage?>(nil)
        let context = ToolCallContext(
            runId: runId, callId: call.id, idempotencyKey: invocation.idempotencyKey, progress: progress,
            reportUsage: { usage in used.withLock { $0 = usage } }
        )
        let policies = runtime.definition.policies
        let clock = ContinuousClock()
        let started = clock.now
        do {
            let content = try await StepRetrier(policy: attempts.policy(policies.toolRetry)).run(
                onRetry: { attempt, error, delay in
                    logger.warning(
                        "tool call failed; retrying",
                        metadata: [
                            "event": "tool_retry", "tool": "\(call.name)", "attempt": "\(attempt)", "max_attempts": "\(policies.toolRetry.maxAttempts)",
                            "delay_s": "\(delay)", "error": "\(error)",
                        ]
                    )
                }
            ) { _ in
                try await Self.withTimeout(seconds: policies.toolTimeoutSeconds, tool: call.name) {
                    try await tool.call(invocation.arguments, context: context)
                }
            }
            metrics.toolCall(name: call.name, duration: clock.now - started, failed: false)
            return .result(ToolResult(callId: call.id, name: call.name, content: content, usage: used.withLock { $0 }))
        } catch {
            if Task.isCancelled || error is CancellationError { return .stopped }
            metrics.toolCall(name: call.name, duration: clock.now - started, failed: true)
            let message: String
            if let error = error as? ToolError {
                message = error.message
            } else {
                logger.error("tool call failed", metadata: ["tool": "\(call.name)", "error": "\(error)"])
                message = "the tool failed unexpectedly"
            }
            let result = ToolResult(callId: call.id, name: call.name, content: "Error: \(message)", failure: .toolError, usage: used.withLock { $0 })
            return .failed(result, retryable: (error as? ToolError)?.isRetryable ?? false)
        }
    }

    private static func withTimeout(
        seconds: Double, tool: String, _ operation: @escaping @Sendable () async throws -> String
    ) async throws -> String {
        try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                // Not `Task.sleep`: cancelled when the call ends, it would hold memory for the whole timeout.
                try await CancellableTimer.sleep(for: .milliseconds(Int64(min(max(seconds, 0.001), AgentLimits.maxSeconds) * 1000)))
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
