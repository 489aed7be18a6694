import AloftCore
import AloftStorePostgres
import AloftTestSupport
import Foundation
import Logging
import Testing

@testable import AloftEngine

/// The event bus of a shared database, between two stores (as two processes would have them).
@Suite("Shared event bus", .enabled(if: PostgresTestCluster.available, "\(PostgresTestCluster.unavailableReason ?? "")"))
struct SharedRunEventBusTests {
    @Test("a subscriber gets what another process did before this one listened, then what it does live, each event once, in order", .timeLimit(.minutes(1)))
    func catchesUpThenFollows() async throws {
        let url = try await PostgresTestCluster.freshDatabase()
        let here = try await PostgresStore.connect(url: url, logger: Logger(label: "quiet"))
        defer { here.shutdown() }
        let there = try await PostgresStore.connect(url: url, logger: Logger(label: "quiet"))
        defer { there.shutdown() }
        let bus = SharedRunEventBus(notices: here, reader: here, logger: Logger(label: "quiet"))
        try await there.commit(StoreConformance.started("run_a", session: "ses_a"))
        let subscription = bus.subscribe(runId: "run_a", after: 0)
        // Committed while nobody here listens yet: no notice of it will ever come.
        let run = try #require(try await there.run(id: "run_a"))
        let finished = StoreConformance.finished(run, answer: "Hello there.", deltas: ["Hel", "lo ", "there."])
        let delta = try #require(finished.events.first)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await bus.run() }
            var events = subscription.events.makeAsyncIterator()
            #expect(await events.next()?.kind == .runStarted, "read from the log once listening began")
            // Live: announced before it is stored, then stored with the rest.
            there.announce([delta])
            #expect(await events.next() == delta)
            try await there.commit(finished)
            var kinds: [RunEvent.Kind] = []
            var numbers: [Int] = []
            while let event = await events.next() {
                kinds.append(event.kind)
                numbers.append(event.seq)
                if event.kind.isTerminal { break }
            }
            #expect(numbers == [3, 4, 5] && kinds.last == .runCompleted, "the stored delta not given twice: \(numbers) \(kinds)")
            group.cancelAll()
        }
    }

    @Test("a subscriber arriving after another process finished the run (its notices long gone) gets it from the log", .timeLimit(.minutes(1)))
    func lateSubscriber() async throws {
        let url = try await PostgresTestCluster.freshDatabase()
        let here = try await PostgresStore.connect(url: url, logger: Logger(label: "quiet"))
        defer { here.shutdown() }
        let there = try await PostgresStore.connect(url: url, logger: Logger(label: "quiet"))
        defer { there.shutdown() }
        let bus = SharedRunEventBus(notices: here, reader: here, logger: Logger(label: "quiet"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await bus.run() }
            // Listening: a followed run's step is heard.
            let probe = bus.subscribe(runId: "run_probe", after: 0)
            try await there.commit(StoreConformance.started("run_probe", session: "ses_probe"))
            var heard = probe.events.makeAsyncIterator()
            #expect(await heard.next()?.seq == 1)
            // A whole run, while nobody here follows it: its notices pass unheeded.
            try await there.commit(StoreConformance.started("run_done", session: "ses_done"))
            let run = try #require(try await there.run(id: "run_done"))
            try await there.commit(StoreConformance.finished(run, answer: "Done.", deltas: ["Do", "ne."]))
            try await Task.sleep(for: .milliseconds(300))
            let late = bus.subscribe(runId: "run_done", after: 1)
            var numbers: [Int] = []
            for await event in late.events {
                numbers.append(event.seq)
                if event.kind.isTerminal { break }
            }
            #expect(numbers == [2, 3, 4])
            group.cancelAll()
        }
    }
}
