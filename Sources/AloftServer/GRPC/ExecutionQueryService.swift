import AloftCore
import AloftEngine
import AloftExecutionAPI
import GRPCCore
import ServiceLifecycle
import Synchronization

/// The query service of the gRPC API: executions read from the store the engine records in,
/// and followed through the engine's live events (no polling).
struct ExecutionQueryService: Aloft_Execution_V1_AgentExecutionQueryService.SimpleServiceProtocol {
    let engine: LocalEngine
    let records: any ExecutionStore

    func get(request: Aloft_Execution_V1_GetRequest, context: ServerContext) async throws -> Aloft_Execution_V1_AgentExecution {
        let id = try ExecutionFields.id(request.id, field: "id")
        return try await GRPCErrors.mapped {
            guard let run = try await engine.reader.run(id: id) else { throw GRPCErrors.executionNotFound(id) }
            return try await ExecutionRepresentation.execution(run, records: records, reader: engine.reader)
        }
    }

    func list(request: Aloft_Execution_V1_ListRequest, context: ServerContext) async throws -> Aloft_Execution_V1_ListResponse {
        let phase = ExecutionRepresentation.runPhase(request.phase)
        if phase == nil, request.phase != .unspecified { throw ExecutionFields.invalid("phase", "is not a phase of this API") }
        let agent = try ExecutionFields.text(request.agent, field: "agent", maxBytes: 200)
        let labels = try ExecutionFields.labels(request.labels, field: "labels")
        let size = try ExecutionFields.pageSize(request.pageSize, field: "page_size")
        return try await GRPCErrors.mapped {
            let after = try await ExecutionPageToken.runId(request.pageToken, field: "page_token", reader: engine.reader)
            return try await page(RunQuery(phase: phase, agent: agent, labels: labels, before: after, limit: size + 1), size: size)
        }
    }

    func listBySession(request: Aloft_Execution_V1_ListBySessionRequest, context: ServerContext) async throws -> Aloft_Execution_V1_ListResponse {
        let sessionId = try ExecutionFields.id(request.sessionID, field: "session_id")
        let size = try ExecutionFields.pageSize(request.pageSize, field: "page_size")
        return try await GRPCErrors.mapped {
            guard try await engine.reader.session(id: sessionId) != nil else {
                throw RPCError(code: .notFound, message: "no session \(sessionId)")
            }
            let after = try await ExecutionPageToken.runId(request.pageToken, field: "page_token", reader: engine.reader)
            return try await page(RunQuery(sessionId: sessionId, before: after, limit: size + 1), size: size)
        }
    }

    /// One page of `size` executions (the query asks for one more, to know whether a next
    /// page exists).
    private func page(_ query: RunQuery, size: Int) async throws -> Aloft_Execution_V1_ListResponse {
        let runs = try await engine.reader.runs(query)
        let found = try await records.executionRecords(runIds: runs.prefix(size).map(\.id))
        var response = Aloft_Execution_V1_ListResponse()
        for run in runs.prefix(size) {
            response.executions.append(try await ExecutionRepresentation.execution(run, record: found[run.id], reader: engine.reader))
        }
        if runs.count > size, let last = runs.prefix(size).last { response.nextPageToken = ExecutionPageToken.token(after: last.id) }
        return response
    }

    func subscribe(
        request: Aloft_Execution_V1_SubscribeRequest, response: RPCWriter<Aloft_Execution_V1_SubscribeResponse>, context: ServerContext
    ) async throws {
        let id = try ExecutionFields.id(request.id, field: "id")
        guard request.afterSequence >= 0 else { throw ExecutionFields.invalid("after_sequence", "must not be negative") }
        let (run, snapshot) = try await GRPCErrors.mapped {
            guard let run = try await engine.reader.run(id: id) else { throw GRPCErrors.executionNotFound(id) }
            return (run, try await ExecutionRepresentation.execution(run, records: records, reader: engine.reader))
        }
        guard request.afterSequence <= Int64(run.eventSeq) else {
            throw ExecutionFields.invalid("after_sequence", "is past the execution's last event (\(run.eventSeq))")
        }
        var first = Aloft_Execution_V1_SubscribeResponse()
        first.snapshot = snapshot
        try await response.write(first)
        let after = request.afterSequence > 0 ? Int(request.afterSequence) : run.eventSeq
        if run.phase.isTerminal, after >= run.eventSeq { return }
        let last = Atomic(after)
        let ended = Atomic(false)
        // A server shutting down ends the stream with UNAVAILABLE and where to resume: clients
        // retry on it, and lose nothing.
        let unavailable = { RPCError(code: .unavailable, message: "the server is shutting down; subscribe again with after_sequence \(last.load(ordering: .relaxed))") }
        do {
            try await cancelWhenGracefulShutdown {
                for try await event in try await engine.runEvents(runId: id, after: after) {
                    var update = Aloft_Execution_V1_SubscribeResponse()
                    update.event = ExecutionRepresentation.event(event)
                    try await response.write(update)
                    last.store(event.seq, ordering: .relaxed)
                    if event.kind.isTerminal { ended.store(true, ordering: .relaxed) }
                }
            }
        } catch {
            if Task.isShuttingDownGracefully || error is CancellationError { throw unavailable() }
            try await GRPCErrors.mapped { () async throws -> Void in throw error }
        }
        // The events stop without an end only when the engine stops.
        if !ended.load(ordering: .relaxed) { throw unavailable() }
    }
}
