/// What starting a run needs: the agent, the input, and optionally the session to continue.
public struct StartRunRequest: Sendable {
    public var agent: AgentDefinition
    public var input: String
    /// Continue this session; a new one is created when nil.
    public var sessionId: String?
    public var userId: String?
    public var correlationId: String?
    public var metadata: [String: String]
    /// The id the run gets, chosen by the caller to make starting idempotent: when a run with
    /// this id exists, starting returns it instead of starting another (A2A derives it from the
    /// client's message id). Nil: the engine makes one.
    public var runId: String?
    /// The id a new session gets when `sessionId` is nil (A2A clients choose their context ids).
    /// Nil: the engine makes one.
    public var newSessionId: String?
    /// The instance a new session belongs to (its settings apply to every run of the session);
    /// nil: the agent as defined. A continued session keeps the instance it has.
    public var instance: AgentInstance?

    public init(
        agent: AgentDefinition, input: String, sessionId: String? = nil, userId: String? = nil, correlationId: String? = nil,
        metadata: [String: String] = [:], runId: String? = nil, newSessionId: String? = nil, instance: AgentInstance? = nil
    ) {
        self.instance = instance
        self.runId = runId
        self.newSessionId = newSessionId
        self.agent = agent
        self.input = input
        self.sessionId = sessionId
        self.userId = userId
        self.correlationId = correlationId
        self.metadata = metadata
    }
}
