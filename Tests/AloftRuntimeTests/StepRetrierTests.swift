import AloftCore
import Testing

@testable import AloftRuntime

@Suite("Step retries")
struct StepRetrierTests {
    @Test("Retry-After is honoured up to the policy's maximum backoff, and nonsense is ignored", arguments: [
        (7.0, 7.0), (86_400.0, 30.0), (1e20, 30.0), (Double.infinity, 0.5), (Double.nan, 0.5), (-5.0, 0.5),
    ])
    func retryAfterIsCapped(retryAfter: Double, expected: Double) {
        let policy = RetryPolicy(maxAttempts: 3, initialBackoffSeconds: 0.5, maxBackoffSeconds: 30, multiplier: 2, jitter: 0)
        #expect(StepRetrier.delay(policy: policy, afterAttempt: 1, retryAfter: retryAfter, random: 0) == expected)
    }

    @Test("without Retry-After the backoff grows and stops at the maximum")
    func backoff() {
        let policy = RetryPolicy(maxAttempts: 10, initialBackoffSeconds: 1, maxBackoffSeconds: 5, multiplier: 2, jitter: 0)
        let delays = (1...5).map { StepRetrier.delay(policy: policy, afterAttempt: $0, retryAfter: nil, random: 0.5) }
        #expect(delays == [1, 2, 4, 5, 5])
    }
}
