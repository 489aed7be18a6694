public import AloftCore
import Foundation

/// OpenAI Chat Completions over HTTP, streamed (SSE) or not, with parallel tool calls and usage.
/// Works with any server that speaks the format: set `base_url` (vLLM, Ollama, llama.cpp, LiteLLM…).
public struct OpenAIChatProvider: ModelProvider {
    public static let defaultBaseURL = "https://api.openai.com/v1"

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
        return base + "/chat/completions"
    }

    public func respond(to request: ModelRequest, onDelta: (String) async throws -> Void) async throws -> ModelResponse {
        var headers: [(String, String)] = []
        if let apiKey, !apiKey.isEmpty { headers.append(("Authorization", "Bearer \(apiKey)")) }
        let body = Self.body(for: request, settings: settings)
        return try await transport.exchange(
            url: url, headers: headers, body: body, stream: settings.stream, accumulator: OpenAIStreamAccumulator(),
            parseWhole: Self.response(from:), onDelta: onDelta
        )
    }

    /// The request body in the Chat Completions format.
    static func body(for request: ModelRequest, settings: ModelSettings) -> JSONValue {
        var body: [String: JSONValue] = [
            "model": .string(settings.name),
            "messages": .array(request.messages.map(message)),
        ]
        if !request.tools.isEmpty {
            body["tools"] = .array(
                request.tools.map { tool in
                    [
                        "type": "function",
                        "function": ["name": .string(tool.name), "description": .string(tool.description), "parameters": tool.parameters],
                    ]
                }
            )
        }
        if let temperature = settings.temperature { body["temperature"] = .number(temperature) }
        if let maxTokens = settings.maxTokens { body["max_tokens"] = .number(Double(maxTokens)) }
        if settings.stream {
            body["stream"] = true
            body["stream_options"] = ["include_usage": true]
        }
        return .object(body)
    }

    static func message(_ message: ChatMessage) -> JSONValue {
        var object: [String: JSONValue] = ["role": .string(message.role.rawValue)]
        switch message.role {
        case .assistant where !message.toolCalls.isEmpty:
            object["content"] = message.content.isEmpty ? .null : .string(message.content)
            object["tool_calls"] = .array(
                message.toolCalls.map { call in
                    ["id": .string(call.id), "type": "function", "function": ["name": .string(call.name), "arguments": .string(call.arguments)]]
                }
            )
        case .tool:
            object["content"] = .string(message.content)
            object["tool_call_id"] = .string(message.toolCallId ?? "")
        default:
            object["content"] = .string(message.content)
        }
        return .object(object)
    }

    /// Reads a non-streamed Chat Completions response.
    package static func response(from text: String) throws -> ModelResponse {
        guard let value = try? JSONValue.parse(text), case .array(let choices) = value["choices"], let first = choices.first,
            let message = first["message"]
        else {
            throw ModelError(code: .invalidResponse, message: "not a Chat Completions response: \(text.prefix(200))")
        }
        if first["finish_reason"] == "content_filter" { throw ContentFilterReport.stoppedAnswer(first["content_filter_results"]) }
        guard message["content"].map({ $0 == .null || $0.stringValue != nil }) ?? true else {
            throw ModelError(code: .invalidResponse, message: "the answer's content is not text")
        }
        var calls: [ToolCall] = []
        if case .array(let toolCalls) = message["tool_calls"] {
            for call in toolCalls {
                calls.append(
                    ToolCall(
                        id: call["id"]?.stringValue ?? "call_\(calls.count + 1)",
                        name: call["function"]?["name"]?.stringValue ?? "",
                        arguments: call["function"]?["arguments"]?.stringValue ?? "{}"
                    )
                )
            }
        }
        return ModelResponse(text: message["content"]?.stringValue ?? "", toolCalls: calls, usage: try usage(value["usage"]))
    }

    static func usage(_ value: JSONValue?) throws -> Usage {
        try Usage.read(value, input: "prompt_tokens", output: "completion_tokens")
    }
}
