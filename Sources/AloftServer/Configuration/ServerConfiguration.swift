public import AloftLLM
public import AloftCore
public import AloftTemporal
import AloftTools
import Foundation

/// How `aloft serve` runs: from a YAML file, then environment variables, then flags
/// (each overriding the one before).
public struct ServerConfiguration: Sendable, Hashable {
    public var host: String
    public var port: Int
    /// The port of the gRPC API (execution command and query services), on the same host;
    /// nil: no gRPC API.
    public var grpcPort: Int?
    public var database: String
    /// Agent files loaded at start.
    public var agentsDirectory: String?
    /// Keys accepted as `Authorization: Bearer <key>` on `/v1`. None: the server listens on
    /// loopback only.
    public var apiKeys: [String]
    public var maxBodyBytes: Int
    /// Seconds between comment heartbeats on idle event streams.
    public var heartbeatSeconds: Int
    public var durability: String
    /// Browser origins (`https://app.example.com`) allowed to call the API across sites
    /// (CORS). Empty: none; the API answers no cross-site browser request.
    public var corsOrigins: [String]
    /// Seconds a connection may stay silent (while sending its request head, or between
    /// requests) before it is closed: slow or stalled clients cannot hold connections open.
    public var idleTimeoutSeconds: Int
    /// What agents defined through the API may reference.
    public var apiAgents: APIAgentPolicy
    /// Connect timeout and connections per host of model and tool calls.
    public var outbound: OutboundHTTPConfiguration
    /// Runs that finished more than this many days ago are pruned (at start, then hourly). nil: kept.
    public var retentionDays: Int?
    /// What pruning deletes (`retention_scope`): journal and events by default.
    public var retentionScope: PruneScope = .journalAndEvents
    /// One line per request in the log (`access_log`, on by default).
    public var accessLog = true
    /// `/metrics` needs an API key like `/v1` (`metrics_require_key`; only with API keys set).
    public var metricsRequireKey = false
    /// Runs are executed on this Temporal (by `aloft worker`s); nil: by the embedded engine.
    /// (`aloft serve --engine temporal`, or `ALOFT_ENGINE=temporal` with `ALOFT_TEMPORAL`.)
    public var temporal: TemporalEndpoint?
    /// The Temporal task queue runs are started on (the workers' queue).
    public var temporalTaskQueue = TemporalWorkerConfiguration.defaultTaskQueue
    /// Where clients reach this server (`https://agents.example.com`), for the URLs A2A agent
    /// cards give (`public_url`, `ALOFT_PUBLIC_URL`). Nil: `http://` and the request's `Host`.
    public var publicURL: String?
    /// Hosts on loopback or private networks that A2A push notifications may be sent to
    /// (`push_allowed_hosts`, `ALOFT_PUSH_ALLOWED_HOSTS`: `host`, `host:port`); others are refused.
    public var pushAllowedHosts: [String] = []

    public init(
        host: String = "127.0.0.1", port: Int = 8080, database: String = DefaultDatabaseLocation.current, agentsDirectory: String? = nil,
        apiKeys: [String] = [], maxBodyBytes: Int = 1 << 20, heartbeatSeconds: Int = 15, durability: String = "power-cut",
        corsOrigins: [String] = [], idleTimeoutSeconds: Int = 30, apiAgents: APIAgentPolicy = APIAgentPolicy(),
        outbound: OutboundHTTPConfiguration = OutboundHTTPConfiguration(), retentionDays: Int? = nil
    ) {
        self.retentionDays = retentionDays
        self.host = host
        self.port = port
        self.database = database
        self.agentsDirectory = agentsDirectory
        self.apiKeys = apiKeys
        self.maxBodyBytes = maxBodyBytes
        self.heartbeatSeconds = heartbeatSeconds
        self.durability = durability
        self.corsOrigins = corsOrigins
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.apiAgents = apiAgents
        self.outbound = outbound
    }

    /// Whether the server may listen beyond loopback: only with API keys.
    public var bindsLoopbackOnly: Bool { apiKeys.isEmpty }

    /// The address actually bound: loopback when there are no keys, whatever was asked.
    public var effectiveHost: String { bindsLoopbackOnly ? "127.0.0.1" : host }

    /// Whether inline agent definitions are accepted: as configured, else only with API keys.
    public var acceptsInlineAgents: Bool { apiAgents.inlineDefinitions ?? !apiKeys.isEmpty }

