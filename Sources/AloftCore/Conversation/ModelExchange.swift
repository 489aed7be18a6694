/// Tokens a model call used.
public struct Usage: Sendable, Hashable, Codable {
    public var inputTokens: Int
    public var outputTokens: Int

    public init(inputTokens: Int = 0, outputTokens: Int = 0) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }

    public static func + (lhs: Usage, rhs: Usage) -> Usage {
        Usage(inputTokens: lhs.inputTokens + rhs.inputTokens, outputTokens: lhs.outputTokens + rhs.outputTokens)
    }

    enum CodingKeys: String, CodingKey {
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
    }
}

/// What is sent to a model: the messages so far and the tools it may call.
public struct ModelRequest: Sendable, Hashable, Codable {
    public var messages: [ChatMessage]
    public var tools: [ToolDefinition]

    public init(messages: [ChatMessage], tools: [ToolDefinition]) {
        self.messages = messages
        self.tools = tools
    }
}

/// A model's complete answer to one request.
public struct ModelResponse: Sendable, Hashable, Codable {
    public var text: String
    public var toolCalls: [ToolCall]
    public var usage: Usage
    /// Opaque data the provider wants back with the text in later requests (Gemini's thought
    /// signature); nil for most providers.
    public var signature: String?

    public init(text: String, toolCalls: [ToolCall] = [], usage: Usage = Usage(), signature: String? = nil) {
        self.signature = signature
        self.text = text
        self.toolCalls = toolCalls
        self.usage = usage
    }

    enum CodingKeys: String, CodingKey {
        case text
        case toolCalls = "tool_calls"
        case usage
        case signature
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        text = try c.decodeIfPresent(String.self, forKey: .text) ?? ""
        toolCalls = try c.decodeIfPresent([ToolCall].self, forKey: .toolCalls) ?? []
        usage = try c.decodeIfPresent(Usage.self, forKey: .usage) ?? Usage()
        signature = try c.decodeIfPresent(String.self, forKey: .signature)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(text, forKey: .text)
        if !toolCalls.isEmpty { try c.encode(toolCalls, forKey: .toolCalls) }
        try c.encode(usage, forKey: .usage)
        try c.encodeIfPresent(signature, forKey: .signature)
    }
}
