public import AloftCore

/// Runs another agent as a child of the run calling it (an engine implements it): the child
/// is linked to its parent, stopped with it, and started once per call whatever the retries.
public protocol ChildRunner: Sendable {
    /// Runs `agent` on `input` for the tool call of `context`, reporting the child's text as
    /// it streams to `context.progress`; returns how the child ended. Throws a `ToolError` when
    /// the agent cannot be run (unknown, invalid).
    func run(agent: String, input: String, context: ToolCallContext) async throws -> ChildRunOutcome
}

/// How a child run ended.
public struct ChildRunOutcome: Sendable, Hashable {
    public var runId: String
    public var phase: RunPhase
    public var output: String?
    public var error: RunError?
    public var usage: Usage

    public init(runId: String, phase: RunPhase, output: String?, error: RunError?, usage: Usage) {
        self.runId = runId
        self.phase = phase
        self.output = output
        self.error = error
        self.usage = usage
    }
}
