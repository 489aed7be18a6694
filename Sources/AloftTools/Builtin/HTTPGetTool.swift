public import AloftCore
public import AsyncHTTPClient
import Foundation

/// `http_get`: fetches a URL on one of the hosts the agent file allows.
public struct HTTPGetTool: Tool {
    let allowedHosts: [String]
    let transport: ToolHTTPTransport

    public init(allowedHosts: [String], client: HTTPClient, timeoutSeconds: Double = 30) {
        self.allowedHosts = allowedHosts.map { $0.lowercased() }
        self.transport = ToolHTTPTransport(client: client, timeoutSeconds: timeoutSeconds)
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

    /// `example.com` allows that host; `*.example.com` allows its subdomains too.
    func isAllowed(host: String) -> Bool {
        let host = host.lowercased()
        return allowedHosts.contains { pattern in
            if pattern.hasPrefix("*.") {
                let base = String(pattern.dropFirst(2))
                return host == base || host.hasSuffix("." + base)
            }
            return host == pattern
        }
    }

    public func call(_ arguments: JSONValue, context: ToolCallContext) async throws -> String {
        let text = arguments["url"]?.stringValue ?? ""
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host
        else {
            throw ToolError(code: .invalidArguments, message: "'\(text)' is not an http:// or https:// URL")
        }
        guard isAllowed(host: host) else {
            throw ToolError(
                code: .notAllowed,
                message: "host '\(host)' is not allowed; allowed hosts: \(allowedHosts.joined(separator: ", "))"
            )
        }
        let answer = try await transport.send(method: .GET, url: text, headers: [("Idempotency-Key", context.idempotencyKey)], body: nil)
        return ToolHTTPTransport.result(answer)
    }
}
