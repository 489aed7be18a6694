import AloftCore
import AloftStore
import AloftStorePostgres
import Logging
import AloftTestSupport
import Testing

@testable import AloftEngine

/// The local engine on SQLite as an `EngineScenarioHost`: one database per scenario, a new
/// engine (stopped by cancellation, as a kill would stop it) each time `withEngine` is called.
struct LocalEngineScenarioHost: EngineScenarioHost {
    let path = temporaryDatabasePath()
    let log = ToolCallLog()

    var toolKeys: [String] { log.keys }

    func withEngine(_ body: @Sendable (any RunEngine) async throws -> Void) async throws {
        try await AloftEngineTests.withEngine(store: try SQLiteStore(path: path), configuration: testConfiguration(log: log, slowTool: .seconds(2))) {
            try await body($0)
        }
    }
}

@Suite("Engine scenarios: local engine")
struct EngineScenarioTests {
    @Test(arguments: EngineScenarios.all)
    func scenario(_ scenario: EngineScenarios.Scenario) async throws {
        try await scenario.run(on: LocalEngineScenarioHost())
    }
}

/// The local engine on PostgreSQL: one fresh database per scenario (the store's pool closed
/// with each engine, as a process's would be).
struct PostgresEngineScenarioHost: EngineScenarioHost {
    let url: String
    let log = ToolCallLog()

    var toolKeys: [String] { log.keys }

    func withEngine(_ body: @Sendable (any RunEngine) async throws -> Void) async throws {
        let store = try await PostgresStore.connect(url: url, logger: Logger(label: "quiet"))
        defer { store.shutdown() }
        try await AloftEngineTests.withEngine(store: store, configuration: testConfiguration(log: log, slowTool: .seconds(4))) {
            try await body($0)
        }
    }
}

@Suite("Engine scenarios: local engine on PostgreSQL", .enabled(if: PostgresTestCluster.available, "\(PostgresTestCluster.unavailableReason ?? "")"))
struct PostgresEngineScenarioTests {
    @Test(arguments: EngineScenarios.all)
    func scenario(_ scenario: EngineScenarios.Scenario) async throws {
        try await scenario.run(on: PostgresEngineScenarioHost(url: try await PostgresTestCluster.freshDatabase()))
    }
}
