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

private func provider(
    _ kind: ModelSettings.Provider, baseURL: String, stream: Bool, timeout: Double = 30, idle: Double? = nil
) -> any ModelProvider {
    let settings = ModelSettings(provider: kind, name: "test-model", baseURL: baseURL, stream: stream)
    let http = ModelHTTPClient.shared(OutboundHTTPConfiguration())
    let limits = ModelCallLimits(totalSeconds: timeout, idleSeconds: idle ?? timeout)
    switch kind {
    case .anthropic: return AnthropicProvider(settings: settings, apiKey: "secret-key", http: http, limits: limits)
    default: return OpenAIChatProvider(settings: settings, apiKey: "secret-key", http: http, limits: limits)
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

    @Test("a refused connection fails at once with a clear, retryable error, not after the timeout")
    func refused() async throws {
        let clock = ContinuousClock()
        let started = clock.now
        await #expect {
            _ = try await provider(.openai, baseURL: "http://127.0.0.1:1/v1", stream: true, timeout: 600)
                .complete(ModelRequest(messages: [.user("hi")], tools: []))
        } throws: { error in
            guard let error = error as? ModelError else { return false }
            return error.code == .connection && error.isRetryable && error.message.contains("refused")
                && !error.message.contains("errno") && !error.description.contains("127.0.0.1")
        }
        // A wide margin: CI, starting every suite at once, once took 12.7 s to get here.
        #expect(clock.now - started < .seconds(120), "a refusal is known at once; the 600 s timeout is not waited out")
    }
}

@Suite("Model servers that misbehave")
struct MisbehavingModelServerTests {
    private static func failure(
        _ reply: FakeModelServer.Reply, kind: ModelSettings.Provider = .openai, stream: Bool = true, timeout: Double = 30, idle: Double? = nil
    ) async throws -> ModelError? {
        let server = FakeModelServer(replies: [reply])
        return try await server.run { baseURL in
            do {
                _ = try await provider(kind, baseURL: baseURL, stream: stream, timeout: timeout, idle: idle)
                    .complete(ModelRequest(messages: [.user("hi")], tools: []))
                return nil
            } catch let error as ModelError {
                return error
            }
        }
    }

    private static let openAIText = OpenAIWire.stream(words: ["Hello ", "there."], calls: [])
    private static let anthropicText = AnthropicWire.stream(words: ["Hello ", "there."], calls: [])

    @Test("answers that are not complete answers are malformed responses, retried, never a finished run", arguments: [
        ("a stream cut before its finish_reason and [DONE]", FakeModelServer.Reply.raw(contentType: "text/event-stream", chunks: [Array(openAIText.dropLast(3)).eventStreamText]), ModelSettings.Provider.openai, true),
        ("an Anthropic stream cut before message_stop", .raw(contentType: "text/event-stream", chunks: [Array(anthropicText.dropLast(2)).eventStreamText]), .anthropic, true),
        ("JSON where an event stream was asked for", .raw(contentType: "application/json", chunks: [OpenAIWire.whole(text: "hi", calls: []).jsonText()]), .openai, true),
        ("an HTML page", .raw(contentType: "text/html", chunks: ["<html><body>Bad gateway</body></html>"]), .openai, false),
        ("an HTML page on a stream", .raw(contentType: "text/html", chunks: ["<html><body>Bad gateway</body></html>"]), .anthropic, true),
        ("an empty 200", .raw(contentType: nil, chunks: []), .openai, false),
        ("an empty 200 on a stream", .raw(contentType: "text/event-stream", chunks: []), .anthropic, true),
        ("an answer with neither text nor tool calls", .raw(contentType: "application/json", chunks: [OpenAIWire.whole(text: "", calls: []).jsonText()]), .openai, false),
    ])
    func malformed(label: String, reply: FakeModelServer.Reply, kind: ModelSettings.Provider, stream: Bool) async throws {
        let error = try #require(try await Self.failure(reply, kind: kind, stream: stream), "\(label) must not pass for an answer")
        #expect(error.code == .invalidResponse, "\(label): \(error)")
        #expect(error.isRetryable, "\(label): a malformed response is retried")
    }

