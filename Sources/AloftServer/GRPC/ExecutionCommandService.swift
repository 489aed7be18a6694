import AloftCore
import AloftEngine
import AloftExecutionAPI
import GRPCCore

/// The command service of the gRPC API: executions started on the engine every other entry
/// point uses, and deleted once finished.
struct ExecutionCommandService: Aloft_Execution_V1_AgentExecutionCommandService.SimpleServiceProtocol {
    let engine: LocalEngine
    let agents: AgentRegistry

    func create(request: Aloft_Execution_V1_AgentExecution, context: ServerContext) async throws -> Aloft_Execution_V1_AgentExecution {
        try await CreateExecutionPipeline(engine: engine, agents: agents).create(request)
    }

    func update(request: Aloft_Execution_V1_AgentExecution, context: ServerContext) async throws -> Aloft_Execution_V1_AgentExecution {
        let id = try ExecutionFields.id(request.metadata.id, field: "metadata.id")
        return try await refuseAloftRun(id, "its spec cannot change once Aloft took it")
    }

    func updateStatus(request: Aloft_Execution_V1_UpdateStatusRequest, context: ServerContext) async throws -> Aloft_Execution_V1_AgentExecution {
        let id = try ExecutionFields.id(request.id, field: "id")
        return try await refuseAloftRun(id, "only an external runner reports the status of its executions; Aloft reports this one's itself")
    }

    /// An execution Aloft carries out is changed by its engine alone.
    private func refuseAloftRun(_ id: String, _ why: String) async throws -> Aloft_Execution_V1_AgentExecution {
        guard try await GRPCErrors.mapped({ try await engine.reader.run(id: id) != nil }) else { throw GRPCErrors.executionNotFound(id) }
        throw RPCError(code: .failedPrecondition, message: "execution \(id) is carried out by Aloft: \(why)")
    }

    func delete(request: Aloft_Execution_V1_DeleteRequest, context: ServerContext) async throws -> Aloft_Execution_V1_AgentExecution {
        let id = try ExecutionFields.id(request.id, field: "id")
        return try await GRPCErrors.mapped {
            guard let run = try await engine.reader.run(id: id) else { throw GRPCErrors.executionNotFound(id) }
            guard run.phase.isTerminal else {
                throw RPCError(code: .failedPrecondition, message: "execution \(id) is \(run.phase.rawValue); stop it first (POST /v1/runs/\(id)/cancel)")
            }
            let execution = try await ExecutionRepresentation.execution(run, reader: engine.reader)
            try await engine.deleteRun(id: id)
            return execution
        }
    }
}
