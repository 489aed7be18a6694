import AloftCore
import AloftTemporal
import AloftTemporalAPI
import AloftTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// The run workflow on a real Temporal dev server: the worker polls, decides, projects, and
/// activities (scripted here; the real model and tool activities come with the engine) run,
/// eagerly or polled.
@Suite("Run workflow on Temporal", .enabled(if: TemporalDevServer.available, "\(TemporalDevServer.unavailableReason ?? "")"))
struct RunWorkflowServerTests {
    /// Starts and configurations by run, and every journal projected.
    final class Context: RunWorkflowContext {
        let configuration: LoopConfiguration
        let journals = Mutex<[String: [JournalEntry]]>([:])

        init(configuration: LoopConfiguration) { self.configuration = configuration }

        func start(of input: RunWorkflowInput) async throws -> (start: RunStart, configuration: Result<LoopConfiguration, RunError>) {
            (RunStart(runId: input.runId, sessionId: "ses", agent: "tester", agentVersion: input.agentVersion, context: [.user("find 7")]), .success(configuration))
        }

        func recorded(runId: String, count: Int) async throws -> [JournalEntry] {
            Array((journals.withLock { $0[runId] } ?? []).prefix(count))
        }

        func project(runId: String, journal: [JournalEntry], continuing: Bool) async throws {
            journals.withLock { $0[runId] = journal }
        }
    }

    /// Runs a worker (workflow and activities) on a fresh task queue during `body`, with a
    /// scripted model activity and a tool activity that answers with its idempotency key.
    static func withWorker(
        context: any RunWorkflowContext, model: @escaping @Sendable (ModelActivityInput) throws -> ModelResponse,
        _ body: (TemporalRunClient) async throws -> Void
    ) async throws {
        try await withWorker(
            context: context,
            handlers: [
                RunWorkflowKey.modelActivityType: { task in
                    try TemporalPayload.payloads(try model(try TemporalPayload.decode(ModelActivityInput.self, from: task.input)))
                },
                RunWorkflowKey.toolActivityType: { task in
                    let input = try TemporalPayload.decode(ToolActivityInput.self, from: task.input)
                    return try TemporalPayload.payloads(ToolResult(callId: input.call.id, name: input.call.name, content: "key \(input.idempotencyKey)"))
                },
            ],
            body
        )
    }

