import AloftA2A
import AloftCore
import Testing

@Suite("A2A stream updates from run events")
struct A2AEventTranslationTests {
    func delta(_ seq: Int, _ text: String, step: Int = 1, attempt: Int = 1) -> RunEvent {
        RunEvent(runId: "run_1", seq: seq, kind: .runContent, data: RunEventDraft.content(text, step: step, attempt: attempt).data)
    }

    func artifact(_ items: [A2AStreamItem]) -> (text: String, append: Bool, last: Bool)? {
        guard case .artifact(_, _, let artifact, let append, let last, _)? = items.first else { return nil }
        return (artifact.parts.compactMap(\.text).joined(), append, last)
    }

    @Test("text deltas: the first of a step's attempt replaces the answer artifact, the next ones append; a retry starts over")
    func deltas() {
        var translation = A2AEventTranslation(taskId: "run_1", contextId: "ses_1")
        #expect(artifact(translation.items(for: delta(2, "Hel")))! == ("Hel", false, false))
        #expect(artifact(translation.items(for: delta(3, "lo")))! == ("lo", true, false))
        #expect(artifact(translation.items(for: delta(4, "Hi", attempt: 2)))! == ("Hi", false, false))
        #expect(artifact(translation.items(for: delta(5, "Next", step: 3)))! == ("Next", false, false))
        // A client resuming after event 3 continues the same text.
        var resumed = A2AEventTranslation(taskId: "run_1", contextId: "ses_1")
        resumed.resume(after: delta(3, "lo"))
        #expect(artifact(resumed.items(for: delta(4, "!")))!.append)
    }

    @Test("each update carries its event number; tool events are working updates naming the event")
    func numbers() {
        var translation = A2AEventTranslation(taskId: "run_1", contextId: "ses_1")
        let call = ToolCall(id: "c1", name: "lookup", arguments: "{}")
        let items = translation.items(for: RunEvent(runId: "run_1", seq: 9, kind: .toolCallStarted, data: ["tool_call": call.json]))
        guard case .status(_, _, let status, let final, let metadata)? = items.first else {
            Issue.record("no status update")
            return
        }
        #expect(status.state == .working && !final)
        #expect(metadata["aloft.seq"] == 9 && metadata["aloft.event"] == "tool_call_started" && metadata["aloft.data"]?["tool_call"]?["id"] == "c1")
    }

    @Test("a pause is input-required with the pending calls, final; completion sends the whole answer as the last chunk, then completed")
    func endings() {
        var translation = A2AEventTranslation(taskId: "run_1", contextId: "ses_1")
        let call = ToolCall(id: "c1", name: "delete_file", arguments: #"{"path":"/tmp/x"}"#)
        let paused = translation.items(for: RunEvent(runId: "run_1", seq: 5, kind: .runPaused, data: RunEventDraft.paused(for: [call]).data))
        guard case .status(_, _, let status, let final, _)? = paused.first else {
            Issue.record("no status update")
            return
        }
        #expect(status.state == .inputRequired && final && paused.first!.closesStream)
        let data = status.message?.parts.compactMap { part -> JSONValue? in
            if case .data(let value) = part { return value }
            return nil
        }.first
        #expect(data?["approvals"]?.arrayValue?.first?["tool_call_id"] == "c1" && data?["approvals"]?.arrayValue?.first?["name"] == "delete_file")
        let done = translation.items(for: RunEvent(runId: "run_1", seq: 8, kind: .runCompleted, data: ["answer": "All done.", "usage": ["input_tokens": 3]]))
        #expect(done.count == 2)
        #expect(artifact(done)! == ("All done.", false, true))
        guard case .status(_, _, let last, true, _)? = done.last else {
            Issue.record("no final status")
            return
        }
        #expect(last.state == .completed && done.last!.closesStream)
        let failed = translation.items(for: RunEvent(runId: "run_1", seq: 9, kind: .runFailed, data: ["code": "model_error", "message": "boom"]))
        guard case .status(_, _, let failure, true, _)? = failed.first else {
            Issue.record("no failure")
            return
        }
        #expect(failure.state == .failed && failure.message?.parts.first == .text("boom"))
    }
}
