import AloftCore
import AloftStore
import AloftTestSupport
import Testing

@testable import AloftEngine

/// Runs against model servers that misbehave end as clear failures, never as a hang, a crash
/// or a completed run with a broken answer.
@Suite("Runs against faulty model servers")
struct FaultyModelServerTests {
    private static func agent(baseURL: String, idle: Double = 30, attempts: Int = 2) -> AgentDefinition {
        AgentDefinition(
            name: "remote", instructions: "Be kind.", model: ModelSettings(provider: .openai, name: "m", baseURL: baseURL),
            policies: AgentPolicies(
                modelTimeoutSeconds: 30, modelIdleTimeoutSeconds: idle,
                modelRetry: RetryPolicy(maxAttempts: attempts, initialBackoffSeconds: 0.01, maxBackoffSeconds: 0.05)
            )
        )
    }

    private static func finish(_ reply: FakeModelServer.Reply, idle: Double = 30) async throws -> (Run, Int) {
        let server = FakeModelServer(replies: [], fallback: reply)
        let run = try await server.run { baseURL in
            let store = try SQLiteStore(path: temporaryDatabasePath())
            return try await withEngine(store: store, configuration: testConfiguration(log: ToolCallLog())) { engine in
                let run = try await engine.start(StartRunRequest(agent: Self.agent(baseURL: baseURL, idle: idle), input: "hi"))
                return try await waitForPhase(store, runId: run.id, [.completed, .failed, .cancelled], timeout: .seconds(20))
            }
        }
        return (run, server.requests.count)
    }

    @Test("an empty 200, an HTML page or a cut stream is retried, then fails the run clearly", arguments: [
        FakeModelServer.Reply.raw(contentType: nil, chunks: []),
        .raw(contentType: "text/html", chunks: ["<html>Bad gateway</html>"]),
        .raw(contentType: "text/event-stream", chunks: [#"data: {"choices":[{"index":0,"delta":{"role":"assistant"}}]}"# + "\n\n"]),
        .raw(contentType: "application/json", chunks: [#"{"choices":[{"message":{"content":"hi"}}],"usage":{"prompt_tokens":1e300}}"#]),
    ])
    func malformedFails(reply: FakeModelServer.Reply) async throws {
        let (run, requests) = try await Self.finish(reply)
        #expect(run.phase == .failed)
        #expect(run.error?.code == .modelFailed)
        #expect(run.error?.message.contains("model_invalid_response") == true, "\(run.error?.message ?? "")")
        #expect(requests == 2, "retried once, per the policy")
    }

    @Test("a stream that stalls fails the run with model_timeout instead of hanging it")
    func stalledStream() async throws {
        let stall = FakeModelServer.Reply.raw(
            contentType: "text/event-stream", chunks: [#"data: {"choices":[{"index":0,"delta":{"content":"Hel"}}]}"# + "\n\n", "data: [DONE]\n\n"],
            delayMilliseconds: 5_000
        )
        let (run, _) = try await Self.finish(stall, idle: 0.3)
        #expect(run.phase == .failed)
        #expect(run.error?.code == .modelFailed || run.error?.code == .modelTimeout)
        #expect(run.error?.message.contains("sent nothing") == true, "\(run.error?.message ?? "")")
    }
}
