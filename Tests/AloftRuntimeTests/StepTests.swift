import AloftCore
import AloftLLM
import AloftRuntime
import AloftTools
import AloftTestSupport
import Logging
import CoreMetrics
import Synchronization
import Testing

/// The step executors on their own, as any engine (or a Temporal activity) calls them,
/// against a real HTTP model server.
@Suite("Model and tool steps")
struct StepTests {
    static let catalog = AgentCatalog(
        environment: [:], builtins: Toolbox.standardBuiltins, outbound: OutboundHTTPConfiguration(), metrics: NOOPMetricsHandler.instance
    )
    static let logger = Logger(label: "test-steps")

    static func remote(_ baseURL: String, attempts: Int = 3) async throws -> AgentRuntime {
        try await catalog.runtime(
            for: AgentDefinition(
                name: "remote", instructions: "Be kind.", model: ModelSettings(provider: .openai, name: "m", baseURL: baseURL),
                policies: AgentPolicies(modelRetry: RetryPolicy(maxAttempts: attempts, initialBackoffSeconds: 0.01, maxBackoffSeconds: 0.05))
            )
        )
    }

    @Test("an answer cut short is asked again: every attempt is announced, and the text so far starts over")
    func retriesStartOver() async throws {
        let broken = FakeModelServer.Reply.raw(
            contentType: "text/event-stream", chunks: [#"data: {"choices":[{"index":0,"delta":{"content":"The ans"}}]}"# + "\n\n"]
        )
        let server = FakeModelServer(replies: [broken, .text("Forty-two.")])
        try await server.run { baseURL in
            let attempts = Mutex(0)
            let texts = Mutex<[String]>([])
            let outcome = await ModelStep(runtime: try await Self.remote(baseURL), metrics: RunMetrics(factory: NOOPMetricsHandler.instance), logger: Self.logger)
                .run(
                    ModelRequest(messages: [.user("question")], tools: []),
                    onAttempt: { attempts.withLock { $0 += 1 } },
                    onDelta: { _, text in texts.withLock { $0.append(text) } }
                )
            guard case .answered(let response) = outcome else { Issue.record("the second attempt answers: \(outcome)"); return }
            #expect(response.text == "Forty-two.")
            #expect(attempts.withLock { $0 } == 2)
            let seen = texts.withLock { $0 }
            #expect(seen.first == "The ans" && seen.last == "Forty-two.", "\(seen)")
        }
    }

    @Test("a client error fails at once with the provider's message; a stop returns the text streamed so far")
    func failuresAndStops() async throws {
        let server = FakeModelServer(replies: [.status(400, message: "bad model name"), .text("one two three four five six", chunkDelayMilliseconds: 200)])
        try await server.run { baseURL in
            let step = ModelStep(runtime: try await Self.remote(baseURL), metrics: RunMetrics(factory: NOOPMetricsHandler.instance), logger: Self.logger)
            let request = ModelRequest(messages: [.user("question")], tools: [])
            guard case .failed(let error, let retryable) = await step.run(request), !retryable else { Issue.record("a 400 fails the step"); return }
            #expect(error.code == .modelFailed && error.message.contains("bad model name"))

            let firstDelta = AsyncStream<Void>.makeStream()
            let task = Task { await step.run(request, onDelta: { _, _ in firstDelta.continuation.yield() }) }
            for await _ in firstDelta.stream { break }
            task.cancel()
            guard case .stopped(let partial) = await task.value else { Issue.record("a cancelled step stops"); return }
            #expect(!partial.isEmpty && "one two three four five six".hasPrefix(partial), "\(partial)")
        }
        #expect(server.requests.count == 2, "a 400 is not retried")
    }

    @Test("a tool step reports unknown tools and tool errors as results, and returns nil when stopped")
    func toolSteps() async throws {
        var builtins = Toolbox.standardBuiltins
        builtins["wait"] = { _, _ in WaitingTool() }
        let catalog = AgentCatalog(environment: [:], builtins: builtins, outbound: OutboundHTTPConfiguration(), metrics: NOOPMetricsHandler.instance)
        let runtime = try await catalog.runtime(
            for: AgentDefinition(
                name: "local", instructions: "", model: ModelSettings(provider: .scripted, name: "s", script: [ScriptedReply(text: "-")]),
                tools: [ToolSpec(builtin: "current_time"), ToolSpec(builtin: "wait")]
            )
        )
        let step = ToolStep(runtime: runtime, metrics: RunMetrics(factory: NOOPMetricsHandler.instance), logger: Self.logger)
        let unknown = await step.run(ToolInvocation(call: ToolCall(id: "c1", name: "teleport", arguments: "{}"), arguments: [:], idempotencyKey: "r:c1"), runId: "r")
        #expect(unknown?.failure == .unknownTool)
        let bad = await step.run(
            ToolInvocation(call: ToolCall(id: "c2", name: "current_time", arguments: #"{"timezone":"Mars/Olympus"}"#), arguments: ["timezone": "Mars/Olympus"], idempotencyKey: "r:c2"),
            runId: "r"
        )
        #expect(bad?.failure == .toolError && bad?.content.hasPrefix("Error:") == true, "\(String(describing: bad))")
        let good = await step.run(ToolInvocation(call: ToolCall(id: "c3", name: "current_time", arguments: "{}"), arguments: [:], idempotencyKey: "r:c3"), runId: "r")
        #expect(good?.failure == nil && good?.content.contains("time") == true)

        let waiting = Task { await step.run(ToolInvocation(call: ToolCall(id: "c4", name: "wait", arguments: "{}"), arguments: [:], idempotencyKey: "r:c4"), runId: "r") }
        try await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        #expect(await waiting.value == nil, "a stopped call has no result to record: it runs again if the run goes on")
    }
}

/// A tool that waits until it is cancelled.
struct WaitingTool: Tool {
    var definition: ToolDefinition { ToolDefinition(name: "wait", description: "Waits.", parameters: ["type": "object"]) }

    func call(_ arguments: JSONValue, context: ToolCallContext) async throws -> String {
        try await Task.sleep(for: .seconds(60))
        return "done"
    }
}
