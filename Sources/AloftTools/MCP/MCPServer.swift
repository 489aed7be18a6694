public import AloftCore
import AsyncHTTPClient
import Foundation
import Synchronization

/// One MCP server of an agent file, shared by every agent and run of the process that names
/// it the same way: started (or connected) once, when first needed; started again when it
/// died or its session ended. Its tool list is read at agent load and read again after the
/// server says it changed.
public actor MCPServer {
    /// How long starting the server and initializing may take.
    static let startSeconds = 30.0

    let spec: MCPToolSpec
    private let makeChannel: @Sendable () throws -> any MCPChannel
    private var client: MCPClient?
    /// The tools as last listed, and the generation they were listed in.
    private var tools: (list: [MCPToolDefinition], generation: Int)?
    /// Rises when the server says its tools changed and when it is started again: a toolbox
    /// built from an older generation is out of date.
    nonisolated let generation = Atomic<Int>(0)
    /// Times the server was started (or connected), for tests and logs.
    public private(set) var starts = 0

    init(spec: MCPToolSpec, makeChannel: @escaping @Sendable () throws -> any MCPChannel) {
        self.spec = spec
        self.makeChannel = makeChannel
    }

    private static let shared = Mutex<[String: MCPServer]>([:])

    /// The process's server for `spec` with its secrets from `variables`: one per distinct
    /// configuration (the expanded settings are the key, so a changed secret is a new server).
    static func shared(spec: MCPToolSpec, variables: [String: String], client: HTTPClient, timeoutSeconds: Double) throws -> MCPServer {
        let expand = { (text: String) throws -> String in try MCPServer.expand(text, variables: variables) }
        let key: String
        let make: @Sendable () throws -> any MCPChannel
        if let command = spec.command {
            var environment: [String: String] = [:]
            for name in MCPStdioChannel.inheritedVariables { environment[name] = variables[name] }
            for (name, value) in spec.env { environment[name] = try expand(value) }
            let args = spec.args, directory = spec.workingDirectory, childEnvironment = environment
            key = JSONValue.array([.string("stdio"), .string(command), .array(args.map(JSONValue.string)), .object(environment.mapValues(JSONValue.string)), directory.map(JSONValue.string) ?? .null]).jsonText()
            make = { try MCPStdioChannel(command: command, args: args, environment: childEnvironment, workingDirectory: directory) }
        } else if let url = spec.url {
            let headers = try spec.headers.sorted { $0.key < $1.key }.map { ($0.key, try expand($0.value)) }
            key = JSONValue.array([.string("http"), .string(url), .array(headers.map { [.string($0.0), .string($0.1)] })]).jsonText()
            make = { MCPHTTPChannel(url: url, headers: headers, client: client, timeoutSeconds: timeoutSeconds) }
        } else {
            throw ToolConfigurationError(problems: ["needs 'command' or 'url'"])
        }
        return shared.withLock { servers in
            if let server = servers[key] { return server }
            let server = MCPServer(spec: spec, makeChannel: make)
            servers[key] = server
            return server
        }
    }

    /// `${NAME}` replaced by the variable's value; a missing one is a configuration problem.
    static func expand(_ text: String, variables: [String: String]) throws -> String {
        do { return try SecretTemplate.expand(text, environment: variables) } catch {
            throw ToolConfigurationError(problems: ["environment variable \(error.name) is not set"])
        }
    }

    /// The `${NAME}`s the entry names (for the API agent policy).
    public static func referencedVariables(in spec: MCPToolSpec) -> [String] {
        (Array(spec.env.values) + Array(spec.headers.values)).flatMap(SecretTemplate.variables(in:))
    }

    /// A live session, starting the server if there is none.
    private func session() async throws -> MCPClient {
        if let client, !client.isClosed { return client }
        if let client {
            await client.close()
            generation.add(1, ordering: .relaxed)
        }
        client = nil
        starts += 1
        let channel = try makeChannel()
        let started = try await MCPClient.connect(channel, timeoutSeconds: Self.startSeconds) { [weak self] in
            self?.generation.add(1, ordering: .relaxed)
        }
        client = started
        return started
    }

    /// The server's tools (all pages), read again when the server said they changed or it
    /// was started again.
    func listTools() async throws -> (list: [MCPToolDefinition], generation: Int) {
        let client = try await session()
        let current = generation.load(ordering: .relaxed)
        if let tools, tools.generation == current { return tools }
        var listed: [MCPToolDefinition] = []
        var cursor: String?
        repeat {
            let result = try await client.request("tools/list", params: cursor.map { ["cursor": .string($0)] } ?? [:], timeoutSeconds: Self.startSeconds)
            guard case .array(let page)? = result["tools"] else { throw MCPChannelError(message: "the MCP server's tools/list result has no tools list") }
            listed += page.compactMap(MCPToolDefinition.init)
            cursor = result["nextCursor"]?.stringValue
            guard listed.count <= AgentLimits.maxMCPTools else {
                throw MCPChannelError(message: "the MCP server lists more than \(AgentLimits.maxMCPTools) tools")
            }
        } while cursor != nil
        tools = (listed, current)
        return (listed, current)
    }

    /// Calls a tool; the `tools/call` result.
    func call(_ name: String, arguments: JSONValue, timeoutSeconds: Double) async throws -> JSONValue {
        let client = try await session()
        return try await client.request("tools/call", params: ["name": .string(name), "arguments": arguments], timeoutSeconds: timeoutSeconds)
    }

    /// Stops the server (tests; shutdown).
    public func stop() async {
        await client?.close()
        client = nil
    }
}
