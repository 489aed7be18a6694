import Testing

@testable import AloftEngine

@Suite("Scheduler state")
struct RunSchedulerStateTests {
    @Test("a run gets one driver; later deliveries go to it, and a delivery handed over twice is dropped")
    func oneDriverPerRun() {
        var state = RunSchedulerState()
        #expect(state.isIdle)
        #expect(state.schedule(runId: "r1", deliveryKey: nil) == .startDriver)
        #expect(!state.isIdle)
        #expect(state.schedule(runId: "r1", deliveryKey: nil) == .handToDriver)
        #expect(state.schedule(runId: "r1", deliveryKey: "inbox:7") == .handToDriver)
        #expect(state.schedule(runId: "r1", deliveryKey: "inbox:7") == .duplicate, "the poll found the same row again")
        #expect(state.schedule(runId: "r2", deliveryKey: "timer:t") == .startDriver)
        #expect(state.driven == ["r1", "r2"] && state.delivered == ["inbox:7", "timer:t"])
    }

    @Test("a driver with commands waiting goes on; the last one released leaves the engine idle")
    func release() {
        var state = RunSchedulerState()
        _ = state.schedule(runId: "r1", deliveryKey: nil)
        _ = state.schedule(runId: "r2", deliveryKey: nil)
        #expect(state.release(runId: "r1", hasCommands: true) == .goOn)
        #expect(state.release(runId: "r1", hasCommands: false) == .released(idle: false))
        #expect(state.release(runId: "r2", hasCommands: false) == .released(idle: true))
        #expect(state.isIdle)
        #expect(state.schedule(runId: "r1", deliveryKey: nil) == .startDriver, "a released run gets a new driver when it has work again")
    }

    @Test("a consumed delivery is forgotten, so the same row found again (after a failed step) is delivered again")
    func forget() {
        var state = RunSchedulerState()
        _ = state.schedule(runId: "r1", deliveryKey: "inbox:1")
        state.forget(deliveryKeys: ["inbox:1"])
        #expect(state.delivered.isEmpty)
        #expect(state.schedule(runId: "r1", deliveryKey: "inbox:1") == .handToDriver)
    }
}
