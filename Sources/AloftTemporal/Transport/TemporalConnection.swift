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
/// calls made with `call(_:)` are retried with backoff while Temporal is `unavailable`, a
/// connection that stops answering is found by keepalive PINGs, and every call carries the
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

    /// Metadata of a long poll: its deadline for the server (Temporal refuses a poll without
    /// one, and answers an empty task a little before it). Only the server keeps it: a deadline
    /// in the call's options would also run a timer here, and a cancelled timer holds its
    /// task's memory until the deadline (on Linux) — with a minute of polls answered at once
    /// under load, many MB. A connection that died under a poll is found by keepalive (below).
    public static let longPoll: Metadata = ["grpc-timeout": "70S"]

    /// Attempts of a call while Temporal is unavailable (restarting, or the connection lost):
    /// with backoff from 0.2 s, doubling, about 3 s in all.
    static let attempts = 5

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
        _ what: String, logger: Logger, token: (Task) -> Data, _ call: (Metadata) async throws -> Task
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

    /// `call` on this connection's service, made again with backoff while Temporal answers
    /// `unavailable` (restarting, or the connection was lost and is being made again).
    public func call<Output: Sendable>(_ call: (Service) async throws -> Output) async throws -> Output {
        var backoff = Duration.milliseconds(200)
        var attempt = 1
        while true {
            do {
                return try await call(service)
            } catch let error as RPCError where error.code == .unavailable && attempt < Self.attempts {
                attempt += 1
                // Jittered, so that the workers of a restarted server do not all come back at once.
                try await _Concurrency.Task.sleep(for: backoff * Double.random(in: 0.8...1.2))
                backoff = min(backoff * 2, .seconds(5))
            }
        }
    }

    /// Largest response accepted: Temporal's own gRPC limit.
    static let maxResponseBytes = 128 << 20

    public init(_ endpoint: TemporalEndpoint) throws(TemporalError) {
        self.endpoint = endpoint
        // Calls are retried by `call(_:)`, not by the transport: its retrying executor costs
        // about a tenth of a worker's CPU (it buffers every request to replay it), and long
        // polls must not be retried there anyway — a poll under way when the connection
        // dropped, retried by the transport, hung for its whole minute (seen with a Temporal
        // server killed and restarted); `longPoll` polls again itself, on a fresh connection.
        let method = MethodConfig(names: [MethodConfig.Name(service: "")], maxResponseMessageBytes: Self.maxResponseBytes)
        let transport: HTTP2ClientTransport.Posix
        let (pings, channels) = (pings, channels)
        do {
            transport = try HTTP2ClientTransport.Posix(
                target: .dns(host: endpoint.host, port: endpoint.port),
                transportSecurity: endpoint.tls ? .tls(.defaults) : .plaintext,
                config: .defaults { config in
                    // As Temporal's SDKs: a PING after 30 s without data, the connection
                    // closed (and made again) when 15 s pass without an answer.
                    config.connection.keepalive = .init(time: .seconds(30), timeout: .seconds(15), allowWithoutCalls: true)
                    config.channelDebuggingCallbacks.onCreateTCPConnection = { channel in
                        channel.eventLoop.makeCompletedFuture {
                            channels.add()
                            let http2 = try channel.pipeline.syncOperations.handler(type: NIOHTTP2Handler.self)
                            try channel.pipeline.syncOperations.addHandler(HTTP2PingResponder(counting: pings), position: .before(http2))
                        }
                    }
                },
                serviceConfig: ServiceConfig(methodConfig: [method])
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
