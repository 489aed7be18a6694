/// The local scheduler's book of runs, as a pure state machine: which runs have a driver
/// (each at most one), which inbox rows and timers were handed to a driver (so that polling
/// does not deliver them twice), and whether the engine is idle. `RunRegistry` keeps it behind
/// one lock and carries out what its transitions return.
struct RunSchedulerState: Sendable, Hashable {
    /// Runs with a driver.
    private(set) var driven: Set<String> = []
    /// Deliveries (inbox rows, timers) handed to a driver and not yet consumed.
    private(set) var delivered: Set<String> = []

    /// What scheduling a run (with a delivery, or none) calls for.
    enum Scheduled: Sendable, Hashable {
        /// The run has no driver: start one (handing it the delivery).
        case startDriver
        /// The run's driver is at work: hand it the delivery (if any).
        case handToDriver
        /// This delivery was handed over already: nothing to do.
        case duplicate
    }

    /// What a driver finishing its work on a run calls for.
    enum Released: Sendable, Hashable {
        /// Commands arrived meanwhile: the driver goes on.
        case goOn
        /// The run has no driver now; `idle` when no run has one.
        case released(idle: Bool)
    }

    var isIdle: Bool { driven.isEmpty }

    /// Makes sure the run is driven; `deliveryKey` names an inbox row or timer handed with it.
    mutating func schedule(runId: String, deliveryKey: String?) -> Scheduled {
        if let deliveryKey, !delivered.insert(deliveryKey).inserted { return .duplicate }
        return driven.insert(runId).inserted ? .startDriver : .handToDriver
    }

    /// The run's driver is done for now; it must go on when commands are waiting for it.
    mutating func release(runId: String, hasCommands: Bool) -> Released {
        if hasCommands { return .goOn }
        driven.remove(runId)
        return .released(idle: driven.isEmpty)
    }

    /// These deliveries were consumed (recorded or discarded): a new delivery with the same
    /// key (the poll finding the row again after a failed step) is handed over again.
    mutating func forget(deliveryKeys: [String]) {
        for key in deliveryKeys { delivered.remove(key) }
    }
}