    /// `ALOFT_HOST`, `ALOFT_PORT`, `ALOFT_GRPC_PORT`, `ALOFT_DB` (or `ALOFT_STORE`, a PostgreSQL URL), `ALOFT_AGENTS_DIR`, `ALOFT_API_KEYS` (comma-separated),
    /// `ALOFT_MAX_BODY_BYTES`, `ALOFT_CORS_ORIGINS` (comma-separated), `ALOFT_RETENTION_DAYS`.
    public mutating func apply(environment: [String: String]) throws {
        func list(_ value: String) -> [String] {
            value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        if let value = environment["ALOFT_HOST"] { host = value }
        if let value = environment["ALOFT_PORT"] {
            guard let port = Int(value) else { throw ConfigurationError(message: "ALOFT_PORT must be a number, not '\(value)'") }
            self.port = port
        }
        if let value = environment["ALOFT_GRPC_PORT"], !value.isEmpty {
            guard let port = Int(value) else { throw ConfigurationError(message: "ALOFT_GRPC_PORT must be a number, not '\(value)'") }
            grpcPort = port
        }
        if let value = environment["ALOFT_DB"] { database = value }
        if let value = environment["ALOFT_STORE"], !value.isEmpty { database = value }
        if let value = environment["ALOFT_AGENTS_DIR"] { agentsDirectory = value }
        if let value = environment["ALOFT_API_KEYS"] { apiKeys = list(value) }
        if let value = environment["ALOFT_MAX_BODY_BYTES"] {
            guard let bytes = Int(value) else { throw ConfigurationError(message: "ALOFT_MAX_BODY_BYTES must be a number") }
            maxBodyBytes = bytes
        }
        if let value = environment["ALOFT_CORS_ORIGINS"] { corsOrigins = list(value) }
        if let value = environment["ALOFT_PUBLIC_URL"], !value.isEmpty { publicURL = value }
        if let value = environment["ALOFT_PUSH_ALLOWED_HOSTS"] { pushAllowedHosts = list(value) }
        if let value = environment["ALOFT_RETENTION_SCOPE"] {
            guard let scope = PruneScope(rawValue: value) else {
                throw ConfigurationError(message: "ALOFT_RETENTION_SCOPE must be one of \(PruneScope.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            retentionScope = scope
        }
        if let value = environment["ALOFT_RETENTION_DAYS"] {
            guard let days = Int(value) else { throw ConfigurationError(message: "ALOFT_RETENTION_DAYS must be a number of days") }
            retentionDays = days
        }
    }

    /// Every problem that stops the server from starting.
    public func problems() -> [String] {
        var problems: [String] = []
        if !(0...65535).contains(port) { problems.append("port must be between 0 and 65535, not \(port)") }
        if let grpcPort {
            if !(0...65535).contains(grpcPort) { problems.append("grpc_port must be between 0 and 65535, not \(grpcPort)") }
            if grpcPort == port, port != 0 { problems.append("grpc_port must differ from port (\(port))") }
        }
        if !(1024...(1 << 30)).contains(maxBodyBytes) { problems.append("max_body_bytes must be between 1024 and 1073741824") }
        if !(1...3600).contains(heartbeatSeconds) { problems.append("heartbeat_seconds must be between 1 and 3600") }
        if !(1...3600).contains(idleTimeoutSeconds) { problems.append("idle_timeout_seconds must be between 1 and 3600") }
        if !["power-cut", "process-crash"].contains(durability) { problems.append("durability must be power-cut or process-crash") }
        if apiKeys.contains(where: { $0.count < 16 }) { problems.append("API keys must be at least 16 characters long") }
        for origin in corsOrigins where origin != "*" && CORSPolicy.normalizedOrigin(origin) == nil {
            problems.append("cors_origins: '\(origin)' is not an origin such as https://app.example.com")
        }
        if corsOrigins.contains("*") {
            problems.append("cors_origins: '*' is not accepted; list the origins of the web apps that call this server")
        }
        problems += outbound.problems().map { "outbound.\($0)" }
        for host in pushAllowedHosts where HostPattern(host) == nil {
            problems.append("push_allowed_hosts: '\(host.prefix(200))' is not a host or host:port")
        }
        if let url = publicURL, CORSPolicy.normalizedOrigin(url.hasSuffix("/") ? String(url.dropLast()) : url) == nil {
            problems.append("public_url: '\(url.prefix(200))' must be an origin such as https://agents.example.com (no path)")
        }
        if let days = retentionDays, !(1...36_500).contains(days) { problems.append("retention_days must be between 1 and 36500") }
        if temporal != nil, !database.hasPrefix("postgres://"), !database.hasPrefix("postgresql://") {
            problems.append("the Temporal engine needs a PostgreSQL store its workers share: add --store postgres://USER:PASSWORD@HOST:5432/DATABASE")
        }
        if temporalTaskQueue.isEmpty || temporalTaskQueue.utf8.count > 200 { problems.append("the Temporal task queue name must be 1 to 200 characters") }
        return problems
    }
}

/// A configuration that cannot be used.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
