public import AloftCore
import Foundation
import Synchronization

/// One tool of an MCP server, offered to the model under its own name. A call is `tools/call`;
/// its text content is the result (with the structured content, when the server gives one, as
/// JSON the model can read). A result marked `isError`, and a JSON-RPC error (unknown tool,
/// invalid arguments), are tool errors the model reads; a server that died or cannot be reached
/// is a retryable error, and the retry starts it again.
public struct MCPTool: Tool {
    let server: MCPServer
    let tool: MCPToolDefinition
    let timeoutSeconds: Double

    public var definition: ToolDefinition {
        ToolDefinition(name: tool.name, description: tool.description.isEmpty ? "The \(tool.name) tool of the MCP server \(server.spec.name)." : tool.description, parameters: tool.inputSchema)
    }

    public func call(_ arguments: JSONValue, context: ToolCallContext) async throws -> String {
        let result: JSONValue
        do {
            result = try await server.call(tool.name, arguments: arguments.objectValue != nil ? arguments : [:], timeoutSeconds: timeoutSeconds)
        } catch let error as MCPProtocolError {
            throw ToolError(code: error.code == -32602 ? .invalidArguments : .failed, message: "the MCP server \(server.spec.name) refused the call: \(error.message.prefix(2000))")
        } catch let error as MCPHTTPStatusError {
            let retryable = error.status >= 500 || error.status == 408 || error.status == 429
            throw ToolError(code: retryable ? .unavailable : .failed, message: "\(server.spec.name): \(error.message.prefix(2000))", isRetryable: retryable)
        } catch let error as MCPChannelError {
            throw ToolError(code: .unavailable, message: "\(server.spec.name): \(error.message.prefix(2000))", isRetryable: true)
        }
        let text = Self.text(of: result)
        if result["isError"] == .bool(true) {
            throw ToolError(code: .failed, message: text.isEmpty ? "the tool failed (the MCP server gave no reason)" : text)
        }
        return text
    }

    /// What the model reads of a `tools/call` result: the text of its content (other kinds
    /// named), and the structured content as JSON when there is one.
    package static func text(of result: JSONValue) -> String {
        var pieces: [String] = []
        if case .array(let content)? = result["content"] {
            for item in content {
                switch item["type"]?.stringValue {
                case "text": pieces.append(item["text"]?.stringValue ?? "")
                case "resource":
                    if let text = item["resource"]?["text"]?.stringValue { pieces.append(text) } else {
                        pieces.append("[resource \(item["resource"]?["uri"]?.stringValue ?? "")]")
                    }
                case "resource_link": pieces.append("[resource \(item["uri"]?.stringValue ?? "")]")
                case let kind?: pieces.append("[\(kind) \(item["mimeType"]?.stringValue ?? "")]")
                case nil: break
                }
            }
        }
        if let structured = result["structuredContent"], structured != .null {
            // Servers usually repeat the structured content as text (a single value as
            // `{"result": value}`): send it once.
            let text = pieces.joined(separator: "\n")
            let wrapped = structured.objectValue?.count == 1 ? structured["result"] : nil
            let repeated = structured.jsonText() == text || wrapped.map { $0.stringValue == text || $0.jsonText() == text } == true
                || (try? JSONValue.parse(text)) == structured
            if !repeated { pieces.append(structured.jsonText()) }
        }
        return pieces.joined(separator: "\n")
    }
}

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
