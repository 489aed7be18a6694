public import AloftCore

/// A run's events after a given number: first those stored in its event log, then live ones,
/// each exactly once, numbers only rising; it ends after the terminal event (or, for a run
/// that had ended and whose end was pruned, after the last stored one).
///
/// The same in any process and after any restart: what the hub of this process buffers is
/// used when it covers the request (the common case, no read), the event log fills the rest.
/// A subscriber that falls too far behind the live stream catches up from the log.
public struct RunEventFeed: AsyncSequence, Sendable {
    public typealias Element = RunEvent

    public let runId: String
    /// Events above the number asked for were deleted by retention: the client cannot get
    /// them and must start again from the run as it is now.
    public let pruned: Bool
    let after: Int
    let hub: any RunEventBus
    let store: any RunReader
    let first: RunEventSubscription
    /// The run had ended when the feed was made, and the hub knew nothing of it.
    let endedBefore: Bool

    /// Subscribes (before anything is read, so nothing falls in between), then looks at the
    /// store only when the hub does not cover the request. Nil when there is no such run.
    static func make(runId: String, after: Int, hub: any RunEventBus, store: any RunReader) async throws -> RunEventFeed? {
        let subscription = hub.subscribe(runId: runId, after: after)
        if let from = subscription.completeFrom, from <= after + 1 {
            return RunEventFeed(runId: runId, pruned: false, after: after, hub: hub, store: store, first: subscription, endedBefore: false)
        }
        guard let run = try await store.run(id: runId) else { return nil }
        return RunEventFeed(
            runId: runId, pruned: run.eventsPrunedThrough > after, after: after, hub: hub, store: store, first: subscription,
            endedBefore: run.phase.isTerminal && subscription.completeFrom == nil
        )
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(feed: self, cursor: after, storedBefore: first.completeFrom, live: first.events.makeAsyncIterator(), endsWithStored: endedBefore)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let feed: RunEventFeed
        /// The number of the last event given.
        var cursor: Int
        /// Stored events are read below this number (nil: all); nil `page` once they are done.
        var storedBefore: Int?
        var page: [RunEvent]? = []
        var index = 0
        var live: AsyncStream<RunEvent>.AsyncIterator
        var endsWithStored: Bool
        var finished = false

        init(feed: RunEventFeed, cursor: Int, storedBefore: Int?, live: AsyncStream<RunEvent>.AsyncIterator, endsWithStored: Bool) {
            self.feed = feed
            self.cursor = cursor
            self.storedBefore = storedBefore
            self.live = live
            self.endsWithStored = endsWithStored
            // Covered by the hub from the start: nothing to read.
            if let storedBefore, storedBefore <= cursor + 1 { page = nil }
        }

        public mutating func next() async throws -> RunEvent? {
            while !finished {
                if let current = page {
                    if index < current.count {
                        index += 1
                        return give(current[index - 1])
                    }
                    let more = try await feed.store.events(runId: feed.runId, after: cursor, before: storedBefore, limit: 500)
                    if more.isEmpty {
                        page = nil
                        if endsWithStored { finished = true }
                    } else {
                        page = more
                        index = 0
                    }
                    continue
                }
                if let event = await live.next() {
                    guard event.seq > cursor else { continue }
                    return give(event)
                }
                // The live stream ended without a terminal event after the cursor: the run had
                // ended before (the client asked from its end), or this subscriber fell behind,
                // or the run was deleted. Give what the log still holds; listen again only for
                // a run that goes on.
                guard let run = try await feed.store.run(id: feed.runId) else { break }
                page = []
                index = 0
                if run.phase.isTerminal {
                    storedBefore = nil
                    endsWithStored = true
                } else {
                    let subscription = feed.hub.subscribe(runId: feed.runId, after: cursor)
                    live = subscription.events.makeAsyncIterator()
                    storedBefore = subscription.completeFrom
                    endsWithStored = false
                }
            }
            finished = true
            return nil
        }

        private mutating func give(_ event: RunEvent) -> RunEvent {
            cursor = event.seq
            if event.kind.isTerminal { finished = true }
            return event
        }
    }
}
