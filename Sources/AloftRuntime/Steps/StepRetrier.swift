import AloftCore

/// Runs a step again after retryable failures, with exponential backoff and jitter, honouring
/// the server's `Retry-After`. Non-retryable errors and cancellation end it at once.
struct StepRetrier: Sendable {
    let policy: RetryPolicy

    func run<Result>(
        onRetry: (_ attempt: Int, _ error: any Error, _ delay: Double) -> Void = { _, _, _ in },
        _ operation: (_ attempt: Int) async throws -> Result
    ) async throws -> Result {
        var attempt = 1
        while true {
            do {
                return try await operation(attempt)
            } catch {
                guard attempt < policy.maxAttempts, !Task.isCancelled, let failure = error as? any RetryableFailure,
                    failure.isRetryable
                else { throw error }
                let delay = Self.delay(policy: policy, afterAttempt: attempt, retryAfter: failure.retryAfterSeconds, random: Double.random(in: 0..<1))
                onRetry(attempt, error, delay)
                try await Task.sleep(for: .milliseconds(Int64(delay * 1000)))
                attempt += 1
            }
        }
    }

    /// The wait before the next attempt: the policy's backoff, or the server's `Retry-After`
    /// when longer, but never more than the policy's `max_backoff_seconds` (a server saying
    /// 86400 does not park a run for a day) nor anything that is not a finite number.
    static func delay(policy: RetryPolicy, afterAttempt attempt: Int, retryAfter: Double?, random: Double) -> Double {
        let ceiling = policy.maxBackoffSeconds.isFinite ? min(max(policy.maxBackoffSeconds, 0), AgentLimits.maxSeconds) : 0
        let backoff = policy.backoff(afterAttempt: attempt, random: random)
        let asked = retryAfter.flatMap { $0.isFinite ? $0 : nil } ?? 0
        let delay = max(backoff.isFinite ? backoff : 0, min(asked, ceiling))
        return min(max(delay, 0), ceiling)
    }
}

/// How many attempts a step makes.
public enum StepAttempts: Sendable, Hashable {
    /// As the agent's retry policy says (the embedded engine).
    case policy
    /// One: the engine's scheduler retries (a Temporal activity).
    case one

    func policy(_ policy: RetryPolicy) -> RetryPolicy {
        switch self {
        case .policy: policy
        case .one: RetryPolicy(maxAttempts: 1)
        }
    }
}
