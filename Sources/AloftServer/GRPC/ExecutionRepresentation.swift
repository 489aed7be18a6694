import AloftCore
import AloftExecutionAPI
import Foundation
import SwiftProtobuf

/// Aloft's runs as the gRPC API's `AgentExecution`s: the run's fields, its messages, its
/// tool calls with their state (from the journal, which records how each call ended) and the
/// calls waiting for a person.
enum ExecutionRepresentation {
    static func execution(_ run: Run, records: any ExecutionStore, reader: any RunReader) async throws -> Aloft_Execution_V1_AgentExecution {
        try await execution(run, record: try await records.executionRecord(runId: run.id), reader: reader)
    }

    static func execution(_ run: Run, record: ExecutionRecord?, reader: any RunReader) async throws -> Aloft_Execution_V1_AgentExecution {
        let messages = try await reader.messages(runId: run.id)
        let journal = try await reader.journal(runId: run.id)
        let approvals = run.phase == .waitingForApproval ? try await reader.pendingApprovals(runId: run.id) : []
        return execution(run, record: record, messages: messages, journal: journal, approvals: approvals)
    }

    /// The execution from what was read of its run (and of its record, when the gRPC API made
    /// one: runs started over REST, A2A or the CLI have none).
    static func execution(
        _ run: Run, record: ExecutionRecord?, messages: [AloftCore.Message], journal: [JournalEntry], approvals: [PendingApproval]
    ) -> Aloft_Execution_V1_AgentExecution {
        var execution = Aloft_Execution_V1_AgentExecution()
        execution.metadata = metadata(run, record: record)
        execution.spec.agent = run.agent
        execution.spec.sessionID = run.sessionId
        execution.spec.instanceID = record?.instanceId ?? ""
        execution.spec.message = run.input
        execution.spec.correlationID = run.correlationId ?? ""
        execution.spec.runner = run.isExternal ? .external : .aloft
        execution.status = status(run, messages: messages, journal: journal, approvals: approvals)
        return execution
    }

    /// Id, name, slug, labels and audit fields.
    static func metadata(_ run: Run, record: ExecutionRecord?) -> Aloft_Execution_V1_ExecutionMetadata {
        var metadata = Aloft_Execution_V1_ExecutionMetadata()
        metadata.id = run.id
        metadata.name = record?.name ?? ""
        metadata.slug = record?.slug ?? run.id.lowercased().replacingOccurrences(of: "_", with: "-")
        metadata.labels = run.metadata
        metadata.audit.createdBy = record?.createdBy ?? ""
        metadata.audit.updatedBy = record?.updatedBy ?? ""
        metadata.audit.createdAt = Google_Protobuf_Timestamp(date: run.createdAt)
        metadata.audit.updatedAt = Google_Protobuf_Timestamp(date: max(run.updatedAt, record?.updatedAt ?? run.updatedAt))
        return metadata
    }

    static func phase(_ phase: RunPhase) -> Aloft_Execution_V1_ExecutionPhase {
        switch phase {
        case .pending: .pending
        case .running: .running
        case .waitingForApproval: .waitingForApproval
        case .completed: .completed
        case .failed: .failed
        case .cancelled: .cancelled
        }
    }

    static func runPhase(_ phase: Aloft_Execution_V1_ExecutionPhase) -> RunPhase? {
        switch phase {
        case .pending: .pending
        case .running: .running
        case .waitingForApproval: .waitingForApproval
        case .completed: .completed
        case .failed: .failed
        case .cancelled: .cancelled
        case .unspecified, .UNRECOGNIZED: nil
        }
    }

