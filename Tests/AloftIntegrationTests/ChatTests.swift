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

    @Test("continuing a session shows its last turns; an unknown session is refused at start")
    func continuing() async throws {
        let folder = try temporaryFolder()
        let first = try await AloftProcess.run(["run", "--agent", "\(Self.examples)/demo.yaml", "--db", "aloft.db", "--json", "Remember the blue door"], directory: folder)
        let session = try #require(try JSONValue.parse(String(first.stdout.split(separator: "\n").last ?? ""))["session_id"]?.stringValue)
        let chat = try await AloftProcess.run(["chat", "--agent", "\(Self.examples)/demo.yaml", "--db", "aloft.db", "--session", session], directory: folder, input: "/exit\n")
        #expect(chat.status == 0 && chat.stderr.contains("you> Remember the blue door"), "\(chat.stderr)")
        let unknown = try await AloftProcess.run(["chat", "--agent", "\(Self.examples)/demo.yaml", "--db", "aloft.db", "--session", "ses_nope"], directory: folder, input: "hello\n")
        #expect(unknown.status == 2 && unknown.stderr.contains("no session ses_nope"), "\(unknown.stderr)")
        #expect(!unknown.stderr.contains("you> "), "refused before asking anything")
    }

    @Test("at a terminal: the line is edited key by key (←, End, Ctrl-W) and ↑ brings back earlier lines, also in a later chat")
    func lineEditing() async throws {
        let folder = try temporaryFolder()
        let demo = "\(Self.examples)/demo.yaml"
        let chat = try PseudoTerminal(["chat", "--agent", demo, "--db", "aloft.db"], directory: folder)
        try await chat.waitFor("you> ")
        chat.type("helo\u{1B}[D\u{1B}[Dl\u{1B}[F world\r")  // "helo", ← ←, "l", End, " world"
        try await chat.waitFor("you> ", count: 2)
        chat.type("\u{1B}[A\u{17}\u{17}again\r")  // ↑ brings "hello world" back; Ctrl-W twice deletes it
        try await chat.waitFor("you> ", count: 3)
        chat.type("/exit\r")
        #expect(try await chat.wait() == 0, "\(chat.screen)")
        func inputs() async throws -> [String] {
            try await AloftProcess.run(["runs", "list", "--json", "--db", "aloft.db"], directory: folder).stdout.split(separator: "\n")
                .compactMap { try JSONValue.parse(String($0))["input"]?.stringValue }
        }
        #expect(try await inputs() == ["again", "hello world"])

        let later = try PseudoTerminal(["chat", "--agent", demo, "--db", "aloft.db"], directory: folder)
        try await later.waitFor("you> ")
        later.type("\u{1B}[A\u{1B}[A\u{1B}[A\u{1B}[B\r")  // ↑ ↑ ↑ ↓: the earlier chat's second line
        try await later.waitFor("you> ", count: 2)
        later.type("\u{4}")  // Ctrl-D on an empty line leaves
        #expect(try await later.wait() == 0, "\(later.screen)")
        #expect(try await inputs() == ["again", "again", "hello world"])
        let history = try String(contentsOfFile: "\(folder)/.local/state/aloft/chat_history", encoding: .utf8)
        #expect(history.hasPrefix("hello world\nagain\n"), "\(history)")
        let mode = try FileManager.default.attributesOfItem(atPath: "\(folder)/.local/state/aloft/chat_history")[.posixPermissions] as? Int
        #expect(mode == 0o600, "only its owner reads the history")
    }

    @Test("against a server: the conversation runs there, approvals are decided from the terminal")
    func againstServer() async throws {
        let folder = try temporaryFolder()
        try FileManager.default.copyItem(atPath: "\(Self.examples)/approval-demo.yaml", toPath: "\(try agentsFolder(in: folder))/approval-demo.yaml")
        let server = try await ServerProcess.start(in: folder)
        defer { server.process.kill() }
        let chat = try await AloftProcess.run(
            ["chat", "--agent", "approval-demo", "--server", server.base], directory: folder, input: "clean up\ny\n/exit\n"
        )
        #expect(chat.status == 0, "\(chat.stderr)")
        #expect(chat.stderr.contains("needs your approval"))
        #expect(chat.stdout.contains("Done: the clean-up step was handled as you decided."))
        let runs = try await http("GET", "\(server.base)/v1/runs").body
        #expect(runs["data"]?.arrayLength == 1)
        #expect(runs["data"]?[0]?["phase"] == "completed")

        // Continuing the session there (the server from ALOFT_SERVER) shows its last turns first.
        let session = try #require(runs["data"]?[0]?["session_id"]?.stringValue)
        let again = try await AloftProcess.run(
            ["chat", "--agent", "approval-demo", "--session", session], directory: folder, environment: ["ALOFT_SERVER": server.base], input: "/exit\n"
        )
        #expect(again.status == 0 && again.stderr.contains("you> clean up"), "\(again.stderr)")
        #expect(again.stderr.contains("agent> Done: the clean-up step"), "\(again.stderr)")
        let wrongAgent = try await AloftProcess.run(["chat", "--agent", "demo", "--session", session, "--server", server.base], directory: folder, input: "hi\n")
        #expect(wrongAgent.status == 2 && wrongAgent.stderr.contains("belongs to agent 'approval-demo'"), "\(wrongAgent.stderr)")
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
        try writeTalker(to: agent, words: 400, delay: 25)
        let chat = try AloftProcess(["chat", "--agent", agent, "--db", "aloft.db"], directory: folder, input: "talk\n")
        try await eventually("the answer streams") { chat.stdout.count > 100 }
        chat.signal(SIGINT)
        do {
            try await eventually(timeout: .seconds(60), "the run is cancelled") { chat.stderr.contains("cancelled") }
        } catch {
            Issue.record("\(error); the chat wrote: \(chat.stderr)")
            throw error
        }
        let status = try await chat.wait(timeout: .seconds(10))
        #expect(status == 0, "end of input leaves the chat: \(chat.stderr)")
        let prompts = chat.stderr.components(separatedBy: "you> ").count - 1
        #expect(prompts == 2, "after Ctrl-C the chat asks for the next message instead of leaving")
        let runs = try await AloftProcess.run(["runs", "list", "--json", "--db", "aloft.db"], directory: folder).stdout
        let run = try JSONValue.parse(String(runs.split(separator: "\n").first ?? ""))
        #expect(run["phase"] == "cancelled")
    }
}
