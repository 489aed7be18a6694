public import AloftCore
import Foundation

/// Anthropic Messages over HTTP, streamed or not, with `tool_use` / `tool_result`.
public struct AnthropicProvider: ModelProvider {
    public static let defaultBaseURL = "https://api.anthropic.com"
    static let apiVersion = "2023-06-01"

    let settings: ModelSettings
    let apiKey: String?
    let transport: ModelHTTPTransport

    public init(settings: ModelSettings, apiKey: String?, http: ModelHTTPClient, limits: ModelCallLimits = ModelCallLimits()) {
        self.settings = settings
        self.apiKey = apiKey
        self.transport = ModelHTTPTransport(http: http, limits: limits)
    }

    var url: String {
        var base = settings.baseURL ?? Self.defaultBaseURL
        while base.hasSuffix("/") { base.removeLast() }
        return base.hasSuffix("/v1") ? base + "/messages" : base + "/v1/messages"
    }

    public func respond(to request: ModelRequest, onDelta: (String) async throws -> Void) async throws -> ModelResponse {
        var headers: [(String, String)] = [("anthropic-version", Self.apiVersion)]
        if let apiKey, !apiKey.isEmpty { headers.append(("x-api-key", apiKey)) }
        let body = Self.body(for: request, settings: settings)
        return try await transport.exchange(
            url: url, headers: headers, body: body, stream: settings.stream, accumulator: AnthropicStreamAccumulator(),
            parseWhole: Self.response(from:), onDelta: onDelta
        )
    }

    /// The request body in the Messages format: the system prompt apart, tool results as
    /// `tool_result` blocks of a user turn, consecutive turns of one role merged.
    static func body(for request: ModelRequest, settings: ModelSettings) -> JSONValue {
        let system = request.messages.filter { $0.role == .system }.map(\.content).joined(separator: "\n\n")
        var turns: [(role: String, blocks: [JSONValue])] = []
        for message in request.messages where message.role != .system {
            let role = message.role == .assistant ? "assistant" : "user"
            var blocks: [JSONValue] = []
            switch message.role {
            case .assistant:
                if !message.content.isEmpty { blocks.append(["type": "text", "text": .string(message.content)]) }
                for call in message.toolCalls {
                    let input = (try? JSONValue.parse(call.arguments)).flatMap { $0.objectValue != nil ? $0 : nil } ?? [:]
                    blocks.append(["type": "tool_use", "id": .string(call.id), "name": .string(call.name), "input": input])
                }
            case .tool:
                blocks.append(["type": "tool_result", "tool_use_id": .string(message.toolCallId ?? ""), "content": .string(message.content)])
            default:
                blocks.append(["type": "text", "text": .string(message.content)])
            }
            if blocks.isEmpty { continue }
            if let last = turns.last, last.role == role {
                turns[turns.count - 1].blocks += blocks
            } else {
                turns.append((role, blocks))
            }
        }
        var body: [String: JSONValue] = [
            "model": .string(settings.name),
            "max_tokens": .number(Double(settings.maxTokens ?? 4096)),
            "messages": .array(turns.map { ["role": .string($0.role), "content": .array($0.blocks)] }),
        ]
        if !system.isEmpty { body["system"] = .string(system) }
        if !request.tools.isEmpty {
            body["tools"] = .array(
                request.tools.map { ["name": .string($0.name), "description": .string($0.description), "input_schema": $0.parameters] }
            )
        }
        if let temperature = settings.temperature { body["temperature"] = .number(temperature) }
        if settings.stream { body["stream"] = true }
        return .object(body)
    }

    /// Reads a non-streamed Messages response.
    package static func response(from text: String) throws -> ModelResponse {
        guard let value = try? JSONValue.parse(text), case .array(let content) = value["content"] else {
            throw ModelError(code: .invalidResponse, message: "not a Messages response: \(text.prefix(200))")
        }
        var answer = ""
        var calls: [ToolCall] = []
        for block in content {
            switch block["type"]?.stringValue {
            case "text": answer += block["text"]?.stringValue ?? ""
            case "tool_use":
                calls.append(
                    ToolCall(
                        id: block["id"]?.stringValue ?? "toolu_\(calls.count + 1)", name: block["name"]?.stringValue ?? "",
                        arguments: (block["input"] ?? [:]).jsonText()
                    )
                )
            default: break
            }
        }
        return ModelResponse(text: answer, toolCalls: calls, usage: try usage(value["usage"]))
    }

    static func usage(_ value: JSONValue?) throws -> Usage {
        try Usage.read(value, input: "input_tokens", output: "output_tokens")
    }
}