    static func status(_ run: Run, messages: [AloftCore.Message], journal: [JournalEntry], approvals: [PendingApproval]) -> Aloft_Execution_V1_ExecutionStatus {
        var status = Aloft_Execution_V1_ExecutionStatus()
        status.phase = phase(run.phase)
        status.sequence = Int64(run.eventSeq)
        status.iterations = Int32(clamping: run.iterations)
        status.usage.inputTokens = Int64(run.usage.inputTokens)
        status.usage.outputTokens = Int64(run.usage.outputTokens)
        if let output = run.output { status.output = output }
        if let error = run.error {
            status.error.code = error.code.rawValue
            status.error.message = error.message
        }
        if let finished = run.finishedAt { status.finishedAt = Google_Protobuf_Timestamp(date: finished) }
        status.messages = messages.map { message($0) }
        status.toolCalls = toolCalls(run, messages: messages, journal: journal, approvals: approvals)
        status.pendingApprovals = approvals.map { approval in
            var pending = Aloft_Execution_V1_PendingApproval()
            pending.toolCallID = approval.call.id
            pending.toolName = approval.call.name
            pending.arguments = approval.call.arguments
            pending.requestedAt = Google_Protobuf_Timestamp(date: Date(timeIntervalSince1970: approval.requestedAt))
            if let deadline = approval.deadline { pending.deadline = Google_Protobuf_Timestamp(date: Date(timeIntervalSince1970: deadline)) }
            return pending
        }
        return status
    }

    static func message(_ message: AloftCore.Message) -> Aloft_Execution_V1_ExecutionMessage {
        var result = Aloft_Execution_V1_ExecutionMessage()
        result.role =
            switch message.role {
            case .system: .system
            case .user: .user
            case .assistant: .assistant
            case .tool: .tool
            }
        result.content = message.content
        result.toolCallIds = message.toolCalls.map(\.id)
        result.toolCallID = message.toolCallId ?? ""
        result.createdAt = Google_Protobuf_Timestamp(date: message.createdAt)
        result.interrupted = message.interrupted
        return result
    }

    /// Every call the model asked for, in order, with how it ended (the journal's results),
    /// or waiting, or still running.
    static func toolCalls(_ run: Run, messages: [AloftCore.Message], journal: [JournalEntry], approvals: [PendingApproval]) -> [Aloft_Execution_V1_ExecutionToolCall] {
        var results: [String: ToolResult] = [:]
        for entry in journal {
            if case .toolCompleted(let result) = entry { results[result.callId] = result }
        }
        let waiting = Set(approvals.map { $0.call.id })
        return messages.flatMap { $0.toolCalls }.map { call in
            var item = Aloft_Execution_V1_ExecutionToolCall()
            item.id = call.id
            item.name = call.name
            item.arguments = call.arguments
            if results[call.id] == nil, let answer = messages.first(where: { $0.role == .tool && $0.toolCallId == call.id }) {
                // Reported by an external runner: the message says how the call ended.
                item.result = answer.content
                item.state =
                    switch answer.error {
                    case nil: .succeeded
                    case ToolResult.Failure.denied.rawValue?: .denied
                    default: .failed
                    }
            } else if let result = results[call.id] {
                item.result = result.content
                item.state =
                    switch result.failure {
                    case nil: .succeeded
                    case .denied: .denied
                    default: .failed
                    }
            } else if waiting.contains(call.id) {
                item.state = .waitingForApproval
            } else {
                item.state = run.phase.isTerminal ? .failed : .running
            }
            return item
        }
    }

    static func event(_ event: RunEvent) -> Aloft_Execution_V1_ExecutionEvent {
        var result = Aloft_Execution_V1_ExecutionEvent()
        result.sequence = Int64(event.seq)
        result.kind = event.kind.rawValue
        if case .object(let fields) = event.data { result.data = Google_Protobuf_Struct(fields: fields.mapValues(value)) }
        return result
    }

    /// A JSON value as protobuf's `Value` (numbers become doubles, as in JSON itself).
    static func value(_ json: JSONValue) -> Google_Protobuf_Value {
        switch json {
        case .null: Google_Protobuf_Value(nilLiteral: ())
        case .bool(let flag): Google_Protobuf_Value(boolValue: flag)
        case .number(let number): Google_Protobuf_Value(numberValue: number)
        case .string(let text): Google_Protobuf_Value(stringValue: text)
        case .array(let items): Google_Protobuf_Value(listValue: Google_Protobuf_ListValue(values: items.map(value)))
        case .object(let fields): Google_Protobuf_Value(structValue: Google_Protobuf_Struct(fields: fields.mapValues(value)))
        }
    }
}
