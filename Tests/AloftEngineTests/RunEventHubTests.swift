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

    @Test("runs published to their end where nobody subscribes and nobody releases them (a Temporal worker) are not all kept")
    func unfollowedRunsAreBounded() {
        let hub = RunEventHub()
        for run in 0..<(RunEventHub.retainedEndedRuns * 3) {
            hub.publish(RunEvent(runId: "run_\(run)", seq: 1, kind: .runStarted, data: [:]))
            hub.publish(RunEvent(runId: "run_\(run)", seq: 2, kind: .runCompleted, data: ["output": "done"]))
        }
        #expect(hub.channelCount <= RunEventHub.retainedEndedRuns, "\(hub.channelCount) runs kept")
        #expect(hub.channelCount > 0, "the newest are kept for late readers")
    }

    @Test("a hub that keeps nothing still passes events to its subscribers, and holds nothing once they leave")
    func keepingNothing() async {
        let hub = RunEventHub(retainedRuns: 0)
        for run in 0..<100 {
            hub.publish(RunEvent(runId: "run_\(run)", seq: 1, kind: .runStarted, data: [:]))
            hub.publish(RunEvent(runId: "run_\(run)", seq: 2, kind: .runContent, data: ["delta": "x", "step": 1]))
        }
        #expect(hub.channelCount == 0, "runs under way that nobody follows hold nothing: \(hub.channelCount)")
        let subscription = hub.subscribe(runId: "followed", after: 0)
        hub.publish(RunEvent(runId: "followed", seq: 1, kind: .runStarted, data: [:]))
        hub.publish(RunEvent(runId: "followed", seq: 2, kind: .runCompleted, data: ["output": "done"]))
        var seqs: [Int] = []
        for await event in subscription.events { seqs.append(event.seq) }
        #expect(seqs == [1, 2], "the subscriber saw the run live: \(seqs)")
        #expect(hub.channelCount == 0, "nothing kept after the end")
    }
}
