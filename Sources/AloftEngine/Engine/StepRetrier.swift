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
                let backoff = policy.backoff(afterAttempt: attempt, random: Double.random(in: 0..<1))
                let delay = max(backoff, failure.retryAfterSeconds ?? 0)
                onRetry(attempt, error, delay)
                try await Task.sleep(for: .milliseconds(Int64(delay * 1000)))
                attempt += 1
            }
        }
    }
}
