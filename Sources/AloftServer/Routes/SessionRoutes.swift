import AloftCore
import AloftEngine
import Foundation
import Hummingbird

/// `/v1/sessions`: multi-turn conversations.
struct SessionRoutes {
    let engine: LocalEngine
    let agents: AgentRegistry
    let configuration: ServerConfiguration
    let finished: FinishedRunCache

    func register(on router: RouterGroup<BasicRequestContext>) {
        router.post("/sessions") { request, _ -> Response in try await create(request) }
        router.get("/sessions") { request, _ -> Response in try await list(request) }
        router.get("/sessions/{id}") { request, context -> Response in try await show(request, id: try context.parameters.require("id")) }
        router.post("/sessions/{id}/messages") { request, context -> Response in try await send(request, id: try context.parameters.require("id")) }
        router.post("/sessions/{id}/stop") { request, context -> Response in try await stop(request, id: try context.parameters.require("id")) }
        router.delete("/sessions/{id}") { _, context -> Response in
            let id = try context.parameters.require("id")
            try await engine.deleteSession(id: id)
            finished.forget(sessionId: id)
            return Response(status: .noContent)
        }
    }

    private func create(_ request: Request) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes)
        try body.allowOnly(["agent", "user_id", "title", "metadata"])
        let name = try body.requiredString("agent", maxLength: 200)
        guard let agent = agents.agent(named: name) else { throw APIError.invalidField("agent", "no agent named '\(name)'") }
        let metadata = try body.stringMap("metadata")
        if let problem = Session.metadataProblem(metadata) { throw APIError.invalidField("metadata", problem) }
        let session = try await engine.createSession(
            agent: agent, userId: try body.string("user_id", maxLength: 200), title: try body.string("title", maxLength: 500), metadata: metadata
        )
        return .json(Representation.session(session), status: .created)
    }

    private func list(_ request: Request) async throws -> Response {
        let query = QueryParameters(request: request)
        let limit = try query.limit()
        if let cursor = query.string("cursor"), try await engine.reader.session(id: cursor) == nil {
            throw APIError.invalidField("cursor", "names no session; pass the next_cursor of the previous page")
        }
        let sessions = try await engine.reader.sessions(
            SessionQuery(
                agent: query.string("agent"), userId: query.string("user_id"), metadata: try query.pairs("metadata"), before: query.string("cursor"),
                limit: limit + 1
            )
        )
        let page = Array(sessions.prefix(limit))
        return .json(Representation.page(page.map(Representation.session), nextCursor: sessions.count > limit ? page.last?.id : nil))
    }

    private func show(_ request: Request, id: String) async throws -> Response {
        guard let session = try await engine.reader.session(id: id) else { throw APIError.sessionNotFound(id) }
        let query = QueryParameters(request: request)
        let after = try query.integer("messages_after", default: -1, range: -1...Int(Int32.max))
        let limit = try query.integer("messages_limit", default: 100, range: 1...500)
        let messages = try await engine.reader.messages(sessionId: id, after: after, limit: limit + 1)
        let page = Array(messages.prefix(limit))
        var value = Representation.session(session).objectValue ?? [:]
        value["messages"] = Representation.page(page.map(Representation.message), nextCursor: messages.count > limit ? page.last.map { String($0.position) } : nil)
        return .json(.object(value))
    }

    private func send(_ request: Request, id: String) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes)
        try body.allowOnly(["input", "stream", "metadata", "correlation_id"])
        let input = try body.requiredString("input", maxLength: engine.maxInputBytes)
        guard let session = try await engine.reader.session(id: id) else { throw APIError.sessionNotFound(id) }
        guard let agent = agents.agent(named: session.agent) else {
            throw APIError(.conflict, code: "agent_not_found", message: "the session's agent '\(session.agent)' no longer exists")
        }
        let run = try await engine.start(
            StartRunRequest(
                agent: agent, input: input, sessionId: id, correlationId: try body.string("correlation_id", maxLength: 200),
                metadata: try body.stringMap("metadata")
            )
        )
        if try body.bool("stream") == true {
            return try await RunEventStream(engine: engine, heartbeat: .seconds(configuration.heartbeatSeconds)).response(runId: run.id, after: 0)
        }
        return .json(Representation.run(run), status: .created)
    }

    private func stop(_ request: Request, id: String) async throws -> Response {
        let body = try await JSONBody.read(request, limit: configuration.maxBodyBytes, optional: true)
        try body.allowOnly(["reason"])
        let stopped = try await engine.stopSession(id: id, reason: try body.string("reason", maxLength: 2000))
        guard let session = try await engine.reader.session(id: id) else { throw APIError.sessionNotFound(id) }
        var value = Representation.session(session).objectValue ?? [:]
        value["stopped_run_id"] = Representation.optional(stopped)
        return .json(.object(value), status: .accepted)
    }
}
