import AloftCore
import AloftTestSupport
import AsyncHTTPClient
import Synchronization
import Testing

@testable import AloftLLM

private let weather = ToolDefinition(
    name: "weather", description: "Weather for a city",
    parameters: ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]]
)

private func provider(_ kind: ModelSettings.Provider, baseURL: String, stream: Bool, timeout: Double = 30) -> any ModelProvider {
    let settings = ModelSettings(provider: kind, name: "test-model", baseURL: baseURL, stream: stream)
    switch kind {
    case .anthropic: return AnthropicProvider(settings: settings, apiKey: "secret-key", client: .shared, timeoutSeconds: timeout)
    default: return OpenAIChatProvider(settings: settings, apiKey: "secret-key", client: .shared, timeoutSeconds: timeout)
    }
}

private let wireFormats: [(ModelSettings.Provider, Bool)] = [(.openai, true), (.openai, false), (.anthropic, true), (.anthropic, false)]

@Suite("Model providers over real HTTP")
struct ModelProviderTests {
    @Test("text answers arrive as deltas and whole, with usage", arguments: wireFormats)
    func textAnswer(kind: ModelSettings.Provider, stream: Bool) async throws {
        let server = FakeModelServer(replies: [.text("The sky is blue today.")])
        let (response, deltas) = try await server.run { baseURL in
            let deltas = Mutex<[String]>([])
            let response = try await provider(kind, baseURL: baseURL, stream: stream)
                .respond(to: ModelRequest(messages: [.system("Be brief."), .user("Sky?")], tools: [])) { delta in
                    deltas.withLock { $0.append(delta) }
                }
            return (response, deltas.withLock { $0 })
        }
        #expect(response.text == "The sky is blue today.")
        #expect(response.toolCalls.isEmpty)
        #expect(response.usage.inputTokens > 0 && response.usage.outputTokens > 0)
        #expect(deltas.joined() == "The sky is blue today.")
        if stream { #expect(deltas.count > 1, "a streamed answer arrives in pieces") }
        let request = try #require(server.requests.first)
        #expect(request.body["model"] == "test-model")
        #expect(request.body["stream"] == (stream ? .bool(true) : nil))
        if kind == .anthropic {
            #expect(request.headers["x-api-key"] == "secret-key")
            #expect(request.headers["anthropic-version"] == "2023-06-01")
            #expect(request.body["system"] == "Be brief.")
        } else {
            #expect(request.headers["authorization"] == "Bearer secret-key")
            #expect(request.body["messages"]?.jsonText().contains("Be brief.") == true)
        }
    }

    @Test("parallel tool calls are read whole, and the tools are offered in the provider's shape", arguments: wireFormats)
    func toolCalls(kind: ModelSettings.Provider, stream: Bool) async throws {
        let calls = [
            ToolCall(id: "call_a", name: "weather", arguments: #"{"city":"Oslo"}"#),
            ToolCall(id: "call_b", name: "weather", arguments: #"{"city":"Rome"}"#),
        ]
        let server = FakeModelServer(replies: [.toolCalls(calls, text: "Checking.")])
        let response = try await server.run { baseURL in
            try await provider(kind, baseURL: baseURL, stream: stream).complete(ModelRequest(messages: [.user("Weather?")], tools: [weather]))
        }
        #expect(response.toolCalls.map(\.id) == ["call_a", "call_b"])
        #expect(try response.toolCalls.map { try JSONValue.parse($0.arguments) } == [["city": "Oslo"], ["city": "Rome"]])
        #expect(response.text == "Checking.")
        let tools = try #require(server.requests.first?.body["tools"])
        if kind == .anthropic {
            #expect(tools == [["name": "weather", "description": "Weather for a city", "input_schema": weather.parameters]])
        } else {
            #expect(tools == [["type": "function", "function": ["name": "weather", "description": "Weather for a city", "parameters": weather.parameters]]])
        }
    }

    @Test("tool results are sent back in the provider's format", arguments: [ModelSettings.Provider.openai, .anthropic])
    func toolResultsSentBack(kind: ModelSettings.Provider) async throws {
        let server = FakeModelServer(replies: [.text("It is 12°C in Oslo.")])
        let messages: [ChatMessage] = [
            .system("Be brief."), .user("Weather in Oslo?"),
            ChatMessage(role: .assistant, content: "", toolCalls: [ToolCall(id: "c1", name: "weather", arguments: #"{"city":"Oslo"}"#)]),
            ChatMessage(role: .tool, content: "12°C", toolCallId: "c1", toolName: "weather"),
        ]
        _ = try await server.run { baseURL in
            try await provider(kind, baseURL: baseURL, stream: true).complete(ModelRequest(messages: messages, tools: [weather]))
        }
        let sent = try #require(server.requests.first?.body["messages"])
        if kind == .anthropic {
            #expect(sent == [
                ["role": "user", "content": [["type": "text", "text": "Weather in Oslo?"]]],
                ["role": "assistant", "content": [["type": "tool_use", "id": "c1", "name": "weather", "input": ["city": "Oslo"]]]],
                ["role": "user", "content": [["type": "tool_result", "tool_use_id": "c1", "content": "12°C"]]],
            ])
        } else {
            #expect(sent == [
                ["role": "system", "content": "Be brief."],
                ["role": "user", "content": "Weather in Oslo?"],
                ["role": "assistant", "content": .null, "tool_calls": [["id": "c1", "type": "function", "function": ["name": "weather", "arguments": #"{"city":"Oslo"}"#]]]],
                ["role": "tool", "content": "12°C", "tool_call_id": "c1"],
            ])
        }
    }

    @Test("HTTP errors become typed errors: 429 and 5xx retryable with Retry-After, other 4xx not, with the provider's message",
          arguments: wireFormats)
    func httpErrors(kind: ModelSettings.Provider, stream: Bool) async throws {
        let server = FakeModelServer(replies: [
            .status(429, message: "slow down", headers: ["Retry-After": "7"]),
            .status(503, message: "overloaded"),
            .status(400, message: "max_tokens is too large"),
        ])
        let errors = try await server.run { baseURL in
            var errors: [ModelError] = []
            for _ in 0..<3 {
                do {
                    _ = try await provider(kind, baseURL: baseURL, stream: stream).complete(ModelRequest(messages: [.user("hi")], tools: []))
                } catch let error as ModelError {
                    errors.append(error)
                }
            }
            return errors
        }
        #expect(errors.map(\.code) == [.rateLimited, .serverError, .badRequest])
        #expect(errors.map(\.isRetryable) == [true, true, false])
        #expect(errors[0].retryAfterSeconds == 7)
        #expect(errors[2].message == "max_tokens is too large")
        #expect(errors[2].statusCode == 400)
    }

    @Test("an unreachable server is a retryable error")
    func unreachable() async throws {
        await #expect {
            _ = try await provider(.openai, baseURL: "http://127.0.0.1:1/v1", stream: true, timeout: 1)
                .complete(ModelRequest(messages: [.user("hi")], tools: []))
        } throws: { error in
            let code = (error as? ModelError)?.code
            return (code == .connection || code == .timeout) && (error as? ModelError)?.isRetryable == true
        }
    }
}

@Suite("Scripted provider")
struct ScriptedProviderTests {
    @Test("replies follow the script within a turn, deterministically, with tool calls")
    func followsScript() async throws {
        let provider = ScriptedProvider(replies: [
            ScriptedReply(toolCalls: [.init(name: "lookup", arguments: ["id": 7])]),
            ScriptedReply(text: "Found it: seven."),
        ])
        let first = try await provider.complete(ModelRequest(messages: [.user("find 7")], tools: []))
        #expect(first.toolCalls == [ToolCall(id: "call_1_1", name: "lookup", arguments: #"{"id":7}"#)])
        let again = try await provider.complete(ModelRequest(messages: [.user("find 7")], tools: []))
        #expect(again == first, "the same context gets the same reply, so a step redone after a crash is the same")
        let second = try await provider.complete(
            ModelRequest(
                messages: [.user("find 7"), ChatMessage(role: .assistant, content: "", toolCalls: first.toolCalls), ChatMessage(role: .tool, content: "{}", toolCallId: "call_1_1")],
                tools: []
            )
        )
        #expect(second.text == "Found it: seven.")
    }

    @Test("running out of script is a clear error")
    func outOfScript() async throws {
        let provider = ScriptedProvider(replies: [])
        await #expect(throws: ModelError.self) { try await provider.complete(ModelRequest(messages: [.user("x")], tools: [])) }
    }
}

@Suite("Server-sent event parsing")
struct ServerSentEventParserTests {
    @Test("events split across chunks and CRLF line ends are reassembled")
    func splitChunks() {
        var parser = ServerSentEventParser()
        var events = parser.feed(Array("event: a\r\ndata: {\"x\":".utf8))
        #expect(events.isEmpty)
        events = parser.feed(Array("1}\r\n\r\n: comment\n\ndata: line1\ndata: line2\n\n".utf8))
        #expect(events == [ServerSentEvent(event: "a", data: #"{"x":1}"#), ServerSentEvent(data: "line1\nline2")])
    }
}
