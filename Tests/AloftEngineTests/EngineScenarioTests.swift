import AloftCore
import AloftStore
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
