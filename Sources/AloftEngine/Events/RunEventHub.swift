import AloftCore
import Synchronization

/// Fans a run's events out to live subscribers, keeping the recent ones so that a subscriber
/// arriving late (or reconnecting with the last number it saw) gets what it missed.
final class RunEventHub: Sendable {
    static let bufferLimit = 2048

    private struct Channel {
        var buffer: [RunEvent] = []
        var subscribers: [Int: AsyncStream<RunEvent>.Continuation] = [:]
        var ended = false
    }

    private struct State {
        var channels: [String: Channel] = [:]
        var nextSubscriber = 0
        /// Ended runs whose events are kept for late readers, oldest first.
        var retained: [String] = []
    }

    /// How many ended or waiting runs keep their recent events, so a client that subscribes
    /// or reconnects (`Last-Event-ID`) soon after still gets what it missed.
    static let retainedEndedRuns = 1000

    private let state = Mutex(State())

    /// Events of `runId` with a sequence number above `after`: those buffered, then live ones.
    /// The stream ends after a terminal event.
    /// With `endIfUnknown`, a run the hub knows nothing of (ended before this process, or
    /// long ago) gives an empty, finished stream instead of one that waits.
    func subscribe(runId: String, after: Int, endIfUnknown: Bool = false) -> AsyncStream<RunEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: RunEvent.self, bufferingPolicy: .unbounded)
        state.withLock { state in
            if endIfUnknown, state.channels[runId] == nil {
                continuation.finish()
                return
            }
            var channel = state.channels[runId] ?? Channel()
            for event in channel.buffer where event.seq > after { continuation.yield(event) }
            if channel.ended {
                continuation.finish()
            } else {
                let id = state.nextSubscriber
                state.nextSubscriber += 1
                channel.subscribers[id] = continuation
                continuation.onTermination = { [weak self] _ in self?.unsubscribe(runId: runId, id: id) }
            }
            state.channels[runId] = channel
        }
        return stream
    }

    func publish(_ event: RunEvent) {
        let ending: [AsyncStream<RunEvent>.Continuation] = state.withLock { state in
            var channel = state.channels[event.runId] ?? Channel()
            channel.buffer.append(event)
            if channel.buffer.count > Self.bufferLimit { channel.buffer.removeFirst(channel.buffer.count - Self.bufferLimit) }
            for continuation in channel.subscribers.values { continuation.yield(event) }
            var ending: [AsyncStream<RunEvent>.Continuation] = []
            if event.kind.isTerminal {
                channel.ended = true
                ending = Array(channel.subscribers.values)
                channel.subscribers = [:]
            }
            state.channels[event.runId] = channel
            return ending
        }
        // Outside the lock: finishing runs the streams' termination handlers, which take it.
        for continuation in ending { continuation.finish() }
    }

    /// Forgets a run nobody watches (its driver is done with it for now). Holds no memory
    /// for runs that wait or have ended.
    /// The driver is done with the run for now (it ended, or waits for a person). Its recent
    /// events stay for late readers, among a bounded number of such runs.
    func release(runId: String) {
        state.withLock { state in
            guard state.channels[runId] != nil, !state.retained.contains(runId) else { return }
            state.retained.append(runId)
            while state.retained.count > Self.retainedEndedRuns {
                let oldest = state.retained.removeFirst()
                if state.channels[oldest]?.subscribers.isEmpty ?? true { state.channels[oldest] = nil }
            }
        }
    }

    /// Forgets a deleted run.
    func forget(runId: String) {
        state.withLock { state in
            state.channels[runId] = nil
            state.retained.removeAll { $0 == runId }
        }
    }

    private func unsubscribe(runId: String, id: Int) {
        state.withLock { state in
            state.channels[runId]?.subscribers[id] = nil
        }
    }
}
