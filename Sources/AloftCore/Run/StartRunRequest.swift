/// What starting a run needs: the agent, the input, and optionally the session to continue.
public struct StartRunRequest: Sendable {
    public var agent: AgentDefinition
    public var input: String
    /// Continue this session; a new one is created when nil.
    public var sessionId: String?
    public var userId: String?
    public var correlationId: String?
    public var metadata: [String: String]

    public init(
        agent: AgentDefinition, input: String, sessionId: String? = nil, userId: String? = nil, correlationId: String? = nil,
        metadata: [String: String] = [:]
    ) {
        self.agent = agent
        self.input = input
        self.sessionId = sessionId
        self.userId = userId
        self.correlationId = correlationId
        self.metadata = metadata
    }
}
