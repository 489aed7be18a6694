public import AloftTemporalAPI
public import GRPCCore
import GRPCNIOTransportHTTP2
import NIOCore
import NIOHTTP2
import Foundation
import Logging

/// One HTTP/2 connection to a Temporal frontend and the WorkflowService client on it.
///
/// Hardened for Temporal: the server's PINGs are answered below the HTTP/2 handler (see
/// `HTTP2PingResponder`), responses may be as large as Temporal allows (128 MiB histories),
/// calls failing with `unavailable` are retried with backoff, and every call carries the
/// namespace header and, when set, the API key. Long polls and client calls should use
/// separate connections: HTTP/2 caps the streams of one (100 here when the server says
/// nothing), and a call queued behind long polls waits for them.
///
/// Run it (`run()`) for as long as calls are made; `close()` ends it gracefully.
public final class TemporalConnection: Sendable {
    public typealias Service = Temporal_Api_Workflowservice_V1_WorkflowService.Client<HTTP2ClientTransport.Posix>

    public let endpoint: TemporalEndpoint
    /// The WorkflowService calls, on this connection.
    public let service: Service
    private let client: GRPCClient<HTTP2ClientTransport.Posix>
    private let pings = ConnectionEventCount()
    private let channels = ConnectionEventCount()

    /// Options of a long poll: Temporal answers an empty task after about a minute.
    public static let longPoll: CallOptions = {
        var options = CallOptions.defaults
        options.timeout = .seconds(75)
        return options
    }()

    /// The task queue `name` of this connection's namespace, as polls and schedules name it.
    static func queue(_ name: String) -> Temporal_Api_Taskqueue_V1_TaskQueue {
        var queue = Temporal_Api_Taskqueue_V1_TaskQueue()
        queue.name = name
        queue.kind = .normal
        return queue
    }

    /// One long poll: the task, or nil when the poll came back empty (after about a minute) or
    /// failed — a failure is logged and waited out for a second, so a server that is down is
    /// not hammered.
    func longPoll<Task>(
        _ what: String, logger: Logger, token: (Task) -> Data, _ call: (CallOptions) async throws -> Task
    ) async -> Task? {
        do {
            let task = try await call(Self.longPoll)
            return token(task).isEmpty ? nil : task
        } catch {
            if !_Concurrency.Task.isCancelled {
                logger.warning("polling \(what) failed; polling again", metadata: ["error": "\(error)"])
                try? await _Concurrency.Task.sleep(for: .seconds(1))
            }
            return nil
        }
    }

    /// Largest response accepted: Temporal's own gRPC limit.
    static let maxResponseBytes = 128 << 20

    public init(_ endpoint: TemporalEndpoint) throws(TemporalError) {
        self.endpoint = endpoint
        let retry = RetryPolicy(
            maxAttempts: 5, initialBackoff: .milliseconds(200), maxBackoff: .seconds(5), backoffMultiplier: 2,
            retryableStatusCodes: [.unavailable]
        )
        let method = MethodConfig(
            names: [MethodConfig.Name(service: "")], maxResponseMessageBytes: Self.maxResponseBytes, executionPolicy: .retry(retry)
        )
        // Long polls are not retried by the transport: a poll under way when the connection
        // dropped, retried there, hung for its whole minute (seen with a Temporal server killed
        // and restarted); `longPoll` polls again itself, on a fresh connection.
        let workflowService = "temporal.api.workflowservice.v1.WorkflowService"
        let polls = MethodConfig(
            names: ["PollWorkflowTaskQueue", "PollActivityTaskQueue"].map { MethodConfig.Name(service: workflowService, method: $0) },
            maxResponseMessageBytes: Self.maxResponseBytes
        )
        let transport: HTTP2ClientTransport.Posix
        let (pings, channels) = (pings, channels)
        do {
            transport = try HTTP2ClientTransport.Posix(
                target: .dns(host: endpoint.host, port: endpoint.port),
                transportSecurity: endpoint.tls ? .tls(.defaults) : .plaintext,
                config: .defaults { config in
                    config.channelDebuggingCallbacks.onCreateTCPConnection = { channel in
                        channel.eventLoop.makeCompletedFuture {
                            channels.add()
                            let http2 = try channel.pipeline.syncOperations.handler(type: NIOHTTP2Handler.self)
                            try channel.pipeline.syncOperations.addHandler(HTTP2PingResponder(counting: pings), position: .before(http2))
                        }
                    }
                },
                serviceConfig: ServiceConfig(methodConfig: [method, polls])
            )
        } catch {
            throw TemporalError(code: .badAddress, message: "cannot set up a connection to Temporal at \(endpoint): \(error)")
        }
        client = GRPCClient(transport: transport, interceptors: [TemporalHeaders(endpoint: endpoint)])
        service = Service(wrapping: client)
    }

    /// The server's PINGs answered so far (see `HTTP2PingResponder`).
    public var pingsAnswered: Int { pings.total }

    /// TCP connections opened so far (more than one: the connection was lost and made again).
    public var connectionsOpened: Int { channels.total }

    /// Keeps the connection (reconnecting as needed) until `close()`.
    public func run() async throws {
        try await client.runConnections()
    }

    /// Lets calls under way finish, then ends the connection.
    public func close() {
        client.beginGracefulShutdown()
    }
}

/// Adds what Temporal reads from every call's metadata: the namespace, and the API key.
struct TemporalHeaders: ClientInterceptor {
    let endpoint: TemporalEndpoint

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingClientRequest<Input>, context: ClientContext,
        next: (StreamingClientRequest<Input>, ClientContext) async throws -> StreamingClientResponse<Output>
    ) async throws -> StreamingClientResponse<Output> {
        var request = request
        request.metadata.replaceOrAddString(endpoint.namespace, forKey: "temporal-namespace")
        if let key = endpoint.apiKey { request.metadata.replaceOrAddString("Bearer \(key)", forKey: "authorization") }
        return try await next(request, context)
    }
}
