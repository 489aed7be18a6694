import AloftCore
import AloftEngine
import AloftTools
import AloftLLM
import AloftRuntime
import AloftStorePostgres
import AloftTemporal
import AloftTestSupport
import CoreMetrics
import Foundation
import Logging
import Synchronization
import Testing

/// The run workflow projecting into a real PostgreSQL store, on a real Temporal dev server:
/// what the API serves (run, messages, events, approvals) comes out as the embedded engine
/// writes it.
@Suite(
    "Run workflow projected into PostgreSQL",
    .enabled(if: TemporalDevServer.available && PostgresTestCluster.available, "\(TemporalDevServer.unavailableReason ?? PostgresTestCluster.unavailableReason ?? "")")
)
struct StoreRunWorkflowContextTests {
    static let catalog = AgentCatalog(environment: [:], builtins: [:], outbound: OutboundHTTPConfiguration(), metrics: NOOPMetricsHandler.instance)

    @Test("a run started in the store is driven by its workflow: phase, answer, messages and numbered events land once, replays write nothing")
    func projects() async throws {
        let url = try await PostgresTestCluster.freshDatabase()
        let store = try await PostgresStore.connect(url: url, logger: Logger(label: "quiet"))
        defer { store.shutdown() }
        let runId = "run_\(UUID().uuidString.prefix(8).lowercased())"
        // Started as an API server starts a run: its first step in the store, then the workflow.
        var first = StoreConformance.started(runId, session: "ses_\(runId)")
        first.agentVersion = (
            "v1", AgentDefinition(name: "tester", instructions: "Test.", model: ModelSettings(provider: .scripted, name: "s", script: [ScriptedReply(text: "unused")]))
        )
        try await store.commit(first)
        // One whose agent cannot run here (stored without its script): it fails, clearly.
        let broken = "run_\(UUID().uuidString.prefix(8).lowercased())"
        var brokenStart = StoreConformance.started(broken, session: "ses_\(broken)")
        brokenStart.agentVersion = ("v2", AgentDefinition(name: "tester", instructions: "Test.", model: ModelSettings(provider: .scripted, name: "s")))
        brokenStart.newRun?.agentVersion = "v2"
        try await store.commit(brokenStart)
        let context = StoreRunWorkflowContext(store: store, catalog: Self.catalog, bus: nil)
        try await RunWorkflowServerTests.withWorker(context: context) { input in
            #expect(input.step == 1)
            return ModelResponse(text: "Hello there.", usage: Usage(inputTokens: 4, outputTokens: 2))
        } _: { client in
            try await client.start(RunWorkflowInput(runId: runId, agentVersion: "v1"))
            try await client.start(RunWorkflowInput(runId: broken, agentVersion: "v2"))
            try await RunWorkflowServerTests.waitFor(client, runId, .completed)
            try await RunWorkflowServerTests.waitFor(client, broken, .failed)
        }
        let failed = try #require(try await store.run(id: broken))
        #expect(failed.phase == .failed && failed.error?.code == .invalidRun && failed.error?.message.contains("script") == true, "\(String(describing: failed.error))")
        let run = try #require(try await store.run(id: runId))
        #expect(run.phase == .completed && run.output == "Hello there." && run.usage.outputTokens == 2 && run.finishedAt != nil)
        let messages = try await store.messages(runId: runId)
        #expect(messages.map(\.content) == ["hi", "Hello there."])
        let events = try await store.events(runId: runId, after: 0, before: nil, limit: 100)
        #expect(events.map(\.seq) == Array(1...events.count) && events.last?.kind == .runCompleted, "\(events.map(\.kind))")
        let journal = try await store.journal(runId: runId)
        #expect(journal.count == 3)

        // A replayed task projects nothing twice.
        try await context.project(runId: runId, journal: journal, continuing: false)
        #expect(try await store.events(runId: runId, after: 0, before: nil, limit: 100).count == events.count)
        #expect(try await store.journal(runId: runId).count == 3)
    }
}

