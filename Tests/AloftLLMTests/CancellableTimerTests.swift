import AloftLLM
import Testing

@Suite("Cancellable timers")
struct CancellableTimerTests {
    @Test("a sleep returns after its time; a cancelled one throws at once, however long it was set for")
    func sleeps() async throws {
        let clock = ContinuousClock()
        let started = clock.now
        try await CancellableTimer.sleep(for: .milliseconds(30))
        #expect(clock.now - started >= .milliseconds(30))

        let long = Task { try await CancellableTimer.sleep(for: .seconds(600)) }
        try await Task.sleep(for: .milliseconds(10))
        long.cancel()
        await #expect(throws: CancellationError.self) { try await long.value }

        let already = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await CancellableTimer.sleep(for: .seconds(600))
        }
        await #expect(throws: CancellationError.self) { try await already.value }
        try await CancellableTimer.sleep(until: clock.now - .seconds(1))  // a time already past returns at once
    }

    @Test("many timers armed and cancelled, as every tool call's timeout is, all end at once")
    func manyCancelled() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<10_000 {
                group.addTask {
                    await withThrowingTaskGroup(of: Void.self) { inner in
                        inner.addTask { try await CancellableTimer.sleep(for: .seconds(60)) }
                        inner.cancelAll()
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}
