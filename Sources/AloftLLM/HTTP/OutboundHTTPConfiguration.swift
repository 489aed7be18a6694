import AsyncHTTPClient
import NIOCore
import Synchronization

/// How the engine's model and tool calls reach the network.
public struct OutboundHTTPConfiguration: Sendable, Hashable {
    /// Longest wait for a TCP (and TLS) connection. A refused connection fails at once.
    public var connectSeconds: Double
    /// Model requests in flight per model server; more wait in a queue (visible in the
    /// `aloft_model_queue_wait_seconds` metric), which does not count against their timeout.
    public var connectionsPerHost: Int

    public init(connectSeconds: Double = 10, connectionsPerHost: Int = 64) {
        self.connectSeconds = connectSeconds
        self.connectionsPerHost = connectionsPerHost
    }

    /// Every setting out of range, by name.
    public func problems() -> [String] {
        var problems: [String] = []
        if !(connectSeconds.isFinite && connectSeconds > 0 && connectSeconds <= 600) {
            problems.append("connect_timeout_seconds must be between 0 and 600")
        }
        if !(1...4096).contains(connectionsPerHost) { problems.append("connections_per_host must be between 1 and 4096") }
        return problems
    }
}

/// The HTTP clients of the process, one per configuration, made once and kept for the
/// life of the process (like `HTTPClient.shared`): redirects are never followed by the
/// client (tools follow them hop by hop, re-checking each), connection failures are not
/// retried inside the pool (the step's retry policy decides), and the pool is sized to
/// the per-host limit.
extension ModelHTTPClient {
    private static let clients = Mutex<[OutboundHTTPConfiguration: (HTTPClient, HostConcurrencyLimiter)]>([:])

    /// The process's client for `configuration`.
    public static func shared(
        _ configuration: OutboundHTTPConfiguration,
        onQueued: @escaping @Sendable (_ host: String, _ waited: Duration) -> Void = { _, _ in }
    ) -> ModelHTTPClient {
        let (client, limiter) = clients.withLock { clients in
            if let existing = clients[configuration] { return existing }
            let seconds = configuration.connectSeconds.isFinite ? min(max(configuration.connectSeconds, 0.001), 600) : 10
            let perHost = min(max(configuration.connectionsPerHost, 1), 4096)
            var pool = HTTPClient.Configuration.ConnectionPool(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: perHost)
            pool.retryConnectionEstablishment = false
            let settings = HTTPClient.Configuration(
                redirectConfiguration: .disallow,
                timeout: HTTPClient.Configuration.Timeout(connect: .milliseconds(Int64(seconds * 1000))),
                connectionPool: pool
            )
            let made = (HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: settings), HostConcurrencyLimiter(limit: perHost))
            clients[configuration] = made
            return made
        }
        return ModelHTTPClient(client: client, limiter: limiter, onQueued: onQueued)
    }
}