@Suite(
    "Run activities on Temporal",
    .enabled(if: TemporalDevServer.available && PostgresTestCluster.available, "\(TemporalDevServer.unavailableReason ?? PostgresTestCluster.unavailableReason ?? "")")
)
struct RunActivitiesTests {
    /// The demo agent's shape: the scripted provider (a real provider, streaming) calls the
    /// `current_time` builtin, then answers.
    static let agent = """
        name: timer
        instructions: Tell the time.
        model:
          provider: scripted
          script:
            - tool_calls:
                - name: current_time
                  arguments: { timezone: UTC }
            - text: "It is later than you think."
        tools:
          - builtin: current_time
        """

    /// A run of the agent in `yaml` started in `store` as an API server starts one, and the
    /// activities that carry it out.
    static func startedRun(
        _ yaml: String, in store: PostgresStore, bus: (any RunEventBus)? = nil
    ) async throws -> (definition: AgentDefinition, runId: String, catalog: AgentCatalog, activities: RunActivities) {
        let definition = try AgentFile.parse(yaml, baseDirectory: FileManager.default.temporaryDirectory.path)
        let catalog = AgentCatalog(environment: [:], builtins: Toolbox.standardBuiltins, outbound: OutboundHTTPConfiguration(), metrics: NOOPMetricsHandler.instance)
        let runId = "run_\(UUID().uuidString.prefix(8).lowercased())"
        var first = StoreConformance.started(runId, session: "ses_\(runId)", agent: definition.name)
        first.agentVersion = (definition.version, definition)
        first.newRun?.agentVersion = definition.version
        try await store.commit(first)
        var logger = Logger(label: "quiet")
        logger.logLevel = .critical
        let activities = RunActivities(store: store, catalog: catalog, bus: bus, metrics: RunMetrics(factory: NOOPMetricsHandler.instance), logger: logger)
        return (definition, runId, catalog, activities)
    }

    @Test("the model and tool activities carry out a run as the embedded engine would: the tool's real answer reaches the model, the run completes")
    func realActivities() async throws {
        let url = try await PostgresTestCluster.freshDatabase()
        let store = try await PostgresStore.connect(url: url, logger: Logger(label: "quiet"))
        defer { store.shutdown() }
        let (definition, runId, catalog, activities) = try await Self.startedRun(Self.agent, in: store)
        try await RunWorkflowServerTests.withWorker(
            context: StoreRunWorkflowContext(store: store, catalog: catalog, bus: nil), handlers: activities.handlers
        ) { client in
            try await client.start(RunWorkflowInput(runId: runId, agentVersion: definition.version))
            try await RunWorkflowServerTests.waitFor(client, runId, .completed)
        }
        let run = try #require(try await store.run(id: runId))
        #expect(run.phase == .completed && run.output == "It is later than you think." && run.iterations == 2)
        let tool = try #require(try await store.messages(runId: runId).first { $0.role == .tool })
        #expect(tool.toolName == "current_time" && tool.content.contains("UTC"), "the builtin really ran: \(tool.content)")
    }

