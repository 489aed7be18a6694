import AloftA2A
import AloftCore
import Foundation
import Testing

@Suite("Approvals over A2A")
struct A2AApprovalsTests {
    func message(_ parts: [A2APart]) -> A2AMessage { A2AMessage(messageId: "m", role: .user, parts: parts, taskId: "run_1") }

    @Test("decisions per call from a data part; approve or deny as text decides every pending call")
    func decisions() throws {
        let data = message([.data(["decisions": [["tool_call_id": "c1", "approved": true], ["tool_call_id": "c2", "approved": false, "reason": "no"]]])])
        let decided = try A2AApprovals.decisions(in: data, pending: ["c1", "c2"], decidedBy: "a2a client")
        #expect(decided == [
            ApprovalDecision(callId: "c1", approved: true, reason: nil, decidedBy: "a2a client"),
            ApprovalDecision(callId: "c2", approved: false, reason: "no", decidedBy: "a2a client"),
        ])
        #expect(try A2AApprovals.decisions(in: message([.text(" Approve ")]), pending: ["c1", "c2"], decidedBy: "x").map(\.approved) == [true, true])
        #expect(try A2AApprovals.decisions(in: message([.text("deny")]), pending: ["c1"], decidedBy: "x").map(\.approved) == [false])
    }

    @Test("a message that decides nothing, or a call that does not wait: invalid params naming the field")
    func refuses() {
        func field(_ parts: [A2APart]) -> String? {
            do {
                _ = try A2AApprovals.decisions(in: message(parts), pending: ["c1"], decidedBy: "x")
                return nil
            } catch {
                return error.field
            }
        }
        #expect(field([.text("maybe later")]) == "message.parts")
        #expect(field([.data(["decisions": [["tool_call_id": "c9", "approved": true]]])]) == "message.parts[0].data.decisions[0].tool_call_id")
        #expect(field([.data(["decisions": [["tool_call_id": "c1"]]])]) == "message.parts[0].data.decisions[0].approved")
        #expect(field([.data(["decisions": []])]) == "message.parts[0].data.decisions")
    }

    @Test("a run as a task: phases as states, a waiting run input-required with its calls and deadlines, history without tool traffic")
    func projection() {
        let now = Date(timeIntervalSince1970: 1_000)
        var run = Run(
            id: "run_1", sessionId: "ses_1", agent: "a", agentVersion: "v", phase: .waitingForApproval, input: "hi",
            metadata: ["a2a.message_id": "m1"], eventSeq: 7, createdAt: now, updatedAt: now
        )
        let call = ToolCall(id: "c1", name: "rm", arguments: "{}")
        let messages = [
            Message(sessionId: "ses_1", runId: "run_1", position: 0, role: .user, content: "hi", createdAt: now),
            Message(sessionId: "ses_1", runId: "run_1", position: 1, role: .assistant, content: "", toolCalls: [call], createdAt: now),
            Message(sessionId: "ses_1", runId: "run_1", position: 2, role: .tool, content: "done", toolCallId: "c1", createdAt: now),
            Message(sessionId: "ses_1", runId: "run_1", position: 3, role: .assistant, content: "Removed.", createdAt: now),
        ]
        let approvals = [PendingApproval(runId: "run_1", call: call, requestedAt: 1_000, deadline: 1_600)]
        let task = A2ATaskProjection.task(run: run, messages: messages, approvals: approvals)
        #expect(task.status.state == .inputRequired && task.metadata["aloft.seq"] == 7)
        #expect(task.history.map(\.messageId) == ["m1", "run_1-3"], "the client's own message id; no tool call or result")
        let data = task.status.message?.parts.compactMap { part -> JSONValue? in
            if case .data(let value) = part { return value }
            return nil
        }.first
        #expect(data?["approvals"]?.arrayValue?.first?["deadline"] == "1970-01-01T00:26:40.000Z")
        #expect(A2ATaskProjection.task(run: run, messages: messages, approvals: approvals, historyLength: 1).history.count == 1)
        run.phase = .completed
        run.output = "Removed."
        let done = A2ATaskProjection.task(run: run, messages: nil, approvals: [])
        #expect(done.status.state == .completed && done.artifacts.first?.parts == [.text("Removed.")] && done.history.isEmpty)
        #expect(A2ATaskProjection.state(of: .cancelled) == .canceled && A2ATaskProjection.state(of: .pending) == .submitted)
    }
}
