public import AloftCore
public import AsyncHTTPClient
import Foundation
import NIOHTTP1

/// A declarative HTTP tool from an agent file: one request built from the arguments.
/// `{name}` in the URL is replaced by the URL-encoded argument; `${ENV_VAR}` in headers by the
/// environment's value; other arguments go in a JSON body (POST, PUT, PATCH) or the query.
/// Every request carries `Idempotency-Key`, stable across retries and restarts.
public struct HTTPTool: Tool {
    let spec: HTTPToolSpec
    let environment: [String: String]
    let transport: ToolHTTPTransport

    /// The tool reaches the origin of its URL template only (redirects included).
    /// Throws `ToolConfigurationError` when that origin is not fixed text.
    public init(spec: HTTPToolSpec, environment: [String: String], client: HTTPClient = ToolHTTPClient.shared, timeoutSeconds: Double = 30) throws {
        guard let origin = HTTPToolSpec.origin(of: spec.url), let pattern = HostPattern(origin.host + ":" + String(origin.port)) else {
            throw ToolConfigurationError(problems: ["url: the scheme, host and port must be written out (no {placeholders}) and valid"])
        }
        self.spec = spec
        self.environment = environment
        self.transport = ToolHTTPTransport(client: client, timeoutSeconds: timeoutSeconds, allowList: [pattern])
    }

    public var definition: ToolDefinition {
        ToolDefinition(name: spec.name, description: spec.description, parameters: spec.parameters)
    }

    /// The environment variables the headers name.
    public static func referencedVariables(in spec: HTTPToolSpec) -> [String] {
        spec.headers.values.flatMap(SecretTemplate.variables(in:))
    }

    /// The names of the `{placeholders}` of the URL template.
    static func placeholders(in template: String) -> [String] {
        template.matches(of: /\{([A-Za-z_][A-Za-z0-9_]*)\}/).map { String($0.output.1) }
    }

    public func call(_ arguments: JSONValue, context: ToolCallContext) async throws -> String {
        let values = arguments.objectValue ?? [:]
        var url = spec.url
        var used = Set<String>()
        for name in Self.placeholders(in: spec.url) {
            guard let value = values[name] else {
                throw ToolError(code: .invalidArguments, message: "argument '\(name)' is needed for the URL")
            }
            let text = value.stringValue ?? value.jsonText()
            let encoded = text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? text
            url = url.replacingOccurrences(of: "{\(name)}", with: encoded)
            used.insert(name)
        }
        let rest = values.filter { !used.contains($0.key) }
        let method = HTTPMethod(rawValue: spec.method)
        let sendsBody = spec.sendBody ?? ["POST", "PUT", "PATCH"].contains(spec.method)
        var body: String?
        if sendsBody {
            body = JSONValue.object(rest).jsonText()
        } else if !rest.isEmpty, var components = URLComponents(string: url) {
            components.queryItems = (components.queryItems ?? []) + rest.sorted { $0.key < $1.key }.map {
                URLQueryItem(name: $0.key, value: $0.value.stringValue ?? $0.value.jsonText())
            }
            url = components.string ?? url
        }
        var headers: [(String, String)] = [("Idempotency-Key", context.idempotencyKey)]
        for (name, template) in spec.headers.sorted(by: { $0.key < $1.key }) {
            headers.append((name, try expand(template)))
        }
        let answer = try await transport.send(method: method, url: url, headers: headers, body: body)
        return ToolHTTPTransport.result(answer)
    }

    private func expand(_ template: String) throws -> String {
        do {
            return try SecretTemplate.expand(template, environment: environment)
        } catch {
            throw ToolError(code: .failed, message: "environment variable \(error.name) is not set; the tool \(spec.name) needs it")
        }
    }
}
