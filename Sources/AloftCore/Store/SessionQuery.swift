/// Filters for listing sessions.
public struct SessionQuery: Sendable {
    public var agent: String?
    public var userId: String?
    /// Only sessions whose metadata has every one of these entries.
    public var metadata: [String: String]
    /// Newest first; sessions created before this one (a cursor).
    public var before: String?
    public var limit: Int

    public init(agent: String? = nil, userId: String? = nil, metadata: [String: String] = [:], before: String? = nil, limit: Int = 50) {
        self.agent = agent
        self.userId = userId
        self.metadata = metadata
        self.before = before
        self.limit = limit
    }
}
