import Synchronization

/// The remote agent a tool last read from its card, and when: cards are read again after
/// `A2ATool.cardLifetime`, not on every call.
final class A2ACardCache: Sendable {
    private let entry = Mutex<(agent: A2ARemoteAgent, fetched: ContinuousClock.Instant)?>(nil)

    func agent(fresherThan lifetime: Duration, now: ContinuousClock.Instant) -> A2ARemoteAgent? {
        entry.withLock { entry in entry.flatMap { now - $0.fetched < lifetime ? $0.agent : nil } }
    }

    func store(_ agent: A2ARemoteAgent, at now: ContinuousClock.Instant) {
        entry.withLock { $0 = (agent, now) }
    }
}
