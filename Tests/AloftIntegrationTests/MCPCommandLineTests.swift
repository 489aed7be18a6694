import AloftCore
import AloftTestSupport
import Foundation
import Testing

/// An agent with an MCP server from PyPI, as a new user meets it: `aloft run` and `aloft serve`.
@Suite("MCP tools from aloft run and aloft serve", .serialized, .enabled(if: MCPPeer.available))
struct MCPCommandLineTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/agents").path

    @Test("the mcp-tools example calls the MCP server's add tool and answers through aloft run; a server that cannot start is refused before the run")
    func run() async throws {
        let folder = try temporaryFolder()
        let result = try await AloftProcess.run(["run", "--agent", "\(Self.examples)/mcp-tools.yaml", "--db", "aloft.db", "--json", "add"], directory: folder)
        #expect(result.status == 0, "\(result.stderr)")
        let events = result.stdout.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
        let completed = try #require(events.first { $0["type"] == "tool_call_completed" })
        #expect(completed["data"]?["name"] == "add" && completed["data"]?["content"]?.stringValue == "42", "\(completed)")
        #expect(events.last?["output"] == "The MCP server says 19 + 23 = 42.")
        try """
            name: broken
            model: { provider: scripted, script: [{ text: hi }] }
            tools: [{ mcp: { name: nowhere, command: /nonexistent/mcp-server } }]
            """.write(toFile: "\(folder)/broken.yaml", atomically: true, encoding: .utf8)
        let broken = try await AloftProcess.run(["run", "--agent", "broken.yaml", "--db", "aloft.db", "hi"], directory: folder)
        #expect(broken.status == 2 && broken.stderr.contains("tools[0] (nowhere): the MCP server cannot be used"), "\(broken.stderr)")
    }

    @Test("aloft serve loads the agent with its MCP server and runs it over REST")
    func serve() async throws {
        let folder = try temporaryFolder()
        let agents = try agentsFolder(in: folder)
        let example = try String(contentsOfFile: "\(Self.examples)/mcp-tools.yaml", encoding: .utf8)
            .replacingOccurrences(of: "../../", with: A2APeer.root + "/")
        try example.write(toFile: "\(agents)/mcp-tools.yaml", atomically: true, encoding: .utf8)
        let server = try await ServerProcess.start(in: folder)
        defer { server.process.kill() }
        let run = try await server.runToEnd(agent: "mcp-tools", input: "add")
        #expect(run["output"] == "The MCP server says 19 + 23 = 42.", "\(run)")
    }
}
