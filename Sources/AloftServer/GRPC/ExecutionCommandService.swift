import AloftCore
import AloftEngine
import AloftExecutionAPI
import Foundation
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
        let execution = request.message
        let id = try ExecutionFields.id(execution.metadata.id, field: "metadata.id")
        // What Aloft sets is ignored (a client sends back what Get gave it, changed).
        var unsent = execution
        unsent.metadata.id = ""
        unsent.metadata.slug = ""
        unsent.metadata.clearAudit()
        unsent.clearStatus()
        unsent.spec.instanceID = ""
        unsent.spec.runner = .unspecified
        let draft = try CreateExecutionPipeline.validateFields(unsent, maxInputBytes: engine.maxInputBytes)
        let caller = BearerKeyInterceptor.caller(request.metadata)
        let updated = try await GRPCErrors.mapped {
            guard let run = try await engine.reader.run(id: id) else { throw GRPCErrors.executionNotFound(id) }
            guard run.isExternal else {
                throw RPCError(code: .failedPrecondition, message: "execution \(id) is carried out by Aloft: its spec cannot change once Aloft took it")
            }
            if let agent = draft.agent, agent != run.agent { throw ExecutionFields.invalid("spec.agent", "cannot change (it is \(run.agent))") }
            if let session = draft.sessionId, session != run.sessionId { throw ExecutionFields.invalid("spec.session_id", "cannot change (it is \(run.sessionId))") }
            guard run.phase == .pending else {
                throw RPCError(code: .failedPrecondition, message: "execution \(id) is \(run.phase.rawValue): its spec changes only while it is pending")
            }
            let now = Date()
            let before = try await records.executionRecord(runId: id)
            if var record = before {
                record.name = draft.name
                record.slug = try CreateExecutionPipeline.resolveSlug(name: draft.name, runId: id)
                record.updatedBy = caller
                record.updatedAt = now
                do {
                    try await records.updateExecution(record)
                } catch let error as StoreError where error.code == .conflict {
                    throw GRPCErrors.slugTaken(error)
                }
            }
            guard try await records.replacePendingSpec(runId: id, input: draft.message, correlationId: draft.correlationId, labels: draft.labels, at: now) else {
                if let before { try await records.updateExecution(before) }
                throw RPCError(code: .failedPrecondition, message: "execution \(id) left pending (its runner took it) before the update")
            }
            guard let changed = try await engine.reader.run(id: id) else { throw GRPCErrors.executionNotFound(id) }
            return try await ExecutionRepresentation.execution(changed, records: records, reader: engine.reader)
        }
        return ServerResponse(message: updated)
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
