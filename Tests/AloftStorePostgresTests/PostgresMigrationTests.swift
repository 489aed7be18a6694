import AloftCore
import AloftStorePostgres
import AloftTestSupport
import Foundation
import Testing

@Suite("PostgreSQL migrations", .enabled(if: PostgresTestCluster.available, "\(PostgresTestCluster.unavailableReason ?? "")"))
struct PostgresMigrationTests {
    @Test("a database whose step function returns nothing (as v2 left it) gets the one that numbers events, and its runs go on")
    func stepFunctionReplaced() async throws {
        let url = try await PostgresTestCluster.freshDatabase()
        try await withPostgresStore(url: url) { store in
            try await store.commit(StoreConformance.started("run_old", session: "ses_old"))
        }
        // The database as v2 left it: v3 not applied, a step function that returns nothing.
        _ = try await PostgresTestCluster.psql(
            """
            DELETE FROM aloft_schema WHERE step = 'v3-commit-function-numbers-events';
            DROP FUNCTION aloft_commit_steps(jsonb, text);
            CREATE FUNCTION aloft_commit_steps(steps jsonb, origin text) RETURNS void LANGUAGE sql AS 'SELECT';
            """,
            url: url
        )
        try await withPostgresStore(url: url) { store in
            var write = StepWrite(runId: "run_old")
            write.events = [RunEvent(runId: "run_old", seq: 0, kind: .runContent, data: ["delta": .string("hi")])]
            let numbers = try await store.commitNumberingEvents(write)
            let stored = try await store.events(runId: "run_old", after: 0)
            #expect(numbers == 2...2)
            #expect(stored.map(\.seq) == [1, 2])
        }
    }
}
