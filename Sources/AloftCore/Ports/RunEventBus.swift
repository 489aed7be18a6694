/// Carries run events to live subscribers: in memory within one process (the local engine's
/// hub), or across processes (a database's notifications, next). A bus is for speed only:
/// every event but a text delta is stored before it is published, and a subscriber fills any
/// gap from the event log (see the engine's event feed), so a bus may drop and forget.
public protocol RunEventBus: Sendable {
    /// Sends an event to the run's subscribers.
    func publish(_ event: RunEvent)
    /// Events of `runId` numbered above `after`: recent ones the bus still holds, then live ones.
    func subscribe(runId: String, after: Int) -> RunEventSubscription
    /// The publisher is done with the run for now (it ended, or waits for a person): the bus
    /// may keep its recent events for late subscribers, within its bounds.
    func release(runId: String)
    /// The run was deleted: nothing of it is kept.
    func forget(runId: String)
}

/// A live subscription to a run's events.
public struct RunEventSubscription: Sendable {
    /// Recent events above the number asked for, then live ones; finished after a terminal
    /// event, or early when the subscriber fell too far behind (it then reads the event log).
    public var events: AsyncStream<RunEvent>
    /// The lowest number from which `events` holds every event. Nil when the bus holds no
    /// event of the run: everything before what comes live must be read from the event log.
    public var completeFrom: Int?

    public init(events: AsyncStream<RunEvent>, completeFrom: Int?) {
        self.events = events
        self.completeFrom = completeFrom
    }
}
