import AloftCore
import AloftExecutionAPI
import Foundation
import GRPCCore
import Testing

/// Executions of an agent whose runner is external: Aloft stores, streams and serves them;
/// the runner drives them with UpdateStatus.
@Suite("gRPC executions: external runners")
struct ExternalRunnerTests {
    static let outside = AgentDefinition(
        name: "outside", instructions: "", model: ModelSettings(provider: .scripted, name: "unused", script: []), runner: .external
    )

    static func status(
        _ phase: Aloft_Execution_V1_ExecutionPhase = .unspecified, say: String? = nil, calls: [(String, Aloft_Execution_V1_ToolCallState, String)] = []
    ) -> Aloft_Execution_V1_ExecutionStatus {
        var status = Aloft_Execution_V1_ExecutionStatus()
        status.phase = phase
        if let say {
            var message = Aloft_Execution_V1_ExecutionMessage()
            message.role = .assistant
            message.content = say
            status.messages = [message]
        }
        status.toolCalls = calls.map { id, state, result in
            var call = Aloft_Execution_V1_ExecutionToolCall()
            call.id = id
            call.name = "search"
            call.arguments = #"{"q":"aloft"}"#
            call.state = state
            call.result = result
            return call
        }
        return status
    }

    static func update(_ id: String, _ status: Aloft_Execution_V1_ExecutionStatus) -> Aloft_Execution_V1_UpdateStatusRequest {
        var request = Aloft_Execution_V1_UpdateStatusRequest()
        request.id = id
        request.status = status
        return request
    }

    @Test("a runner drives an execution through UpdateStatus while a subscriber watches: each change an event, live, to the end")
    func runnerDrives() async throws {
        try await ExecutionAPI.with { api in
            _ = try await api.wiring.agents.put(Self.outside, at: Date())
            let created = try await api.commands.create(ExecutionAPI.execution(agent: "outside", message: "Find aloft."))
            let id = created.metadata.id
            #expect(created.status.phase == .pending && created.spec.runner == .external, "\(created.status.phase) \(created.spec.runner)")
            async let watched = api.subscribe(id)
            try await Task.sleep(for: .milliseconds(100))
            _ = try await api.commands.updateStatus(Self.update(id, Self.status(.running, say: "Looking.")))
            _ = try await api.commands.updateStatus(Self.update(id, Self.status(calls: [("c1", .running, "")])))
            let paused = try await api.commands.updateStatus(Self.update(id, Self.status(.waitingForApproval, calls: [("c1", .succeeded, "3 hits")])))
            #expect(paused.status.phase == .waitingForApproval && paused.status.toolCalls.map(\.state) == [.succeeded])
            _ = try await api.commands.updateStatus(Self.update(id, Self.status(.running)))
            var last = Self.status(.completed, say: "Found 3.")
            last.output = "Found 3."
            last.usage.inputTokens = 10
            last.usage.outputTokens = 5
            let done = try await api.commands.updateStatus(Self.update(id, last))
            #expect(done.status.phase == .completed && done.status.output == "Found 3." && done.status.usage.outputTokens == 5 && done.status.hasFinishedAt)
            #expect(done.status.messages.map(\.role) == [.user, .assistant, .assistant, .tool, .assistant], "\(done.status.messages.map(\.role))")
            #expect(done.status.toolCalls.first?.result == "3 hits" && done.metadata.audit.updatedBy == "anonymous")

            let updates = try await watched
            #expect(updates.first?.snapshot.metadata.id == id)
            let kinds = updates.dropFirst().map(\.event.kind)
            #expect(
                kinds == ["run_content", "tool_call_started", "tool_call_completed", "run_paused", "run_resumed", "run_content", "run_completed"],
                "\(kinds)"
            )
            // The same run over the engine's reads (REST, CLI): completed, its text assembled.
            let run = try await api.wiring.engine.reader.run(id: id)
            #expect(run?.phase == .completed && run?.output == "Found 3." && run?.isExternal == true)
            #expect(await rpcCode { try await api.commands.updateStatus(Self.update(id, Self.status(.running))) } == .failedPrecondition, "a finished execution never changes")
        }
    }

    @Test("illegal reports are refused with the field named and change nothing; a stop ends it; its session takes a next turn")
    func refusals() async throws {
        try await ExecutionAPI.with { api in
            _ = try await api.wiring.agents.put(Self.outside, at: Date())
            let id = try await api.commands.create(ExecutionAPI.execution(agent: "outside")).metadata.id
            _ = try await api.commands.updateStatus(Self.update(id, Self.status(.running)))
            let back = await rpcError { try await api.commands.updateStatus(Self.update(id, Self.status(.pending))) }
            #expect(back?.code == .failedPrecondition && back?.message.contains("back") == true, "\(String(describing: back))")
            #expect(await rpcError { try await api.commands.updateStatus(Self.update(id, Self.status(.failed))) }?.message.contains("status.error") == true)
            var noRole = Self.status(say: "x")
            noRole.messages[0].role = .unspecified
            #expect(await rpcError { try await api.commands.updateStatus(Self.update(id, noRole)) }?.message.contains("status.messages[0].role") == true)
            var sequence = Self.status()
            sequence.sequence = 99
            #expect(await rpcCode { try await api.commands.updateStatus(Self.update(id, sequence)) } == .invalidArgument)
            var orphan = Self.status()
            var tool = Aloft_Execution_V1_ExecutionMessage()
            tool.role = .tool
            tool.toolCallID = "nope"
            orphan.messages = [tool]
            #expect(await rpcError { try await api.commands.updateStatus(Self.update(id, orphan)) }?.message.contains("tool_call_id") == true)
            #expect(await rpcError { try await api.commands.updateStatus(Self.update(id, Self.status(calls: [("bad id!", .running, "")]))) }?.code == .invalidArgument)
            var hostile = Self.status()
            hostile.error.code = "Bad Code"
            #expect(await rpcError { try await api.commands.updateStatus(Self.update(id, hostile)) }?.message.contains("status.error.code") == true)
            let unchanged = try await api.queries.get(ExecutionAPI.get(id))
            #expect(unchanged.status.phase == .running && unchanged.status.messages.count == 1, "refused reports changed nothing")

            try await api.wiring.engine.cancel(runId: id, reason: "no longer needed")
            let stopped = try await api.queries.get(ExecutionAPI.get(id))
            #expect(stopped.status.phase == .cancelled && stopped.status.sequence > unchanged.status.sequence)
            let next = try await api.commands.create(ExecutionAPI.execution(session: stopped.spec.sessionID, message: "Again"))
            #expect(next.status.phase == .pending && next.spec.sessionID == stopped.spec.sessionID)
            var update = next
            update.spec.message = "changed"
            #expect(await rpcCode { try await api.commands.updateStatus(Self.update("run_nope", Self.status(.running))) } == .notFound)
        }
    }
}

