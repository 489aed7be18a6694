import AloftCore
import AloftEngine
import AloftLLM
import AloftRuntime
import AloftStorePostgres
import AloftTemporal
import AloftTestSupport
import CoreMetrics
import Foundation
import Logging
import Testing

/// Aloft on Temporal as an `EngineScenarioHost`: an API side as `aloft serve --engine
/// temporal` builds it (runs recorded in PostgreSQL, handed to Temporal by the command relay)
/// and a worker as `aloft worker` runs it, on a real Temporal dev server and a real
/// PostgreSQL — one database and one task queue per scenario. `withEngine` again is a new
/// API side and a new worker (the previous worker stopped mid-way, as a kill would stop it).
struct TemporalEngineScenarioHost: EngineScenarioHost {
    let url: String
    let queue = "scenario-\(UUID().uuidString.prefix(8))"
    let log = ToolCallLog()

    var toolKeys: [String] { log.keys }

    func withEngine(_ body: @Sendable (any RunEngine) async throws -> Void) async throws {
        var logger = Logger(label: "scenario")
        logger.logLevel = .critical
        let store = try await PostgresStore.connect(url: url, logger: logger)
        defer { store.shutdown() }
        let endpoint = try TemporalEndpoint(address: try await TemporalDevServer.shared().address)
        let builtins = scenarioBuiltins(log: log, slowTool: .seconds(2))
        let relay = try TemporalCommandRelay(
            endpoint: endpoint, taskQueue: queue, identity: "scenario-api", store: store, interval: .milliseconds(200), logger: logger
        )
        var configuration = EngineConfiguration(environment: [:], builtins: builtins, streamFlushInterval: .milliseconds(20), pollInterval: .milliseconds(20))
        configuration.commandRecorded = { _ in relay.wake() }
        // One bus for both sides, as in one process: the store's notices skip the process's own events.
        let bus = SharedRunEventBus(notices: store, reader: store, logger: logger)
        let engine = LocalEngine(store: store, configuration: configuration, bus: bus, standingBy: true, logger: logger)
        let worker = TemporalWorker(
            configuration: TemporalWorkerConfiguration(endpoint: endpoint, taskQueue: queue, identity: "scenario-worker"), store: store,
            catalog: AgentCatalog(environment: [:], builtins: builtins, outbound: OutboundHTTPConfiguration(), metrics: NOOPMetricsHandler.instance),
            bus: bus, metrics: RunMetrics(factory: NOOPMetricsHandler.instance), logger: logger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await bus.run() }
            group.addTask { try await relay.run() }
            group.addTask { try await worker.run() }
            try await body(engine)
            group.cancelAll()
        }
    }
}

@Suite(
    "Engine scenarios: Temporal engine",
    .enabled(if: TemporalDevServer.available && PostgresTestCluster.available, "\(TemporalDevServer.unavailableReason ?? PostgresTestCluster.unavailableReason ?? "")")
)
struct TemporalEngineScenarioTests {
    @Test(arguments: EngineScenarios.all)
    func scenario(_ scenario: EngineScenarios.Scenario) async throws {
        try await scenario.run(on: TemporalEngineScenarioHost(url: try await PostgresTestCluster.freshDatabase()))
    }
}
