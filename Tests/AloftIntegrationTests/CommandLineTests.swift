import AloftCore
import AloftTestSupport
import Foundation
import Testing

@Suite("The aloft command line", .serialized, .timeLimit(.minutes(2)))
struct CommandLineTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/agents").path

    @Test("the offline demo streams an answer and completes")
    func offlineDemo() async throws {
        let folder = try temporaryFolder()
        let result = try await AloftProcess.run(["run", "--agent", "\(Self.examples)/demo.yaml", "--db", "aloft.db", "Hello"], directory: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("streamed by Aloft's scripted provider"))
        #expect(result.stderr.contains("current_time"))
        #expect(result.stderr.contains("completed"))
    }

    @Test("aloft prune deletes journals and events by default, whole runs with --whole-runs, and refuses an age it cannot read")
    func prune() async throws {
        let folder = try temporaryFolder()
        let run = try await AloftProcess.run(["run", "--agent", "\(Self.examples)/demo.yaml", "--db", "aloft.db", "Hello"], directory: folder)
        #expect(run.status == 0, "\(run.stderr)")
        let young = try await AloftProcess.run(["prune", "--finished-before", "1d", "--db", "aloft.db"], directory: folder)
        #expect(young.status == 0 && young.stdout.contains("deleted the journals and events of 0 run(s)"), "\(young.stdout)\(young.stderr)")
        let details = try await AloftProcess.run(["prune", "--finished-before", "0s", "--db", "aloft.db"], directory: folder)
        #expect(details.status == 0 && details.stdout.contains("deleted the journals and events of 1 run(s)"), "\(details.stdout)\(details.stderr)")
        let kept = try await AloftProcess.run(["runs", "list", "--db", "aloft.db", "--json"], directory: folder)
        #expect(kept.stdout.contains("run_"), "the run itself stays: \(kept.stdout)")
        let all = try await AloftProcess.run(["prune", "--finished-before", "0s", "--whole-runs", "--db", "aloft.db"], directory: folder)
        #expect(all.status == 0 && all.stdout.contains("deleted 1 run(s)"), "\(all.stdout)\(all.stderr)")
        let listed = try await AloftProcess.run(["runs", "list", "--db", "aloft.db", "--json"], directory: folder)
        #expect(!listed.stdout.contains("run_"), "\(listed.stdout)")
        let bad = try await AloftProcess.run(["prune", "--finished-before", "soon", "--db", "aloft.db"], directory: folder)
        #expect(bad.status != 0 && bad.stderr.contains("30d"))
        let both = try await AloftProcess.run(["prune", "--finished-before", "1d", "--keep-events", "--whole-runs", "--db", "aloft.db"], directory: folder)
        #expect(both.status != 0 && both.stderr.contains("exclude each other"))
    }

    @Test("--json prints every event as a JSON line, numbered in order, then the run")
    func jsonOutput() async throws {
        let folder = try temporaryFolder()
        let result = try await AloftProcess.run(["run", "--agent", "\(Self.examples)/demo.yaml", "--db", "aloft.db", "--json", "Hi"], directory: folder)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = try result.stdout.split(separator: "\n").map { try JSONValue.parse(String($0)) }
        let events = lines.dropLast()
        #expect(events.compactMap { $0["seq"]?.numberValue }.map(Int.init) == Array(1...events.count))
        #expect(events.first?["type"] == "run_started")
        #expect(events.last?["type"] == "run_completed")
        #expect(lines.last?["phase"] == "completed" && lines.last?["type"] == "run", "every line says what it is")
        #expect(lines.allSatisfy { $0["type"]?.stringValue != nil })
        #expect(lines.last?["created_at"]?.stringValue?.hasSuffix("Z") == true, "ISO 8601 times, as in the API")
        let listed = try await AloftProcess.run(["runs", "list", "--json", "--db", "aloft.db"], directory: folder)
        #expect(try JSONValue.parse(String(listed.stdout.split(separator: "\n").first ?? ""))["type"] == "run")
    }

    @Test("bad agent files are refused with the file and field named", arguments: [
        ("name: x\nmodel: { provider: gpt }\n", "unknown provider 'gpt'"),
        ("name: x\nmodel: { provider: scripted, script: [] }\npolicies: { max_iteration: 3 }\n", "unknown field 'max_iteration'"),
        ("name: x\nmodel: { provider: scripted, script: [] }\npolicies: { max_iterations: many }\n", "policies.max_iterations"),
        ("name: x\ninstructions: [unclosed\n", "YAML"),
        ("name: x\nmodel: { provider: scripted }\n", "script"),
        ("model: { provider: scripted, script: [] }\n", "name"),
        ("name: x\nmodel: { provider: openai, base_url: \"http://127.0.0.1:9\" }\n", "model.name: required"),
        ("name: x\nmodel: { provider: openai, name: m, temperature: 7, max_tokens: -5 }\n", "model.temperature"),
        ("name: x\nmodel: { provider: openai, name: m, temperature: 7, max_tokens: -5 }\n", "model.max_tokens"),
        ("name: x\nmodel:\n  provider: openai\n  name: m\n  temperature: 7\n  max_tokens: -5\n", "line 5: model.temperature"),
        ("name: x\nmodel:\n  provider: openai\n  name: m\n  temperature: 7\n  max_tokens: -5\n", "line 6: model.max_tokens"),
    ])
    func badAgentFiles(text: String, expected: String) async throws {
        let folder = try temporaryFolder()
        let path = (folder as NSString).appendingPathComponent("bad.yaml")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try await AloftProcess.run(["run", "--agent", path, "--db", "aloft.db", "hi"], directory: folder)
        #expect(result.status == 2)
        #expect(result.stderr.contains("bad.yaml"))
        #expect(result.stderr.contains(expected), "\(result.stderr)")
        let listed = try await AloftProcess.run(["runs", "list", "--json", "--db", "aloft.db"], directory: folder)
        #expect(listed.stdout.isEmpty, "nothing is recorded for a refused agent")
    }

    @Test("bad arguments get clear errors", arguments: [
        (["runs", "list", "--phase", "sleeping"], "--phase must be one of", Int32(2)),
        (["runs", "list", "--no-such-flag"], "Unknown option", 2),
        (["runs", "show", "run_missing"], "no run run_missing", 1),
        (["approve", "run_missing"], "no run run_missing", 1),
        (["run", "--agent", "/nonexistent.yaml", "hi"], "no such file", 2),
        (["bench", "--conc", "0"], "--conc at least 1", 2),
        (["bench-grpc", "--concurrency", "0"], "concurrency 1…1000", 2),
    ])
    func badArguments(arguments: [String], expected: String, status: Int32) async throws {
        let folder = try temporaryFolder()
        let result = try await AloftProcess.run(arguments + (arguments.first?.hasPrefix("bench") == true ? [] : ["--db", "aloft.db"]), directory: folder)
        #expect(result.status == status, "bad arguments exit 2 (as the README says), a missing thing 1: \(result.stderr)")
        #expect(result.stderr.contains(expected), "\(result.stderr)")
    }

    @Test("a second turn in the same session continues the conversation")
    func sessions() async throws {
        let folder = try temporaryFolder()
        let first = try await AloftProcess.run(["run", "--agent", "\(Self.examples)/demo.yaml", "--db", "aloft.db", "--json", "One"], directory: folder)
        let session = try #require(try JSONValue.parse(String(first.stdout.split(separator: "\n").last ?? ""))["session_id"]?.stringValue)
        let second = try await AloftProcess.run(
            ["run", "--agent", "\(Self.examples)/demo.yaml", "--db", "aloft.db", "--session", session, "Two"], directory: folder
        )
        #expect(second.status == 0, "\(second.stderr)")
        let listed = try await AloftProcess.run(["runs", "list", "--session", session, "--json", "--db", "aloft.db"], directory: folder)
        #expect(listed.stdout.split(separator: "\n").count == 2)
        // The second turn's first model call saw the first turn (its input, tool call, result and answer), then "Two".
        let runId = try #require(try JSONValue.parse(String(listed.stdout.split(separator: "\n").first ?? ""))["id"]?.stringValue)
        let shown = try await AloftProcess.run(["runs", "show", runId, "--context", "--db", "aloft.db"], directory: folder)
        let call = shown.stdout.components(separatedBy: "context of model call 1").last ?? ""
        let firstCall = call.components(separatedBy: "context of model call 2").first ?? ""
        #expect(firstCall.contains("[user] One") && firstCall.contains("calls current_time") && firstCall.contains("[user] Two"), "\(shown.stdout)")
        #expect(shown.stdout.contains("context of model call 2"), "\(shown.stdout)")
    }
}

