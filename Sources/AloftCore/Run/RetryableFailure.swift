/// An error that says whether trying again may help, and when.
public protocol RetryableFailure: Error {
    /// Timeouts, rate limits, server errors: yes. Bad requests: no.
    var isRetryable: Bool { get }
    /// What the server asked for (`Retry-After`), in seconds.
    var retryAfterSeconds: Double? { get }
}