    @Test("an Anthropic stream that sends its input token count in message_delta (as LiteLLM does) is counted")
    func anthropicUsageInDelta() async throws {
        let events = [
            #"{"type":"message_start","message":{"usage":{"input_tokens":0,"output_tokens":1}}}"#,
            #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}"#,
            #"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"input_tokens":42,"output_tokens":7}}"#,
            #"{"type":"message_stop"}"#,
        ]
        let body = events.map { "event: \(try! JSONValue.parse($0)["type"]!.stringValue!)\ndata: \($0)\n\n" }.joined()
        let server = FakeModelServer(replies: [.raw(contentType: "text/event-stream", chunks: [body])])
        try await server.run { baseURL in
            let response = try await provider(.anthropic, baseURL: baseURL, stream: true).respond(
                to: ModelRequest(messages: [.user("hi")], tools: []), onDelta: { _ in }
            )
            #expect(response.text == "hi")
            #expect(response.usage == Usage(inputTokens: 42, outputTokens: 7))
        }
    }

    @Test("numbers too large for an integer are malformed responses, not a crash", arguments: [
        (FakeModelServer.Reply.raw(contentType: "application/json", chunks: [#"{"choices":[{"message":{"content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1e300,"completion_tokens":2}}"#]), ModelSettings.Provider.openai, false),
        (.raw(contentType: "text/event-stream", chunks: [#"data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":1e20,"id":"c","function":{"name":"weather","arguments":"{}"}}]}}]}"# + "\n\ndata: [DONE]\n\n"]), .openai, true),
        (.raw(contentType: "text/event-stream", chunks: [#"data: {"choices":[],"usage":{"prompt_tokens":-5,"completion_tokens":1}}"# + "\n\ndata: [DONE]\n\n"]), .openai, true),
        (.raw(contentType: "text/event-stream", chunks: ["event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":1e300}}}\n\n"]), .anthropic, true),
        (.raw(contentType: "text/event-stream", chunks: ["event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1e20,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"]), .anthropic, true),
        (.raw(contentType: "application/json", chunks: [#"{"content":[{"type":"text","text":"hi"}],"usage":{"input_tokens":1,"output_tokens":1e300}}"#]), .anthropic, false),
    ])
    func hugeNumbers(reply: FakeModelServer.Reply, kind: ModelSettings.Provider, stream: Bool) async throws {
        let error = try #require(try await Self.failure(reply, kind: kind, stream: stream))
        #expect(error.code == .invalidResponse, "\(error)")
    }

    @Test("a stream that trickles stops at the idle timeout")
    func trickle() async throws {
        let bytes = Array(Self.openAIText.eventStreamText).map(String.init)
        let clock = ContinuousClock()
        let started = clock.now
        let error = try #require(
            try await Self.failure(.raw(contentType: "text/event-stream", chunks: bytes, delayMilliseconds: 700), timeout: 600, idle: 0.3)
        )
        #expect(error.code == .timeout && error.message.contains("sent nothing"), "\(error)")
        // About a second alone; the bound is loose because CI starts every suite at once (once 20.9 s).
        #expect(clock.now - started < .seconds(120), "the idle timeout ends the call, not the 600 s deadline")
    }

    @Test("a stream that keeps sending but never ends stops at the total deadline")
    func endless() async throws {
        let chunks = Array(repeating: #"data: {"choices":[{"index":0,"delta":{"content":"la "}}]}"# + "\n\n", count: 400)
        let error = try #require(
            try await Self.failure(.raw(contentType: "text/event-stream", chunks: chunks, delayMilliseconds: 20), timeout: 1.5, idle: 10)
        )
        #expect(error.code == .timeout && error.message.contains("in all"), "\(error)")
    }

    @Test("requests over the per-host limit wait in a queue that does not count against their timeout, and the wait is reported")
    func queueing() async throws {
        let slow = FakeModelServer.Reply.raw(
            contentType: "text/event-stream", chunks: ["", Self.openAIText.eventStreamText], delayMilliseconds: 1000
        )
        // Each call's own time (1 s, mostly the server's sleep) leaves 9 s of its 10 s timeout
        // for a loaded machine (CI once stretched a 0.1 s call past 3 s); the queue (12 × 1 s)
        // is still longer than the timeout.
        let server = FakeModelServer(replies: Array(repeating: slow, count: 12))
        let waits = Mutex<[Duration]>([])
        let http = ModelHTTPClient(client: ModelHTTPClient.shared(OutboundHTTPConfiguration()).client, limiter: HostConcurrencyLimiter(limit: 1)) { _, waited in
            waits.withLock { $0.append(waited) }
        }
        let failures = try await server.run { baseURL in
            let settings = ModelSettings(provider: .openai, name: "m", baseURL: baseURL, stream: true)
            let provider = OpenAIChatProvider(settings: settings, apiKey: nil, http: http, limits: ModelCallLimits(totalSeconds: 10, idleSeconds: 10))
            return await withTaskGroup(of: String?.self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        do {
                            _ = try await provider.complete(ModelRequest(messages: [.user("hi")], tools: []))
                            return nil
                        } catch {
                            return "\(error)"
                        }
                    }
                }
                return await group.reduce(into: [String]()) { if let failure = $1 { $0.append(failure) } }
            }
        }
        #expect(failures.isEmpty, "12 calls of 1 s through 1 slot take 12 s, beyond each call's 10 s, and all succeed: \(failures)")
        let recorded = waits.withLock { $0 }
        #expect(recorded.count == 12)
        #expect(recorded.contains { $0 > .seconds(10) }, "the last calls waited longer than their timeout, and said so: \(recorded)")
    }

    @Test("Retry-After that is not a finite number is ignored, not trusted", arguments: ["1e400", "nan", "inf", "-3"])
    func retryAfter(value: String) {
        let error = ModelError.http(status: 429, body: "", retryAfter: value)
        #expect(error.retryAfterSeconds.map { $0.isFinite && $0 >= 0 } ?? true)
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
    func splitChunks() throws {
        var parser = ServerSentEventParser()
        var events = try parser.feed(Array("event: a\r\ndata: {\"x\":".utf8))
        #expect(events.isEmpty)
        events = try parser.feed(Array("1}\r\n\r\n: comment\n\ndata: line1\ndata: line2\n\n".utf8))
        #expect(events == [ServerSentEvent(event: "a", data: #"{"x":1}"#), ServerSentEvent(data: "line1\nline2")])
    }

    @Test("a stream fed one byte at a time gives the same events as fed whole")
    func byteByByte() throws {
        let text = "event: a\r\ndata: one\r\n\r\ndata: two\rdata: three\r\r: c\n\nid: 7\ndata: four\n\n"
        var whole = ServerSentEventParser()
        let expected = try whole.feed(Array(text.utf8))
        var split = ServerSentEventParser()
        var events: [ServerSentEvent] = []
        for byte in text.utf8 { events += try split.feed([byte]) }
        #expect(events == expected)
        #expect(expected.map(\.data) == ["one", "two\nthree", "four"])
    }

    @Test("a line or an event over the limit is an error, not unbounded memory")
    func limits() throws {
        var parser = ServerSentEventParser(maxEventBytes: 1024)
        #expect(throws: ServerSentEventError.self) { try parser.feed(Array(repeating: UInt8(ascii: "x"), count: 2000)) }
        var events = ServerSentEventParser(maxEventBytes: 1024)
        let line = "data: " + String(repeating: "y", count: 600) + "\n"
        #expect(throws: ServerSentEventError.self) { try events.feed(Array((line + line).utf8)) }
    }
}
