import AloftCore
import AloftEngine
import Foundation
import Hummingbird

/// `/v1/runs`: start, list, read, follow, stop, approve and delete runs.
struct RunRoutes {
    let engine: LocalEngine
    let agents: AgentRegistry
    let configuration: ServerConfiguration
    let finished: FinishedRunCache

    var stream: RunEventStream { RunEventStream(engine: engine, heartbeat: .seconds(configuration.heartbeatSeconds)) }

    func register(on router: RouterGroup<BasicRequestContext>) {
        router.post("/runs") { request, _ -> Response in try await start(request) }
        router.get("/runs") { request, _ -> Response in try await list(request) }
        router.get("/runs/{id}") { _, context -> Response in try await show(try context.parameters.require("id")) }
        router.get("/runs/{id}/events") { request, context -> Response in
            let id = try context.parameters.require("id")
            return try await stream.response(runId: id, after: try RunEventStream.after(request))
        }
        router.post("/runs/{id}/cancel") { request, context -> Response in try await cancel(request, id: try context.parameters.require("id")) }
        router.post("/runs/{id}/approval") { request, context -> Response in try await approve(request, id: try context.parameters.require("id")) }
        router.get("/runs/{id}/messages") { _, context -> Response in try await messages(try context.parameters.require("id")) }
        router.get("/runs/{id}/journal") { _, context -> Response in try await journal(try context.parameters.require("id")) }
        router.delete("/runs/{id}") { _, context -> Response in
            let id = try context.parameters.require("id")
            try await engine.deleteRun(id: id)
            finished.forget(runId: id)
            return Response(status: .noContent)
        }
    }

