import AloftCore
import AloftExecutionAPI
import GRPCCore

/// An UpdateStatus request as the report the engine records: each field checked and bounded
/// (INVALID_ARGUMENT naming it), the fields Aloft sets refused.
enum ExecutionStatusReport {
    static let maxItems = 100
    static let maxTextBytes = 1 << 20

    static func report(_ status: Aloft_Execution_V1_ExecutionStatus) throws -> ExternalRunReport {
        guard status.sequence == 0, status.iterations == 0, !status.hasFinishedAt else {
            throw ExecutionFields.invalid("status", "sequence, iterations and finished_at are set by Aloft; leave them empty")
        }
        guard status.pendingApprovals.isEmpty else {
            throw ExecutionFields.invalid("status.pending_approvals", "Aloft keeps approvals of the runs it carries out only; report phase WAITING_FOR_APPROVAL instead")
        }
        guard status.messages.count <= maxItems else { throw ExecutionFields.invalid("status.messages", "may hold at most \(maxItems) messages per update") }
        guard status.toolCalls.count <= maxItems else { throw ExecutionFields.invalid("status.tool_calls", "may hold at most \(maxItems) tool calls per update") }
        var report = ExternalRunReport()
        if status.phase != .unspecified {
            guard let phase = ExecutionRepresentation.runPhase(status.phase) else { throw ExecutionFields.invalid("status.phase", "is not a phase of this API") }
            report.phase = phase
        }
        for (index, message) in status.messages.enumerated() {
            let field = "status.messages[\(index)]"
            let role: Role
            switch message.role {
            case .system: role = .system
            case .user: role = .user
            case .assistant: role = .assistant
            case .tool: role = .tool
            case .unspecified, .UNRECOGNIZED: throw ExecutionFields.invalid("\(field).role", "must be SYSTEM, USER, ASSISTANT or TOOL")
            }
            guard !message.hasCreatedAt, !message.interrupted else { throw ExecutionFields.invalid(field, "created_at and interrupted are set by Aloft") }
            guard message.toolCallIds.isEmpty else {
                throw ExecutionFields.invalid("\(field).tool_call_ids", "report tool calls in status.tool_calls; Aloft links them to messages")
            }
            report.messages.append(
                ExternalRunReport.ReportedMessage(
                    role: role, content: try ExecutionFields.text(message.content, field: "\(field).content", maxBytes: maxTextBytes) ?? "",
                    toolCallId: try callId(message.toolCallID, field: "\(field).tool_call_id", required: false)
                )
            )
        }
        for (index, call) in status.toolCalls.enumerated() {
            let field = "status.tool_calls[\(index)]"
            guard let id = try callId(call.id, field: "\(field).id", required: true) else { continue }
            guard !call.name.isEmpty, call.name.utf8.count <= 64 else { throw ExecutionFields.invalid("\(field).name", "must be 1 to 64 bytes") }
            let state: ExternalRunReport.ReportedToolCall.State
            switch call.state {
            case .unspecified, .running, .waitingForApproval: state = .running
            case .succeeded: state = .succeeded
            case .failed: state = .failed
            case .denied: state = .denied
            case .UNRECOGNIZED: throw ExecutionFields.invalid("\(field).state", "is not a tool call state of this API")
            }
            report.toolCalls.append(
                ExternalRunReport.ReportedToolCall(
                    call: ToolCall(
                        id: id, name: call.name, arguments: try ExecutionFields.text(call.arguments, field: "\(field).arguments", maxBytes: 64 << 10) ?? "{}"
                    ),
                    state: state, result: try ExecutionFields.text(call.result, field: "\(field).result", maxBytes: maxTextBytes)
                )
            )
        }
        if status.hasUsage {
            let limit: Int64 = 1_000_000_000_000
            guard (0...limit).contains(status.usage.inputTokens), (0...limit).contains(status.usage.outputTokens) else {
                throw ExecutionFields.invalid("status.usage", "token counts must be between 0 and \(limit)")
            }
            report.usage = Usage(inputTokens: Int(status.usage.inputTokens), outputTokens: Int(status.usage.outputTokens))
        }
        report.output = try ExecutionFields.text(status.output, field: "status.output", maxBytes: maxTextBytes)
        if status.hasError {
            let code = status.error.code
            guard !code.isEmpty, code.utf8.count <= 100, code.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }) else {
                throw ExecutionFields.invalid("status.error.code", "must be 1 to 100 lower-case letters, digits or '_' (a stable code users can match on)")
            }
            report.error = RunError(code: RunError.Code(rawValue: code), message: try ExecutionFields.text(status.error.message, field: "status.error.message", maxBytes: 4096) ?? "")
        }
        return report
    }

    /// A tool call's id: 1…64 letters, digits, `_` or `-`.
    private static func callId(_ value: String, field: String, required: Bool) throws -> String? {
        if value.isEmpty {
            if required { throw ExecutionFields.invalid(field, "is required") }
            return nil
        }
        guard value.utf8.count <= 64, value.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }) else {
            throw ExecutionFields.invalid(field, "must be 1 to 64 letters, digits, '_' or '-'")
        }
        return value
    }
}
