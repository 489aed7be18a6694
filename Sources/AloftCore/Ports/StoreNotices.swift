/// What the other processes sharing a store commit, heard as it happens (a database's
/// notifications). For speed only: a listener may miss notices (while its connection is
/// re-established it hears `resumed` afterwards) and must then read what it needs again.
public protocol StoreNotices: Sendable {
    /// Notices from other processes until the caller stops iterating.
    func notices() -> AsyncStream<StoreNotice>
    /// Tells the other processes of events published before they are stored (text deltas),
    /// so their subscribers see them live. Best effort: they are stored later anyway.
    func announce(_ events: [RunEvent])
}

/// One thing another process committed or published.
public enum StoreNotice: Sendable, Equatable {
    /// The run's event log holds events up to number `through`.
    case eventsStored(runId: String, through: Int)
    /// A command was queued in the run's inbox.
    case commandQueued(runId: String)
    /// An event published live, not stored yet.
    case live(RunEvent)
    /// Listening started again after a break: notices may have been missed.
    case resumed
}