    /// Runs a worker (workflow and activities with `handlers`) on a fresh task queue during `body`.
    static func withWorker(
        context: any RunWorkflowContext, handlers: [String: ActivityWorker.Handler], _ body: (TemporalRunClient) async throws -> Void
    ) async throws {
        let server = try await TemporalDevServer.shared()
        let endpoint = try TemporalEndpoint(address: server.address)
        let polls = try TemporalConnection(endpoint)
        let calls = try TemporalConnection(endpoint)
        let queue = "test-\(UUID().uuidString.prefix(8))"
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let activities = ActivityWorker(connection: polls, taskQueue: queue, identity: "test-worker", handlers: handlers, logger: logger)
        let workflows = RunWorkflowWorker(connection: polls, taskQueue: queue, identity: "test-worker", context: context, activities: activities, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await polls.run() }
            group.addTask { try await calls.run() }
            group.addTask { await workflows.run() }
            group.addTask { await activities.run() }
            try await body(TemporalRunClient(connection: calls, taskQueue: queue, identity: "test-client"))
            group.cancelAll()
            polls.close()
            calls.close()
        }
    }

    static func waitFor(_ client: TemporalRunClient, _ runId: String, _ status: Temporal_Api_Enums_V1_WorkflowExecutionStatus) async throws {
        try await eventually(timeout: .seconds(90), "workflow \(runId) is \(status)") { try await client.status(runId: runId) == status }
    }

    @Test("a run with a tool call runs to its answer on Temporal; the history names its activities and holds JSON the CLI can read")
    func toolRoundTrip() async throws {
        let lookup = ToolDefinition(name: "lookup", description: "Looks up.", parameters: ["type": "object"])
        let context = Context(configuration: LoopConfiguration(tools: [lookup], policies: AgentPolicies()))
        try await Self.withWorker(context: context) { input in
            input.step == 1 ? ModelResponse(text: "", toolCalls: [ToolCall(id: "call_1", name: "lookup", arguments: "{}")]) : ModelResponse(text: "Found it.")
        } _: { client in
            let runId = "run_\(UUID().uuidString.prefix(8).lowercased())"
            try await client.start(RunWorkflowInput(runId: runId, agentVersion: "v1"))
            try await client.start(RunWorkflowInput(runId: runId, agentVersion: "v1"))  // a retried start is harmless
            try await Self.waitFor(client, runId, .completed)
            let journal = try #require(context.journals.withLock { $0[runId] })
            #expect(journal.last == .finished(.completed(answer: "Found it.")))
            #expect(journal.contains(.toolCompleted(ToolResult(callId: "call_1", name: "lookup", content: "key \(runId):call_1"))))
            let history = try await client.history(runId: runId)
            let types = history.compactMap { event -> String? in
                if case .activityTaskScheduledEventAttributes(let scheduled) = event.attributes { return "\(scheduled.activityType.name) \(scheduled.activityID)" }
                return nil
            }
            #expect(types == ["aloft.model model-1", "aloft.tool tool-call_1", "aloft.model model-2"])
            guard case .workflowExecutionCompletedEventAttributes(let completed) = history.last?.attributes else {
                Issue.record("the last event completes the workflow")
                return
            }
            let json = String(decoding: try #require(completed.result.payloads.first).data, as: UTF8.self)
            #expect(json.contains("Found it."), "\(json)")
            // What an operator sees: `temporal workflow show` decodes the payloads as JSON.
            let shown = try await TemporalDevServer.command(["workflow", "show", "--workflow-id", runId])
            #expect(shown.contains(#"{"answer":"Found it.","phase":"completed"}"#) && shown.contains("json/plain"), "\(shown.prefix(3000))")
        }
    }

    @Test("a tool failing every time is tried as often as the agent's policy says, no more; a worker stopped mid-call does not use up an attempt")
    func attemptsFollowThePolicy() async throws {
        let lookup = ToolDefinition(name: "lookup", description: "Looks up.", parameters: ["type": "object"])
        let policies = AgentPolicies(toolRetry: RetryPolicy(maxAttempts: 2, initialBackoffSeconds: 0.01, maxBackoffSeconds: 0.01))
        let context = Context(configuration: LoopConfiguration(tools: [lookup], policies: policies))
        let calls = Mutex(0)
        try await Self.withWorker(
            context: context,
            handlers: [
                RunWorkflowKey.modelActivityType: { task in
                    let input = try TemporalPayload.decode(ModelActivityInput.self, from: task.input)
                    let response = input.step == 1 ? ModelResponse(text: "", toolCalls: [ToolCall(id: "call_1", name: "lookup", arguments: "{}")]) : ModelResponse(text: "It failed.")
                    return try TemporalPayload.payloads(response)
                },
                RunWorkflowKey.toolActivityType: { _ in
                    let count = calls.withLock { count in
                        count += 1
                        return count
                    }
                    // The first attempt's worker stops (its handler is cancelled): that attempt does not count.
                    if count == 1 { throw CancellationError() }
                    throw ActivityFailure(type: "tool_error", message: "the lookup service is down")
                },
            ]
        ) { client in
            let runId = "run_\(UUID().uuidString.prefix(8).lowercased())"
            try await client.start(RunWorkflowInput(runId: runId, agentVersion: "v1"))
            try await Self.waitFor(client, runId, .completed)
            #expect(calls.withLock { $0 } == 3, "one lost attempt and the policy's two: \(calls.withLock { $0 })")
            let journal = try #require(context.journals.withLock { $0[runId] })
            #expect(journal.contains { entry in
                if case .toolCompleted(let result) = entry { return result.failure == .toolError && result.content.contains("the lookup service is down") }
                return false
            }, "the model hears of the failure: \(journal)")
        }
    }

    @Test("approval over Temporal: the run waits on a signal; approving runs the tool; stopping a waiting run cancels its workflow")
    func approvalAndStop() async throws {
        let delete = ToolDefinition(name: "delete", description: "Deletes.", parameters: ["type": "object"])
        let policies = AgentPolicies(requireApproval: ["delete"], approvalDeadlineSeconds: 3600)
        let context = Context(configuration: LoopConfiguration(tools: [delete], policies: policies))
        try await Self.withWorker(context: context) { input in
            input.step == 1 ? ModelResponse(text: "", toolCalls: [ToolCall(id: "d1", name: "delete", arguments: "{}")]) : ModelResponse(text: "Deleted.")
        } _: { client in
            let approved = "run_\(UUID().uuidString.prefix(8).lowercased())"
            try await client.start(RunWorkflowInput(runId: approved, agentVersion: "v1"))
            try await eventually(timeout: .seconds(90), "the run waits for approval") {
                context.journals.withLock { $0[approved]?.count } == 2
            }
            try await client.resolveApproval(runId: approved, decision: ApprovalDecision(callId: "d1", approved: true, decidedBy: "alice"))
            try await Self.waitFor(client, approved, .completed)
            #expect(context.journals.withLock { $0[approved]?.last } == .finished(.completed(answer: "Deleted.")))

            let stopped = "run_\(UUID().uuidString.prefix(8).lowercased())"
            try await client.start(RunWorkflowInput(runId: stopped, agentVersion: "v1"))
            try await eventually(timeout: .seconds(90), "the run waits for approval") { context.journals.withLock { $0[stopped]?.count } == 2 }
            try await client.cancel(runId: stopped, reason: "not needed")
            try await Self.waitFor(client, stopped, .canceled)
            #expect(context.journals.withLock { $0[stopped]?.last } == .finished(.cancelled(reason: "not needed")))
        }
    }
}
