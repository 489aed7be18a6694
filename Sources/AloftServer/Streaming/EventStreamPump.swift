import AloftLLM
import ServiceLifecycle

/// What a long-lived event stream (SSE of runs, A2A streams) writes, in order: the events of
/// its source, a heartbeat every `heartbeat` while idle, and — when the server shuts down —
/// `closing` after `drain`, after which the stream ends (the client reconnects with its last
/// event number, and the shutdown never waits on it).
enum EventStreamPump {
    enum Signal<Element: Sendable>: Sendable {
        case element(Element)
        case heartbeat
        case closing
    }

    /// Runs `source` (which yields its elements to the closure it is given) and hands each
    /// signal to `handle` until `handle` returns false, the source ends, or the server shuts down.
    static func run<Element: Sendable>(
        heartbeat: Duration, drain: Duration,
        source: @escaping @Sendable (_ yield: @Sendable (Element) -> Void) async throws -> Void,
        handle: (Signal<Element>) async throws -> Bool
    ) async throws {
        let (signals, continuation) = AsyncStream.makeStream(of: Signal<Element>.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { continuation.finish() }
                try await source { continuation.yield(.element($0)) }
            }
            group.addTask {
                while !Task.isCancelled {
                    try await CancellableTimer.sleep(for: heartbeat)
                    continuation.yield(.heartbeat)
                }
            }
            group.addTask {
                // Returns only when the server shuts down (cancelled otherwise).
                guard (try? await gracefulShutdown()) != nil else { return }
                try? await CancellableTimer.sleep(for: drain)
                continuation.yield(.closing)
                continuation.finish()
            }
            for await signal in signals {
                guard try await handle(signal) else { break }
            }
            group.cancelAll()
        }
    }
}
