/// The limits and rules an agent's runs obey.
public struct AgentPolicies: Sendable, Hashable, Codable {
    /// Model calls one run may make before it fails.
    public var maxIterations: Int
    /// Names of tools whose calls wait for a person's approval.
    public var requireApproval: [String]
    /// Seconds after which a pending approval is denied automatically; nil waits forever.
    public var approvalDeadlineSeconds: Double?
    /// The most a model call may take in all, the streamed answer included.
    public var modelTimeoutSeconds: Double
    /// The most a model server may stay silent: before its answer starts, and between two
    /// pieces of a streamed answer. A stream that trickles slower fails as a timeout.
    public var modelIdleTimeoutSeconds: Double
    public var toolTimeoutSeconds: Double
    public var modelRetry: RetryPolicy
    public var toolRetry: RetryPolicy
    /// Tokens (in and out) one run may use; nil: no limit. A model call that would go over is
    /// not made: the run fails with `budget_exceeded`, keeping what the model said so far.
    public var maxTokensPerRun: Int?
    /// US dollars one run may spend on model calls, at the prices of `model.prices`; nil: no
    /// limit. Enforced as `maxTokensPerRun` is.
    public var maxCostUSDPerRun: Double?
    /// Tokens (in and out) all runs of one session may use together; nil: no limit. Enforced
    /// as `maxTokensPerRun` is, counting what the session's earlier runs used.
    public var maxTokensPerSession: Int?

    public init(
        maxIterations: Int = 10,
        requireApproval: [String] = [],
        approvalDeadlineSeconds: Double? = nil,
        modelTimeoutSeconds: Double = 600,
        modelIdleTimeoutSeconds: Double = 120,
        toolTimeoutSeconds: Double = 60,
        modelRetry: RetryPolicy = RetryPolicy(),
        toolRetry: RetryPolicy = RetryPolicy(maxAttempts: 3),
        maxTokensPerRun: Int? = nil,
        maxCostUSDPerRun: Double? = nil,
        maxTokensPerSession: Int? = nil
    ) {
        self.maxTokensPerSession = maxTokensPerSession
        self.maxCostUSDPerRun = maxCostUSDPerRun
        self.maxTokensPerRun = maxTokensPerRun
        self.maxIterations = maxIterations
        self.requireApproval = requireApproval
        self.approvalDeadlineSeconds = approvalDeadlineSeconds
        self.modelTimeoutSeconds = modelTimeoutSeconds
        self.modelIdleTimeoutSeconds = modelIdleTimeoutSeconds
        self.toolTimeoutSeconds = toolTimeoutSeconds
        self.modelRetry = modelRetry
        self.toolRetry = toolRetry
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case maxIterations = "max_iterations"
        case requireApproval = "require_approval"
        case approvalDeadlineSeconds = "approval_deadline_seconds"
        case modelTimeoutSeconds = "model_timeout_seconds"
        case modelIdleTimeoutSeconds = "model_idle_timeout_seconds"
        case toolTimeoutSeconds = "tool_timeout_seconds"
        case modelRetry = "model_retry"
        case toolRetry = "tool_retry"
        case maxTokensPerRun = "max_tokens_per_run"
        case maxCostUSDPerRun = "max_cost_usd_per_run"
        case maxTokensPerSession = "max_tokens_per_session"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = AgentPolicies()
        maxIterations = try c.decodeIfPresent(Int.self, forKey: .maxIterations) ?? d.maxIterations
        requireApproval = try c.decodeIfPresent([String].self, forKey: .requireApproval) ?? d.requireApproval
        approvalDeadlineSeconds = try c.decodeIfPresent(Double.self, forKey: .approvalDeadlineSeconds)
        modelTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .modelTimeoutSeconds) ?? d.modelTimeoutSeconds
        modelIdleTimeoutSeconds =
            try c.decodeIfPresent(Double.self, forKey: .modelIdleTimeoutSeconds) ?? min(d.modelIdleTimeoutSeconds, modelTimeoutSeconds)
        toolTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .toolTimeoutSeconds) ?? d.toolTimeoutSeconds
        modelRetry = try c.decodeIfPresent(RetryPolicy.self, forKey: .modelRetry) ?? d.modelRetry
        toolRetry = try c.decodeIfPresent(RetryPolicy.self, forKey: .toolRetry) ?? d.toolRetry
        maxTokensPerRun = try c.decodeIfPresent(Int.self, forKey: .maxTokensPerRun)
        maxCostUSDPerRun = try c.decodeIfPresent(Double.self, forKey: .maxCostUSDPerRun)
        maxTokensPerSession = try c.decodeIfPresent(Int.self, forKey: .maxTokensPerSession)
    }
}

extension AgentPolicies {
    /// Every number out of its range, named by field.
    func problems() -> [String] {
        var problems: [String] = []
        if !(1...AgentLimits.maxIterations).contains(maxIterations) {
            problems.append("policies.max_iterations: must be between 1 and \(AgentLimits.maxIterations), got \(maxIterations)")
        }
        if let deadline = approvalDeadlineSeconds, !AgentLimits.isDuration(deadline, limit: AgentLimits.maxApprovalDeadlineSeconds) {
            problems.append(
                "policies.approval_deadline_seconds: must be positive and at most \(Int(AgentLimits.maxApprovalDeadlineSeconds)) (a year)"
            )
        }
        let durations: [(String, Double)] = [
            ("model_timeout_seconds", modelTimeoutSeconds), ("model_idle_timeout_seconds", modelIdleTimeoutSeconds),
            ("tool_timeout_seconds", toolTimeoutSeconds),
        ]
        for (field, value) in durations where !AgentLimits.isDuration(value) {
            problems.append("policies.\(field): must be positive and at most \(Int(AgentLimits.maxSeconds)) seconds (a day)")
        }
        if let budget = maxTokensPerRun, !(1...AgentLimits.maxTokenBudget).contains(budget) {
            problems.append("policies.max_tokens_per_run: must be between 1 and \(AgentLimits.maxTokenBudget), got \(budget)")
        }
        if let budget = maxTokensPerSession, !(1...AgentLimits.maxTokenBudget).contains(budget) {
            problems.append("policies.max_tokens_per_session: must be between 1 and \(AgentLimits.maxTokenBudget), got \(budget)")
        }
        if let cost = maxCostUSDPerRun, !(cost.isFinite && cost > 0 && cost <= AgentLimits.maxCostUSD) {
            problems.append("policies.max_cost_usd_per_run: must be more than 0 and at most \(Int(AgentLimits.maxCostUSD))")
        }
        for (label, retry) in [("model_retry", modelRetry), ("tool_retry", toolRetry)] {
            problems += retry.problems().map { "policies.\(label).\($0)" }
        }
        return problems
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
