import AloftCore
import AloftStorePostgres
import AloftTestSupport
import Foundation
import Logging
import Testing

/// The store conformance suite (`StoreConformance`) on PostgreSQL: each check on a fresh
/// database of a private cluster the tests start themselves.
@Suite("Store conformance: PostgreSQL", .enabled(if: PostgresTestCluster.available, "\(PostgresTestCluster.unavailableReason ?? "")"))
struct PostgresStoreConformanceTests {
    @Test(arguments: StoreConformance.checks)
    func conformance(_ check: StoreConformance.Check) async throws {
        try await withPostgresStore { store in try await check.run(on: store) }
    }
}

/// A migrated store on a fresh database, closed after `body`.
func withPostgresStore<Result: Sendable>(url: String? = nil, _ body: @Sendable (PostgresStore) async throws -> Result) async throws -> Result {
    let location: String
    if let url { location = url } else { location = try await PostgresTestCluster.freshDatabase() }
    let store = try await PostgresStore.connect(url: location, logger: Logger(label: "test"))
    defer { store.shutdown() }
    return try await body(store)
}
