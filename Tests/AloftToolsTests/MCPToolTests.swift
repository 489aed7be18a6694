import AloftCore
import AloftTestSupport
import Foundation
import Testing

@testable import AloftTools

/// MCP tools against real servers of the official Python SDK (mcp 2.3.0 and 1.30.0): over stdio
/// as an agent file starts them, and over streamable HTTP with event-stream and JSON replies.
@Suite("MCP tools against the official MCP servers", .serialized, .enabled(if: MCPPeer.available), .timeLimit(.minutes(3)))
struct MCPToolTests {
    static func agent(_ mcp: MCPToolSpec) -> AgentDefinition {
        AgentDefinition(
            name: "mcp-user", instructions: "", model: ModelSettings(provider: .scripted, name: "s", script: [ScriptedReply(text: "-")]),
            tools: [ToolSpec(builtin: "current_time"), ToolSpec(mcp: mcp)]
        )
    }

    static func environment(_ variables: [String: String] = [:]) -> ToolEnvironment {
        ToolEnvironment(baseDirectory: "/", variables: variables, client: ToolHTTPClient.shared, timeoutSeconds: 20)
    }

    static func context(_ id: String) -> ToolCallContext { ToolCallContext(runId: "run-1", callId: id, idempotencyKey: "run-1:\(id)") }

    static func stdio(_ sdk: MCPPeer.SDK, env: [String: String] = [:], include: [String]? = nil, exclude: [String] = [], log: String? = nil) throws -> MCPToolSpec {
        var env = env
        if let log { env["MCP_CALL_LOG"] = log }
        return MCPToolSpec(
            name: "tools-\(sdk.rawValue)", command: MCPPeer.python(sdk) ?? "python3", args: [MCPPeer.script], env: env,
            workingDirectory: FileManager.default.temporaryDirectory.path, include: include, exclude: exclude
        )
    }

