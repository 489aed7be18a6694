/// What `AgentLoop` decides must happen next. Interpreters (the local engine, the Temporal
/// worker) carry orders out and record each result as a journal entry.
public enum Order: Sendable, Hashable {
    /// Call the model with this request; record `.modelResponded` or `.modelFailed`.
    case callModel(step: Int, request: ModelRequest)
    /// Run this tool call; record `.toolCompleted`.
    case runTool(ToolInvocation)
    /// Record this result without running anything (validation errors, denials).
    case recordToolResult(ToolResult)
    /// Pause until these calls are approved or denied; deny them automatically after the deadline.
    case awaitApproval(calls: [ToolCall], deadlineSeconds: Double?)
    /// End the run; record `.finished`.
    case finish(RunOutcome)

    /// What identifies this order among those in flight.
    public var key: OrderKey {
        switch self {
        case .callModel(let step, _): .model(step: step)
        case .runTool(let invocation): .tool(callId: invocation.call.id)
        case .recordToolResult(let result): .tool(callId: result.callId)
        case .awaitApproval(let calls, _): .approval(callIds: calls.map(\.id))
        case .finish: .finish
        }
    }
}

/// Identity of an order, so that the loop never orders again what is in flight.
public enum OrderKey: Sendable, Hashable {
    case model(step: Int)
    case tool(callId: String)
    case approval(callIds: [String])
    case finish
}

/// A validated tool call ready to run.
public struct ToolInvocation: Sendable, Hashable {
    public var call: ToolCall
    public var arguments: JSONValue
    /// Stable across retries and restarts: a tool can use it to make an at-least-once call exactly-once.
    public var idempotencyKey: String

    public init(call: ToolCall, arguments: JSONValue, idempotencyKey: String) {
        self.call = call
        self.arguments = arguments
        self.idempotencyKey = idempotencyKey
    }
}
