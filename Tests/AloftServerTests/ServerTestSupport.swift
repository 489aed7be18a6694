import AloftCore
import AloftEngine
import AloftServer
import AloftStore
import AloftTools
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Prometheus
import Testing

/// A server over a fresh database with a scripted agent `scripted` and, when given,
/// an OpenAI-compatible agent `remote` at `modelURL`.
struct TestServer {
    var configuration = ServerConfiguration(heartbeatSeconds: 1)
    var modelURL: String?
    var replies: [ScriptedReply] = [ScriptedReply(text: "Hello from the script.")]
    var approval: [String] = []
    /// The environment the engine sees (secrets, model keys).
    var environment: [String: String] = [:]
    /// A folder of agent files loaded at start.
    var agentsDirectory: String?
    /// The database file; a fresh temporary one when nil.
    var databasePath: String?

    func run<Result: Sendable>(
        _ framework: TestingSetup = .router, _ body: @Sendable (any TestClientProtocol, LocalEngine) async throws -> Result
    ) async throws -> Result {
        try await runWired(framework) { client, wiring in try await body(client, wiring.engine) }
    }

    /// `run`, with everything the server wired (its agents, its gRPC API).
    func runWired<Result: Sendable>(
        _ framework: TestingSetup = .router, _ body: @Sendable (any TestClientProtocol, ServerWiring) async throws -> Result
    ) async throws -> Result {
        var logger = Logger(label: "test-server")
        logger.logLevel = .critical
        var configuration = configuration
        configuration.database = databasePath ?? FileManager.default.temporaryDirectory.appendingPathComponent("aloft-server-\(UUID().uuidString)/aloft.db").path
        configuration.agentsDirectory = agentsDirectory
        // The same wiring as `aloft serve`, with short intervals and the test's environment.
        let (app, wiring) = try await buildApplication(
            configuration: configuration,
            engine: EngineConfiguration(environment: environment, streamFlushInterval: .milliseconds(20), pollInterval: .milliseconds(20)),
            logger: logger
        )
        let scripted = AgentDefinition(
            name: "scripted", instructions: "Be brief.", model: ModelSettings(provider: .scripted, name: "scripted", script: replies),
            tools: [ToolSpec(builtin: "current_time")], policies: AgentPolicies(requireApproval: approval)
        )
        _ = try await wiring.agents.put(scripted, at: Date())
        if let modelURL {
            _ = try await wiring.agents.put(
                AgentDefinition(name: "remote", instructions: "Be kind.", model: ModelSettings(provider: .openai, name: "m", baseURL: modelURL)),
                at: Date()
            )
        }
        // The test framework runs the application's services (the engine among them) around the body.
        return try await app.test(framework) { client in try await body(client, wiring) }
    }
}

extension TestResponse {
    var json: JSONValue { (try? JSONValue.parse(String(buffer: body))) ?? .null }
    var errorCode: String? { json["error"]?["code"]?.stringValue }
}

extension TestClientProtocol {
    @discardableResult
    /// Sends `json` as the body, as `application/json` unless `headers` say otherwise.
    func send(_ method: HTTPRequest.Method, _ uri: String, json: String? = nil, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        if json != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    /// Polls a run until it reaches one of `phases`.
    func waitForRun(_ id: String, _ phases: Set<String>, headers: HTTPFields = [:]) async throws -> JSONValue {
        for _ in 0..<500 {
            let run = try await send(.get, "/v1/runs/\(id)", headers: headers).json
            if let phase = run["phase"]?.stringValue, phases.contains(phase) { return run }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw CancellationError()
    }
}

/// Splits an SSE body into events (id, event, data).
func serverSentEvents(_ text: String) -> [(id: Int?, event: String, data: JSONValue)] {
    text.components(separatedBy: "\n\n").compactMap { block in
        var id: Int?
        var event = "message"
        var data = ""
        for line in block.split(separator: "\n") {
            if line.hasPrefix("id: ") { id = Int(line.dropFirst(4)) }
            if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
            if line.hasPrefix("data: ") { data += line.dropFirst(6) }
        }
        guard !data.isEmpty else { return nil }
        return (id, event, (try? JSONValue.parse(data)) ?? .null)
    }
}

extension LocalEngine {
    /// The test server's store as what it is, for what only SQLite offers (preloading).
    var sqlite: SQLiteStore {
        get throws { try #require(store as? SQLiteStore) }
    }
}
