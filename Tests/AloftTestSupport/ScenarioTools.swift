import AloftCore
import AloftTools
import Synchronization

/// Tool calls seen by the test tools.
public final class ToolCallLog: Sendable {
    private let calls = Mutex<[(name: String, key: String, arguments: JSONValue)]>([])
    public init() {}
    public func append(_ name: String, _ key: String, _ arguments: JSONValue) { calls.withLock { $0.append((name, key, arguments)) } }
    public var keys: [String] { calls.withLock { $0.map(\.key) } }
    public var count: Int { calls.withLock { $0.count } }
}

/// A tool for tests: echoes its arguments after an optional pause.
public struct EchoTool: Tool {
    public let name: String
    public let delay: Duration
    public let log: ToolCallLog

    public init(name: String, delay: Duration, log: ToolCallLog) {
        self.name = name
        self.delay = delay
        self.log = log
    }

    public var definition: ToolDefinition {
        ToolDefinition(name: name, description: "Echoes", parameters: ["type": "object", "properties": ["text": ["type": "string"]]])
    }

    public func call(_ arguments: JSONValue, context: ToolCallContext) async throws -> String {
        log.append(name, context.idempotencyKey, arguments)
        if delay > .zero { try await Task.sleep(for: delay) }
        return JSONValue.object(["echo": arguments]).jsonText()
    }
}

/// The standard builtins plus the engine scenarios' test tools (see `EngineScenarioHost`):
/// `echo`, `slow_echo` (takes `slowTool`) and `delete_everything`, all logging to `log`.
public func scenarioBuiltins(log: ToolCallLog, slowTool: Duration) -> [String: BuiltinToolFactory] {
    var builtins = Toolbox.standardBuiltins
    builtins["echo"] = { _, _ in EchoTool(name: "echo", delay: .zero, log: log) }
    builtins["slow_echo"] = { _, _ in EchoTool(name: "slow_echo", delay: slowTool, log: log) }
    builtins["delete_everything"] = { _, _ in EchoTool(name: "delete_everything", delay: .zero, log: log) }
    return builtins
}
