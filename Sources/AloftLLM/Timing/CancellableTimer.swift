import NIOCore
import NIOPosix
import Synchronization

/// Sleeps that let go of their timer the moment they are cancelled.
///
/// On Linux a cancelled `Task.sleep` returns at once but keeps its timer, and the memory of
/// its task, until the time it was set for. A timeout armed for every tool call (60 s by
/// default) and cancelled when the call ends therefore held about 300 bytes per call for a
/// minute: at thousands of calls a second, memory grew by tens of MB (measured with
/// `aloft bench` and heaptrack). These timers live on NIO's event loops, whose cancelled
/// tasks are removed from the schedule at once.
public enum CancellableTimer {
    /// Returns after `duration`; throws `CancellationError` as soon as the task is cancelled.
    public static func sleep(for duration: Duration) async throws {
        let nanoseconds = max(0, duration.components.seconds) * 1_000_000_000 + max(0, duration.components.attoseconds) / 1_000_000_000
        let waiter = Waiter()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                waiter.arm(continuation, nanoseconds: nanoseconds)
            }
        } onCancel: {
            waiter.cancel()
        }
    }

    /// Returns at `instant` of `clock`; throws `CancellationError` as soon as the task is cancelled.
    public static func sleep(until instant: ContinuousClock.Instant, clock: ContinuousClock = ContinuousClock()) async throws {
        try await sleep(for: clock.now.duration(to: instant))
    }

    /// One sleep: its continuation and its scheduled wake-up, whichever of firing and
    /// cancelling comes first resumes it (once).
    private final class Waiter: Sendable {
        private struct State {
            var continuation: CheckedContinuation<Void, any Error>?
            var scheduled: Scheduled<Void>?
            var cancelled = false
        }

        private let state = Mutex(State())

        func arm(_ continuation: CheckedContinuation<Void, any Error>, nanoseconds: Int64) {
            let cancelledBefore = state.withLock { state in
                if state.cancelled { return true }
                state.continuation = continuation
                return false
            }
            if cancelledBefore {
                continuation.resume(throwing: CancellationError())
                return
            }
            let scheduled = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .nanoseconds(nanoseconds)) { [self] in
                if let continuation = take() { continuation.resume() }
            }
            let cancelledMeanwhile = state.withLock { state in
                state.scheduled = scheduled
                return state.cancelled
            }
            if cancelledMeanwhile { scheduled.cancel() }
        }

        func cancel() {
            let (continuation, scheduled) = state.withLock { state in
                state.cancelled = true
                defer { state.continuation = nil }
                return (state.continuation, state.scheduled)
            }
            scheduled?.cancel()
            continuation?.resume(throwing: CancellationError())
        }

        private func take() -> CheckedContinuation<Void, any Error>? {
            state.withLock { state in
                defer { (state.continuation, state.scheduled) = (nil, nil) }
                return state.continuation
            }
        }
    }
}
