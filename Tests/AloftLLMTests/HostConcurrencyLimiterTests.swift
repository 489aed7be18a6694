import Synchronization
import Testing

@testable import AloftLLM

@Suite("Per-host request limit")
struct HostConcurrencyLimiterTests {
    @Test("never more than the limit in flight per host; other hosts are not held up; everyone gets through")
    func limits() async throws {
        let limiter = HostConcurrencyLimiter(limit: 3)
        let inFlight = Counts()
        let peak = Counts()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<60 {
                let host = index % 2 == 0 ? "a" : "b"
                group.addTask {
                    try await limiter.withSlot(host: host) {
                        let now = inFlight.add(1, to: host)
                        peak.raise(host, to: now)
                        try await Task.sleep(for: .milliseconds(2))
                        _ = inFlight.add(-1, to: host)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(peak.values == ["a": 3, "b": 3])
        #expect(limiter.load(host: "a") == (0, 0))
    }

    @Test("a caller cancelled while it waits leaves the queue and does not take a slot")
    func cancellation() async throws {
        let limiter = HostConcurrencyLimiter(limit: 1)
        let (hold, release) = AsyncStream.makeStream(of: Void.self)
        let holder = Task { try await limiter.withSlot(host: "h") { for await _ in hold { break } } }
        while limiter.load(host: "h").active == 0 { await Task.yield() }
        let waiter = Task { try await limiter.withSlot(host: "h") {} }
        while limiter.load(host: "h").waiting == 0 { await Task.yield() }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(limiter.load(host: "h").waiting == 0)
        release.yield()
        try await holder.value
        try await limiter.withSlot(host: "h") {}
        #expect(limiter.load(host: "h") == (0, 0))
    }
}

private final class Counts: Sendable {
    private let counts = Mutex([String: Int]())

    var values: [String: Int] { counts.withLock { $0 } }

    func add(_ amount: Int, to key: String) -> Int {
        counts.withLock { $0[key, default: 0] += amount; return $0[key]! }
    }

    func raise(_ key: String, to value: Int) {
        counts.withLock { $0[key] = max($0[key] ?? 0, value) }
    }
}
