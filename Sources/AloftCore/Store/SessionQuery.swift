/// Filters for listing sessions.
public struct SessionQuery: Sendable {
    public var agent: String?
    public var userId: String?
    /// Newest first; sessions created before this one (a cursor).
    public var before: String?
    public var limit: Int

    public init(agent: String? = nil, userId: String? = nil, before: String? = nil, limit: Int = 50) {
        self.agent = agent
        self.userId = userId
        self.before = before
        self.limit = limit
    }
}