    @Test("a stop during a streaming model call ends the activity through its heartbeat, long before the answer would have ended")
    func stopDuringModel() async throws {
        let url = try await PostgresTestCluster.freshDatabase()
        let store = try await PostgresStore.connect(url: url, logger: Logger(label: "quiet"))
        defer { store.shutdown() }
        // 150 words 200 ms apart: 30 s to the end.
        let words = (1...150).map { "w\($0)" }.joined(separator: " ")
        let talker = """
            name: talker
            model:
              provider: scripted
              script:
                - text: "\(words)"
                  chunk_delay_ms: 200
            """
        let (definition, runId, catalog, activities) = try await Self.startedRun(talker, in: store)
        let model = try #require(activities.handlers[RunWorkflowKey.modelActivityType])
        let clock = ContinuousClock()
        let modelCall = Mutex<(started: ContinuousClock.Instant?, ended: ContinuousClock.Instant?)>((nil, nil))
        var handlers = activities.handlers
        handlers[RunWorkflowKey.modelActivityType] = { task in
            modelCall.withLock { $0.started = clock.now }
            defer { modelCall.withLock { $0.ended = clock.now } }
            return try await model(task)
        }
        try await RunWorkflowServerTests.withWorker(context: StoreRunWorkflowContext(store: store, catalog: catalog, bus: nil), handlers: handlers) { client in
            try await client.start(RunWorkflowInput(runId: runId, agentVersion: definition.version))
            try await eventually("the model call streams") { modelCall.withLock { $0.started } != nil }
            try await Task.sleep(for: .seconds(1))
            let stopped = clock.now
            try await client.cancel(runId: runId, reason: "enough")
            try await RunWorkflowServerTests.waitFor(client, runId, .canceled)
            try await eventually("the model call ends") { modelCall.withLock { $0.ended } != nil }
            let ended = try #require(modelCall.withLock { $0.ended })
            print("stop: the model activity ended \(ended - stopped) after the stop was asked")
            #expect(ended - stopped < .seconds(15), "stopped, not streamed to its end (30 s)")
        }
        let run = try #require(try await store.run(id: runId))
        #expect(run.phase == .cancelled)
        // What the user saw is kept, marked interrupted.
        let partial = try #require(try await store.messages(runId: runId).last { $0.role == .assistant })
        #expect(partial.interrupted && partial.content.hasPrefix("w1 w2") && partial.content.count < words.count, "\(partial)")
    }

    @Test("the model activity streams its text live and into the event log: the same numbers, rising, the whole answer, before the run completes")
    func streamsDeltas() async throws {
        let url = try await PostgresTestCluster.freshDatabase()
        let store = try await PostgresStore.connect(url: url, logger: Logger(label: "quiet"))
        defer { store.shutdown() }
        let words = (1...40).map { "w\($0)" }.joined(separator: " ")
        let talker = """
            name: talker
            model:
              provider: scripted
              script:
                - text: "\(words)"
                  chunk_delay_ms: 10
            """
        let hub = RunEventHub()
        let (definition, runId, catalog, activities) = try await Self.startedRun(talker, in: store, bus: hub)
        let subscription = hub.subscribe(runId: runId, after: 1)
        let live = Task {
            var events: [RunEvent] = []
            for await event in subscription.events {
                events.append(event)
                if event.kind.isTerminal { break }
            }
            return events
        }
        try await RunWorkflowServerTests.withWorker(context: StoreRunWorkflowContext(store: store, catalog: catalog, bus: hub), handlers: activities.handlers) { client in
            try await client.start(RunWorkflowInput(runId: runId, agentVersion: definition.version))
            try await RunWorkflowServerTests.waitFor(client, runId, .completed)
        }
        let heard = await live.value
        let stored = try await store.events(runId: runId, after: 1, before: nil, limit: 1000)
        let text = { (events: [RunEvent]) in events.filter { $0.kind == .runContent }.compactMap { $0.data["delta"]?.stringValue }.joined() }
        #expect(text(heard) == words && text(stored) == words, "live: \(text(heard).prefix(80)); stored: \(text(stored).prefix(80))")
        #expect(heard.map(\.seq) == stored.map(\.seq), "live and stored events carry the same numbers")
        #expect(zip(stored, stored.dropFirst()).allSatisfy { $0.seq < $1.seq } && stored.last?.kind == .runCompleted)
        #expect(heard.filter { $0.kind == .runContent }.count >= 40, "streamed piece by piece")
        let answer = try #require(try await store.messages(runId: runId).last)
        #expect(answer.content == words && answer.completedAt != nil && !answer.interrupted)
    }
}
