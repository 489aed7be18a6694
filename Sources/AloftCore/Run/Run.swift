import Foundation

/// One turn of a session: the agent loop from a user message to a final answer.
/// A read model of the run's journal, kept up to date in the same transaction as it.
public struct Run: Sendable, Hashable, Codable {
    public var id: String
    public var sessionId: String
    public var agent: String
    public var agentVersion: String
    public var phase: RunPhase
    public var input: String
    public var output: String?
    public var error: RunError?
    /// Model calls made so far.
    public var iterations: Int
    public var usage: Usage
    public var correlationId: String?
    public var metadata: [String: String]
    /// The highest event number stored (numbers may skip; see `RunEvent`).
    public var eventSeq: Int
    /// Events up to this number were deleted by retention (0: none were).
    public var eventsPrunedThrough: Int = 0
    /// Session position of this run's user message; its other messages follow.
    public var messageBase: Int
    public var createdAt: Date
    public var updatedAt: Date
    public var finishedAt: Date?

    public init(
        id: String, sessionId: String, agent: String, agentVersion: String, phase: RunPhase, input: String,
        output: String? = nil, error: RunError? = nil, iterations: Int = 0, usage: Usage = Usage(),
        correlationId: String? = nil, metadata: [String: String] = [:], eventSeq: Int = 0, eventsPrunedThrough: Int = 0,
        messageBase: Int = 0, createdAt: Date, updatedAt: Date, finishedAt: Date? = nil
    ) {
        self.eventsPrunedThrough = eventsPrunedThrough
        self.id = id
        self.sessionId = sessionId
        self.agent = agent
        self.agentVersion = agentVersion
        self.phase = phase
        self.input = input
        self.output = output
        self.error = error
        self.iterations = iterations
        self.usage = usage
        self.correlationId = correlationId
        self.metadata = metadata
        self.eventSeq = eventSeq
        self.messageBase = messageBase
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.finishedAt = finishedAt
    }
}

/// A multi-turn conversation with one agent.
public struct Session: Sendable, Hashable, Codable {
    public var id: String
    public var agent: String
    public var userId: String?
    public var title: String?
    public var summary: String?
    /// The run in progress, if any: a session runs one turn at a time.
    public var activeRunId: String?
    /// Labels the client chose (`team: support`), set at creation; sessions can be listed by them.
    public var metadata: [String: String]
    /// The agent instance whose settings its runs use (`AgentInstance`); nil: the agent as defined.
    public var instanceId: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, agent: String, userId: String? = nil, title: String? = nil, summary: String? = nil,
        activeRunId: String? = nil, metadata: [String: String] = [:], instanceId: String? = nil, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.instanceId = instanceId
        self.agent = agent
        self.userId = userId
        self.title = title
        self.summary = summary
        self.activeRunId = activeRunId
        self.metadata = metadata
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Limits on metadata, checked where it enters: at most 32 entries, keys of 1 to 64 bytes
    /// of letters, digits and `_ - . /`, values of at most 256 characters. Nil when it is within them,
    /// else what is wrong.
    public static func metadataProblem(_ metadata: [String: String]) -> String? {
        if metadata.count > 32 { return "has \(metadata.count) entries; at most 32" }
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            let allowed = key.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || "_-./".utf8.contains(byte)
            }
            if key.utf8.isEmpty || key.utf8.count > 64 || !allowed {
                return "key '\(key.prefix(80))' must be 1 to 64 letters, digits, _ - . or /"
            }
            if value.unicodeScalars.count > 256 { return "value of '\(key)' has \(value.unicodeScalars.count) characters; at most 256" }
        }
        return nil
    }

    public var isActive: Bool { activeRunId != nil }
}

/// A stored message of a session.
public struct Message: Sendable, Hashable, Codable {
    /// Assigned by the store.
    public var id: Int64?
    public var sessionId: String
    public var runId: String?
    /// Order within the session.
    public var position: Int
    public var role: Role
    public var content: String
    public var toolCalls: [ToolCall]
    public var toolCallId: String?
    public var toolName: String?
    public var createdAt: Date
    /// Nil while the message is still being written (a streaming answer).
    public var completedAt: Date?
    /// The answer was cut short (stop, crash); `content` is what had arrived.
    public var interrupted: Bool
    public var error: String?

    public init(
        id: Int64? = nil, sessionId: String, runId: String?, position: Int, role: Role, content: String,
        toolCalls: [ToolCall] = [], toolCallId: String? = nil, toolName: String? = nil, createdAt: Date,
        completedAt: Date? = nil, interrupted: Bool = false, error: String? = nil
    ) {
        self.id = id
        self.sessionId = sessionId
        self.runId = runId
        self.position = position
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallId = toolCallId
        self.toolName = toolName
        self.createdAt = createdAt
        self.completedAt = completedAt
        self.interrupted = interrupted
        self.error = error
    }

    /// The message as model context.
    public var chatMessage: ChatMessage {
        ChatMessage(role: role, content: content, toolCalls: toolCalls, toolCallId: toolCallId, toolName: toolName)
    }
}
