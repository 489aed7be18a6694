import AloftCore
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

    @Test("events of other steps are never merged into a window")
    func stepsStaySeparate() {
        let records = RunEventRecord.records(for: [Self.delta(1, "a", step: 1), Self.delta(2, "b", step: 2)])
        #expect(records.count == 2)
    }
}
