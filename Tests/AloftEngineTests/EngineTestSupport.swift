import AloftCore
import AloftStore
import AloftTools
import AloftTestSupport
import Foundation
import Logging
import Synchronization

@testable import AloftEngine

func temporaryDatabasePath() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("aloft-engine-\(UUID().uuidString)/aloft.db").path
}

func testConfiguration(log: ToolCallLog, slowTool: Duration = .seconds(5)) -> EngineConfiguration {
    var configuration = EngineConfiguration(
        environment: [:], builtins: scenarioBuiltins(log: log, slowTool: slowTool), streamFlushInterval: .milliseconds(20), pollInterval: .milliseconds(20)
    )
    configuration.agentNamed = { EngineScenarios.agentNamed($0) }
    return configuration
}

func scriptedAgent(
    _ replies: [ScriptedReply], tools: [String] = ["echo"], approval: [String] = [], deadline: Double? = nil, maxIterations: Int = 10
) -> AgentDefinition {
    AgentDefinition(
        name: "tester", instructions: "You test things.", model: ModelSettings(provider: .scripted, name: "scripted", script: replies),
        tools: tools.map { ToolSpec(builtin: $0) },
        policies: AgentPolicies(maxIterations: maxIterations, requireApproval: approval, approvalDeadlineSeconds: deadline)
    )
}

/// Runs an engine on `store` for the duration of `body`, then stops it.
func withEngine<Result: Sendable>(
    store: any LocalEngineStore, configuration: EngineConfiguration, _ body: @Sendable (LocalEngine) async throws -> Result
) async throws -> Result {
    var logger = Logger(label: "test-engine")
    logger.logLevel = .critical
    let engine = LocalEngine(store: store, configuration: configuration, logger: logger)
    return try await withThrowingTaskGroup(of: Result?.self) { group in
        group.addTask {
            try await engine.run()
            return nil
        }
        let result = try await body(engine)
        group.cancelAll()
        return result
    }
}

/// Collects a run's events until a terminal or pause event (or the stream ends).
func collect<Events: AsyncSequence>(
    _ stream: Events, until stop: Set<RunEvent.Kind> = [.runCompleted, .runFailed, .runCancelled, .runPaused]
) async throws -> [RunEvent] where Events.Element == RunEvent {
    var events: [RunEvent] = []
    for try await event in stream {
        events.append(event)
        if stop.contains(event.kind) { break }
    }
    return events
}

/// Waits until the stored run reaches one of `phases`.
/// (The timeout is generous: a loaded CI machine is slow, and a passing test does not wait it out.)
func waitForPhase(_ store: any RunReader, runId: String, _ phases: Set<RunPhase>, timeout: Duration = .seconds(45)) async throws -> Run {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if let run = try await store.run(id: runId), phases.contains(run.phase) { return run }
        try await Task.sleep(for: .milliseconds(10))
    }
    throw EngineError(code: .runNotFound, message: "run \(runId) did not reach \(phases) in time")
}
