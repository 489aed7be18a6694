import AloftCore
import Foundation
import Testing

@Suite("Stored run events")
struct RunEventRecordTests {
    private static func delta(_ seq: Int, _ text: String, step: Int = 1, attempt: Int = 1) -> RunEvent {
        let draft = RunEventDraft.content(text, step: step, attempt: attempt)
        return RunEvent(runId: "r", seq: seq, kind: draft.kind, data: draft.data)
    }

    @Test("consecutive deltas of one attempt become one record, and read back as the very events sent")
    func roundTrip() {
        let events = [
            RunEvent(runId: "r", seq: 1, kind: .runStarted, data: ["agent": "a"]),
            Self.delta(2, "Hel"), Self.delta(3, "lo "), Self.delta(4, "wor"),
            // A new attempt and a gap in numbers each start a new record.
            Self.delta(5, "Hi", attempt: 2),
            Self.delta(300, " there", attempt: 2),
            RunEvent(runId: "r", seq: 301, kind: .runCompleted, data: ["answer": "Hi there"]),
        ]
        let records = RunEventRecord.records(for: events)
        #expect(records.map(\.seq) == [1, 4, 5, 300, 301])
        #expect(records[1].firstSeq == 2)
        #expect(records.flatMap { $0.events(runId: "r") } == events)
    }

    @Test("a tool call, its result and the answer are stored as references to their messages, and read back as sent")
    func messageReferences() throws {
        let time = Date(timeIntervalSince1970: 1_800_000_000)
        let call = ToolCall(id: "c1", name: "lookup", arguments: #"{"sku":"W-42"}"#)
        let result = String(repeating: "a long tool result ", count: 50)
        let messages = [
            Message(sessionId: "s", runId: "r", position: 5, role: .assistant, content: "", toolCalls: [call], createdAt: time, completedAt: time),
            Message(sessionId: "s", runId: "r", position: 6, role: .tool, content: result, toolCallId: "c1", toolName: "lookup", createdAt: time, completedAt: time),
            Message(sessionId: "s", runId: "r", position: 7, role: .assistant, content: "It costs 9.50.", createdAt: time, completedAt: time),
        ]
        let drafts = [
            RunEventDraft(.toolCallStarted, ["tool_call": call.json]),
            RunEventDraft(.toolCallCompleted, ["tool_call_id": "c1", "name": "lookup", "content": .string(result), "is_error": false]),
            RunEventDraft(.runCompleted, ["answer": "It costs 9.50.", "iterations": 2]),
        ]
        let events = drafts.enumerated().map { RunEvent(runId: "r", seq: $0.offset + 1, kind: $0.element.kind, data: $0.element.data) }
        let stored = RunEventRecord.records(for: events).map { $0.referring(to: messages) }
        #expect(stored.map(\.referredPositions) == [[5], [6], [7]])
        #expect(!stored.map { $0.data.jsonText() }.joined().contains("long tool result") && !stored[2].data.jsonText().contains("9.50"))
        let byPosition = Dictionary(uniqueKeysWithValues: messages.map { ($0.position, $0) })
        #expect(try stored.map { try $0.resolved(messages: byPosition) }.flatMap { $0.events(runId: "r") } == events)

        // Text no message of the step holds is kept in the event; a referred message that is gone is an error.
        let other = RunEventRecord.records(for: events).map { $0.referring(to: [messages[0]]) }
        #expect(other.map(\.referredPositions) == [[5], [], []])
        let gone = #expect(throws: StoreError.self) { try stored[1].resolved(messages: [:]) }
        #expect(gone?.code == .corrupt)
    }

    @Test("events of other steps are never merged into a window")
    func stepsStaySeparate() {
        let records = RunEventRecord.records(for: [Self.delta(1, "a", step: 1), Self.delta(2, "b", step: 2)])
        #expect(records.count == 2)
    }
}
