public import AloftCore

/// Who is calling a tool, the key that makes a retried call exactly-once, and where the tool
/// reports progress (text a remote agent streams while it works).
public struct ToolCallContext: Sendable {
    public var runId: String
    public var callId: String
    /// Stable across retries and restarts of the same call: `<run id>:<tool call id>`.
    public var idempotencyKey: String
    /// Takes text the tool produces before its result; the run's subscribers see it as
    /// `tool_call_progress` events. Nil: nobody listens.
    public var progress: (@Sendable (String) async -> Void)?
    /// Takes the tokens the call used on the run's behalf (an agent called as a tool), which
    /// the run's usage and budgets then count. Nil: nobody counts.
    public var reportUsage: (@Sendable (Usage) -> Void)?

    public init(
        runId: String, callId: String, idempotencyKey: String, progress: (@Sendable (String) async -> Void)? = nil,
        reportUsage: (@Sendable (Usage) -> Void)? = nil
    ) {
        self.runId = runId
        self.callId = callId
        self.idempotencyKey = idempotencyKey
        self.progress = progress
        self.reportUsage = reportUsage
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
