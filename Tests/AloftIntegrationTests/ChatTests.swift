import AloftCore
import AloftTestSupport
import Foundation
import Testing

@Suite("aloft chat", .serialized, .timeLimit(.minutes(2)))
struct ChatTests {
    static let examples = CommandLineTests.examples

    @Test("embedded: two turns in one session, and an approval answered inline")
    func embedded() async throws {
        let folder = try temporaryFolder()
        let chat = try await AloftProcess.run(
            ["chat", "--agent", "\(Self.examples)/approval-demo.yaml", "--db", "aloft.db"], directory: folder,
            input: "clean up\ny\nand again\nn\nnot now\n/exit\n"
        )
        #expect(chat.status == 0, "\(chat.stderr)")
        #expect(chat.stderr.contains("needs your approval"))
        #expect(chat.stdout.components(separatedBy: "Done: the clean-up step").count == 3)
        #expect(chat.stderr.contains("denied this call to current_time: not now"))
        let runs = try await AloftProcess.run(["runs", "list", "--json", "--db", "aloft.db"], directory: folder).stdout
            .split(separator: "\n").map { try JSONValue.parse(String($0)) }
        #expect(runs.count == 2)
        #expect(Set(runs.compactMap { $0["session_id"]?.stringValue }).count == 1, "both turns are in one session")
    }

    @Test("against a server: the conversation runs there, approvals are decided from the terminal")
    func againstServer() async throws {
        let folder = try temporaryFolder()
        let agents = (folder as NSString).appendingPathComponent("agents")
        try FileManager.default.createDirectory(atPath: agents, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(Self.examples)/approval-demo.yaml", toPath: "\(agents)/approval-demo.yaml")
        let port = try freePort()
        let server = try AloftProcess(["serve", "--port", "\(port)", "--agents", "agents", "--db", "aloft.db"], directory: folder)
        defer { server.kill() }
        try await eventually("the server answers") { (try? await http("GET", "http://127.0.0.1:\(port)/healthz"))?.status == 200 }
        let chat = try await AloftProcess.run(
            ["chat", "--agent", "approval-demo", "--server", "http://127.0.0.1:\(port)"], directory: folder, input: "clean up\ny\n/exit\n"
        )
        #expect(chat.status == 0, "\(chat.stderr)")
        #expect(chat.stderr.contains("needs your approval"))
        #expect(chat.stdout.contains("Done: the clean-up step was handled as you decided."))
        let runs = try await http("GET", "http://127.0.0.1:\(port)/v1/runs").body
        #expect(runs["data"]?.arrayLength == 1)
        #expect(runs["data"]?[0]?["phase"] == "completed")
    }
}

extension JSONValue {
    var arrayLength: Int? { if case .array(let items) = self { items.count } else { nil } }
    subscript(index: Int) -> JSONValue? { if case .array(let items) = self, index < items.count { items[index] } else { nil } }
}

@Suite("aloft chat stop", .serialized, .timeLimit(.minutes(2)))
struct ChatStopTests {
    @Test("Ctrl-C stops the answer being streamed, keeps it as interrupted, and the chat goes on")
    func ctrlC() async throws {
        let folder = try temporaryFolder()
        let agent = (folder as NSString).appendingPathComponent("talker.yaml")
        try """
            name: talker
            model:
              provider: scripted
              script:
                - text: "\((1...400).map { "w\($0)" }.joined(separator: " "))"
                  chunk_delay_ms: 10
            """.write(toFile: agent, atomically: true, encoding: .utf8)
        let chat = try AloftProcess(["chat", "--agent", agent, "--db", "aloft.db"], directory: folder, input: "talk\n")
        try await eventually("the answer streams") { chat.stdout.count > 100 }
        chat.signal(SIGINT)
        try await eventually("the run is cancelled") { chat.stderr.contains("cancelled") }
        let status = try await chat.wait(timeout: .seconds(10))
        #expect(status == 0, "end of input leaves the chat: \(chat.stderr)")
        let prompts = chat.stderr.components(separatedBy: "you> ").count - 1
        #expect(prompts == 2, "after Ctrl-C the chat asks for the next message instead of leaving")
        let runs = try await AloftProcess.run(["runs", "list", "--json", "--db", "aloft.db"], directory: folder).stdout
        let run = try JSONValue.parse(String(runs.split(separator: "\n").first ?? ""))
        #expect(run["phase"] == "cancelled")
    }
}
