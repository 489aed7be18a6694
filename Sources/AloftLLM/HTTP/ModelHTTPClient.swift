public import AsyncHTTPClient

/// What model providers send their requests through: an HTTP client (connect timeout,
/// pool, no redirects) and a per-host limit on requests in flight, shared by every agent
/// of the process.
public struct ModelHTTPClient: Sendable {
    public var client: HTTPClient
    public var limiter: HostConcurrencyLimiter
    /// Told how long a request waited for a free connection slot, per host.
    public var onQueued: @Sendable (_ host: String, _ waited: Duration) -> Void

    public init(
        client: HTTPClient, limiter: HostConcurrencyLimiter,
        onQueued: @escaping @Sendable (_ host: String, _ waited: Duration) -> Void = { _, _ in }
    ) {
        self.client = client
        self.limiter = limiter
        self.onQueued = onQueued
    }
}
