import AloftCore
import Synchronization

/// The in-memory event bus: fans a run's events out to live subscribers in this process,
/// keeping the recent ones so that a subscriber arriving late (or reconnecting with the last
/// number it saw) gets what it missed without reading the event log.
///
/// Bounded in bytes, not only in events: a run keeps at most `bufferBytes` of recent events
/// (and `bufferLimit` events), and the runs kept after they end or pause hold at most
/// `retainedBytes` together; the oldest go first. A run nobody here subscribes to counts as
/// kept from its first event, and a run counts as ended at its last: a process that publishes
/// runs it does not drive (a Temporal worker) holds no more than that either.
public final class RunEventHub: RunEventBus {
    static let bufferLimit = 2048
    /// Most bytes of events one run keeps for late readers.
    static let bufferBytes = 256 * 1024
    /// Most bytes of events kept, all ended or waiting runs together.
    public static let retainedBytes = 64 * 1024 * 1024

    private struct Channel {
        var buffer: [RunEvent] = []
        /// Where the buffer starts in `buffer` (events before it were dropped; compacted now and then).
        var start = 0
        var bytes = 0
        var subscribers: [Int: AsyncStream<RunEvent>.Continuation] = [:]
        var ended = false

        var events: ArraySlice<RunEvent> { buffer[start...] }

        mutating func append(_ event: RunEvent) {
            buffer.append(event)
            bytes += event.approximateBytes
            while buffer.count - start > RunEventHub.bufferLimit || (bytes > RunEventHub.bufferBytes && buffer.count - start > 1) {
                bytes -= buffer[start].approximateBytes
                start += 1
            }
            if start > 1024, start * 2 > buffer.count {
                buffer.removeFirst(start)
                start = 0
            }
        }
    }

    private struct State {
        var channels: [String: Channel] = [:]
        var nextSubscriber = 0
        /// Ended runs whose events are kept for late readers, oldest first.
        var retained: [String] = []
        var retainedSet: Set<String> = []
        var retainedBytes = 0
    }

    /// How many ended or waiting runs keep their recent events by default, so a client that
    /// subscribes or reconnects (`Last-Event-ID`) soon after still gets what it missed.
    public static let retainedEndedRuns = 1000

    private let state = Mutex(State())
    /// Most runs kept without subscribers; 0 in a process nobody subscribes in.
    let retainedRuns: Int
    let retainedBytesLimit: Int

    /// - Parameter retainedRuns: runs that keep their recent events while nobody here
    ///   subscribes to them (ended, waiting, or driven elsewhere); 0 where nobody subscribes.
    public init(retainedRuns: Int = RunEventHub.retainedEndedRuns, retainedBytes: Int = RunEventHub.retainedBytes) {
        self.retainedRuns = max(0, retainedRuns)
        self.retainedBytesLimit = retainedBytes
    }

    /// Most events a subscriber may fall behind by; one that falls further is ended (and
    /// catches up from the event log, see `RunEventFeed`) instead of holding memory without end.
    static let subscriberBacklog = 4096

    /// Events of `runId` with a sequence number above `after`: those buffered, then live ones.
    public func subscribe(runId: String, after: Int) -> RunEventSubscription {
        let (stream, continuation) = AsyncStream.makeStream(of: RunEvent.self, bufferingPolicy: .bufferingOldest(Self.subscriberBacklog))
        let completeFrom: Int? = state.withLock { state in
            var channel = state.channels[runId] ?? Channel()
            let first = channel.events.first?.seq
            for event in channel.events where event.seq > after { continuation.yield(event) }
            if channel.ended {
                continuation.finish()
            } else {
                let id = state.nextSubscriber
                state.nextSubscriber += 1
                channel.subscribers[id] = continuation
                continuation.onTermination = { [weak self] _ in self?.unsubscribe(runId: runId, id: id) }
            }
            state.channels[runId] = channel
            return first
        }
        return RunEventSubscription(events: stream, completeFrom: completeFrom)
    }

