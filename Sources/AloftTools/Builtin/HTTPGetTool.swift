public import AloftCore
public import AsyncHTTPClient
import Foundation

/// `http_get`: fetches a URL on one of the hosts the agent file allows (host and port;
/// see `HostPattern`), following redirects only to allowed hosts.
public struct HTTPGetTool: Tool {
    let allowedHosts: [String]
    let transport: ToolHTTPTransport

    /// Throws `ToolConfigurationError` naming an entry that is not a host pattern.
    public init(allowedHosts: [String], client: HTTPClient = ToolHTTPClient.shared, timeoutSeconds: Double = 30) throws {
        var patterns: [HostPattern] = []
        for entry in allowedHosts {
            guard let pattern = HostPattern(entry) else {
                throw ToolConfigurationError(problems: ["allowed_hosts: '\(entry)' is not a host, host:port or *.domain"])
            }
            patterns.append(pattern)
        }
        self.allowedHosts = patterns.map(\.description)
        self.transport = ToolHTTPTransport(client: client, timeoutSeconds: timeoutSeconds, allowList: patterns)
    }

    public var definition: ToolDefinition {
        ToolDefinition(
            name: "http_get",
            description: "Fetches a URL with HTTP GET and returns its status and body. Allowed hosts: \(allowedHosts.joined(separator: ", ")).",
            parameters: [
                "type": "object",
                "properties": ["url": ["type": "string", "description": "http:// or https:// URL"]],
                "required": ["url"],
                "additionalProperties": false,
            ]
        )
    }

    public func call(_ arguments: JSONValue, context: ToolCallContext) async throws -> String {
        let text = arguments["url"]?.stringValue ?? ""
        guard ToolHTTPTransport.Target(text) != nil else {
            throw ToolError(code: .invalidArguments, message: "'\(text.prefix(200))' is not an http:// or https:// URL")
        }
        let answer = try await transport.send(method: .GET, url: text, headers: [("Idempotency-Key", context.idempotencyKey)], body: nil)
        return ToolHTTPTransport.result(answer)
    }
}
