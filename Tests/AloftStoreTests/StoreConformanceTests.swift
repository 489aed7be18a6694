import AloftCore
import AloftStore
import AloftTestSupport
import Foundation
import Testing

/// The store conformance suite (`StoreConformance`), on SQLite: each check on a fresh database.
@Suite("Store conformance: SQLite")
struct SQLiteStoreConformanceTests {
    @Test(arguments: StoreConformance.checks)
    func conformance(_ check: StoreConformance.Check) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("aloft-conformance-\(UUID().uuidString)/aloft.db").path
        try await check.run(on: try SQLiteStore(path: path))
    }
}
