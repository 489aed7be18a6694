import AloftCore
import AloftEngine
import AloftExecutionAPI
import Foundation
import GRPCCore

/// `Create` as a pipeline of small steps, each checked on its own: validate the fields
/// (naming the one at fault), require a session or an agent, resolve the agent (the named one,
/// or the session's), resolve the slug from the name, build the new state (ids, audit
/// fields), persist the record (the slug taken once per agent), and start the run — in a new
/// session when none was given — which the engine records in phase PENDING before it
/// executes it. A start that fails takes its record back: nothing half-made is left.
struct CreateExecutionPipeline {
    let engine: LocalEngine
    let agents: AgentRegistry
    let records: any ExecutionStore

    /// What the fields ask for, once they passed their checks.
    struct Draft: Sendable, Equatable {
        var name: String?
        var agent: String?
        var sessionId: String?
        var message: String
        var correlationId: String?
        var labels: [String: String]
    }

    func create(_ execution: Aloft_Execution_V1_AgentExecution, caller: String) async throws -> Aloft_Execution_V1_AgentExecution {
        let draft = try Self.validateFields(execution, maxInputBytes: engine.maxInputBytes)
        try Self.requireSessionOrAgent(draft)
        return try await GRPCErrors.mapped {
            let agent = try await resolveAgent(draft)
            let runId = engine.newIdentifier("run")
            let slug = try Self.resolveSlug(name: draft.name, runId: runId)
            let record = buildNewState(draft, agent: agent, runId: runId, slug: slug, caller: caller, at: Date())
            try await persist(record)
            let run: Run
            do {
                run = try await engine.start(
                    StartRunRequest(
                        agent: agent, input: draft.message, sessionId: draft.sessionId, correlationId: draft.correlationId, metadata: draft.labels,
                        runId: runId, newSessionId: draft.sessionId == nil ? record.sessionId : nil
                    )
                )
            } catch {
                try? await records.deleteExecution(runId: runId)
                throw error
            }
            return try await ExecutionRepresentation.execution(run, record: record, reader: engine.reader)
        }
    }

    /// Step 1: every field within its bounds; what Aloft sets is left empty by the client.
    static func validateFields(_ execution: Aloft_Execution_V1_AgentExecution, maxInputBytes: Int) throws -> Draft {
        let metadata = execution.metadata
        guard metadata.id.isEmpty else { throw ExecutionFields.invalid("metadata.id", "is set by Aloft; leave it empty") }
        guard metadata.slug.isEmpty else { throw ExecutionFields.invalid("metadata.slug", "is set by Aloft (from metadata.name); leave it empty") }
        guard !metadata.hasAudit else { throw ExecutionFields.invalid("metadata.audit", "is set by Aloft; leave it empty") }
        guard !execution.hasStatus else { throw ExecutionFields.invalid("status", "is set by Aloft; leave it empty") }
        let spec = execution.spec
        guard spec.instanceID.isEmpty else { throw ExecutionFields.invalid("spec.instance_id", "is set by Aloft (from the session); leave it empty") }
        guard spec.runner == .unspecified else { throw ExecutionFields.invalid("spec.runner", "is set by Aloft (from the agent's file); leave it unspecified") }
        guard !spec.message.isEmpty else { throw ExecutionFields.invalid("spec.message", "is required: the user's message") }
        return Draft(
            name: try ExecutionFields.name(metadata.name, field: "metadata.name"),
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

    /// Step 4: the slug — of the name, or of the run's id when there is none.
    static func resolveSlug(name: String?, runId: String) throws -> String {
        guard let name else { return runId.lowercased().replacingOccurrences(of: "_", with: "-") }
        guard let slug = ExecutionRecord.slug(of: name) else {
            throw ExecutionFields.invalid("metadata.name", "needs at least one letter or digit (a-z, 0-9) to make a slug of")
        }
        return slug
    }

    /// Step 5: the record of the new execution: its ids, slug, audit fields, runner.
    func buildNewState(_ draft: Draft, agent: AgentDefinition, runId: String, slug: String, caller: String, at now: Date) -> ExecutionRecord {
        ExecutionRecord(
            runId: runId, sessionId: draft.sessionId ?? engine.newIdentifier("ses"), agent: agent.name, name: draft.name, slug: slug,
            runner: agent.runner.rawValue, createdBy: caller, createdAt: now
        )
    }

    /// Step 6: the record kept, its slug taken (ALREADY_EXISTS when another execution of the
    /// agent has it).
    func persist(_ record: ExecutionRecord) async throws {
        do {
            try await records.reserveExecution(record)
        } catch let error as StoreError where error.code == .conflict {
            throw GRPCErrors.slugTaken(error)
        }
    }
}
