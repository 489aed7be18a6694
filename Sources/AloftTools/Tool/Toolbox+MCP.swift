public import AloftCore
import Synchronization

extension Toolbox {
    /// Whether an MCP server's tools changed (it said so, or was started again) since this
    /// toolbox listed them: the agent is built again before its next use.
    public var isStale: Bool {
        mcpGenerations.contains { server, generation in server.generation.load(ordering: .relaxed) != generation }
    }

    /// Builds every tool of `agent`, starting its MCP servers (once per process) and listing
    /// their tools; throws every problem found.
    public static func build(agent: AgentDefinition, environment: ToolEnvironment, builtins: [String: BuiltinToolFactory] = Toolbox.standardBuiltins) async throws -> Toolbox {
        var listed: [Int: [any Tool]] = [:]
        var generations: [(MCPServer, Int)] = []
        var problems: [String] = []
        for (index, spec) in agent.tools.enumerated() {
            guard let mcp = spec.mcp else { continue }
            let label = "tools[\(index)] (\(mcp.name))"
            do {
                let server = try MCPServer.shared(spec: mcp, variables: environment.variables, client: environment.client, timeoutSeconds: environment.timeoutSeconds)
                let (tools, generation) = try await server.listTools()
                generations.append((server, generation))
                for name in mcp.include ?? [] where !tools.contains(where: { $0.name == name }) {
                    problems.append("\(label).include: the server has no tool '\(name)'; it has \(tools.map(\.name).joined(separator: ", "))")
                }
                listed[index] = tools.filter { mcp.offers($0.name) }.map { MCPTool(server: server, tool: $0, timeoutSeconds: environment.timeoutSeconds) }
            } catch let error as ToolConfigurationError {
                problems += error.problems.map { "\(label): \($0)" }
            } catch {
                problems.append("\(label): the MCP server cannot be used: \(error)")
            }
        }
        if !problems.isEmpty { throw ToolConfigurationError(problems: problems) }
        var toolbox = try Toolbox(agent: agent, environment: environment, builtins: builtins, prepared: listed)
        toolbox.mcpGenerations = generations
        return toolbox
    }
}
