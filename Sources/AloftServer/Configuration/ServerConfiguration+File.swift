import AloftCore
import AloftEngine
import AloftLLM
import Foundation
import Yams

extension ServerConfiguration {
    /// Reads a YAML configuration file over the current values. Unknown keys are errors:
    /// a misspelt security setting must not pass silently.
    public mutating func apply(file path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigurationError(message: "\(path): cannot be read")
        }
        let file: ConfigurationFile
        do {
            // Every problem at once, each with its line, worded as agent files' are.
            guard let root = try Yams.compose(yaml: text) else { return }  // an empty file changes nothing
            let outcome = TolerantYAMLDecoding.decode(ConfigurationFile.self, from: text, root: root)
            guard outcome.problems.isEmpty, let decoded = outcome.value else {
                throw ConfigurationError(message: AgentFile.byLine(outcome.problems).map { "\(path): \($0)" }.joined(separator: "\n"))
            }
            file = decoded
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(message: "\(path): not valid YAML: \(error)")
        }
        if let value = file.host { host = value }
        if let value = file.port { port = value }
        if let value = file.grpcPort { grpcPort = value }
        if let value = file.database { database = value }
        if let value = file.store {
            guard EngineStores.isShared(value) else {
                throw ConfigurationError(message: "\(path): store must be a postgres:// URL (for a SQLite file, use database:)")
            }
            database = value
        }
        if let value = file.agentsDirectory { agentsDirectory = value }
        if let value = file.apiKeys { apiKeys = value }
        if let value = file.maxBodyBytes { maxBodyBytes = value }
        if let value = file.heartbeatSeconds { heartbeatSeconds = value }
        if let value = file.durability { durability = value }
        if let value = file.corsOrigins { corsOrigins = value }
        if let value = file.idleTimeoutSeconds { idleTimeoutSeconds = value }
        if let value = file.retentionDays { retentionDays = value }
        if let value = file.retentionScope {
            guard let scope = PruneScope(rawValue: value) else {
                throw ConfigurationError(message: "\(path): retention_scope must be one of \(PruneScope.allCases.map(\.rawValue).joined(separator: ", ")), not '\(value)'")
            }
            retentionScope = scope
        }
        if let value = file.accessLog { accessLog = value }
        if let value = file.publicURL { publicURL = value }
        if let value = file.pushAllowedHosts { pushAllowedHosts = value }
        if let value = file.metricsRequireKey { metricsRequireKey = value }
        if let api = file.apiAgents {
            if let value = api.inlineDefinitions { apiAgents.inlineDefinitions = value }
            if let value = api.secrets { apiAgents.secrets = value }
            if let value = api.modelBaseURLs { apiAgents.modelBaseURLs = value }
            if let value = api.sqlDirectories {
                let base = URL(fileURLWithPath: path).deletingLastPathComponent()
                apiAgents.sqlDirectories = value.map { $0.hasPrefix("/") ? $0 : base.appendingPathComponent($0).standardizedFileURL.path }
            }
            if let value = api.internalHosts { apiAgents.internalHosts = value }
        }
        if let value = file.outbound {
            if let seconds = value.connectTimeoutSeconds { outbound.connectSeconds = seconds }
            if let count = value.connectionsPerHost { outbound.connectionsPerHost = count }
        }
    }
}

