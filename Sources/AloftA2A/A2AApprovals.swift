import AloftCore
import Foundation

/// Human approval over A2A (the extension `A2AApprovals.extensionURI`): a run waiting for
/// approval is a task in `input-required` whose status message carries the pending tool
/// calls as a data part, `{"approvals": [{"tool_call_id", "name", "arguments", "deadline"}]}`;
/// the client answers with a message on the same task (`taskId`) carrying a data part
/// `{"decisions": [{"tool_call_id", "approved", "reason"}]}` — or just the text `approve` or
/// `deny`, which decides every pending call — and the run continues.
package enum A2AApprovals {
    package static let extensionURI = "urn:aloft:a2a:extension:approvals:v1"

    /// The status message of a task waiting for approval of `calls`.
    package static func request(runId: String, contextId: String, calls: [ToolCall], deadlines: [Double?]) -> A2AMessage {
        let names = calls.map(\.name).joined(separator: ", ")
        let items: [JSONValue] = zip(calls, deadlines + Array(repeating: nil, count: max(0, calls.count - deadlines.count))).map { call, deadline in
            var item: [String: JSONValue] = [
                "tool_call_id": .string(call.id), "name": .string(call.name), "arguments": .string(call.arguments),
            ]
            if let deadline { item["deadline"] = .string(A2AWireFormat.timestamp(Date(timeIntervalSince1970: deadline))) }
            return .object(item)
        }
        return A2AMessage(
            messageId: "\(runId)-approval-\(calls.map(\.id).joined(separator: "-").prefix(120))", role: .agent,
            parts: [
                .text("Waiting for approval of \(names). Answer on this task with approve or deny, or decisions per tool call."),
                .data(["approvals": .array(items)]),
            ],
            contextId: contextId, taskId: runId
        )
    }

    /// The decisions a client's message carries for the calls `pending` (ids), each for one of
    /// them. Throws invalid params naming the field when the message decides nothing or names a
    /// call that is not waiting.
    package static func decisions(in message: A2AMessage, pending: [String], decidedBy: String) throws(A2AError) -> [ApprovalDecision] {
        for (index, part) in message.parts.enumerated() {
            guard case .data(let data) = part, let list = data["decisions"] else { continue }
            let field = "message.parts[\(index)].data.decisions"
            guard case .array(let items) = list, !items.isEmpty else {
                throw .invalidParams(field, "must be a non-empty list of {tool_call_id, approved, reason}")
            }
            var decisions: [ApprovalDecision] = []
            for (position, item) in items.enumerated() {
                let at = "\(field)[\(position)]"
                guard case .object(let object) = item else { throw .invalidParams(at, "must be an object") }
                guard case .string(let callId)? = object["tool_call_id"] else { throw .invalidParams("\(at).tool_call_id", "is required") }
                guard pending.contains(callId) else {
                    throw .invalidParams("\(at).tool_call_id", "\(callId.prefix(200)) is not waiting for approval; waiting: \(pending.joined(separator: ", "))")
                }
                guard case .bool(let approved)? = object["approved"] else {
                    throw .invalidParams("\(at).approved", "is required: true to approve, false to deny")
                }
                var reason: String?
                if let value = object["reason"], value != .null {
                    guard case .string(let text) = value, text.utf8.count <= 2000 else {
                        throw .invalidParams("\(at).reason", "must be a string of at most 2000 bytes")
                    }
                    reason = text.isEmpty ? nil : text
                }
                decisions.append(ApprovalDecision(callId: callId, approved: approved, reason: reason, decidedBy: decidedBy))
            }
            return decisions
        }
        let text = message.parts.compactMap(\.text).joined(separator: " ").trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let approved: Bool
        switch text {
        case "approve", "approved", "yes", "y": approved = true
        case "deny", "denied", "no", "n": approved = false
        default:
            throw .invalidParams(
                "message.parts",
                "the task waits for approval of \(pending.joined(separator: ", ")): send the text approve or deny, or a data part {\"decisions\": [{\"tool_call_id\", \"approved\", \"reason\"}]}"
            )
        }
        return pending.map { ApprovalDecision(callId: $0, approved: approved, reason: approved ? nil : "denied over A2A", decidedBy: decidedBy) }
    }
}