    private func start(_ request: Request) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes)
        try body.allowOnly(["agent", "agent_definition", "input", "session_id", "user_id", "metadata", "correlation_id", "stream"])
        let input = try body.requiredString("input", maxLength: engine.maxInputBytes)
        let sessionId = try body.string("session_id", maxLength: 200)
        var agent: AgentDefinition
        if let definition = body.fields["agent_definition"], definition != .null {
            if body.fields["agent"] != nil, body.fields["agent"] != .null {
                throw APIError.invalidField("agent", "give either agent or agent_definition, not both")
            }
            guard configuration.acceptsInlineAgents else {
                throw APIError(
                    .forbidden, code: .inlineAgentsDisabled,
                    message: "this server does not run agent definitions sent with a request; name an agent, or ask the operator to set api_agents.inline_definitions"
                )
            }
            agent = try AgentRoutes.admit(
                try AgentRoutes.decode(definition, field: "agent_definition"), policy: configuration.apiAgents, environment: engine.environment
            )
        } else if let name = try body.string("agent", maxLength: 200) {
            guard let known = agents.agent(named: name) else { throw APIError.invalidField("agent", "no agent named '\(name)'") }
            agent = known
        } else if let sessionId {
            guard let session = try await engine.reader.session(id: sessionId) else {
                throw APIError.sessionNotFound(sessionId)
            }
            guard let known = agents.agent(named: session.agent) else {
                throw APIError(.conflict, code: "agent_not_found", message: "the session's agent '\(session.agent)' no longer exists")
            }
            agent = known
        } else {
            throw APIError.invalidField("agent", "is required (or agent_definition, or a session_id)")
        }
        let run = try await engine.start(
            StartRunRequest(
                agent: agent, input: input, sessionId: sessionId, userId: try body.string("user_id", maxLength: 200),
                correlationId: try body.string("correlation_id", maxLength: 200), metadata: try body.stringMap("metadata")
            )
        )
        if try body.bool("stream") == true {
            return try await stream.response(runId: run.id, after: 0)
        }
        return .json(Representation.run(run), status: .created)
    }

    private func list(_ request: Request) async throws -> Response {
        let query = QueryParameters(request: request)
        var phase: RunPhase?
        if let text = query.string("phase") {
            guard let value = RunPhase(rawValue: text) else {
                throw APIError.invalidField("phase", "must be one of \(RunPhase.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            phase = value
        }
        let limit = try query.limit()
        if let cursor = query.string("cursor"), try await engine.reader.run(id: cursor) == nil {
            throw APIError.invalidField("cursor", "names no run; pass the next_cursor of the previous page")
        }
        let runs = try await engine.reader.runs(
            RunQuery(phase: phase, agent: query.string("agent"), sessionId: query.string("session_id"), before: query.string("cursor"), limit: limit + 1)
        )
        let page = Array(runs.prefix(limit))
        return .json(Representation.page(page.map { Representation.run($0) }, nextCursor: runs.count > limit ? page.last?.id : nil))
    }

    private func show(_ id: String) async throws -> Response {
        if let json = finished.json(runId: id) { return .json(text: json) }
        guard let run = try await engine.reader.run(id: id) else { throw APIError.runNotFound(id) }
        let approvals = run.phase == .waitingForApproval ? try await engine.reader.pendingApprovals(runId: id) : []
        let json = Representation.run(run, approvals: approvals).jsonText()
        if run.phase.isTerminal { finished.store(runId: id, sessionId: run.sessionId, json: json) }
        return .json(text: json)
    }

    private func cancel(_ request: Request, id: String) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, optional: true)
        try body.allowOnly(["reason"])
        try await engine.cancel(runId: id, reason: try body.string("reason", maxLength: 2000))
        return try await accepted(id)
    }

    private func approve(_ request: Request, id: String) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes)
        try body.allowOnly(["decisions"])
        guard case .array(let items) = body.fields["decisions"] ?? .null, !items.isEmpty else {
            throw APIError.invalidField("decisions", "is required: a non-empty list of {tool_call_id, approved, reason}")
        }
        var decisions: [ApprovalDecision] = []
        for (index, item) in items.enumerated() {
            guard case .object(let fields) = item else { throw APIError.invalidField("decisions[\(index)]", "must be an object") }
            let decision = JSONBody(fields: fields)
            let field = "decisions[\(index)]"
            for key in fields.keys where !["tool_call_id", "approved", "reason", "decided_by"].contains(key) {
                throw APIError.invalidField("\(field).\(key)", "unknown field; expected tool_call_id, approved, reason, decided_by")
            }
            guard let callId = try? decision.requiredString("tool_call_id", maxLength: 200) else {
                throw APIError.invalidField("\(field).tool_call_id", "is required and must be a string")
            }
            guard let approved = (try? decision.bool("approved")) ?? nil else {
                let given = fields["approved"] != nil && fields["approved"] != .null
                throw APIError.invalidField("\(field).approved", given ? "must be a boolean: true to approve, false to deny" : "is required: true to approve, false to deny")
            }
            let reason: String?
            do {
                reason = try decision.string("reason", maxLength: 2000)
            } catch {
                throw APIError.invalidField("\(field).reason", "must be a string of at most 2000 bytes")
            }
            let said: String?
            do {
                said = try decision.string("decided_by", maxLength: 200)
            } catch {
                throw APIError.invalidField("\(field).decided_by", "must be a string of at most 200 bytes (who decided, for the record)")
            }
            decisions.append(
                ApprovalDecision(
                    callId: callId, approved: approved, reason: reason?.isEmpty == true ? nil : reason,
                    decidedBy: Self.decider(said: said, key: BearerAuthMiddleware<BasicRequestContext>.key(in: request))
                )
            )
        }
        guard let run = try await engine.reader.run(id: id) else { throw APIError.runNotFound(id) }
        let pending = Set(try await engine.reader.pendingApprovals(runId: id).map(\.call.id))
        for decision in decisions where !pending.contains(decision.callId) {
            throw APIError(
                .conflict, code: "not_awaiting_approval",
                message: "tool call \(decision.callId) of run \(id) is not waiting for approval (run is \(run.phase.rawValue))",
                details: ["waiting": .array(pending.sorted().map(JSONValue.string))]
            )
        }
        for decision in decisions { try await engine.resolveApproval(runId: id, decision: decision) }
        return try await accepted(id)
    }

    /// Who decided, for the record: what the client said (a person's name, say) and, when the
    /// server has keys, the key it used, by its last four characters (as key dashboards show them).
    static func decider(said: String?, key: String?) -> String {
        let who = said.flatMap { $0.isEmpty ? nil : $0 } ?? "api client"
        guard let key, key.count >= 8 else { return who }
        return "\(who) (api key …\(key.suffix(4)))"
    }

    private func messages(_ id: String) async throws -> Response {
        guard try await engine.reader.run(id: id) != nil else { throw APIError.runNotFound(id) }
        let messages = try await engine.reader.messages(runId: id)
        return .json(["data": .array(messages.map(Representation.message))])
    }

    private func journal(_ id: String) async throws -> Response {
        guard try await engine.reader.run(id: id) != nil else { throw APIError.runNotFound(id) }
        let records = try await engine.reader.journalRecords(runId: id)
        return .json(["data": .array(records.enumerated().map { Representation.journal($1, seq: $0 + 1) })])
    }

    private func accepted(_ id: String) async throws -> Response {
        guard let run = try await engine.reader.run(id: id) else { throw APIError.runNotFound(id) }
        return .json(Representation.run(run), status: .accepted)
    }
}
