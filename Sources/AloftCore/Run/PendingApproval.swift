/// A tool call waiting for a person's decision.
public struct PendingApproval: Sendable, Hashable, Codable {
    public var runId: String
    public var call: ToolCall
    public var requestedAt: Double
    /// Seconds since 1970 at which the call is denied automatically.
    public var deadline: Double?

    public init(runId: String, call: ToolCall, requestedAt: Double, deadline: Double?) {
        self.runId = runId
        self.call = call
        self.requestedAt = requestedAt
        self.deadline = deadline
    }
}
