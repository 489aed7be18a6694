public import AloftCore
import Foundation

/// `current_time`: the current date and time, in UTC or a named time zone.
public struct CurrentTimeTool: Tool {
    let now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }

    public var definition: ToolDefinition {
        ToolDefinition(
            name: "current_time",
            description: "The current date and time (ISO 8601). Optionally in an IANA time zone such as Europe/Oslo.",
            parameters: [
                "type": "object",
                "properties": ["timezone": ["type": "string", "description": "IANA time zone name; UTC if omitted"]],
                "additionalProperties": false,
            ]
        )
    }

    public func call(_ arguments: JSONValue, context: ToolCallContext) async throws -> String {
        let name = arguments["timezone"]?.stringValue ?? "UTC"
        guard let zone = TimeZone(identifier: name) else {
            throw ToolError(code: .invalidArguments, message: "unknown time zone '\(name)'; use an IANA name such as Europe/Oslo")
        }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = zone
        return JSONValue.object(["time": .string(formatter.string(from: now())), "timezone": .string(name)]).jsonText()
    }
}
