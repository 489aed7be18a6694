public import AloftCore

/// What a run's workflow starts with: a reference to the run, whose start (context included)
/// is in the shared store — the history stays small whatever the conversation.
///
/// After a continue-as-new, `recorded` says how many journal entries the earlier executions
/// recorded: the new execution starts from them, read from the store (where they were
/// projected before it began), not from its input.
public struct RunWorkflowInput: Sendable, Hashable, Codable {
    public var runId: String
    public var agentVersion: String
    public var recorded: Int?

    public init(runId: String, agentVersion: String, recorded: Int? = nil) {
        self.runId = runId
        self.agentVersion = agentVersion
        self.recorded = recorded
    }
}

/// The model activity's input: which run and which iteration. The activity rebuilds the
/// request from the run's journal in the store, so the history never holds the transcript.
public struct ModelActivityInput: Sendable, Hashable, Codable {
    public var runId: String
    public var step: Int

    public init(runId: String, step: Int) {
        self.runId = runId
        self.step = step
    }
}

/// The tool activity's input: the validated call, with the key that makes a retried call
/// exactly-once (the same as on the embedded engine).
public struct ToolActivityInput: Sendable, Hashable, Codable {
    public var runId: String
    public var call: ToolCall
    public var arguments: JSONValue
    public var idempotencyKey: String

    public init(runId: String, invocation: ToolInvocation) {
        self.runId = runId
        call = invocation.call
        arguments = invocation.arguments
        idempotencyKey = invocation.idempotencyKey
    }

    public var invocation: ToolInvocation { ToolInvocation(call: call, arguments: arguments, idempotencyKey: idempotencyKey) }
}
