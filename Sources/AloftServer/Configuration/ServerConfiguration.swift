import Foundation
import Yams

/// How `aloft serve` runs: from a YAML file, then environment variables, then flags
/// (each overriding the one before).
public struct ServerConfiguration: Sendable, Hashable {
    public var host: String
    public var port: Int
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

    public init(
        host: String = "127.0.0.1", port: Int = 8080, database: String = ".aloft/aloft.db", agentsDirectory: String? = nil,
        apiKeys: [String] = [], maxBodyBytes: Int = 1 << 20, heartbeatSeconds: Int = 15, durability: String = "power-cut"
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.agentsDirectory = agentsDirectory
        self.apiKeys = apiKeys
        self.maxBodyBytes = maxBodyBytes
        self.heartbeatSeconds = heartbeatSeconds
        self.durability = durability
    }

    /// Whether the server may listen beyond loopback: only with API keys.
    public var bindsLoopbackOnly: Bool { apiKeys.isEmpty }

    /// The address actually bound: loopback when there are no keys, whatever was asked.
    public var effectiveHost: String { bindsLoopbackOnly ? "127.0.0.1" : host }

    private struct File: Decodable {
        var host: String?
        var port: Int?
        var database: String?
        var agents_directory: String?
        var api_keys: [String]?
        var max_body_bytes: Int?
        var heartbeat_seconds: Int?
        var durability: String?
    }

    /// Reads a YAML configuration file over the defaults.
    public mutating func apply(file path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigurationError(message: "\(path): cannot be read")
        }
        let file: File
        do {
            file = try YAMLDecoder().decode(File.self, from: text)
        } catch {
            throw ConfigurationError(message: "\(path): \(error)")
        }
        if let value = file.host { host = value }
        if let value = file.port { port = value }
        if let value = file.database { database = value }
        if let value = file.agents_directory { agentsDirectory = value }
        if let value = file.api_keys { apiKeys = value }
        if let value = file.max_body_bytes { maxBodyBytes = value }
        if let value = file.heartbeat_seconds { heartbeatSeconds = value }
        if let value = file.durability { durability = value }
    }

    /// `ALOFT_HOST`, `ALOFT_PORT`, `ALOFT_DB`, `ALOFT_AGENTS_DIR`, `ALOFT_API_KEYS` (comma-separated),
    /// `ALOFT_MAX_BODY_BYTES`.
    public mutating func apply(environment: [String: String]) throws {
        if let value = environment["ALOFT_HOST"] { host = value }
        if let value = environment["ALOFT_PORT"] {
            guard let port = Int(value) else { throw ConfigurationError(message: "ALOFT_PORT must be a number, not '\(value)'") }
            self.port = port
        }
        if let value = environment["ALOFT_DB"] { database = value }
        if let value = environment["ALOFT_AGENTS_DIR"] { agentsDirectory = value }
        if let value = environment["ALOFT_API_KEYS"] {
            apiKeys = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        if let value = environment["ALOFT_MAX_BODY_BYTES"] {
            guard let bytes = Int(value) else { throw ConfigurationError(message: "ALOFT_MAX_BODY_BYTES must be a number") }
            maxBodyBytes = bytes
        }
    }

    /// Every problem that stops the server from starting.
    public func problems() -> [String] {
        var problems: [String] = []
        if !(0...65535).contains(port) { problems.append("port must be between 0 and 65535, not \(port)") }
        if maxBodyBytes < 1024 { problems.append("max_body_bytes must be at least 1024") }
        if heartbeatSeconds < 1 { problems.append("heartbeat_seconds must be at least 1") }
        if !["power-cut", "process-crash"].contains(durability) { problems.append("durability must be power-cut or process-crash") }
        if apiKeys.contains(where: { $0.count < 16 }) { problems.append("API keys must be at least 16 characters long") }
        return problems
    }
}

/// A configuration that cannot be used.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
