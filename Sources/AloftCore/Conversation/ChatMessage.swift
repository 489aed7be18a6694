/// Who said a message.
public enum Role: String, Sendable, Hashable, Codable {
    case system, user, assistant, tool
}

/// A tool call as the model asked for it. `arguments` is the JSON text the model sent,
/// kept verbatim so that malformed arguments can be reported back to it.
public struct ToolCall: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var arguments: String
    /// Opaque data the provider wants back with this call in later requests (Gemini's thought
    /// signature); nil for most providers.
    public var signature: String?

    public init(id: String, name: String, arguments: String, signature: String? = nil) {
        self.id = id
        self.name = name
        self.arguments = arguments
        self.signature = signature
    }
}

/// One message of a model context.
public struct ChatMessage: Sendable, Hashable, Codable {
    public var role: Role
    public var content: String
    public var toolCalls: [ToolCall]
    /// For a tool message: the call it answers.
    public var toolCallId: String?
    /// For a tool message: the tool's name (some providers want it).
    public var toolName: String?
    /// For an assistant message: opaque data the provider wants back with its text (Gemini's
    /// thought signature).
    public var signature: String?

    public init(role: Role, content: String, toolCalls: [ToolCall] = [], toolCallId: String? = nil, toolName: String? = nil, signature: String? = nil) {
        self.signature = signature
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallId = toolCallId
        self.toolName = toolName
    }

    public static func system(_ text: String) -> ChatMessage { ChatMessage(role: .system, content: text) }
    public static func user(_ text: String) -> ChatMessage { ChatMessage(role: .user, content: text) }

    enum CodingKeys: String, CodingKey {
        case role, content
        case toolCalls = "tool_calls"
        case toolCallId = "tool_call_id"
        case toolName = "tool_name"
        case signature
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        role = try c.decode(Role.self, forKey: .role)
        content = try c.decodeIfPresent(String.self, forKey: .content) ?? ""
        toolCalls = try c.decodeIfPresent([ToolCall].self, forKey: .toolCalls) ?? []
        toolCallId = try c.decodeIfPresent(String.self, forKey: .toolCallId)
        toolName = try c.decodeIfPresent(String.self, forKey: .toolName)
        signature = try c.decodeIfPresent(String.self, forKey: .signature)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(role, forKey: .role)
        try c.encode(content, forKey: .content)
        if !toolCalls.isEmpty { try c.encode(toolCalls, forKey: .toolCalls) }
        try c.encodeIfPresent(toolCallId, forKey: .toolCallId)
        try c.encodeIfPresent(toolName, forKey: .toolName)
        try c.encodeIfPresent(signature, forKey: .signature)
    }
}
