import AloftCore
import AloftEngine
import AloftExecutionAPI
import GRPCCore

/// The command service of the gRPC API: executions started on the engine every other entry
/// point uses, and deleted once finished. Calls read their metadata (who calls, for the audit
/// fields), hence the full service protocol.
struct ExecutionCommandService: Aloft_Execution_V1_AgentExecutionCommandService.ServiceProtocol {
    let engine: LocalEngine
    let agents: AgentRegistry
    let records: any ExecutionStore

    func create(
        request: ServerRequest<Aloft_Execution_V1_AgentExecution>, context: ServerContext
    ) async throws -> ServerResponse<Aloft_Execution_V1_AgentExecution> {
        let pipeline = CreateExecutionPipeline(engine: engine, agents: agents, records: records)
        return ServerResponse(message: try await pipeline.create(request.message, caller: BearerKeyInterceptor.caller(request.metadata)))
    }

    func update(
        request: ServerRequest<Aloft_Execution_V1_AgentExecution>, context: ServerContext
    ) async throws -> ServerResponse<Aloft_Execution_V1_AgentExecution> {
        let id = try ExecutionFields.id(request.message.metadata.id, field: "metadata.id")
        return ServerResponse(message: try await refuseAloftRun(id, "its spec cannot change once Aloft took it"))
    }

    func updateStatus(
        request: ServerRequest<Aloft_Execution_V1_UpdateStatusRequest>, context: ServerContext
    ) async throws -> ServerResponse<Aloft_Execution_V1_AgentExecution> {
        let id = try ExecutionFields.id(request.message.id, field: "id")
        let report = try ExecutionStatusReport.report(request.message.status)
        let caller = BearerKeyInterceptor.caller(request.metadata)
        let execution = try await GRPCErrors.mapped {
            guard try await engine.reader.run(id: id) != nil else { throw GRPCErrors.executionNotFound(id) }
            let run = try await engine.recordExternalReport(runId: id, report)
            var record = try await records.executionRecord(runId: id)
            if var changed = record {
                changed.updatedBy = caller
                changed.updatedAt = run.updatedAt
                try await records.updateExecution(changed)
                record = changed
            }
            return try await ExecutionRepresentation.execution(run, record: record, reader: engine.reader)
        }
        return ServerResponse(message: execution)
    }

    /// An execution Aloft carries out is changed by its engine alone.
    private func refuseAloftRun(_ id: String, _ why: String) async throws -> Aloft_Execution_V1_AgentExecution {
        guard try await GRPCErrors.mapped({ try await engine.reader.run(id: id) != nil }) else { throw GRPCErrors.executionNotFound(id) }
        throw RPCError(code: .failedPrecondition, message: "execution \(id) is carried out by Aloft: \(why)")
    }

    func delete(
        request: ServerRequest<Aloft_Execution_V1_DeleteRequest>, context: ServerContext
    ) async throws -> ServerResponse<Aloft_Execution_V1_AgentExecution> {
        let id = try ExecutionFields.id(request.message.id, field: "id")
        let execution = try await GRPCErrors.mapped {
            guard let run = try await engine.reader.run(id: id) else { throw GRPCErrors.executionNotFound(id) }
            guard run.phase.isTerminal else {
                throw RPCError(code: .failedPrecondition, message: "execution \(id) is \(run.phase.rawValue); stop it first (POST /v1/runs/\(id)/cancel)")
            }
            let execution = try await ExecutionRepresentation.execution(run, records: records, reader: engine.reader)
            try await engine.deleteRun(id: id)
            return execution
        }
        return ServerResponse(message: execution)
    }
}
