import AloftCore

/// A tool as an MCP server lists it.
package struct MCPToolDefinition: Sendable, Hashable {
    var name: String
    var description: String
    var inputSchema: JSONValue

    package init?(_ value: JSONValue) {
        guard let name = value["name"]?.stringValue, !name.isEmpty else { return nil }
        self.name = name
        description = value["description"]?.stringValue ?? value["title"]?.stringValue ?? ""
        inputSchema = value["inputSchema"].flatMap { $0.objectValue != nil ? $0 : nil } ?? ["type": "object"]
    }
}
