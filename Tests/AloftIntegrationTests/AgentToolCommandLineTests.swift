import AloftCore
import AloftTestSupport
import Foundation
import Testing

/// An agent that calls another agent, as a new user meets it: `aloft run` with the agent files
/// side by side, and `aloft serve` with both in its agents folder.
@Suite("Agents calling agents from aloft run and aloft serve")
struct AgentToolCommandLineTests {
    static func writeAgents(in folder: String) throws {
        try """
            name: lead
            model:
              provider: scripted
              script:
                - tool_calls: [{ name: reviewer, arguments: { input: "Review: the plan has no tests." } }]
                - text: "The reviewer agrees."
            tools:
              - agent: reviewer
            """.write(toFile: "\(folder)/lead.yaml", atomically: true, encoding: .utf8)
        try """
            name: reviewer
            model: { provider: scripted, script: [{ text: "Add tests before merging." }] }
            """.write(toFile: "\(folder)/reviewer.yaml", atomically: true, encoding: .utf8)
    }

    @Test("aloft run: the child run answers the tool call, is linked to its parent and shown as its child by aloft runs show")
    func run() async throws {
        let folder = try temporaryFolder()
        try Self.writeAgents(in: folder)
        let run = try await AloftProcess.run(["run", "--agent", "lead.yaml", "--db", "aloft.db", "--json", "go"], directory: folder)
        #expect(run.status == 0, "\(run.stderr)")
        let events = run.stdout.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
        #expect(events.first { $0["type"] == "tool_call_completed" }?["data"]?["content"] == "Add tests before merging.", "\(run.stdout)")
        let parentId = try #require(events.last?["id"]?.stringValue)
        let listed = try await AloftProcess.run(["runs", "list", "--db", "aloft.db", "--json"], directory: folder)
        let runs = listed.stdout.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
        let child = try #require(runs.first { $0["agent"] == "reviewer" }, "\(listed.stdout)")
        #expect(child["correlation_id"]?.stringValue == parentId && child["phase"] == "completed")
        let shown = try await AloftProcess.run(["runs", "show", try #require(child["id"]?.stringValue), "--db", "aloft.db"], directory: folder)
        #expect(shown.stdout.contains("parent     \(parentId)"), "\(shown.stdout)")
    }

    @Test("aloft serve: a run of the lead over REST starts the reviewer from the agents folder")
    func serve() async throws {
        let folder = try temporaryFolder()
        try Self.writeAgents(in: try agentsFolder(in: folder))
        let server = try await ServerProcess.start(in: folder)
        defer { server.process.kill() }
        let run = try await server.runToEnd(agent: "lead", input: "go")
        #expect(run["output"] == "The reviewer agrees.", "\(run)")
        let children = try await http("GET", "\(server.base)/v1/runs?agent=reviewer").body
        #expect(children["data"]?.arrayValue?.first?["correlation_id"]?.stringValue == run["id"]?.stringValue, "\(children)")
    }
}