    public func publish(_ event: RunEvent) {
        let ending: [AsyncStream<RunEvent>.Continuation] = state.withLock { state in
            let new = state.channels[event.runId] == nil
            var channel = state.channels[event.runId] ?? Channel()
            let before = channel.bytes
            channel.append(event)
            let retained = state.retainedSet.contains(event.runId)
            if retained { state.retainedBytes += channel.bytes - before }
            var ending: [AsyncStream<RunEvent>.Continuation] = []
            for (id, continuation) in channel.subscribers {
                if case .dropped = continuation.yield(event) {
                    // Too far behind: ended here, it catches up from the event log.
                    channel.subscribers[id] = nil
                    ending.append(continuation)
                }
            }
            if event.kind.isTerminal {
                channel.ended = true
                ending += channel.subscribers.values
                channel.subscribers = [:]
            }
            state.channels[event.runId] = channel
            // Nobody follows it here, or it ended: kept among the bounded few for late readers.
            if (new && channel.subscribers.isEmpty) || event.kind.isTerminal { retain(event.runId, in: &state) } else if retained { evictOverflow(&state) }
            return ending
        }
        // Outside the lock: finishing runs the streams' termination handlers, which take it.
        for continuation in ending { continuation.finish() }
    }

    /// The driver is done with the run for now (it ended, or waits for a person). Its recent
    /// events stay for late readers, among a bounded number of such runs.
    public func release(runId: String) {
        state.withLock { retain(runId, in: &$0) }
    }

    private func retain(_ runId: String, in state: inout State) {
        guard let channel = state.channels[runId], state.retainedSet.insert(runId).inserted else { return }
        state.retained.append(runId)
        state.retainedBytes += channel.bytes
        evictOverflow(&state)
    }

    /// Drops the oldest kept runs beyond the budget (those with subscribers stay in memory,
    /// no longer counted).
    private func evictOverflow(_ state: inout State) {
        while let oldest = state.retained.first,
            state.retained.count > retainedRuns || (state.retainedBytes > retainedBytesLimit && state.retained.count > 1) || retainedRuns == 0
        {
            state.retained.removeFirst()
            state.retainedSet.remove(oldest)
            state.retainedBytes -= state.channels[oldest]?.bytes ?? 0
            if state.channels[oldest]?.subscribers.isEmpty ?? true { state.channels[oldest] = nil }
        }
    }

    /// Bytes of events kept for runs that ended or wait (for tests and metrics).
    var retainedBytes: Int { state.withLock { $0.retainedBytes } }

    /// Forgets a deleted run.
    public func forget(runId: String) {
        state.withLock { state in
            if state.retainedSet.remove(runId) != nil {
                state.retainedBytes -= state.channels[runId]?.bytes ?? 0
                state.retained.removeAll { $0 == runId }
            }
            state.channels[runId] = nil
        }
    }

    private func unsubscribe(runId: String, id: Int) {
        state.withLock { state in
            guard var channel = state.channels[runId] else { return }
            channel.subscribers[id] = nil
            // A channel a subscriber opened for a run with no events here holds nothing worth keeping.
            state.channels[runId] = channel.subscribers.isEmpty && channel.buffer.isEmpty && !state.retainedSet.contains(runId) ? nil : channel
        }
    }

    /// How many runs the hub holds anything for (for tests).
    var channelCount: Int { state.withLock { $0.channels.count } }
}

extension RunEvent {
    /// About how much memory the event holds: its text plus a fixed overhead. Cheap enough for
    /// every delta (no encoding).
    var approximateBytes: Int {
        var bytes = 128 + runId.utf8.count
        for (key, value) in data.objectValue ?? [:] {
            bytes += key.utf8.count + (value.stringValue?.utf8.count ?? 32)
        }
        return bytes
    }
}
