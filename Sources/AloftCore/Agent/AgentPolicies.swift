/// The limits and rules an agent's runs obey.
public struct AgentPolicies: Sendable, Hashable, Codable {
    /// Model calls one run may make before it fails.
    public var maxIterations: Int
    /// Names of tools whose calls wait for a person's approval.
    public var requireApproval: [String]
    /// Seconds after which a pending approval is denied automatically; nil waits forever.
    public var approvalDeadlineSeconds: Double?
    public var modelTimeoutSeconds: Double
    public var toolTimeoutSeconds: Double
    public var modelRetry: RetryPolicy
    public var toolRetry: RetryPolicy

    public init(
        maxIterations: Int = 10,
        requireApproval: [String] = [],
        approvalDeadlineSeconds: Double? = nil,
        modelTimeoutSeconds: Double = 120,
        toolTimeoutSeconds: Double = 60,
        modelRetry: RetryPolicy = RetryPolicy(),
        toolRetry: RetryPolicy = RetryPolicy(maxAttempts: 3)
    ) {
        self.maxIterations = maxIterations
        self.requireApproval = requireApproval
        self.approvalDeadlineSeconds = approvalDeadlineSeconds
        self.modelTimeoutSeconds = modelTimeoutSeconds
        self.toolTimeoutSeconds = toolTimeoutSeconds
        self.modelRetry = modelRetry
        self.toolRetry = toolRetry
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case maxIterations = "max_iterations"
        case requireApproval = "require_approval"
        case approvalDeadlineSeconds = "approval_deadline_seconds"
        case modelTimeoutSeconds = "model_timeout_seconds"
        case toolTimeoutSeconds = "tool_timeout_seconds"
        case modelRetry = "model_retry"
        case toolRetry = "tool_retry"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = AgentPolicies()
        maxIterations = try c.decodeIfPresent(Int.self, forKey: .maxIterations) ?? d.maxIterations
        requireApproval = try c.decodeIfPresent([String].self, forKey: .requireApproval) ?? d.requireApproval
        approvalDeadlineSeconds = try c.decodeIfPresent(Double.self, forKey: .approvalDeadlineSeconds)
        modelTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .modelTimeoutSeconds) ?? d.modelTimeoutSeconds
        toolTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .toolTimeoutSeconds) ?? d.toolTimeoutSeconds
        modelRetry = try c.decodeIfPresent(RetryPolicy.self, forKey: .modelRetry) ?? d.modelRetry
        toolRetry = try c.decodeIfPresent(RetryPolicy.self, forKey: .toolRetry) ?? d.toolRetry
    }
}

/// How much of a session's history a run's model context carries.
public struct MemoryPolicy: Sendable, Hashable, Codable {
    /// The last N messages of the session given to the model.
    public var historyWindow: Int

    public init(historyWindow: Int = 20) {
        self.historyWindow = historyWindow
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case historyWindow = "history_window"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        historyWindow = try c.decodeIfPresent(Int.self, forKey: .historyWindow) ?? 20
    }
}
