import AloftA2A
import AloftCore
import AloftEngine
import AloftLLM
import AloftTools

/// The parsers of outside text, each as a fuzz target: any input may be refused with an
/// error, none may crash, hang or break the properties checked here. `aloft-fuzz` runs them
/// under libFuzzer (`scripts/fuzz.sh`); the test suite replays their corpus (`Fuzz/Corpus`).
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// `JSONValue.parse`: request bodies, tool arguments, model answers.
    case json
    /// `ServerSentEventParser`: model server streams.
    case sse
    /// OpenAI Chat Completions: streamed chunks and whole answers.
    case openaiStream = "openai-stream"
    /// Anthropic Messages: stream events and whole answers.
    case anthropicStream = "anthropic-stream"
    /// Gemini `GenerateContentResponse`s: streamed events and whole answers.
    case geminiStream = "gemini-stream"
    /// Agent files (YAML or JSON), from disk or from API clients.
    case agentFile = "agent-file"
    /// A2A JSON-RPC requests and the messages they carry, in both protocol versions.
    case a2aRequest = "a2a-request"
    /// What an MCP server sends: stdio lines, tool lists, tool results.
    case mcpMessage = "mcp-message"

    /// Runs one input. A broken property is a `preconditionFailure`, which the fuzzer reports.
    public func run(_ bytes: [UInt8]) {
        switch self {
        case .json: Self.json(bytes)
        case .sse: Self.sse(bytes)
        case .openaiStream:
            Self.stream(bytes, accumulator: OpenAIStreamAccumulator())
            _ = try? OpenAIChatProvider.response(from: String(decoding: bytes, as: UTF8.self))
        case .anthropicStream:
            Self.stream(bytes, accumulator: AnthropicStreamAccumulator())
            _ = try? AnthropicProvider.response(from: String(decoding: bytes, as: UTF8.self))
        case .geminiStream:
            Self.stream(bytes, accumulator: GeminiResponseReader(firstCallNumber: 1, streamed: true))
            var whole = GeminiResponseReader(firstCallNumber: 1, streamed: false)
            if (try? whole.consume(String(decoding: bytes, as: UTF8.self))) != nil { _ = try? whole.response() }
        case .agentFile: Self.agentFile(bytes)
        case .a2aRequest: Self.a2aRequest(bytes)
        case .mcpMessage: Self.mcpMessage(bytes)
        }
    }

    /// Lines however the bytes are cut; each message read as a tool list and as a tool result.
    static func mcpMessage(_ bytes: [UInt8]) {
        var whole = MCPLineSplitter()
        guard let lines = try? whole.feed(bytes + [UInt8(ascii: "\n")]) else { return }
        var split = MCPLineSplitter()
        var pieces: [String] = []
        for chunk in stride(from: 0, to: bytes.count, by: 7) { pieces += (try? split.feed(bytes[chunk..<min(chunk + 7, bytes.count)])) ?? [] }
        pieces += (try? split.feed([UInt8(ascii: "\n")])) ?? []
        precondition(pieces == lines, "MCP lines depend on how the stream was cut")
        for line in lines {
            guard let message = try? JSONValue.parse(line) else { continue }
            if case .array(let tools)? = message["result"]?["tools"] { _ = tools.compactMap(MCPToolDefinition.init) }
            _ = MCPTool.text(of: message["result"] ?? message)
        }
    }

    /// Whatever parses writes back to text that parses to the same value.
    static func json(_ bytes: [UInt8]) {
        guard let value = try? JSONValue.parse(String(decoding: bytes, as: UTF8.self)) else { return }
        let text = value.jsonText()
        guard let again = try? JSONValue.parse(text) else { preconditionFailure("written JSON does not parse: \(text.prefix(200))") }
        precondition(again == value, "JSON changed in a round trip: \(text.prefix(200))")
    }

    /// The first byte splits the rest into pieces of that size: the events must not depend on
    /// how the stream was cut.
    static func sse(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        let body = Array(bytes.dropFirst())
        var whole = ServerSentEventParser(maxEventBytes: 4096)
        let expected = try? whole.feed(body)
        var split = ServerSentEventParser(maxEventBytes: 4096)
        var events: [ServerSentEvent] = []
        var failed = false
        let size = Int(first % 64) + 1
        var index = 0
        while index < body.count {
            guard let more = try? split.feed(body[index..<min(index + size, body.count)]) else {
                failed = true
                break
            }
            events += more
            index += size
        }
        if let expected, !failed {
            precondition(events == expected, "events depend on how the stream was cut")
            _ = try? whole.finish()
        }
    }

    /// A model stream, as the transport reads it.
    static func stream<Accumulator: ModelStreamAccumulator>(_ bytes: [UInt8], accumulator: Accumulator) {
        var parser = ServerSentEventParser(maxEventBytes: 1 << 16)
        var accumulator = accumulator
        guard let events = try? parser.feed(bytes) else { return }
        for event in events {
            guard (try? accumulator.consume(event.data)) != nil else { return }
        }
        if let response = try? accumulator.response() {
            precondition(response.usage.inputTokens >= 0 && response.usage.outputTokens >= 0, "negative token counts")
        }
    }

    /// An agent file: refused with problems, or valid with none left to find.
    static func agentFile(_ bytes: [UInt8]) {
        guard let agent = try? AgentFile.parse(String(decoding: bytes, as: UTF8.self), path: "fuzz.yaml", baseDirectory: "/nonexistent") else {
            return
        }
        precondition(agent.problems().isEmpty, "a loaded agent still has problems")
        _ = agent.version
    }

    /// An A2A request: refused with a JSON-RPC error, or read; a message read in either
    /// version reads the same after it is written back in that version.
    static func a2aRequest(_ bytes: [UInt8]) {
        guard case .success(let request) = JSONRPCRequest.parse(String(decoding: bytes, as: UTF8.self)) else { return }
        _ = A2AMethod.named(request.method)
        for version in A2AProtocolVersion.allCases {
            let format = A2AWireFormat(version: version)
            guard let message = try? format.decodeMessage(request.params["message"]) else { continue }
            guard let again = try? format.decodeMessage(format.message(message)) else {
                preconditionFailure("a written message does not read back (\(version.rawValue))")
            }
            precondition(again == message, "a message changed in a round trip (\(version.rawValue))")
            _ = try? A2AApprovals.decisions(in: message, pending: ["c1"], decidedBy: "fuzz")
        }
    }
}
