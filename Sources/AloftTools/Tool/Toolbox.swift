public import AloftCore
public import AsyncHTTPClient
import Foundation

/// What tools need from their surroundings.
public struct ToolEnvironment: Sendable {
    /// Relative paths in the agent file (databases) are relative to this folder.
    public var baseDirectory: String
    public var variables: [String: String]
    public var client: HTTPClient
    public var timeoutSeconds: Double
    /// Files no tool may open, whatever an agent says: Aloft's own database (every run's
    /// input and output).
    public var forbiddenFiles: [String]
    /// Runs other agents as child runs, for agents that call them as tools; nil: no engine to
    /// run them (such agents cannot load).
    public var children: (any ChildRunner)?

    public init(
        baseDirectory: String, variables: [String: String], client: HTTPClient, timeoutSeconds: Double = 60, forbiddenFiles: [String] = [],
        children: (any ChildRunner)? = nil
    ) {
        self.children = children
        self.baseDirectory = baseDirectory
        self.variables = variables
        self.client = client
        self.timeoutSeconds = timeoutSeconds
        self.forbiddenFiles = forbiddenFiles
    }

    /// `path` made absolute against `baseDirectory`.
    public func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        return URL(fileURLWithPath: baseDirectory).appendingPathComponent(path).standardizedFileURL.path
    }
}

/// Makes a builtin tool from its entry in an agent file.
public typealias BuiltinToolFactory = @Sendable (ToolSpec, ToolEnvironment) throws -> any Tool

/// The tools of one agent, built from its agent file and checked before any run uses them.
public struct Toolbox: Sendable {
    public let tools: [String: any Tool]
    /// What the model is told, in the agent file's order.
    public let definitions: [ToolDefinition]
    /// The MCP servers the tools came from, with the generation of their tool list.
    var mcpGenerations: [(MCPServer, Int)] = []

    /// The builtins every agent can name.
    public static let standardBuiltins: [String: BuiltinToolFactory] = [
        "current_time": { _, _ in CurrentTimeTool() },
        "http_get": { spec, environment in
            guard let hosts = spec.allowedHosts, !hosts.isEmpty else {
                throw ToolConfigurationError(problems: ["http_get needs 'allowed_hosts': the hosts it may fetch from"])
            }
            return try HTTPGetTool(allowedHosts: hosts, client: environment.client, timeoutSeconds: environment.timeoutSeconds)
        },
        "list_tables": { spec, environment in ListTablesTool(database: try database(spec, environment)) },
        "describe_table": { spec, environment in DescribeTableTool(database: try database(spec, environment)) },
        "sql_query": { spec, environment in SQLQueryTool(database: try database(spec, environment)) },
    ]

    private static func database(_ spec: ToolSpec, _ environment: ToolEnvironment) throws -> ReadOnlySQLiteDatabase {
        guard let path = spec.database else {
            throw ToolConfigurationError(problems: ["\(spec.name) needs 'database': the path of a SQLite file"])
        }
        return try ReadOnlySQLiteDatabase(
            path: environment.resolve(path), maxRows: min(max(spec.maxRows ?? 200, 1), AgentLimits.maxRows), forbidden: environment.forbiddenFiles
        )
    }

    /// Builds every tool of `agent`; throws every problem found, each naming its tool. MCP
    /// servers' tools come `prepared` (listed by `Toolbox.build`), by the index of their entry.
    public init(
        agent: AgentDefinition, environment: ToolEnvironment, builtins: [String: BuiltinToolFactory] = Toolbox.standardBuiltins,
        prepared: [Int: [any Tool]] = [:]
    ) throws {
        var tools: [String: any Tool] = [:]
        var definitions: [ToolDefinition] = []
        var problems: [String] = []
        for (index, spec) in agent.tools.enumerated() {
            let label = "tools[\(index)] (\(spec.name))"
            if spec.mcp != nil {
                guard let listed = prepared[index] else {
                    problems.append("\(label): MCP servers are listed by Toolbox.build")
                    continue
                }
                for tool in listed {
                    guard tools[tool.definition.name] == nil else {
                        problems.append("\(label): the MCP tool '\(tool.definition.name)' has the name of another tool; exclude one of them")
                        continue
                    }
                    tools[tool.definition.name] = tool
                    definitions.append(tool.definition)
                }
                continue
            }
            do {
                let tool: any Tool
                if let http = spec.http {
                    let missing = HTTPTool.referencedVariables(in: http).filter { environment.variables[$0] == nil }
                    if !missing.isEmpty {
                        problems.append("\(label): environment variable \(missing.joined(separator: ", ")) is not set")
                        continue
                    }
                    tool = try HTTPTool(spec: http, environment: environment.variables, client: environment.client, timeoutSeconds: environment.timeoutSeconds)
                } else if let a2a = spec.a2a {
                    let missing = A2ATool.referencedVariables(in: a2a).filter { environment.variables[$0] == nil }
                    if !missing.isEmpty {
                        problems.append("\(label): environment variable \(missing.joined(separator: ", ")) is not set")
                        continue
                    }
                    tool = try A2ATool(spec: a2a, environment: environment.variables, client: environment.client, timeoutSeconds: environment.timeoutSeconds)
                } else if let other = spec.agent {
                    guard let children = environment.children else {
                        problems.append("\(label): agents as tools need an engine that runs them")
                        continue
                    }
                    tool = AgentTool(agent: other, runner: children)
                } else if let name = spec.builtin, let factory = builtins[name] {
                    tool = try factory(spec, environment)
                } else {
                    problems.append("\(label): unknown builtin '\(spec.builtin ?? "")'; builtins: \(builtins.keys.sorted().joined(separator: ", "))")
                    continue
                }
                tools[tool.definition.name] = tool
                definitions.append(tool.definition)
            } catch let error as ToolConfigurationError {
                problems += error.problems.map { "\(label): \($0)" }
            }
        }
        if !problems.isEmpty { throw ToolConfigurationError(problems: problems) }
        self.tools = tools
        self.definitions = definitions
    }
}
