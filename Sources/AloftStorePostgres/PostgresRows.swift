import AloftCore
import Foundation
import PostgresNIO

extension Run {
    init(postgres row: PostgresRandomAccessRow) throws {
        let phaseText = try row["phase"].decode(String.self)
        guard let phase = RunPhase(rawValue: phaseText) else {
            throw StoreError(code: .corrupt, message: "run has unknown phase '\(phaseText)'")
        }
        let errorCode = try row["error_code"].decode(String?.self)
        let metadata = try row["metadata"].decode(String?.self)
        self.init(
            id: try row["id"].decode(String.self),
            sessionId: try row["session_id"].decode(String.self),
            agent: try row["agent"].decode(String.self),
            agentVersion: try row["agent_version"].decode(String.self),
            phase: phase,
            input: try row["input"].decode(String.self),
            output: try row["output"].decode(String?.self),
            error: try errorCode.map { RunError(code: RunError.Code(rawValue: $0), message: try row["error_message"].decode(String?.self) ?? "") },
            iterations: try row["iterations"].decode(Int.self),
            usage: Usage(inputTokens: try row["input_tokens"].decode(Int.self), outputTokens: try row["output_tokens"].decode(Int.self)),
            correlationId: try row["correlation_id"].decode(String?.self),
            metadata: metadata.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) } ?? [:],
            eventSeq: try row["event_seq"].decode(Int.self),
            eventsPrunedThrough: try row["events_pruned_through"].decode(Int.self),
            messageBase: try row["message_base"].decode(Int.self),
            createdAt: Date(timeIntervalSince1970: try row["created_at"].decode(Double.self)),
            updatedAt: Date(timeIntervalSince1970: try row["updated_at"].decode(Double.self)),
            finishedAt: try row["finished_at"].decode(Double?.self).map(Date.init(timeIntervalSince1970:))
        )
    }
}

extension Session {
    init(postgres row: PostgresRandomAccessRow) throws {
        let metadata = try row["metadata"].decode(String?.self)
        self.init(
            id: try row["id"].decode(String.self), agent: try row["agent"].decode(String.self), userId: try row["user_id"].decode(String?.self),
            title: try row["title"].decode(String?.self), summary: try row["summary"].decode(String?.self),
            activeRunId: try row["active_run_id"].decode(String?.self),
            // Written by this store from a [String: String].
            metadata: metadata.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) } ?? [:],
            instanceId: try row["instance_id"].decode(String?.self),
            createdAt: Date(timeIntervalSince1970: try row["created_at"].decode(Double.self)),
            updatedAt: Date(timeIntervalSince1970: try row["updated_at"].decode(Double.self))
        )
    }
}

extension Message {
    init(postgres row: PostgresRandomAccessRow) throws {
        let roleText = try row["role"].decode(String.self)
        let toolCalls = try row["tool_calls"].decode(String?.self)
        self.init(
            id: try row["id"].decode(Int64.self), sessionId: try row["session_id"].decode(String.self), runId: try row["run_id"].decode(String?.self),
            position: try row["position"].decode(Int.self), role: Role(rawValue: roleText) ?? .user, content: try row["content"].decode(String.self),
            toolCalls: try toolCalls.map { try JSONDecoder().decode([ToolCall].self, from: Data($0.utf8)) } ?? [],
            toolCallId: try row["tool_call_id"].decode(String?.self), toolName: try row["tool_name"].decode(String?.self),
            createdAt: Date(timeIntervalSince1970: try row["created_at"].decode(Double.self)),
            completedAt: try row["completed_at"].decode(Double?.self).map(Date.init(timeIntervalSince1970:)),
            interrupted: try row["interrupted"].decode(Bool.self), error: try row["error"].decode(String?.self)
        )
    }
}
