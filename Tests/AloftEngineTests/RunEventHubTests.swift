import AloftCore
import Testing

@testable import AloftEngine

@Suite("Event hub memory")
struct RunEventHubTests {
    private static func publishLongRun(_ hub: RunEventHub, runId: String, deltas: Int, deltaBytes: Int) {
        let text = String(repeating: "x", count: deltaBytes)
        hub.publish(RunEvent(runId: runId, seq: 1, kind: .runStarted, data: [:]))
        for index in 0..<deltas {
            hub.publish(RunEvent(runId: runId, seq: index + 2, kind: .runContent, data: ["delta": .string(text), "step": 1]))
        }
        hub.publish(RunEvent(runId: runId, seq: deltas + 2, kind: .runCompleted, data: ["output": "done"]))
        hub.release(runId: runId)
    }

    @Test("finished runs keep their recent events within a byte budget, however long their answers")
    func retainedBytesAreBounded() {
        let hub = RunEventHub()
        for run in 0..<400 {
            Self.publishLongRun(hub, runId: "run_\(run)", deltas: 300, deltaBytes: 2_000)
        }
        #expect(hub.retainedBytes <= RunEventHub.retainedBytes, "\(hub.retainedBytes) bytes kept")
        #expect(hub.retainedBytes > RunEventHub.retainedBytes / 2, "the budget is used, not thrown away")
    }

    @Test("one run's buffer is bounded in bytes; a late reader gets the newest events and the ending")
    func perRunBytes() async {
        let hub = RunEventHub()
        Self.publishLongRun(hub, runId: "long", deltas: 1_000, deltaBytes: 4_000)
        var seqs: [Int] = []
        for await event in hub.subscribe(runId: "long", after: 0).events { seqs.append(event.seq) }
        #expect(seqs.last == 1_002, "the terminal event is kept")
        #expect(seqs.count < 100, "about \(RunEventHub.bufferBytes) bytes of deltas, not all 4 MB: \(seqs.count) events")
        #expect(seqs == Array(seqs.sorted()), "in order")
    }
}
