public import AloftCore

/// Who is calling a tool, and the key that makes a retried call exactly-once.
public struct ToolCallContext: Sendable, Hashable {
    public var runId: String
    public var callId: String
    /// Stable across retries and restarts of the same call: `<run id>:<tool call id>`.
    public var idempotencyKey: String

    public init(runId: String, callId: String, idempotencyKey: String) {
        self.runId = runId
        self.callId = callId
        self.idempotencyKey = idempotencyKey
    }
}

/// A capability an agent can call: a name, a description, JSON-Schema parameters, and a call.
/// Arguments are validated against `definition.parameters` before `call` runs.
public protocol Tool: Sendable {
    var definition: ToolDefinition { get }
    /// Runs the tool and returns what the model should read (JSON or text).
    /// Throw a `ToolError` to report a failure; a retryable one is retried by the engine.
    func call(_ arguments: JSONValue, context: ToolCallContext) async throws -> String
}
