/// A declarative agent: what it is told, which model it uses, which tools it has, which rules it obeys.
public struct AgentDefinition: Sendable, Hashable, Codable {
    public var name: String
    public var description: String
    public var instructions: String
    public var model: ModelSettings
    public var tools: [ToolSpec]
    public var policies: AgentPolicies
    public var memory: MemoryPolicy

    public init(
        name: String,
        description: String = "",
        instructions: String,
        model: ModelSettings,
        tools: [ToolSpec] = [],
        policies: AgentPolicies = AgentPolicies(),
        memory: MemoryPolicy = MemoryPolicy()
    ) {
        self.name = name
        self.description = description
        self.instructions = instructions
        self.model = model
        self.tools = tools
        self.policies = policies
        self.memory = memory
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, description, instructions, model, tools, policies, memory
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
        instructions = try c.decodeIfPresent(String.self, forKey: .instructions) ?? ""
        model = try c.decode(ModelSettings.self, forKey: .model)
        tools = try c.decodeIfPresent([ToolSpec].self, forKey: .tools) ?? []
        policies = try c.decodeIfPresent(AgentPolicies.self, forKey: .policies) ?? AgentPolicies()
        memory = try c.decodeIfPresent(MemoryPolicy.self, forKey: .memory) ?? MemoryPolicy()
    }

    /// The problems that make this definition unusable, each naming its field.
    /// Empty when the agent is valid. Checks what needs no I/O; adapters check the rest
    /// (that files exist, that environment variables are set).
    public func problems() -> [String] {
        var problems: [String] = []
        if name.isEmpty || !name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) {
            problems.append("name: '\(name)' must be non-empty letters, digits, '-', '_' or '.'")
        }
        if policies.maxIterations < 1 {
            problems.append("policies.max_iterations: must be at least 1, got \(policies.maxIterations)")
        }
        if let deadline = policies.approvalDeadlineSeconds, deadline <= 0 {
            problems.append("policies.approval_deadline_seconds: must be positive, got \(deadline)")
        }
        if policies.modelTimeoutSeconds <= 0 { problems.append("policies.model_timeout_seconds: must be positive") }
        if policies.toolTimeoutSeconds <= 0 { problems.append("policies.tool_timeout_seconds: must be positive") }
        for (label, retry) in [("model_retry", policies.modelRetry), ("tool_retry", policies.toolRetry)] {
            if retry.maxAttempts < 1 { problems.append("policies.\(label).max_attempts: must be at least 1") }
            if !(0...1).contains(retry.jitter) { problems.append("policies.\(label).jitter: must be between 0 and 1") }
        }
        if memory.historyWindow < 0 { problems.append("memory.history_window: must not be negative") }
        if model.provider == .scripted, model.script == nil, model.scriptFile == nil {
            problems.append("model: the scripted provider needs 'script' or 'script_file'")
        }
        var seen = Set<String>()
        for (index, tool) in tools.enumerated() {
            if !seen.insert(tool.name).inserted {
                problems.append("tools[\(index)]: tool name '\(tool.name)' is used twice")
            }
            if let http = tool.http {
                if !(http.url.hasPrefix("http://") || http.url.hasPrefix("https://")) {
                    problems.append("tools[\(index)].http.url: must start with http:// or https://")
                }
                if !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(http.method) {
                    problems.append("tools[\(index)].http.method: '\(http.method)' is not GET, POST, PUT, PATCH or DELETE")
                }
            }
        }
        for name in policies.requireApproval where !seen.contains(name) {
            problems.append("policies.require_approval: '\(name)' is not one of this agent's tools")
        }
        return problems
    }
}