    /// Lists the tools, then calls add (structured), echo and fail through the toolbox.
    static func exercise(_ spec: MCPToolSpec, variables: [String: String] = [:]) async throws -> Toolbox {
        let toolbox = try await Toolbox.build(agent: agent(spec), environment: environment(variables))
        let offered = ["add", "crash", "echo", "fail", "forecast", "grow", "whoami"].filter(spec.offers)
        #expect(toolbox.definitions.first?.name == "current_time" && Set(toolbox.definitions.map(\.name)) == Set(["current_time"] + offered))
        let add = try #require(toolbox.tools["add"])
        #expect(add.definition.parameters["required"] == ["a", "b"], "the server's JSON Schema is offered as is: \(add.definition.parameters)")
        #expect(add.definition.description == "Adds two whole numbers.")
        let sum = try await add.call(["a": 2, "b": 40], context: context("c1"))
        #expect(sum == "42", "a single value once, not again as structured content: \(sum)")
        let forecast = try #require(try await toolbox.tools["forecast"]?.call(["city": "Oslo"], context: context("c5")))
        #expect(try JSONValue.parse(forecast) == ["city": "Oslo", "celsius": 9, "sky": "rain"], "structured data reaches the model as JSON, once: \(forecast)")
        #expect(try await toolbox.tools["echo"]?.call(["text": "héllo"], context: context("c2")) == "echo: héllo")
        await #expect {
            _ = try await toolbox.tools["fail"]?.call(["reason": "testing"], context: context("c3"))
        } throws: { error in
            guard let error = error as? ToolError else { return false }
            return !error.isRetryable && error.message.contains("Error executing tool fail")
        }
        return toolbox
    }

    @Test("over stdio: the server's tools are listed at load with their schemas; calls return text and structured content; an error result is a tool error", arguments: MCPPeer.SDK.allCases)
    func stdio(sdk: MCPPeer.SDK) async throws {
        let toolbox = try await Self.exercise(try Self.stdio(sdk, env: ["MCP_GREETING": "${GREETING}"]), variables: ["GREETING": "hi", "SERVER_SECRET": "s3cret", "PATH": "/usr/bin:/bin"])
        // The server sees PATH and what the agent file gives it, not Aloft's other variables.
        let whoami = try #require(try await toolbox.tools["whoami"]?.call([:], context: Self.context("c4")))
        #expect(whoami.contains("env=MCP_GREETING,PATH") && whoami.contains("greeting=hi") && !whoami.contains("SERVER_SECRET"), "\(whoami)")
    }

    @Test("over streamable HTTP, with event-stream replies and with JSON replies", arguments: MCPPeer.SDK.allCases, [false, true])
    func http(sdk: MCPPeer.SDK, json: Bool) async throws {
        let log = try temporaryFolder() + "/server.log"
        let server = try await MCPPeer.startHTTP(sdk, json: json, log: log)
        defer { kill(server.pid, SIGKILL) }
        _ = try await Self.exercise(MCPToolSpec(name: "remote", url: server.url, headers: ["X-Test": "${TOKEN}"]), variables: ["TOKEN": "t"])
    }

    @Test("include and exclude choose the tools offered; a tool the server lacks is named; a server that cannot start is a clear problem")
    func choosingAndProblems() async throws {
        let chosen = try await Toolbox.build(agent: Self.agent(try Self.stdio(.v2_3, include: ["add", "echo", "fail"], exclude: ["fail"])), environment: Self.environment())
        #expect(Set(chosen.definitions.map(\.name)) == ["current_time", "add", "echo"])
        await #expect {
            _ = try await Toolbox.build(agent: Self.agent(try Self.stdio(.v2_3, include: ["add", "subtract"])), environment: Self.environment())
        } throws: { "\($0)".contains("include: the server has no tool 'subtract'") }
        await #expect {
            _ = try await Toolbox.build(agent: Self.agent(MCPToolSpec(name: "ghost", command: "/nonexistent/server")), environment: Self.environment())
        } throws: { "\($0)".contains("tools[1] (ghost): the MCP server cannot be used") }
        await #expect {
            _ = try await Toolbox.build(agent: Self.agent(MCPToolSpec(name: "s", command: "x", env: ["K": "${MISSING}"])), environment: Self.environment())
        } throws: { "\($0)".contains("environment variable MISSING is not set") }
    }

    @Test("a server whose tool list changes says so; the toolbox is out of date and, built again, offers the new tool", arguments: MCPPeer.SDK.allCases)
    func listChanged(sdk: MCPPeer.SDK) async throws {
        let spec = try Self.stdio(sdk, env: ["MCP_GREETING": String(describing: sdk)])
        let toolbox = try await Toolbox.build(agent: Self.agent(spec), environment: Self.environment())
        #expect(!toolbox.isStale && toolbox.tools["shout"] == nil)
        #expect(try await toolbox.tools["grow"]?.call([:], context: Self.context("g1")) == "grown")
        try await eventually(timeout: .seconds(10), "the toolbox learns the tools changed") { toolbox.isStale }
        let rebuilt = try await Toolbox.build(agent: Self.agent(spec), environment: Self.environment())
        #expect(!rebuilt.isStale)
        #expect(try await rebuilt.tools["shout"]?.call(["text": "hey"], context: Self.context("g2")) == "HEY")
    }

    @Test("a server that dies is a retryable error, and the next call starts it again")
    func restart() async throws {
        let log = try temporaryFolder() + "/calls.log"
        let spec = try Self.stdio(.v2_3, log: log)
        let toolbox = try await Toolbox.build(agent: Self.agent(spec), environment: Self.environment())
        #expect(try await toolbox.tools["echo"]?.call(["text": "one"], context: Self.context("c1")) == "echo: one")
        await #expect {
            _ = try await toolbox.tools["crash"]?.call([:], context: Self.context("c2"))
        } throws: { error in
            (error as? ToolError)?.isRetryable == true
        }
        #expect(try await toolbox.tools["echo"]?.call(["text": "two"], context: Self.context("c3")) == "echo: two")
        let pids = Set(try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map { $0.split(separator: " ")[0] })
        #expect(pids.count == 2, "a second process answered: \(pids)")
    }
}
