import AloftCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// A model server for tests that speaks the real wire formats over HTTP:
/// OpenAI Chat Completions at `/v1/chat/completions`, Anthropic Messages at `/v1/messages`,
/// Azure OpenAI's deployments and v1 APIs, and Gemini's `generateContent` on the Gemini API
/// (`/v1beta/models/…`) and on Vertex AI (`/v1/projects/…`) with an OAuth token endpoint
/// (`/token`); streamed (SSE) when the request asks for it, JSON otherwise. It records every
/// request.
public final class FakeModelServer: Sendable {
    /// What the server answers to one request.
    public enum Reply: Sendable {
        /// A text answer, streamed in word-sized chunks with a pause between them.
        case text(String, chunkDelayMilliseconds: Int = 0)
        /// Tool calls (and optional text).
        case toolCalls([ToolCall], text: String = "")
        /// An HTTP error with a body in the provider's error shape.
        case status(Int, message: String, headers: [String: String] = [:])
        /// Exactly these bytes, in these pieces, with a pause before each piece after the
        /// first: for servers that misbehave (truncate, trickle, answer HTML or nothing).
        case raw(status: Int = 200, contentType: String?, chunks: [String], delayMilliseconds: Int = 0)
        /// Azure's content filter refusing the prompt: HTTP 400, `code: content_filter`, the
        /// categories filtered at their severities.
        case promptFiltered([String: String])
        /// An answer Azure's content filter stopped after `text`: `finish_reason: content_filter`.
        case answerFiltered(String, [String: String])
        /// Gemini: text whose part carries a thought signature.
        case signedText(String, signature: String)
        /// Gemini: a prompt its safety filter blocked (`promptFeedback.blockReason`).
        case promptBlocked(String)
        /// Gemini: `text`, then a finish reason that is not `STOP` (`SAFETY`, `MAX_TOKENS`…),
        /// with a safety rating of `category` blocked.
        case finished(String, text: String, blockedCategory: String? = nil)
    }

    /// A request as the server saw it.
    public struct RecordedRequest: Sendable {
        public var path: String
        /// The query string, without `?` (empty when none).
        public var query: String
        public var headers: [String: String]
        public var body: JSONValue
    }

    private let replies: Mutex<[Reply]>
    private let recorded = Mutex<[RecordedRequest]>([])
    private let fallback: Reply

    private let tokenLifetimeSeconds: Int
    private let refusesTokens: Bool
    private let tokensIssued = Mutex(0)

    /// Replies are used in order; when they run out, `fallback` answers. The token endpoint's
    /// tokens live `tokenLifetimeSeconds`; with `refusesTokens`, it refuses every grant.
    public init(replies: [Reply] = [], fallback: Reply = .text("ok"), tokenLifetimeSeconds: Int = 3599, refusesTokens: Bool = false) {
        self.replies = Mutex(replies)
        self.fallback = fallback
        self.tokenLifetimeSeconds = tokenLifetimeSeconds
        self.refusesTokens = refusesTokens
    }

    public var requests: [RecordedRequest] { recorded.withLock { $0 } }

    /// When clients went away in the middle of a streamed answer (the server's next write failed).
    public var streamsCutShort: [ContinuousClock.Instant] { cutShort.withLock { $0 } }
    private let cutShort = Mutex<[ContinuousClock.Instant]>([])

