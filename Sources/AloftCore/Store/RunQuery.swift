/// Filters for listing runs.
public struct RunQuery: Sendable {
    public var phase: RunPhase?
    public var agent: String?
    public var sessionId: String?
    /// Runs whose metadata holds every one of these labels.
    public var labels: [String: String]
    /// Newest first; runs created before this run (a cursor).
    public var before: String?
    public var limit: Int

    public init(
        phase: RunPhase? = nil, agent: String? = nil, sessionId: String? = nil, labels: [String: String] = [:], before: String? = nil, limit: Int = 50
    ) {
        self.phase = phase
        self.labels = labels
        self.agent = agent
        self.sessionId = sessionId
        self.before = before
        self.limit = limit
    }
}
