import AloftCore
import AloftStorePostgres
import AloftTestSupport
import Foundation
import Testing

/// Notices between the processes of one database (two stores here, as two processes would
/// have): what one commits, queues and announces, the other hears; never its own.
@Suite("PostgreSQL notices", .enabled(if: PostgresTestCluster.available, "\(PostgresTestCluster.unavailableReason ?? "")"))
struct PostgresNoticesTests {
    @Test("a listener hears 'resumed' once it listens, then the steps, commands and live events of another process, never its own")
    func notices() async throws {
        let url = try await PostgresTestCluster.freshDatabase()
        try await withPostgresStore(url: url) { mine in
            try await withPostgresStore(url: url) { other in
                var heard = mine.notices().makeAsyncIterator()
                // Said when listening starts: a follower reads what it follows then, and can miss nothing after.
                #expect(await heard.next() == .resumed)

                try await mine.commit(StoreConformance.started("run_own", session: "ses_own"))
                try await other.commit(StoreConformance.started("run_n", session: "ses_n"))
                #expect(await heard.next() == .eventsStored(runId: "run_n", through: 1), "its own step is not heard; the other's is")

                let live = RunEvent(runId: "run_n", seq: 2, kind: .runContent, data: ["delta": "Hel"])
                other.announce([live])
                #expect(await heard.next() == .live(live))

                try await other.enqueue(.cancel(reason: nil), runId: "run_n")
                #expect(await heard.next() == .commandQueued(runId: "run_n"))

                let run = try #require(try await other.run(id: "run_n"))
                try await other.commit(StoreConformance.finished(run, answer: "Hello.", deltas: ["Hel", "lo."]))
                #expect(await heard.next() == .eventsStored(runId: "run_n", through: 4), "the last event stored")
            }
        }
    }
}
