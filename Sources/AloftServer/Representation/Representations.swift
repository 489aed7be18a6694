import AloftCore
import Foundation

/// The API's JSON for each record: snake_case, ISO 8601 times, nulls spelled out.
package enum Representation {
    package static func time(_ date: Date?) -> JSONValue {
        guard let date else { return .null }
        return .string(date.formatted(.iso8601))
    }

    package static func optional(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }

    package static func run(_ run: Run, approvals: [PendingApproval] = []) -> JSONValue {
        [
            "id": .string(run.id), "session_id": .string(run.sessionId), "agent": .string(run.agent),
            "agent_version": .string(run.agentVersion), "phase": .string(run.phase.rawValue), "input": .string(run.input),
            "output": optional(run.output),
            "error": run.error.map { ["code": .string($0.code.rawValue), "message": .string($0.message)] } ?? .null,
            "iterations": .number(Double(run.iterations)),
            "usage": ["input_tokens": .number(Double(run.usage.inputTokens)), "output_tokens": .number(Double(run.usage.outputTokens))],
            "correlation_id": optional(run.correlationId),
            "metadata": .object(run.metadata.mapValues(JSONValue.string)),
            "last_event_seq": .number(Double(run.eventSeq)),
            "pending_approvals": .array(approvals.map(approval)),
            "created_at": time(run.createdAt), "updated_at": time(run.updatedAt), "finished_at": time(run.finishedAt),
        ]
    }

    package static func approval(_ approval: PendingApproval) -> JSONValue {
        [
            "tool_call": approval.call.json,
            "requested_at": time(Date(timeIntervalSince1970: approval.requestedAt)),
            "deadline": time(approval.deadline.map(Date.init(timeIntervalSince1970:))),
        ]
    }

    package static func session(_ session: Session) -> JSONValue {
        [
            "id": .string(session.id), "agent": .string(session.agent), "user_id": optional(session.userId),
            "title": optional(session.title), "summary": optional(session.summary), "active": .bool(session.isActive),
            "active_run_id": optional(session.activeRunId), "metadata": .object(session.metadata.mapValues(JSONValue.string)),
            "created_at": time(session.createdAt), "updated_at": time(session.updatedAt),
        ]
    }

    package static func message(_ message: Message) -> JSONValue {
        [
            "id": .number(Double(message.id ?? 0)), "session_id": .string(message.sessionId), "run_id": optional(message.runId),
            "position": .number(Double(message.position)), "role": .string(message.role.rawValue), "content": .string(message.content),
            "tool_calls": .array(message.toolCalls.map(\.json)), "tool_call_id": optional(message.toolCallId),
            "tool_name": optional(message.toolName), "created_at": time(message.createdAt), "completed_at": time(message.completedAt),
            "interrupted": .bool(message.interrupted), "error": optional(message.error),
        ]
    }

    /// A journal entry as recorded: its number, type, time, and the entry itself.
    package static func journal(_ record: JournalRecord, seq: Int) -> JSONValue {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let entry = (try? encoder.encode(record.entry)).flatMap { try? JSONValue.parse(String(decoding: $0, as: UTF8.self)) } ?? .null
        return ["seq": .number(Double(seq)), "type": .string(record.entry.typeName), "recorded_at": .string(record.recordedAt.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))), "entry": entry]
    }

    static func event(_ event: RunEvent) -> JSONValue {
        ["run_id": .string(event.runId), "seq": .number(Double(event.seq)), "type": .string(event.kind.rawValue), "data": event.data]
    }

    /// An agent as clients see it: no absolute server paths (a file agent's source and its
    /// databases and script files are shown by file name only).
    static func agent(_ agent: AgentDefinition, source: AgentRegistry.Source) -> JSONValue {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var shown = agent
        for index in shown.tools.indices {
            shown.tools[index].database = shown.tools[index].database.map { ($0 as NSString).lastPathComponent }
        }
        shown.model.scriptFile = shown.model.scriptFile.map { ($0 as NSString).lastPathComponent }
        let definition = (try? encoder.encode(shown)).flatMap { try? JSONValue.parse(String(decoding: $0, as: UTF8.self)) } ?? .null
        let label: String
        switch source {
        case .file(let path): label = "file:" + (path as NSString).lastPathComponent
        case .api: label = "api"
        }
        return ["name": .string(agent.name), "description": .string(agent.description), "version": .string(agent.version),
                "source": .string(label), "definition": definition]
    }

    /// A page of items with the cursor for the next one (null at the end).
    package static func page(_ items: [JSONValue], nextCursor: String?) -> JSONValue {
        ["data": .array(items), "next_cursor": optional(nextCursor)]
    }
}