    /// Starts the server and runs `body` with its base URL (`http://127.0.0.1:PORT/v1`).
    public func run<Result: Sendable>(_ body: @Sendable (_ baseURL: String) async throws -> Result) async throws -> Result {
        let router = Router()
        router.post("/v1/chat/completions") { request, context in try await self.handle(request, context: context, format: .openAI) }
        router.post("/v1/messages") { request, context in try await self.handle(request, context: context, format: .anthropic) }
        // Azure OpenAI: the deployments API and the v1 API.
        router.post("/openai/deployments/{deployment}/chat/completions") { request, context in try await self.handle(request, context: context, format: .openAI) }
        router.post("/openai/v1/chat/completions") { request, context in try await self.handle(request, context: context, format: .openAI) }
        // Gemini: the Gemini API (`models/{model}:generateContent`), Vertex AI, and OAuth tokens.
        for version in ["v1beta", "v1"] {
            router.post("/\(version)/models/{action}") { request, context in try await self.handle(request, context: context, format: .gemini) }
        }
        router.post("/v1/projects/{project}/locations/{location}/publishers/google/models/{action}") { request, context in
            try await self.handle(request, context: context, format: .gemini)
        }
        router.post("/token") { request, context in try await self.issueToken(request) }
        return try await withTestHTTPServer(router: router) { port in try await body("http://127.0.0.1:\(port)/v1") }
    }

    enum Format { case openAI, anthropic, gemini }

    /// An OAuth token endpoint: records the form and answers a new access token.
    private func issueToken(_ request: Request) async throws -> Response {
        let form = String(buffer: try await request.body.collect(upTo: 1 << 20))
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
        recorded.withLock { $0.append(RecordedRequest(path: request.uri.path, query: request.uri.query ?? "", headers: headers, body: .string(form))) }
        if refusesTokens {
            var fields = HTTPFields()
            fields[.contentType] = "application/json"
            let refusal: JSONValue = ["error": "invalid_grant", "error_description": "Invalid JWT Signature."]
            return Response(status: .badRequest, headers: fields, body: .init(byteBuffer: ByteBuffer(string: refusal.jsonText())))
        }
        let number = tokensIssued.withLock { count in
            count += 1
            return count
        }
        return json(["access_token": .string("ya29.fake-\(number)"), "expires_in": .number(Double(tokenLifetimeSeconds)), "token_type": "Bearer"])
    }

    private func handle(_ request: Request, context: BasicRequestContext, format: Format) async throws -> Response {
        let buffer = try await request.body.collect(upTo: 10 << 20)
        let body = (try? JSONValue.parse(String(buffer: buffer))) ?? .null
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
        recorded.withLock { $0.append(RecordedRequest(path: request.uri.path, query: request.uri.query ?? "", headers: headers, body: body)) }
        let reply = replies.withLock { $0.isEmpty ? fallback : $0.removeFirst() }
        let stream = format == .gemini ? request.uri.path.hasSuffix(":streamGenerateContent") : body["stream"] == .bool(true)
        if format == .gemini { return gemini(reply, stream: stream) }
        switch reply {
        case .signedText, .promptBlocked, .finished:
            return Response(status: .internalServerError)
        case .status(let code, let message, let extra):
            var fields = HTTPFields()
            fields[.contentType] = "application/json"
            for (name, value) in extra { if let field = HTTPField.Name(name) { fields[field] = value } }
            let payload: JSONValue = ["error": ["type": "test_error", "message": .string(message)]]
            return Response(status: .init(code: code), headers: fields, body: .init(byteBuffer: ByteBuffer(string: payload.jsonText())))
        case .raw(let status, let contentType, let chunks, let delay):
            return raw(status: status, contentType: contentType, chunks: chunks, delay: delay)
        case .text(let text, let delay):
            let words = Self.words(text)
            return stream ? sse(format == .openAI ? OpenAIWire.stream(words: words, calls: []) : AnthropicWire.stream(words: words, calls: []), delay: delay)
                : json(format == .openAI ? OpenAIWire.whole(text: text, calls: []) : AnthropicWire.whole(text: text, calls: []))
        case .promptFiltered(let categories):
            let results = JSONValue.object(categories.mapValues { ["filtered": .bool($0 != "safe"), "severity": .string($0)] })
            let payload: JSONValue = [
                "error": [
                    "message": "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
                    "type": .null, "param": "prompt", "code": "content_filter", "status": 400,
                    "innererror": ["code": "ResponsibleAIPolicyViolation", "content_filter_result": results],
                ]
            ]
            var fields = HTTPFields()
            fields[.contentType] = "application/json"
            return Response(status: .badRequest, headers: fields, body: .init(byteBuffer: ByteBuffer(string: payload.jsonText())))
        case .answerFiltered(let text, let categories):
            return stream ? sse(OpenAIWire.filteredStream(text: text, categories: categories).map { (nil, $0.jsonText()) } + [(nil, "[DONE]")], delay: 0)
                : json(OpenAIWire.filteredWhole(text: text, categories: categories))
        case .toolCalls(let calls, let text):
            let words = Self.words(text)
            return stream ? sse(format == .openAI ? OpenAIWire.stream(words: words, calls: calls) : AnthropicWire.stream(words: words, calls: calls), delay: 0)
                : json(format == .openAI ? OpenAIWire.whole(text: text, calls: calls) : AnthropicWire.whole(text: text, calls: calls))
        }
    }

