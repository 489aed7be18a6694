import Foundation

/// An agent with settings of its own: values for the `${VAR}`s of the agent's tools (a
/// tenant's token in a header, an MCP server's key) and overrides of its model's name,
/// temperature and token limit. Sessions belong to an instance, and every run of the session
/// runs the agent with the instance's settings. Each agent has at most one instance of a
/// name; the one named `default` is the agent's default instance.
///
/// What an instance may change is bounded on purpose, since API clients create them: it fills
/// only variables the agent's tools use in header values and MCP server environments (never
/// a URL, a host or a file: tools take those from their agent file alone), and a value can
/// never name another variable — so no instance can send the server's secrets elsewhere.
public struct AgentInstance: Sendable, Hashable, Codable {
    public static let defaultName = "default"

    /// `ins_…`, made by Aloft.
    public var id: String
    public var agent: String
    /// Lower-case letters, digits and `-`, at most 63 characters; unique per agent.
    public var name: String
    /// Values of the agent's tools' `${VAR}`s, by variable name.
    public var environment: [String: String]
    public var model: ModelOverrides
    /// Who created it (`api key …abcd`, `user@host (cli)`, `anonymous`).
    public var createdBy: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, agent: String, name: String, environment: [String: String] = [:], model: ModelOverrides = ModelOverrides(), createdBy: String,
        createdAt: Date, updatedAt: Date? = nil
    ) {
        self.id = id
        self.agent = agent
        self.name = name
        self.environment = environment
        self.model = model
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }

    public var isDefault: Bool { name == Self.defaultName }

    /// The model settings an instance may override; nil keeps the agent's.
    public struct ModelOverrides: Sendable, Hashable, Codable {
        public var name: String?
        public var temperature: Double?
        public var maxTokens: Int?

        public init(name: String? = nil, temperature: Double? = nil, maxTokens: Int? = nil) {
            self.name = name
            self.temperature = temperature
            self.maxTokens = maxTokens
        }

        public var isEmpty: Bool { name == nil && temperature == nil && maxTokens == nil }

        enum CodingKeys: String, CodingKey {
            case name, temperature
            case maxTokens = "max_tokens"
        }
    }

    /// Limits on what an instance holds.
    public enum Limits {
        public static let variables = 32
        public static let valueCharacters = 4096
        public static let modelNameCharacters = 200
        public static let temperature: ClosedRange<Double> = 0...2
        public static let maxTokens: ClosedRange<Int> = 1...1_000_000
    }

    /// What is wrong with this instance of `agent`, each problem naming its field; empty when
    /// it may be used.
    public func problems(for agent: AgentDefinition) -> [String] {
        var problems: [String] = []
        if agent.name != self.agent { problems.append("agent: is '\(self.agent)', but the settings are checked against agent '\(agent.name)'") }
        if let problem = Self.nameProblem(name) { problems.append("name: \(problem)") }
        if environment.count > Limits.variables {
            problems.append("environment: has \(environment.count) variables; at most \(Limits.variables)")
        }
        let usable = agent.instanceVariables
        for (key, value) in environment.sorted(by: { $0.key < $1.key }) {
            guard key.wholeMatch(of: /[A-Za-z_][A-Za-z0-9_]{0,63}/) != nil else {
                problems.append("environment: '\(key.prefix(80))' is not a variable name (letters, digits and _, not starting with a digit, at most 64)")
                continue
            }
            if !usable.contains(key) {
                let known = usable.isEmpty ? "its tools use none" : "its tools use \(usable.sorted().joined(separator: ", "))"
                problems.append("environment.\(key): agent '\(agent.name)' has no tool header or MCP server environment that uses ${\(key)} (\(known))")
            }
            if value.count > Limits.valueCharacters {
                problems.append("environment.\(key): has \(value.count) characters; at most \(Limits.valueCharacters)")
            }
            // A `$` could make another `${NAME}` of the server's; control characters could split a header.
            if value.unicodeScalars.contains(where: { $0 == "$" || $0.properties.generalCategory == .control }) {
                problems.append("environment.\(key): may not hold '$' or control characters (line breaks, tabs)")
            }
        }
        if let name = model.name {
            if name.isEmpty || name.count > Limits.modelNameCharacters || name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                problems.append("model.name: must be 1 to \(Limits.modelNameCharacters) characters without control characters")
            }
        }
        if let temperature = model.temperature, !(temperature.isFinite && Limits.temperature.contains(temperature)) {
            problems.append("model.temperature: must be between 0 and 2")
        }
        if let maxTokens = model.maxTokens, !Limits.maxTokens.contains(maxTokens) {
            problems.append("model.max_tokens: must be between 1 and \(Limits.maxTokens.upperBound)")
        }
        return problems
    }

    /// Nil when `name` may name an instance, else what is wrong with it.
    public static func nameProblem(_ name: String) -> String? {
        name.wholeMatch(of: /[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?/) == nil
            ? "must be 1 to 63 lower-case letters, digits and '-', starting and ending with a letter or digit" : nil
    }

    /// The agent as this instance runs it: the model overrides applied, and the instance's
    /// variables written into the tools' header values and MCP server environments (the
    /// server's environment fills what is left, as for any agent).
    public func applied(to agent: AgentDefinition) -> AgentDefinition {
        var agent = agent
        if let name = model.name { agent.model.name = name }
        if let temperature = model.temperature { agent.model.temperature = temperature }
        if let maxTokens = model.maxTokens { agent.model.maxTokens = maxTokens }
        guard !environment.isEmpty else { return agent }
        func fill(_ values: [String: String]) -> [String: String] { values.mapValues(fill) }
        func fill(_ template: String) -> String {
            var text = template
            for name in SecretTemplate.variables(in: template) {
                if let value = environment[name] { text = text.replacingOccurrences(of: "${\(name)}", with: value) }
            }
            return text
        }
        agent.tools = agent.tools.map { tool in
            var tool = tool
            if let headers = tool.http?.headers { tool.http?.headers = fill(headers) }
            if let headers = tool.a2a?.headers { tool.a2a?.headers = fill(headers) }
            if let mcp = tool.mcp {
                tool.mcp?.headers = fill(mcp.headers)
                tool.mcp?.env = fill(mcp.env)
            }
            return tool
        }
        return agent
    }
}

extension AgentInstance {
    /// An instance's environment or model overrides as stores keep them: JSON with sorted keys.
    public static func storedJSON(_ value: some Encodable & Sendable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

extension AgentDefinition {
    /// The `${VAR}`s an instance may fill: those of the tools' header values and MCP server
    /// environments.
    public var instanceVariables: Set<String> {
        var values: [String] = []
        for tool in tools {
            values += tool.http.map { Array($0.headers.values) } ?? []
            values += tool.a2a.map { Array($0.headers.values) } ?? []
            values += tool.mcp.map { Array($0.headers.values) + Array($0.env.values) } ?? []
        }
        return Set(values.flatMap(SecretTemplate.variables(in:)))
    }
}
