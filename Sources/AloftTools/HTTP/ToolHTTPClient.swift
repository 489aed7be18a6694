public import AsyncHTTPClient
import NIOCore

/// The HTTP client tools use unless given another: it never follows redirects itself (the
/// tools follow them hop by hop, checking each against their allow-list), and a refused
/// connection fails at once instead of being retried until the timeout.
///
/// A client passed to a tool must be configured the same way (`redirectConfiguration:
/// .disallow`); the engine's is.
public enum ToolHTTPClient {
    public static let shared: HTTPClient = {
        var pool = HTTPClient.Configuration.ConnectionPool(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        pool.retryConnectionEstablishment = false
        let configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: HTTPClient.Configuration.Timeout(connect: .seconds(10)), connectionPool: pool
        )
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()
}