    /// A reply in Gemini's format: SSE events end with CRLF, as Google's do.
    private func gemini(_ reply: Reply, stream: Bool) -> Response {
        func answer(_ chunks: [JSONValue], whole: JSONValue) -> Response {
            stream ? sse(chunks.map { (nil, $0.jsonText()) }, delay: 0, lineEnd: "\r\n") : json(whole)
        }
        switch reply {
        case .text(let text, let delay):
            return stream ? sse(GeminiWire.stream(words: Self.words(text), calls: []).map { (nil, $0.jsonText()) }, delay: delay, lineEnd: "\r\n")
                : json(GeminiWire.whole(text: text, calls: []))
        case .signedText(let text, let signature):
            return answer(GeminiWire.stream(words: Self.words(text), calls: [], textSignature: signature), whole: GeminiWire.whole(text: text, calls: [], textSignature: signature))
        case .toolCalls(let calls, let text):
            return answer(GeminiWire.stream(words: Self.words(text), calls: calls), whole: GeminiWire.whole(text: text, calls: calls))
        case .promptBlocked(let reason):
            let payload = GeminiWire.promptBlocked(reason)
            return answer([payload], whole: payload)
        case .finished(let reason, let text, let category):
            let chunks = GeminiWire.stream(words: Self.words(text), calls: [], finishReason: reason, blockedCategory: category)
            return answer(chunks, whole: GeminiWire.whole(text: text, calls: [], finishReason: reason, blockedCategory: category))
        case .status(let code, let message, _):
            let status = [400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 503: "UNAVAILABLE"][code] ?? "INTERNAL"
            var error: [String: JSONValue] = ["code": .number(Double(code)), "message": .string(message), "status": .string(status)]
            if message.hasPrefix("API key not valid") {
                error["details"] = [["@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com"]]
            }
            var fields = HTTPFields()
            fields[.contentType] = "application/json; charset=UTF-8"
            return Response(status: .init(code: code), headers: fields, body: .init(byteBuffer: ByteBuffer(string: JSONValue.object(["error": .object(error)]).jsonText())))
        case .raw(let status, let contentType, let chunks, let delay):
            return raw(status: status, contentType: contentType, chunks: chunks, delay: delay)
        case .promptFiltered, .answerFiltered:
            return Response(status: .internalServerError)
        }
    }

    /// Exactly these bytes, in these pieces, `delay` milliseconds apart.
    private func raw(status: Int, contentType: String?, chunks: [String], delay: Int) -> Response {
        var fields = HTTPFields()
        if let contentType { fields[.contentType] = contentType }
        return Response(
            status: .init(code: status), headers: fields,
            body: ResponseBody { writer in
                for (index, chunk) in chunks.enumerated() {
                    if delay > 0, index > 0 { try await Task.sleep(for: .milliseconds(delay)) }
                    try await writer.write(ByteBuffer(string: chunk))
                }
                try await writer.finish(nil)
            }
        )
    }

