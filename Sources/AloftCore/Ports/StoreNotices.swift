/// What the other processes sharing a store commit, heard as it happens (a database's
/// notifications). A listener hears `resumed` whenever listening (re)starts — the first time
/// included — and must then read again what it follows: notices from before may be missed,
/// none after.
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
    /// Listening started (or started again after a break): notices before it may have been
    /// missed; none after it will be.
    case resumed
}
