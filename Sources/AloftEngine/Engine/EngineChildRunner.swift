import AloftCore
import AloftTools
import Synchronization

/// Runs the agents that agents call as tools (`- agent: NAME`) as child runs on an engine:
/// started with an id made from the parent's run and tool call (a retried or resumed call finds
/// the child its first attempt started), linked to the parent (`correlation_id` and the
/// `parent_run_id` / `parent_tool_call_id` labels), followed to its end with its text passed
/// on as the call's progress, and stopped when the call is (the parent stopped).
public final class EngineChildRunner: ChildRunner {
    private let agentNamed: @Sendable (String) async throws -> AgentDefinition?
    /// The engine, set once it exists (it owns this runner through its catalog: weak).
    private let engine = Mutex<WeakEngine>(WeakEngine())

    private struct WeakEngine: Sendable {
        weak var engine: LocalEngine?
    }

    public init(agentNamed: @escaping @Sendable (String) async throws -> AgentDefinition?) {
        self.agentNamed = agentNamed
    }

    func attach(_ engine: LocalEngine) {
        self.engine.withLock { $0.engine = engine }
    }

    /// The child's run id: the parent's and the call's, so one call has one child.
    static func childRunId(_ context: ToolCallContext) -> String {
        let call = String(context.callId.unicodeScalars.filter { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }.map(Character.init).prefix(60))
        return "\(context.runId.prefix(100))_\(call.isEmpty ? "call" : call)"
    }

    public func run(agent name: String, input: String, context: ToolCallContext) async throws -> ChildRunOutcome {
        guard let engine = engine.withLock({ $0.engine }) else {
            throw ToolError(code: .unavailable, message: "the engine is shutting down", isRetryable: true)
        }
        guard let definition = try await agentNamed(name) else {
            throw ToolError(code: .failed, message: "there is no agent named \(name)")
        }
        let childId = Self.childRunId(context)
        let request = StartRunRequest(
            agent: definition, input: input, correlationId: context.runId,
            metadata: ["parent_run_id": String(context.runId.prefix(200)), "parent_tool_call_id": String(context.callId.prefix(200))], runId: childId
        )
        let run: Run
        do {
            run = try await engine.start(request)
        } catch let error as EngineError {
            throw ToolError(code: .failed, message: "the agent \(name) cannot run: \(error.message)")
        }
        return try await withTaskCancellationHandler {
            for try await event in try await engine.runEvents(runId: run.id, after: 0) {
                if event.kind == .runContent, let delta = event.data["delta"]?.stringValue { await context.progress?(delta) }
            }
            guard let finished = try await engine.reader.run(id: run.id) else {
                throw ToolError(code: .failed, message: "the child run \(run.id) is gone")
            }
            return ChildRunOutcome(runId: finished.id, phase: finished.phase, output: finished.output, error: finished.error, usage: finished.usage)
        } onCancel: {
            Task { try? await engine.cancel(runId: childId, reason: "its parent run \(context.runId) was stopped") }
        }
    }
}
