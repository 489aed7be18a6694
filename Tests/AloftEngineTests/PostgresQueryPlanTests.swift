import AloftCore
import AloftStorePostgres
import AloftTestSupport
import Foundation
import Logging
import Testing

/// The PostgreSQL store's statements find their rows through indexes. A small table is read
/// whole by the planner whatever its indexes, so plans are compared with sequential scans
/// priced out (`enable_seqscan = off`): a statement that still reads a growing table from end
/// to end has no index to use, and would cost more as the database fills.
@Suite("Query plans: PostgreSQL", .enabled(if: PostgresTestCluster.available, "\(PostgresTestCluster.unavailableReason ?? "")"))
struct PostgresQueryPlanTests {
    @Test("no statement of a run's life (functions and foreign-key checks included) reads a growing table from end to end")
    func everyStatementUsesAnIndex() async throws {
        let url = try await PostgresTestCluster.freshDatabase()
        let database = String(url.split(separator: "/").last ?? "")
        // The migrations run first, on their own: building an index reads its table.
        try await PostgresStore.connect(url: url, logger: Logger(label: "quiet")).shutdown()
        try await Task.sleep(for: .milliseconds(500))
        try await PostgresTestCluster.psql("ALTER DATABASE \(database) SET enable_seqscan = off", url: url)
        let before = try await Self.sequentialScans(url)

        let store = try await PostgresStore.connect(url: url, logger: Logger(label: "quiet"))
        try await QueryPlanTests.runLife(on: store)
        store.shutdown()
        // A server process reports its counts when it ends (and at most every second before).
        try await Task.sleep(for: .seconds(2))
        let after = try await Self.sequentialScans(url)

        let growing = QueryPlanTests.growing.union(["run_commands"])
        #expect(Set(after.keys).isSuperset(of: QueryPlanTests.growing), "every table is counted: \(after)")
        let scanned = growing.filter { (after[$0] ?? 0) > (before[$0] ?? 0) }.sorted()
        #expect(scanned.isEmpty, "tables read from end to end: \(scanned.map { "\($0) (\((after[$0] ?? 0) - (before[$0] ?? 0))×)" })")
        let indexed = try await PostgresTestCluster.psql("SELECT coalesce(sum(idx_scan), 0) FROM pg_stat_user_tables", url: url)
        #expect((Int(indexed.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 50, "the workload ran: \(indexed) index scans")
    }

    /// Sequential scans so far, by table.
    static func sequentialScans(_ url: String) async throws -> [String: Int] {
        let rows = try await PostgresTestCluster.psql("SELECT relname, seq_scan FROM pg_stat_user_tables", url: url)
        var counts: [String: Int] = [:]
        for row in rows.split(separator: "\n") {
            let fields = row.split(separator: "|")
            if fields.count == 2, let count = Int(fields[1]) { counts[String(fields[0])] = count }
        }
        return counts
    }
}
