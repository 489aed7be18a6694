import AloftCore
import AloftTestSupport
import Foundation
import Hummingbird
import Synchronization
import Testing

@testable import AloftTools

private func jsonResponse(_ value: JSONValue) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = "application/json"
    return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: value.jsonText())))
}

/// The A2A tool against the official SDK's reference servers (a2a-sdk 1.3.0 speaking 1.0,
/// 0.3.26 speaking 0.3), real processes over real HTTP, and against servers that misbehave.
@Suite("A2A tool")
struct A2AToolTests {
    /// Collects what a call reports while it works.
    final class Progress: Sendable {
        let chunks = Mutex<[String]>([])
        var report: @Sendable (String) async -> Void { { chunk in self.chunks.withLock { $0.append(chunk) } } }
    }

    static func tool(url: String, headers: [String: String] = [:], environment: [String: String] = [:]) throws -> A2ATool {
        try A2ATool(spec: A2AToolSpec(name: "echo", url: url, headers: headers), environment: environment, timeoutSeconds: 30)
    }

    @Test(
        "a remote agent on the reference server (1.0 and 0.3): its streamed text is the progress, its artifact the result, the idempotency key the message id",
        .enabled(if: A2APeer.available, "\(A2APeer.unavailableReason ?? "")"), arguments: [A2APeer.SDK.v1_3, .v0_3]
    )
    func referenceServer(sdk: A2APeer.SDK) async throws {
        let port = try freePort()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("aloft-a2a-remote-\(UUID().uuidString)").path
        let server = try A2APeer.start(sdk, script: "remote_agent.py", ["\(port)", log], output: log + ".out")
        defer { kill(server, SIGKILL) }
        let tool = try Self.tool(url: "http://127.0.0.1:\(port)")
        try await eventually(timeout: .seconds(90), "the reference server answers") {
            (try? await tool.transport.send(method: .GET, url: "http://127.0.0.1:\(port)/.well-known/agent-card.json", headers: [], body: nil))?.status == 200
        }
        let progress = Progress()
        let context = ToolCallContext(runId: "run_1", callId: "call_7", idempotencyKey: "run_1:call_7", progress: progress.report)
        let answer = try await tool.call(["message": "three little words"], context: context)
        #expect(answer == "Remote echo: three little words")
        #expect(progress.chunks.withLock { $0 } == ["Remote", " echo:", " three", " little", " words"])
        #expect(try String(contentsOfFile: log, encoding: .utf8) == "run_1:call_7\n", "the message id is the call's idempotency key")
    }

    @Test("a card that sends calls to another origin is refused; a JSON-RPC error is the tool's error; a stream that ends early is retryable")
    func misbehaving() async throws {
        let router = Router()
        let port = Mutex(0)
        router.get("/elsewhere/.well-known/agent-card.json") { _, _ in
            jsonResponse(["name": "x", "supportedInterfaces": [["url": "http://169.254.169.254/", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"]]])
        }
        router.get("/refuses/.well-known/agent-card.json") { _, _ in
            jsonResponse(["name": "refuser", "url": .string("http://127.0.0.1:\(port.withLock { $0 })/refuses"), "protocolVersion": "0.3.0"])
        }
        router.post("/refuses") { _, _ in
            jsonResponse(["jsonrpc": "2.0", "id": "1", "error": ["code": -32602, "message": "message.parts: no"]])
        }
        router.get("/cut/.well-known/agent-card.json") { _, _ in
            jsonResponse([
                "name": "cutter", "capabilities": ["streaming": true],
                "supportedInterfaces": [["url": .string("http://127.0.0.1:\(port.withLock { $0 })/cut"), "protocolBinding": "JSONRPC", "protocolVersion": "1.0"]],
            ])
        }
        router.post("/cut") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream"
            let working = #"data: {"jsonrpc":"2.0","id":"1","result":{"task":{"id":"t1","contextId":"c1","status":{"state":"TASK_STATE_WORKING"}}}}"#
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: working + "\n\n")))
        }
        try await withTestHTTPServer(router: router) { serverPort in
            port.withLock { $0 = serverPort }
            let context = ToolCallContext(runId: "run_1", callId: "c", idempotencyKey: "run_1:c")
            await #expect {
                try await Self.tool(url: "http://127.0.0.1:\(serverPort)/elsewhere").call(["message": "hi"], context: context)
            } throws: { error in
                (error as? ToolError)?.code == .notAllowed && "\(error)".contains("169.254.169.254")
            }
            await #expect {
                try await Self.tool(url: "http://127.0.0.1:\(serverPort)/refuses").call(["message": "hi"], context: context)
            } throws: { error in
                (error as? ToolError)?.isRetryable == false && "\(error)".contains("A2A error -32602") && "\(error)".contains("message.parts: no")
            }
            await #expect {
                try await Self.tool(url: "http://127.0.0.1:\(serverPort)/cut").call(["message": "hi"], context: context)
            } throws: { error in
                (error as? ToolError)?.isRetryable == true && "\(error)".contains("ended before the task did (task t1)")
            }
            await #expect {
                try await Self.tool(url: "http://127.0.0.1:\(serverPort)/nothing").call(["message": "hi"], context: context)
            } throws: { error in
                "\(error)".contains("no A2A agent card at http://127.0.0.1:\(serverPort)/nothing/.well-known/agent-card.json: 127.0.0.1 answered HTTP 404")
            }
        }
    }

    @Test("headers name secrets from the environment; a missing one is a clear error; the definition asks the model for a message")
    func configuration() throws {
        let tool = try Self.tool(url: "https://agents.example.com/a2a/reviewer", headers: ["Authorization": "Bearer ${REVIEWER_KEY}"])
        #expect(A2ATool.referencedVariables(in: tool.spec) == ["REVIEWER_KEY"])
        #expect(tool.definition.parameters["required"] == ["message"])
        #expect(tool.definition.description.contains("remote agent echo"))
        let agent = AgentDefinition(
            name: "boss", instructions: "", model: ModelSettings(provider: .scripted, name: "script", script: [ScriptedReply(text: "x")]),
            tools: [ToolSpec(a2a: A2AToolSpec(name: "bad name!", url: "ftp://x"))]
        )
        #expect(agent.problems().contains("tools[0].a2a.url: must start with http:// or https://"))
        #expect(agent.problems().contains { $0.hasPrefix("tools[0].a2a.name: must be 1 to 64 letters") })
        #expect(throws: ToolConfigurationError.self) {
            try Toolbox(agent: AgentDefinition(
                name: "boss", instructions: "", model: ModelSettings(provider: .scripted, name: "script", script: [ScriptedReply(text: "x")]),
                tools: [ToolSpec(a2a: A2AToolSpec(name: "reviewer", url: "https://x.example", headers: ["X-Key": "${NOT_SET_ANYWHERE}"]))]
            ), environment: ToolEnvironment(baseDirectory: "/", variables: [:], client: ToolHTTPClient.shared))
        }
    }
}
