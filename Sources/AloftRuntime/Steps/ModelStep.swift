public import AloftCore
import AloftLLM
import Foundation
public import Logging
import Synchronization

/// One model call of a run, as every engine carries it out: the request streamed to the
/// agent's provider, retryable failures (timeouts, refused connections, 429, 5xx, answers cut
/// short) tried again per the agent's `model_retry` with backoff, metrics recorded, and
/// failures turned into run errors a client may see (details only in the log).
///
/// The engine decides what an attempt and a delta mean for its clients: the local engine
/// numbers attempts, sends `run_content_reset` and saves the growing answer; a Temporal
/// activity heartbeats.
public struct ModelStep: Sendable {
    /// How a model step ended.
    public enum Outcome: Sendable, Hashable {
        case answered(ModelResponse)
        /// For good, after the attempts allowed; `retryable` says whether another attempt
        /// might have helped (a timeout, a 5xx) or not (a 4xx, a refused request).
        case failed(RunError, retryable: Bool)
        /// The task was cancelled (the run is being stopped); `partialText` is what the
        /// current attempt had streamed.
        case stopped(partialText: String)
    }

    public let runtime: AgentRuntime
    public let metrics: RunMetrics
    public let logger: Logger

    /// Attempts in all: the agent's `model_retry`, or one when the engine's scheduler retries
    /// (a Temporal activity is one attempt; Temporal retries it per the same policy).
    public let attempts: StepAttempts

    public init(runtime: AgentRuntime, metrics: RunMetrics, logger: Logger, attempts: StepAttempts = .policy) {
        self.runtime = runtime
        self.metrics = metrics
        self.logger = logger
        self.attempts = attempts
    }

    /// Calls the model.
    /// - Parameters:
    ///   - onAttempt: called before every attempt, the first included; a throw ends the step.
    ///   - onDelta: each piece of text as it arrives, with the attempt's text so far; a throw
    ///     ends the attempt (and counts as its failure).
    public func run(
        _ request: ModelRequest,
        onAttempt: @Sendable () async throws -> Void = {},
        onDelta: @escaping @Sendable (_ delta: String, _ text: String) async throws -> Void = { _, _ in }
    ) async -> Outcome {
        let streamed = Mutex("")
        let clock = ContinuousClock()
        let started = clock.now
        let provider = runtime.definition.model.provider.rawValue
        do {
            let response = try await StepRetrier(policy: attempts.policy(runtime.definition.policies.modelRetry)).run(
                onRetry: { attempt, error, delay in
                    logger.warning(
                        "model call failed; retrying",
                        metadata: [
                            "event": "model_retry", "attempt": "\(attempt)", "max_attempts": "\(runtime.definition.policies.modelRetry.maxAttempts)",
                            "delay_s": "\(delay)", "error": "\(error)", "detail": "\((error as? ModelError)?.detail ?? "")",
                        ]
                    )
                }
            ) { _ in
                try await onAttempt()
                streamed.withLock { $0 = "" }
                return try await runtime.provider.respond(to: request) { delta in
                    let text = streamed.withLock { text in
                        text += delta
                        return text
                    }
                    try await onDelta(delta, text)
                }
            }
            metrics.modelCall(provider: provider, duration: clock.now - started, failed: false)
            metrics.tokens(response.usage, provider: provider)
            return .answered(response)
        } catch {
            metrics.modelCall(provider: provider, duration: clock.now - started, failed: true)
            if Task.isCancelled || error is CancellationError {
                return .stopped(partialText: streamed.withLock { $0 })
            }
            guard let error = error as? ModelError else {
                // Not ours to describe to a client: the details go to the log only.
                logger.error("model call failed", metadata: ["error": "\(error)"])
                return .failed(RunError(code: .modelFailed, message: "the model call failed; see the server log"), retryable: false)
            }
            if let detail = error.detail { logger.warning("model call failed", metadata: ["error": "\(error)", "detail": "\(detail)"]) }
            let code: RunError.Code =
                switch error.code {
                case .timeout: .modelTimeout
                case .contentFiltered: .contentFiltered
                default: .modelFailed
                }
            return .failed(RunError(code: code, message: "\(error)"), retryable: error.isRetryable)
        }
    }
}