    private func json(_ value: JSONValue) -> Response {
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(string: value.jsonText())))
    }

    private func sse(_ events: [(event: String?, data: String)], delay: Int, lineEnd: String = "\n") -> Response {
        var fields = HTTPFields()
        fields[.contentType] = "text/event-stream"
        return Response(
            status: .ok, headers: fields,
            body: ResponseBody { writer in
                do {
                    for (index, event) in events.enumerated() {
                        if delay > 0, index > 0 { try await Task.sleep(for: .milliseconds(delay)) }
                        let prefix = event.event.map { "event: \($0)\(lineEnd)" } ?? ""
                        try await writer.write(ByteBuffer(string: prefix + "data: \(event.data)\(lineEnd)\(lineEnd)"))
                    }
                } catch {
                    self.cutShort.withLock { $0.append(.now) }
                    throw error
                }
                try await writer.finish(nil)
            }
        )
    }

    public static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        for character in text {
            current.append(character)
            if character == " " {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }
}

/// Chat Completions payloads, as OpenAI sends them.
public enum OpenAIWire {
    public static func whole(text: String, calls: [ToolCall]) -> JSONValue {
        var message: [String: JSONValue] = ["role": "assistant", "content": text.isEmpty ? .null : .string(text)]
        if !calls.isEmpty {
            message["tool_calls"] = .array(calls.map { ["id": .string($0.id), "type": "function", "function": ["name": .string($0.name), "arguments": .string($0.arguments)]] })
        }
        return [
            "id": "chatcmpl-test", "object": "chat.completion", "created": 1_763_856_000, "model": "fake",
            "choices": [["index": 0, "message": .object(message), "finish_reason": calls.isEmpty ? "stop" : "tool_calls"]],
            "usage": ["prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18],
        ]
    }

    public static func stream(words: [String], calls: [ToolCall]) -> [(event: String?, data: String)] {
        func chunk(_ delta: JSONValue) -> (String?, String) {
            (nil, JSONValue.object(["id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 1_763_856_000, "model": "fake", "choices": [["index": 0, "delta": delta]]]).jsonText())
        }
        var events: [(String?, String)] = [chunk(["role": "assistant", "content": ""])]
        events += words.map { chunk(["content": .string($0)]) }
        for (index, call) in calls.enumerated() {
            let half = call.arguments.index(call.arguments.startIndex, offsetBy: call.arguments.count / 2)
            events.append(chunk(["tool_calls": [["index": .number(Double(index)), "id": .string(call.id), "type": "function", "function": ["name": .string(call.name), "arguments": ""]]]]))
            events.append(chunk(["tool_calls": [["index": .number(Double(index)), "function": ["arguments": .string(String(call.arguments[..<half]))]]]]))
            events.append(chunk(["tool_calls": [["index": .number(Double(index)), "function": ["arguments": .string(String(call.arguments[half...]))]]]]))
        }
        events.append(
            (nil, JSONValue.object([
                "id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 1_763_856_000, "model": "fake",
                "choices": [["index": 0, "delta": [:], "finish_reason": calls.isEmpty ? "stop" : "tool_calls"]],
            ]).jsonText())
        )
        events.append(
            (nil, JSONValue.object([
                "id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 1_763_856_000, "model": "fake", "choices": [],
                "usage": ["prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18],
            ]).jsonText())
        )
        events.append((nil, "[DONE]"))
        return events
    }
}

extension OpenAIWire {
    static func filterResults(_ categories: [String: String]) -> JSONValue {
        .object(categories.mapValues { ["filtered": .bool($0 != "safe"), "severity": .string($0)] })
    }

    /// An answer Azure's content filter stopped after `text`, whole.
    public static func filteredWhole(text: String, categories: [String: String]) -> JSONValue {
        [
            "id": "chatcmpl-f", "object": "chat.completion", "created": 1, "model": "test",
            "choices": [
                [
                    "index": 0, "message": ["role": "assistant", "content": .string(text)], "finish_reason": "content_filter",
                    "content_filter_results": filterResults(categories),
                ]
            ],
            "usage": ["prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7],
        ]
    }

    /// The same, streamed: the text, then `finish_reason: content_filter` (then `[DONE]`).
    public static func filteredStream(text: String, categories: [String: String]) -> [JSONValue] {
        [
            [
                "id": "chatcmpl-f", "object": "chat.completion.chunk", "created": 1, "model": "test",
                "choices": [["index": 0, "delta": ["content": .string(text)], "finish_reason": .null]],
            ],
            [
                "id": "chatcmpl-f", "object": "chat.completion.chunk", "created": 1, "model": "test",
                "choices": [["index": 0, "delta": [:], "finish_reason": "content_filter", "content_filter_results": filterResults(categories)]],
            ],
        ]
    }
}

/// Messages payloads, as Anthropic sends them.
public enum AnthropicWire {
    public static func whole(text: String, calls: [ToolCall]) -> JSONValue {
        var content: [JSONValue] = text.isEmpty ? [] : [["type": "text", "text": .string(text)]]
        content += calls.map { ["type": "tool_use", "id": .string($0.id), "name": .string($0.name), "input": (try? JSONValue.parse($0.arguments)) ?? [:]] }
        return [
            "id": "msg_test", "type": "message", "role": "assistant", "model": "fake", "content": .array(content),
            "stop_reason": calls.isEmpty ? "end_turn" : "tool_use", "usage": ["input_tokens": 13, "output_tokens": 9],
        ]
    }

    public static func stream(words: [String], calls: [ToolCall]) -> [(event: String?, data: String)] {
        func event(_ type: String, _ payload: JSONValue) -> (String?, String) {
            var object = payload.objectValue ?? [:]
            object["type"] = .string(type)
            return (type, JSONValue.object(object).jsonText())
        }
        var events: [(String?, String)] = [
            event("message_start", ["message": ["id": "msg_test", "role": "assistant", "content": [], "usage": ["input_tokens": 13, "output_tokens": 1]]])
        ]
        var index = 0
        if !words.isEmpty {
            events.append(event("content_block_start", ["index": 0, "content_block": ["type": "text", "text": ""]]))
            events.append(event("ping", [:]))
            events += words.map { event("content_block_delta", ["index": 0, "delta": ["type": "text_delta", "text": .string($0)]]) }
            events.append(event("content_block_stop", ["index": 0]))
            index = 1
        }
        for call in calls {
            let position = JSONValue.number(Double(index))
            events.append(event("content_block_start", ["index": position, "content_block": ["type": "tool_use", "id": .string(call.id), "name": .string(call.name), "input": [:]]]))
            let half = call.arguments.index(call.arguments.startIndex, offsetBy: call.arguments.count / 2)
            events.append(event("content_block_delta", ["index": position, "delta": ["type": "input_json_delta", "partial_json": .string(String(call.arguments[..<half]))]]))
            events.append(event("content_block_delta", ["index": position, "delta": ["type": "input_json_delta", "partial_json": .string(String(call.arguments[half...]))]]))
            events.append(event("content_block_stop", ["index": position]))
            index += 1
        }
        events.append(event("message_delta", ["delta": ["stop_reason": calls.isEmpty ? "end_turn" : "tool_use"], "usage": ["output_tokens": 9]]))
        events.append(event("message_stop", [:]))
        return events
    }
}

/// `GenerateContentResponse` payloads, as Gemini sends them (checked against the google-genai
/// SDK's types by `GeminiProviderTests`).
public enum GeminiWire {
    public static let usage: JSONValue = ["promptTokenCount": 12, "candidatesTokenCount": 8, "thoughtsTokenCount": 4, "totalTokenCount": 24]

    static func parts(text: String, calls: [ToolCall], textSignature: String?) -> [JSONValue] {
        var parts: [JSONValue] = []
        if !text.isEmpty || textSignature != nil {
            var part: [String: JSONValue] = ["text": .string(text)]
            if let textSignature { part["thoughtSignature"] = .string(textSignature) }
            parts.append(.object(part))
        }
        for call in calls {
            var functionCall: [String: JSONValue] = ["name": .string(call.name), "args": (try? JSONValue.parse(call.arguments)) ?? [:]]
            if !call.id.isEmpty { functionCall["id"] = .string(call.id) }
            var part: [String: JSONValue] = ["functionCall": .object(functionCall)]
            if let signature = call.signature { part["thoughtSignature"] = .string(signature) }
            parts.append(.object(part))
        }
        return parts
    }

    static func candidate(parts: [JSONValue], finishReason: String?, blockedCategory: String?) -> JSONValue {
        var candidate: [String: JSONValue] = ["content": ["role": "model", "parts": .array(parts)], "index": 0]
        if let finishReason { candidate["finishReason"] = .string(finishReason) }
        if let blockedCategory {
            candidate["safetyRatings"] = [["category": .string(blockedCategory), "probability": "HIGH", "blocked": true]]
        }
        return .object(candidate)
    }

    /// A whole answer; calls with an empty `id` are sent without one, as Gemini often does.
    public static func whole(text: String, calls: [ToolCall], textSignature: String? = nil, finishReason: String = "STOP", blockedCategory: String? = nil) -> JSONValue {
        [
            "candidates": [candidate(parts: parts(text: text, calls: calls, textSignature: textSignature), finishReason: finishReason, blockedCategory: blockedCategory)],
            "usageMetadata": usage, "modelVersion": "gemini-2.5-flash", "responseId": "resp-test",
        ]
    }

    /// A streamed answer: a chunk per word, the calls in one chunk, then the finish reason (with
    /// the text's signature on an empty text part, as Gemini sends it) and the total usage.
    public static func stream(
        words: [String], calls: [ToolCall], textSignature: String? = nil, finishReason: String = "STOP", blockedCategory: String? = nil
    ) -> [JSONValue] {
        func chunk(_ parts: [JSONValue], finishReason: String? = nil, usage: JSONValue) -> JSONValue {
            [
                "candidates": [candidate(parts: parts, finishReason: finishReason, blockedCategory: finishReason == nil ? nil : blockedCategory)],
                "usageMetadata": usage, "modelVersion": "gemini-2.5-flash", "responseId": "resp-test",
            ]
        }
        var chunks = words.enumerated().map { index, word in
            chunk([["text": .string(word)]], usage: ["promptTokenCount": 12, "candidatesTokenCount": .number(Double(index + 1)), "totalTokenCount": .number(Double(13 + index))])
        }
        if !calls.isEmpty { chunks.append(chunk(parts(text: "", calls: calls, textSignature: nil), usage: ["promptTokenCount": 12, "totalTokenCount": 12])) }
        chunks.append(chunk(textSignature.map { [["text": "", "thoughtSignature": .string($0)]] } ?? [], finishReason: finishReason, usage: usage))
        return chunks
    }

    public static func promptBlocked(_ reason: String) -> JSONValue {
        [
            "promptFeedback": [
                "blockReason": .string(reason),
                "safetyRatings": [["category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": true]],
            ],
            "usageMetadata": ["promptTokenCount": 9, "totalTokenCount": 9], "modelVersion": "gemini-2.5-flash", "responseId": "resp-test",
        ]
    }
}

extension Array where Element == (event: String?, data: String) {
    /// The events as `text/event-stream` text.
    public var eventStreamText: String {
        map { ($0.event.map { "event: \($0)\n" } ?? "") + "data: \($0.data)\n\n" }.joined()
    }
}
