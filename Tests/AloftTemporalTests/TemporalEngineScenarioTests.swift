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
    var continueAfter = RunWorkflowCommands.defaultContinueAfter

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
        configuration.agentNamed = { EngineScenarios.agentNamed($0) }
        // One bus for both sides, as in one process: the store's notices skip the process's own events.
        let bus = SharedRunEventBus(notices: store, reader: store, logger: logger)
        let engine = LocalEngine(store: store, configuration: configuration, bus: bus, standingBy: true, logger: logger)
        var workerConfiguration = TemporalWorkerConfiguration(endpoint: endpoint, taskQueue: queue, identity: "scenario-worker")
        workerConfiguration.continueAsNewAfterEvents = continueAfter
        let worker = TemporalWorker(
            configuration: workerConfiguration, store: store,
            catalog: AgentCatalog(
                environment: [:], builtins: builtins, outbound: OutboundHTTPConfiguration(), metrics: NOOPMetricsHandler.instance, children: engine.childRunner
            ),
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

@Suite(
    "Long runs on Temporal",
    .enabled(if: TemporalDevServer.available && PostgresTestCluster.available, "\(TemporalDevServer.unavailableReason ?? PostgresTestCluster.unavailableReason ?? "")")
)
struct TemporalLongRunTests {
    /// A client on the dev server, for what Temporal holds of a run.
    static func withClient<Result: Sendable>(_ body: (TemporalRunClient) async throws -> Result) async throws -> Result {
        let connection = try TemporalConnection(try TemporalEndpoint(address: try await TemporalDevServer.shared().address))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await connection.run() }
            defer {
                connection.close()
                group.cancelAll()
            }
            return try await body(TemporalRunClient(connection: connection, taskQueue: "", identity: "test"))
        }
    }

    static func finished(_ engine: any RunEngine, _ runId: String, within seconds: Int) async throws -> Run {
        var run: Run?
        try await eventually(timeout: .seconds(seconds), "run \(runId) finishes") {
            run = try await engine.reader.run(id: runId)
            return run?.phase.isTerminal == true
        }
        return try #require(run)
    }

    @Test("300 tool round trips in one run: continued as new executions before Temporal's limits, each step recorded once, the run completes")
    func threeHundredRoundTrips() async throws {
        var host = TemporalEngineScenarioHost(url: try await PostgresTestCluster.freshDatabase())
        host.continueAfter = 500  // about 80 round trips per execution (Temporal's own suggestion comes at 4,096 events)
        let replies = (1...300).map { ScriptedReply(toolCalls: [.init(name: "echo", arguments: ["text": .string("step \($0)")])]) } + [ScriptedReply(text: "Done.")]
        let agent = AgentDefinition(
            name: "long", instructions: "Keep going.", model: ModelSettings(provider: .scripted, name: "scripted", script: replies),
            tools: [ToolSpec(builtin: "echo")], policies: AgentPolicies(maxIterations: 301)
        )
        try await host.withEngine { engine in
            let run = try await engine.start(StartRunRequest(agent: agent, input: "go on"))
            let done = try await Self.finished(engine, run.id, within: 240)
            #expect(done.phase == .completed && done.output == "Done." && done.iterations == 301, "\(String(describing: done.error))")
            #expect(try await engine.reader.messages(runId: run.id).filter { $0.role == .tool }.count == 300)
            try await Self.withClient { client in
                let history = try await client.history(runId: run.id)
                guard case .workflowExecutionStartedEventAttributes(let started) = history.first?.attributes else {
                    Issue.record("the history begins with its start")
                    return
                }
                let input = try TemporalPayload.decode(RunWorkflowInput.self, from: started.input)
                #expect(!started.continuedExecutionRunID.isEmpty && (input.recorded ?? 0) > 0, "the last execution continued an earlier one: \(input)")
                #expect(history.count < 600, "each execution stays short: \(history.count) events")
            }
        }
        #expect(host.log.count == 300 && Set(host.toolKeys).count == 300, "each call made once: \(host.log.count)")
    }

    @Test("100 turns of one session: each turn's workflow history is as small at the 100th turn as at the first")
    func hundredTurns() async throws {
        let host = TemporalEngineScenarioHost(url: try await PostgresTestCluster.freshDatabase())
        let agent = AgentDefinition(
            name: "chatty", instructions: "Answer.",
            model: ModelSettings(provider: .scripted, name: "scripted", script: [ScriptedReply(toolCalls: [.init(name: "echo", arguments: ["text": "x"])]), ScriptedReply(text: "Noted.")]),
            tools: [ToolSpec(builtin: "echo")], memory: MemoryPolicy(historyWindow: 200)
        )
        try await host.withEngine { engine in
            var session: String?
            var sizes: [Int64] = []
            for turn in 1...100 {
                let run = try await engine.start(StartRunRequest(agent: agent, input: "turn \(String(format: "%03d", turn))", sessionId: session))
                session = run.sessionId
                let done = try await Self.finished(engine, run.id, within: 90)
                #expect(done.phase == .completed, "turn \(turn): \(String(describing: done.error))")
                if turn == 1 || turn == 100 { sizes.append(try await Self.withClient { try await $0.historySize(runId: run.id).bytes }) }
            }
            print("history bytes of a turn's workflow: turn 1 \(sizes.first ?? 0), turn 100 \(sizes.last ?? 0)")
            #expect(sizes.count == 2 && sizes[1] <= sizes[0] + sizes[0] / 10, "history bytes at turn 1 and turn 100: \(sizes)")
            let messages = try await engine.reader.messages(sessionId: try #require(session), last: 1_000)
            #expect(messages.count == 400, "user, tool call, tool result, answer per turn: \(messages.count)")
        }
    }
}
