import AloftCore
import AloftEngine
import AloftExecutionAPI
import GRPCCore

/// `Create` as a pipeline of small steps, each checked on its own: validate the fields
/// (naming the one at fault), require a session or an agent, resolve the agent (the named one,
/// or the session's), and start the run (in a new session when none was given), which the
/// engine records in phase PENDING before it executes it.
struct CreateExecutionPipeline {
    let engine: LocalEngine
    let agents: AgentRegistry

    /// What the fields ask for, once they passed their checks.
    struct Draft: Sendable, Equatable {
        var agent: String?
        var sessionId: String?
        var message: String
        var correlationId: String?
        var labels: [String: String]
    }

    func create(_ execution: Aloft_Execution_V1_AgentExecution) async throws -> Aloft_Execution_V1_AgentExecution {
        let draft = try Self.validateFields(execution, maxInputBytes: engine.maxInputBytes)
        try Self.requireSessionOrAgent(draft)
        return try await GRPCErrors.mapped {
            let agent = try await resolveAgent(draft)
            let run = try await engine.start(
                StartRunRequest(agent: agent, input: draft.message, sessionId: draft.sessionId, correlationId: draft.correlationId, metadata: draft.labels)
            )
            return try await ExecutionRepresentation.execution(run, reader: engine.reader)
        }
    }

    /// Step 1: every field within its bounds; what Aloft sets is left empty by the client.
    static func validateFields(_ execution: Aloft_Execution_V1_AgentExecution, maxInputBytes: Int) throws -> Draft {
        let metadata = execution.metadata
        guard metadata.id.isEmpty else { throw ExecutionFields.invalid("metadata.id", "is set by Aloft; leave it empty") }
        guard metadata.slug.isEmpty else { throw ExecutionFields.invalid("metadata.slug", "is set by Aloft (from metadata.name); leave it empty") }
        guard !metadata.hasAudit else { throw ExecutionFields.invalid("metadata.audit", "is set by Aloft; leave it empty") }
        guard metadata.name.isEmpty else {
            throw RPCError(code: .unimplemented, message: "metadata.name is not supported by this server yet; leave it empty")
        }
        guard !execution.hasStatus else { throw ExecutionFields.invalid("status", "is set by Aloft; leave it empty") }
        let spec = execution.spec
        guard spec.instanceID.isEmpty else { throw ExecutionFields.invalid("spec.instance_id", "is set by Aloft (from the session); leave it empty") }
        guard spec.runner == .unspecified else { throw ExecutionFields.invalid("spec.runner", "is set by Aloft (from the agent's file); leave it unspecified") }
        guard !spec.message.isEmpty else { throw ExecutionFields.invalid("spec.message", "is required: the user's message") }
        return Draft(
            agent: try ExecutionFields.text(spec.agent, field: "spec.agent", maxBytes: 200),
            sessionId: try ExecutionFields.optionalId(spec.sessionID, field: "spec.session_id"),
            message: try ExecutionFields.text(spec.message, field: "spec.message", maxBytes: maxInputBytes) ?? "",
            correlationId: try ExecutionFields.text(spec.correlationID, field: "spec.correlation_id", maxBytes: 200),
            labels: try ExecutionFields.labels(metadata.labels, field: "metadata.labels")
        )
    }

    /// Step 2: a session to continue, or an agent to start one of.
    static func requireSessionOrAgent(_ draft: Draft) throws {
        guard draft.agent != nil || draft.sessionId != nil else {
            throw ExecutionFields.invalid("spec", "needs spec.agent (a new session of that agent) or spec.session_id (the next turn of a session)")
        }
    }

    /// Step 3: the agent — the one named, or the session's (both given: they must agree).
    func resolveAgent(_ draft: Draft) async throws -> AgentDefinition {
        if let sessionId = draft.sessionId {
            guard let session = try await engine.reader.session(id: sessionId) else {
                throw RPCError(code: .notFound, message: "no session \(sessionId) (spec.session_id)")
            }
            if let name = draft.agent, name != session.agent {
                throw ExecutionFields.invalid("spec.agent", "is '\(name)' but session \(sessionId) belongs to agent '\(session.agent)'")
            }
            guard let agent = agents.agent(named: session.agent) else {
                throw RPCError(code: .failedPrecondition, message: "the session's agent '\(session.agent)' no longer exists")
            }
            return agent
        }
        let name = draft.agent ?? ""
        guard let agent = agents.agent(named: name) else { throw RPCError(code: .notFound, message: "no agent named '\(name)' (spec.agent)") }
        return agent
    }
}
