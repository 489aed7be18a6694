public import AloftCore

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