/// The YAML configuration file, strictly decoded.
struct ConfigurationFile: Decodable {
    struct APIAgents: Decodable {
        var inlineDefinitions: Bool?
        var secrets: [String]?
        var modelBaseURLs: [String]?
        var sqlDirectories: [String]?
        var internalHosts: [String]?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case inlineDefinitions = "inline_definitions", secrets, modelBaseURLs = "model_base_urls"
            case sqlDirectories = "sql_directories", internalHosts = "internal_hosts"
        }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            inlineDefinitions = try c.decodeIfPresent(Bool.self, forKey: .inlineDefinitions)
            secrets = try c.decodeIfPresent([String].self, forKey: .secrets)
            modelBaseURLs = try c.decodeIfPresent([String].self, forKey: .modelBaseURLs)
            sqlDirectories = try c.decodeIfPresent([String].self, forKey: .sqlDirectories)
            internalHosts = try c.decodeIfPresent([String].self, forKey: .internalHosts)
        }
    }

    struct Outbound: Decodable {
        var connectTimeoutSeconds: Double?
        var connectionsPerHost: Int?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case connectTimeoutSeconds = "connect_timeout_seconds", connectionsPerHost = "connections_per_host"
        }

        init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            connectTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .connectTimeoutSeconds)
            connectionsPerHost = try c.decodeIfPresent(Int.self, forKey: .connectionsPerHost)
        }
    }

    var host: String?
    var port: Int?
    var grpcPort: Int?
    var database: String?
    /// A PostgreSQL URL (`postgres://…`): the store many servers share; wins over `database`.
    var store: String?
    var agentsDirectory: String?
    var apiKeys: [String]?
    var maxBodyBytes: Int?
    var heartbeatSeconds: Int?
    var durability: String?
    var corsOrigins: [String]?
    var idleTimeoutSeconds: Int?
    var retentionDays: Int?
    var retentionScope: String?
    var accessLog: Bool?
    var metricsRequireKey: Bool?
    var publicURL: String?
    var pushAllowedHosts: [String]?
    var apiAgents: APIAgents?
    var outbound: Outbound?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case host, port, database, store, durability, outbound
        case agentsDirectory = "agents_directory", apiKeys = "api_keys", maxBodyBytes = "max_body_bytes"
        case heartbeatSeconds = "heartbeat_seconds", corsOrigins = "cors_origins", idleTimeoutSeconds = "idle_timeout_seconds"
        case apiAgents = "api_agents", retentionDays = "retention_days", retentionScope = "retention_scope"
        case accessLog = "access_log", metricsRequireKey = "metrics_require_key", publicURL = "public_url"
        case pushAllowedHosts = "push_allowed_hosts", grpcPort = "grpc_port"
    }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        host = try c.decodeIfPresent(String.self, forKey: .host)
        port = try c.decodeIfPresent(Int.self, forKey: .port)
        grpcPort = try c.decodeIfPresent(Int.self, forKey: .grpcPort)
        database = try c.decodeIfPresent(String.self, forKey: .database)
        store = try c.decodeIfPresent(String.self, forKey: .store)
        agentsDirectory = try c.decodeIfPresent(String.self, forKey: .agentsDirectory)
        apiKeys = try c.decodeIfPresent([String].self, forKey: .apiKeys)
        maxBodyBytes = try c.decodeIfPresent(Int.self, forKey: .maxBodyBytes)
        heartbeatSeconds = try c.decodeIfPresent(Int.self, forKey: .heartbeatSeconds)
        durability = try c.decodeIfPresent(String.self, forKey: .durability)
        corsOrigins = try c.decodeIfPresent([String].self, forKey: .corsOrigins)
        idleTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .idleTimeoutSeconds)
        retentionDays = try c.decodeIfPresent(Int.self, forKey: .retentionDays)
        retentionScope = try c.decodeIfPresent(String.self, forKey: .retentionScope)
        accessLog = try c.decodeIfPresent(Bool.self, forKey: .accessLog)
        metricsRequireKey = try c.decodeIfPresent(Bool.self, forKey: .metricsRequireKey)
        publicURL = try c.decodeIfPresent(String.self, forKey: .publicURL)
        pushAllowedHosts = try c.decodeIfPresent([String].self, forKey: .pushAllowedHosts)
        apiAgents = try c.decodeIfPresent(APIAgents.self, forKey: .apiAgents)
        outbound = try c.decodeIfPresent(Outbound.self, forKey: .outbound)
    }
}
