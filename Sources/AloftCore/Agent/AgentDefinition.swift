/// A declarative agent: what it is told, which model it uses, which tools it has, which rules it obeys.
public struct AgentDefinition: Sendable, Hashable, Codable {
    public var name: String
    public var description: String
    public var instructions: String
    public var model: ModelSettings
    public var tools: [ToolSpec]
    public var policies: AgentPolicies
    public var memory: MemoryPolicy
    /// What the agent's A2A card advertises (nil: its tools as skills).
    public var a2a: A2ACardSettings?
    /// Who carries its runs out: Aloft's engine, or a process outside Aloft that reports their
    /// progress over the gRPC API (`runner: external`; such an agent needs no model).
    public var runner: AgentRunner

    public init(
        name: String,
        description: String = "",
        instructions: String,
        model: ModelSettings,
        tools: [ToolSpec] = [],
        policies: AgentPolicies = AgentPolicies(),
        memory: MemoryPolicy = MemoryPolicy(),
        a2a: A2ACardSettings? = nil,
        runner: AgentRunner = .aloft
    ) {
        self.a2a = a2a
        self.runner = runner
        self.name = name
        self.description = description
        self.instructions = instructions
        self.model = model
        self.tools = tools
        self.policies = policies
        self.memory = memory
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, description, instructions, model, tools, policies, memory, a2a, runner
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
        instructions = try c.decodeIfPresent(String.self, forKey: .instructions) ?? ""
        runner = try c.decodeIfPresent(AgentRunner.self, forKey: .runner) ?? .aloft
        // An external runner brings its own model: the field may be left out.
        model = try c.decodeIfPresent(ModelSettings.self, forKey: .model) ?? (runner == .external ? AgentRunner.externalModel : try c.decode(ModelSettings.self, forKey: .model))
        tools = try c.decodeIfPresent([ToolSpec].self, forKey: .tools) ?? []
        policies = try c.decodeIfPresent(AgentPolicies.self, forKey: .policies) ?? AgentPolicies()
        memory = try c.decodeIfPresent(MemoryPolicy.self, forKey: .memory) ?? MemoryPolicy()
        a2a = try c.decodeIfPresent(A2ACardSettings.self, forKey: .a2a)
    }

    /// The problems that make this definition unusable, each naming its field.
    /// Empty when the agent is valid. Checks what needs no I/O; adapters check the rest
    /// (that files exist, that environment variables are set).
    public func problems() -> [String] {
        var problems: [String] = []
        if !Self.isValidName(name) {
            problems.append("name: '\(name.prefix(100))' must be 1 to 100 ASCII letters, digits, '-', '_' or '.', starting with a letter or digit")
        }
        problems += policies.problems()
        if !(0...AgentLimits.maxHistoryWindow).contains(memory.historyWindow) {
            problems.append("memory.history_window: must be between 0 and \(AgentLimits.maxHistoryWindow)")
        }
        if runner == .external {
            if !tools.isEmpty { problems.append("tools: an agent with runner: external calls its tools itself; list none here") }
            return problems
        }
        problems += model.problems()
        // A cost budget without prices is checked where the price list is known (AgentCatalog).
        problems += a2a?.problems() ?? []
        if model.provider == .scripted, model.script == nil, model.scriptFile == nil {
            problems.append("model: the scripted provider needs 'script' or 'script_file'")
        }
        var seen = Set<String>()
        for (index, tool) in tools.enumerated() {
            if let mcp = tool.mcp {
                problems += mcp.problems(field: "tools[\(index)].mcp")
                // Its tools' names are known once the server lists them (checked then).
                seen.formUnion(mcp.include ?? [])
                continue
            }
            if let other = tool.agent {
                if other == name {
                    problems.append("tools[\(index)].agent: an agent cannot call itself as a tool")
                } else if !Self.isValidName(other) {
                    problems.append("tools[\(index)].agent: '\(other.prefix(100))' is not an agent name")
                }
            }
            if !seen.insert(tool.name).inserted {
                problems.append("tools[\(index)]: tool name '\(tool.name)' is used twice")
            }
            if let maxRows = tool.maxRows, !(1...AgentLimits.maxRows).contains(maxRows) {
                problems.append("tools[\(index)].max_rows: must be between 1 and \(AgentLimits.maxRows)")
            }
            if let a2a = tool.a2a {
                problems += a2a.problems(field: "tools[\(index)].a2a")
                let allowed = a2a.name.utf8.allSatisfy { byte in
                    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F || byte == 0x2D
                }
                if a2a.name.isEmpty || a2a.name.utf8.count > 64 || !allowed {
                    problems.append("tools[\(index)].a2a.name: must be 1 to 64 letters, digits, _ or - (model providers accept no other tool names)")
                }
            }
            if let http = tool.http {
                problems += JSONSchemaValidator.problems(inSchema: http.parameters, path: "tools[\(index)].http.parameters")
                if http.parameters.containsNonFiniteNumber {
                    problems.append("tools[\(index)].http.parameters: numbers must be finite (no .inf or .nan)")
                }
                if !(http.url.hasPrefix("http://") || http.url.hasPrefix("https://")) {
                    problems.append("tools[\(index)].http.url: must start with http:// or https://")
                } else if HTTPToolSpec.origin(of: http.url) == nil {
                    problems.append("tools[\(index)].http.url: the host and port must be written out, not {placeholders}")
                }
                if !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(http.method) {
                    problems.append("tools[\(index)].http.method: '\(http.method)' is not GET, POST, PUT, PATCH or DELETE")
                }
            }
        }
        // With an MCP server that offers all its tools, an unknown name may be one of them.
        let listedLater = tools.contains { $0.mcp != nil && $0.mcp?.include == nil }
        for name in policies.requireApproval where !seen.contains(name) && !listedLater {
            problems.append("policies.require_approval: '\(name)' is not one of this agent's tools")
        }
        return problems
    }

    /// Names are used in URLs and file names: ASCII letters, digits, `-`, `_`, `.`, not
    /// starting with a dot (so never `.` or `..`).
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 100, first != UInt8(ascii: ".") else { return false }
        return name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: ".")
        }
    }
}