extension ExternalRunnerTests {
    @Test("update replaces the spec of a pending execution (what Get gave, changed); once its runner took it, or for Aloft's own runs, FAILED_PRECONDITION")
    func updates() async throws {
        try await ExecutionAPI.with { api in
            _ = try await api.wiring.agents.put(Self.outside, at: Date())
            var first = ExecutionAPI.execution(agent: "outside", message: "Draft one.")
            first.metadata.name = "Taken name"
            _ = try await api.commands.create(first)
            let created = try await api.commands.create(ExecutionAPI.execution(agent: "outside", message: "Draft one."))
            var change = try await api.queries.get(ExecutionAPI.get(created.metadata.id))
            change.spec.message = "Final wording."
            change.spec.correlationID = "ticket-9"
            change.metadata.labels = ["priority": "high"]
            change.metadata.name = "Taken name"
            #expect(await rpcCode { try await api.commands.update(change) } == .alreadyExists)
            change.metadata.name = "Final"
            let updated = try await api.commands.update(change, metadata: ["authorization": "Bearer x"])
            #expect(updated.spec.message == "Final wording." && updated.spec.correlationID == "ticket-9" && updated.metadata.labels == ["priority": "high"])
            #expect(updated.metadata.slug == "final" && updated.status.messages.first?.content == "Final wording.", "\(updated.metadata) \(updated.status.messages)")
            var moved = change
            moved.spec.agent = "scripted"
            #expect(await rpcError { try await api.commands.update(moved) }?.message.contains("spec.agent") == true)
            _ = try await api.commands.updateStatus(Self.update(created.metadata.id, Self.status(.running)))
            #expect(await rpcCode { try await api.commands.update(change) } == .failedPrecondition, "it left pending")
            change.metadata.id = "run_nope"
            #expect(await rpcCode { try await api.commands.update(change) } == .notFound)
        }
    }
}