@Suite("CLI conveniences", .serialized, .timeLimit(.minutes(2)))
struct CommandLineConvenienceTests {
    static let examples = CommandLineTests.examples

    @Test("aloft --version prints the version the API document carries")
    func version() async throws {
        let result = try await AloftProcess.run(["--version"], directory: try temporaryFolder())
        #expect(result.status == 0)
        let document = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/AloftServer/OpenAPI/openapi.json")
        let version = try #require(try JSONValue.parse(try String(contentsOf: document, encoding: .utf8))["info"]?["version"]?.stringValue)
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == version)
    }

    @Test("the documented bash completion completes subcommands and their options")
    func shellCompletion() async throws {
        let folder = try temporaryFolder()
        let script = try await AloftProcess.run(["--generate-completion-script", "bash"], directory: folder)
        #expect(script.status == 0)
        try script.stdout.write(toFile: "\(folder)/aloft.bash", atomically: true, encoding: .utf8)
        /// What bash offers after `line` (its last word being completed).
        func complete(_ line: String) throws -> [String] {
            let words = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            let shell = Process()
            shell.executableURL = URL(fileURLWithPath: "/bin/bash")
            shell.arguments = [
                "-c",
                "source aloft.bash; COMP_WORDS=(\(words.map { "'\($0)'" }.joined(separator: " "))); COMP_CWORD=\(words.count - 1); "
                    + "COMP_LINE='\(line)'; COMP_POINT=${#COMP_LINE}; _aloft aloft '\(words.last ?? "")' '\(words[words.count - 2])'; printf '%s\\n' \"${COMPREPLY[@]}\"",
            ]
            shell.currentDirectoryURL = URL(fileURLWithPath: folder)
            let output = Pipe()
            shell.standardOutput = output
            try shell.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            shell.waitUntilExit()
            return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        }
        #expect(Set(try complete("aloft ru")) == ["run", "runs"])
        #expect(try complete("aloft runs s") == ["show"])
        #expect(try complete("aloft runs show --se").contains("--server"))
    }

    @Test("the question can come from standard input: `-`, or nothing with piped input")
    func standardInput() async throws {
        let folder = try temporaryFolder()
        for arguments in [["-"], []] {
            let result = try await AloftProcess.run(
                ["run", "--agent", "\(Self.examples)/demo.yaml", "--db", "aloft.db", "--json"] + arguments, directory: folder, input: "A question\nover two lines\n"
            )
            #expect(result.status == 0, "\(result.stderr)")
            let run = try JSONValue.parse(String(result.stdout.split(separator: "\n").last ?? ""))
            #expect(run["input"] == "A question\nover two lines", "\(run)")
        }
    }

    @Test("runs events prints any run's events from its log, resumes after a number, and follows a run another process drives")
    func events() async throws {
        let folder = try temporaryFolder()
        let talker = (folder as NSString).appendingPathComponent("talker.yaml")
        try writeTalker(to: talker, words: 100, delay: 20)
        let driver = try AloftProcess(["run", "--agent", talker, "--db", "aloft.db", "talk"], directory: folder)
        try await eventually("the run starts") { driver.stderr.contains("run run_") }
        let id = try #require(driver.stderr.split(separator: " ").first { $0.hasPrefix("run_") }.map(String.init))
        let followed = try await AloftProcess.run(["runs", "events", id, "--follow", "--db", "aloft.db"], directory: folder)
        #expect(followed.status == 0, "\(followed.stderr)")
        let events = try followed.stdout.split(separator: "\n").map { try JSONValue.parse(String($0)) }
        let numbers = events.compactMap { $0["seq"]?.integer(in: 0...Int.max) }
        #expect(events.first?["type"] == "run_started" && events.last?["type"] == "run_completed", "\(followed.stdout.suffix(300))")
        #expect(numbers == numbers.sorted() && Set(numbers).count == numbers.count)
        _ = try await driver.wait()

        let later = try await AloftProcess.run(["runs", "events", id, "--after", "\(numbers[numbers.count / 2])", "--db", "aloft.db"], directory: folder)
        let rest = try later.stdout.split(separator: "\n").map { try JSONValue.parse(String($0))["seq"]?.integer(in: 0...Int.max) ?? -1 }
        #expect(rest == Array(numbers.suffix(from: numbers.count / 2 + 1)))
    }

    @Test("commands that read or act on runs create no database where there is none, and say so")
    func noDatabaseCreated() async throws {
        let folder = try temporaryFolder()
        for arguments in [["runs", "list"], ["runs", "show", "run_x"], ["runs", "events", "run_x"], ["approve", "run_x"], ["resume"], ["prune", "--finished-before", "1d"]] {
            let result = try await AloftProcess.run(arguments + ["--db", "aloft.db"], directory: folder)
            #expect(result.stderr.contains("there is no database at aloft.db"), "\(arguments): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("aloft.db")))
    }

    @Test("without --db, runs go to one database per user, whatever the folder: ~/.local/share/aloft, or $XDG_DATA_HOME/aloft")
    func defaultDatabasePerUser() async throws {
        let home = try temporaryFolder()
        let here = try temporaryFolder()
        let there = try temporaryFolder()
        let user = ["HOME": home]
        let ran = try await AloftProcess.run(["run", "--agent", "\(Self.examples)/demo.yaml", "--json", "Hi"], directory: here, environment: user)
        #expect(ran.status == 0, "\(ran.stderr)")
        #expect(FileManager.default.fileExists(atPath: "\(home)/.local/share/aloft/aloft.db"), "the database is in the user's data folder")
        #expect(!FileManager.default.fileExists(atPath: "\(here)/.aloft"), "not in the current folder")
        let listed = try await AloftProcess.run(["runs", "list", "--json"], directory: there, environment: user)
        #expect(listed.stdout.split(separator: "\n").count == 1, "another folder sees the same runs: \(listed.stdout) \(listed.stderr)")

        let data = try temporaryFolder()
        let xdg = try await AloftProcess.run(["runs", "list"], directory: there, environment: user.merging(["XDG_DATA_HOME": data]) { $1 })
        #expect(xdg.stderr.contains("there is no database at \(data)/aloft/aloft.db"), "\(xdg.stderr)")
        let chosen = try await AloftProcess.run(["runs", "list"], directory: there, environment: user.merging(["ALOFT_DB": "mine.db"]) { $1 })
        #expect(chosen.stderr.contains("there is no database at mine.db"), "ALOFT_DB wins: \(chosen.stderr)")
    }

    @Test("sessions list, show and delete; agents list and validate")
    func sessionsAndAgents() async throws {
        let folder = try temporaryFolder()
        let first = try await AloftProcess.run(["run", "--agent", "\(Self.examples)/demo.yaml", "--db", "aloft.db", "--json", "One"], directory: folder)
        let session = try #require(try JSONValue.parse(String(first.stdout.split(separator: "\n").last ?? ""))["session_id"]?.stringValue)
        _ = try await AloftProcess.run(["run", "--agent", "\(Self.examples)/demo.yaml", "--db", "aloft.db", "--session", session, "Two"], directory: folder)
        let listed = try await AloftProcess.run(["sessions", "list", "--json", "--db", "aloft.db"], directory: folder)
        #expect(try listed.stdout.split(separator: "\n").map { try JSONValue.parse(String($0))["id"]?.stringValue } == [session])
        let shown = try await AloftProcess.run(["sessions", "show", session, "--db", "aloft.db"], directory: folder)
        #expect(shown.stdout.contains("[user] One") && shown.stdout.contains("[user] Two") && shown.stdout.contains("runs       2"), "\(shown.stdout)")
        _ = try await AloftProcess.run(
            ["chat", "--agent", "\(Self.examples)/demo.yaml", "--db", "aloft.db", "--metadata", "team=support", "--metadata", "ticket=T-9"], directory: folder,
            input: "hello\n/exit\n"
        )
        let labelled = try await AloftProcess.run(["sessions", "list", "--json", "--db", "aloft.db", "--metadata", "team=support"], directory: folder)
        let found = try labelled.stdout.split(separator: "\n").map { try JSONValue.parse(String($0)) }
        #expect(found.count == 1 && found.first?["metadata"]?["ticket"] == "T-9" && found.first?["id"]?.stringValue != session, "\(labelled.stdout)")
        let shownLabels = try await AloftProcess.run(["sessions", "show", found.first?["id"]?.stringValue ?? "", "--db", "aloft.db"], directory: folder)
        #expect(shownLabels.stdout.contains("metadata   team=support ticket=T-9"), "\(shownLabels.stdout)")
        let badLabel = try await AloftProcess.run(["sessions", "list", "--db", "aloft.db", "--metadata", "team"], directory: folder)
        #expect(badLabel.status == 2 && badLabel.stderr.contains("name=value"), "\(badLabel.stderr)")
        #expect(try await AloftProcess.run(["sessions", "delete", session, "--db", "aloft.db"], directory: folder).status == 0)
        #expect(try await AloftProcess.run(["runs", "list", "--json", "--db", "aloft.db", "--session", session], directory: folder).stdout.isEmpty)
        #expect(try await AloftProcess.run(["sessions", "show", session, "--db", "aloft.db"], directory: folder).status == 1)

        let valid = try await AloftProcess.run(["agents", "validate", "\(Self.examples)/demo.yaml"], directory: folder)
        #expect(valid.status == 0 && valid.stderr.contains("ok "), "\(valid.stderr)")
        let bad = (folder as NSString).appendingPathComponent("bad.yaml")
        try "name: x\nmodel: { provider: openai, name: m, temperature: 9 }\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let invalid = try await AloftProcess.run(["agents", "validate", "\(Self.examples)/demo.yaml", bad], directory: folder)
        #expect(invalid.status == 2 && invalid.stderr.contains("bad.yaml") && invalid.stderr.contains("model.temperature"), "\(invalid.stderr)")
        let agents = try await AloftProcess.run(["agents", "list", "--agents", Self.examples], directory: folder)
        #expect(agents.stdout.contains("demo") && agents.stdout.contains("approval-demo"), "\(agents.stdout)")
    }

    @Test("runs delete deletes a finished run and refuses one under way")
    func delete() async throws {
        let folder = try temporaryFolder()
        let run = try await AloftProcess.run(["run", "--agent", "\(Self.examples)/demo.yaml", "--db", "aloft.db", "--json", "Hello"], directory: folder)
        let id = try #require(try JSONValue.parse(String(run.stdout.split(separator: "\n").last ?? ""))["id"]?.stringValue)
        let deleted = try await AloftProcess.run(["runs", "delete", id, "--db", "aloft.db"], directory: folder)
        #expect(deleted.status == 0, "\(deleted.stderr)")
        #expect(try await AloftProcess.run(["runs", "show", id, "--db", "aloft.db"], directory: folder).status == 1)
        let waiting = try await AloftProcess.run(["run", "--agent", "\(Self.examples)/approval-demo.yaml", "--db", "aloft.db", "--json", "--no-input", "Clean"], directory: folder)
        let waitingId = try #require(try JSONValue.parse(String(waiting.stdout.split(separator: "\n").last ?? ""))["id"]?.stringValue)
        let refused = try await AloftProcess.run(["runs", "delete", waitingId, "--db", "aloft.db"], directory: folder)
        #expect(refused.status == 1 && refused.stderr.contains("stop it first"), "\(refused.stderr)")
    }

    @Test("chat commands are for the chat: /help answers, an unknown /command is refused and never sent to the model")
    func chatCommands() async throws {
        let folder = try temporaryFolder()
        let chat = try await AloftProcess.run(
            ["chat", "--agent", "\(Self.examples)/demo.yaml", "--db", "aloft.db"], directory: folder, input: "/bogus\n/help\n/exit\n"
        )
        #expect(chat.status == 0, "\(chat.stderr)")
        #expect(chat.stderr.contains("unknown command /bogus") && chat.stderr.contains("/exit or /quit leaves"), "\(chat.stderr)")
        let runs = try await AloftProcess.run(["runs", "list", "--json", "--db", "aloft.db"], directory: folder)
        #expect(runs.stdout.isEmpty, "nothing was sent to the model")
    }
}
