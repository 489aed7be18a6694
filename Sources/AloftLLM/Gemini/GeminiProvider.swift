public import AloftCore
import Foundation

/// Google Gemini: `generateContent`, or `streamGenerateContent?alt=sse` when streaming, with
/// function calling, system instructions and usage — on the Gemini API (an API key in
/// `x-goog-api-key`) or on Vertex AI (a project and location; an OAuth access token). The
/// thought signatures Gemini attaches to its parts go into the transcript and are sent back
/// unchanged, which multi-turn function calling on Gemini 3 requires.
public struct GeminiProvider: ModelProvider {
    public static let defaultBaseURL = "https://generativelanguage.googleapis.com"
    /// The environment variables the Gemini API key is read from, in order.
    public static let apiKeyVariables = ["GEMINI_API_KEY", "GOOGLE_API_KEY"]
    /// An access token for Vertex AI given in the environment (rather than a credentials file).
    public static let accessTokenVariable = "GOOGLE_OAUTH_ACCESS_TOKEN"
    /// Where synthetic call ids start: Gemini often sends calls without an `id`, and an id we
    /// made up must not be sent back as if Gemini had chosen it.
    static let syntheticCallPrefix = "aloft_call_"

    public enum Endpoint: Sendable {
        /// The Gemini API at `baseURL` (`https://generativelanguage.googleapis.com`).
        case geminiAPI(baseURL: String, apiKey: String?)
        /// Vertex AI at `baseURL` (`https://{location}-aiplatform.googleapis.com`).
        case vertex(baseURL: String, project: String, location: String, credential: GoogleCredential)
    }

    /// How requests to Vertex AI are authorized.
    public enum GoogleCredential: Sendable {
        case accessToken(String)
        case tokens(GoogleAccessTokens)
    }

    let settings: ModelSettings
    let endpoint: Endpoint
    let transport: ModelHTTPTransport

    public init(settings: ModelSettings, endpoint: Endpoint, http: ModelHTTPClient, limits: ModelCallLimits = ModelCallLimits()) {
        self.settings = settings
        self.endpoint = endpoint
        self.transport = ModelHTTPTransport(http: http, limits: limits)
    }

    /// Vertex AI's host for a location: `global` has no regional prefix.
    public static func vertexBaseURL(location: String) -> String {
        location == "global" ? "https://aiplatform.googleapis.com" : "https://\(location)-aiplatform.googleapis.com"
    }

    var model: String { settings.name.hasPrefix("models/") ? String(settings.name.dropFirst("models/".count)) : settings.name }

    var url: String {
        let action = settings.stream ? "streamGenerateContent?alt=sse" : "generateContent"
        switch endpoint {
        case .geminiAPI(let baseURL, _):
            return Self.versioned(baseURL, default: "v1beta", known: ["v1beta", "v1", "v1alpha"]) + "/models/\(model):\(action)"
        case .vertex(let baseURL, let project, let location, _):
            return Self.versioned(baseURL, default: "v1", known: ["v1", "v1beta1"])
                + "/projects/\(project)/locations/\(location)/publishers/google/models/\(model):\(action)"
        }
    }

    /// The base URL with an API version at its end: its own, else `version`.
    static func versioned(_ baseURL: String, default version: String, known: [String]) -> String {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        return known.contains(where: { base.hasSuffix("/" + $0) }) ? base : base + "/" + version
    }

    public func respond(to request: ModelRequest, onDelta: (String) async throws -> Void) async throws -> ModelResponse {
        var headers: [(String, String)] = []
        switch endpoint {
        case .geminiAPI(_, let apiKey):
            if let apiKey, !apiKey.isEmpty { headers.append(("x-goog-api-key", apiKey)) }
        case .vertex(_, _, _, .accessToken(let token)):
            headers.append(("Authorization", "Bearer \(token)"))
        case .vertex(_, _, _, .tokens(let tokens)):
            headers.append(("Authorization", "Bearer \(try await tokens.token())"))
        }
        let firstCall = Self.callsSoFar(in: request) + 1
        return try await transport.exchange(
            url: url, headers: headers, body: Self.body(for: request, settings: settings), stream: settings.stream,
            accumulator: GeminiResponseReader(firstCallNumber: firstCall, streamed: true),
            parseWhole: { text in
                var reader = GeminiResponseReader(firstCallNumber: firstCall, streamed: false)
                _ = try reader.consume(text)
                return try reader.response()
            },
            onDelta: onDelta
        )
    }

    /// Tool calls already in the conversation: synthetic ids continue after them, so they are
    /// unique within a conversation (approvals and idempotency keys are keyed by call id).
    static func callsSoFar(in request: ModelRequest) -> Int {
        request.messages.reduce(0) { $0 + $1.toolCalls.count }
    }

    /// The request body: system messages as `systemInstruction`, assistant turns as `model`
    /// contents with their signatures, tool results as `functionResponse` parts of a user
    /// turn, consecutive turns of one role merged.
    static func body(for request: ModelRequest, settings: ModelSettings) -> JSONValue {
        let system = request.messages.filter { $0.role == .system }.map(\.content).joined(separator: "\n\n")
        var turns: [(role: String, parts: [JSONValue])] = []
        for message in request.messages where message.role != .system {
            var parts: [JSONValue] = []
            switch message.role {
            case .assistant:
                if !message.content.isEmpty || message.signature != nil {
                    var part: [String: JSONValue] = ["text": .string(message.content)]
                    if let signature = message.signature { part["thoughtSignature"] = .string(signature) }
                    parts.append(.object(part))
                }
                for call in message.toolCalls {
                    let args = (try? JSONValue.parse(call.arguments)).flatMap { $0.objectValue != nil ? $0 : nil } ?? [:]
                    var functionCall: [String: JSONValue] = ["name": .string(call.name), "args": args]
                    if !call.id.hasPrefix(syntheticCallPrefix) { functionCall["id"] = .string(call.id) }
                    var part: [String: JSONValue] = ["functionCall": .object(functionCall)]
                    if let signature = call.signature { part["thoughtSignature"] = .string(signature) }
                    parts.append(.object(part))
                }
            case .tool:
                var response: [String: JSONValue] = ["name": .string(message.toolName ?? ""), "response": ["output": .string(message.content)]]
                if let id = message.toolCallId, !id.hasPrefix(syntheticCallPrefix) { response["id"] = .string(id) }
                parts.append(["functionResponse": .object(response)])
            default:
                parts.append(["text": .string(message.content)])
            }
            if parts.isEmpty { continue }
            let role = message.role == .assistant ? "model" : "user"
            if let last = turns.last, last.role == role {
                turns[turns.count - 1].parts += parts
            } else {
                turns.append((role, parts))
            }
        }
        var body: [String: JSONValue] = [
            "contents": .array(turns.map { ["role": .string($0.role), "parts": .array($0.parts)] })
        ]
        if !system.isEmpty { body["systemInstruction"] = ["parts": [["text": .string(system)]]] }
        if !request.tools.isEmpty {
            body["tools"] = [
                [
                    "functionDeclarations": .array(
                        request.tools.map { ["name": .string($0.name), "description": .string($0.description), "parametersJsonSchema": $0.parameters] }
                    )
                ]
            ]
        }
        var generation: [String: JSONValue] = [:]
        if let temperature = settings.temperature { generation["temperature"] = .number(temperature) }
        if let maxTokens = settings.maxTokens { generation["maxOutputTokens"] = .number(Double(maxTokens)) }
        if !generation.isEmpty { body["generationConfig"] = .object(generation) }
        return .object(body)
    }
}
