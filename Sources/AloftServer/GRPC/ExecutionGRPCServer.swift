import AloftCore
import AloftEngine
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import ServiceLifecycle

/// The gRPC API (`aloft serve --grpc-port N`) as a service of the server: the execution
/// command and query services over HTTP/2, on the host the HTTP API listens on, behind the
/// same API keys. A graceful shutdown stops taking calls, ends subscriptions (UNAVAILABLE,
/// with the number to resume after) and lets the calls under way finish.
public final class ExecutionGRPCServer: Service {
    private let server: GRPCServer<HTTP2ServerTransport.Posix>
    private let logger: Logger

    init(host: String, port: Int, keys: [String], engine: LocalEngine, agents: AgentRegistry, records: any ExecutionStore, logger: Logger) {
        var config = HTTP2ServerTransport.Posix.Config.defaults
        // An execution's snapshot holds its whole conversation.
        config.rpc.maxRequestPayloadSize = 4 << 20
        let transport = HTTP2ServerTransport.Posix(address: .ipv4(host: host, port: port), transportSecurity: .plaintext, config: config)
        server = GRPCServer(transport: transport, services: Self.services(engine: engine, agents: agents, records: records), interceptors: Self.interceptors(keys: keys))
        self.logger = logger
    }

    /// The services, on any transport (tests use the in-process one).
    static func services(engine: LocalEngine, agents: AgentRegistry, records: any ExecutionStore) -> [any RegistrableRPCService] {
        [ExecutionCommandService(engine: engine, agents: agents, records: records), ExecutionQueryService(engine: engine, records: records)]
    }

    /// The API keys' check, when the server has keys.
    static func interceptors(keys: [String]) -> [any ServerInterceptor] {
        keys.isEmpty ? [] : [BearerKeyInterceptor(keys: Set(keys))]
    }

    /// The port it listens on, once it does.
    public func listeningPort() async throws -> Int? {
        try await server.listeningAddress?.ipv4?.port
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await server.serve()
        } onGracefulShutdown: {
            self.server.beginGracefulShutdown()
        }
    }
}
