import AloftCore
import AloftTestSupport
import Foundation
import Testing

/// Stopping and approving from the terminal, as a person (or a supervisor sending signals) does.
@Suite("Terminal stops and approvals", .serialized, .timeLimit(.minutes(3)))
struct TerminalStopTests {
    static let examples = CommandLineTests.examples

    static func runs(_ folder: String) async throws -> [JSONValue] {
        try await AloftProcess.run(["runs", "list", "--json", "--db", "aloft.db"], directory: folder).stdout
            .split(separator: "\n").map { try JSONValue.parse(String($0)) }
    }

    @Test("SIGTERM stops `aloft run` like Ctrl-C: the run ends cancelled, the process exits 1 and lets the database go")
    func sigtermStopsRun() async throws {
        let folder = try temporaryFolder()
        let agent = (folder as NSString).appendingPathComponent("talker.yaml")
        try writeTalker(to: agent, words: 600, delay: 20)
        let run = try AloftProcess(["run", "--agent", agent, "--db", "aloft.db", "talk"], directory: folder)
        try await eventually("the answer streams") { run.stdout.count > 50 }
        run.signal(SIGTERM)
        let status = try await run.wait(timeout: .seconds(15))
        #expect(status == 1, "a cancelled run exits 1: \(run.stderr)")
        #expect(try await Self.runs(folder).first?["phase"] == "cancelled")
        let resume = try await AloftProcess.run(["resume", "--db", "aloft.db"], directory: folder)
        #expect(resume.status == 0 && resume.stderr.contains("no unfinished runs"), "the lock is free and nothing is left half-way: \(resume.stderr)")
    }

    @Test("Ctrl-C at an approval question stops the run at once, exits 1, and asks for nothing more")
    func ctrlCAtApproval() async throws {
        let folder = try temporaryFolder()
        let chat = try AloftProcess(["chat", "--agent", "\(Self.examples)/approval-demo.yaml", "--db", "aloft.db"], directory: folder, openInput: true)
        chat.send("clean up\n")
        try await eventually("the approval is asked") { chat.stderr.contains("Approve? [y/N]") }
        chat.signal(SIGINT)
        try await eventually("the run is cancelled and the chat asks for the next message") {
            chat.stderr.contains("cancelled") && chat.stderr.components(separatedBy: "you> ").count == 3
        }
        chat.closeInput()
        #expect(try await chat.wait(timeout: .seconds(10)) == 0)
        #expect(!chat.stderr.contains("error"), "\(chat.stderr)")
        #expect(try await Self.runs(folder).first?["phase"] == "cancelled")
    }

    @Test("piped chat input that ends at an approval question leaves the run waiting, not denied")
    func endOfInputLeavesRunWaiting() async throws {
        let folder = try temporaryFolder()
        let chat = try await AloftProcess.run(
            ["chat", "--agent", "\(Self.examples)/approval-demo.yaml", "--db", "aloft.db"], directory: folder, input: "clean up\n"
        )
        #expect(chat.status == 0, "\(chat.stderr)")
        #expect(!chat.stderr.contains("denied"), "\(chat.stderr)")
        #expect(chat.stderr.contains("aloft approve"), "says how to decide later: \(chat.stderr)")
        #expect(try await Self.runs(folder).first?["phase"] == "waiting_for_approval")
    }

    @Test("chat through a server shows what the model said before asking for approval")
    func serverChatOrder() async throws {
        let folder = try temporaryFolder()
        try FileManager.default.copyItem(atPath: "\(Self.examples)/approval-demo.yaml", toPath: "\(try agentsFolder(in: folder))/approval-demo.yaml")
        let server = try await ServerProcess.start(in: folder)
        defer { server.process.kill() }
        let chat = try AloftProcess(
            ["chat", "--agent", "approval-demo", "--server", server.base], directory: folder, input: "clean up\ny\n/exit\n", mergeOutput: true
        )
        #expect(try await chat.wait() == 0, "\(chat.stdout)")
        let output = chat.stdout
        let said = try #require(output.range(of: "I will remove the old report."), "\(output)")
        let asked = try #require(output.range(of: "needs your approval"), "\(output)")
        #expect(said.lowerBound < asked.lowerBound, "\(output)")
    }
}

@Suite("Approvals after the deadline", .serialized, .timeLimit(.minutes(2)))
struct LateApprovalTests {
    @Test("`aloft approve` after the deadline says it is too late and exits 1; `aloft resume` goes on without the call")
    func lateApproval() async throws {
        let folder = try temporaryFolder()
        let agent = (folder as NSString).appendingPathComponent("hasty.yaml")
        try """
            name: hasty
            model:
              provider: scripted
              script:
                - tool_calls:
                    - name: current_time
                      arguments: {}
                - text: "Went on without it."
            policies:
              require_approval: [current_time]
              approval_deadline_seconds: 1
            tools:
              - builtin: current_time
            """.write(toFile: agent, atomically: true, encoding: .utf8)
        let run = try await AloftProcess.run(["run", "--agent", agent, "--db", "aloft.db", "--no-input", "what time is it"], directory: folder)
        #expect(run.status == 3, "\(run.stderr)")
        let id = try #require(try await TerminalStopTests.runs(folder).first?["id"]?.stringValue)
        try await Task.sleep(for: .milliseconds(1500))
        let approve = try await AloftProcess.run(["approve", id, "--db", "aloft.db"], directory: folder)
        #expect(approve.status == 1, "\(approve.stderr)")
        #expect(approve.stderr.contains("too late") && !approve.stderr.contains("approved"), "\(approve.stderr)")
        let resume = try await AloftProcess.run(["resume", "--db", "aloft.db"], directory: folder)
        #expect(resume.status == 0 && resume.stderr.contains("completed"), "the expired wait is resumed: \(resume.stderr)")
        #expect(try await TerminalStopTests.runs(folder).first?["phase"] == "completed")
    }
}

@Suite("Runs left behind", .serialized, .timeLimit(.minutes(2)))
struct StalledRunTests {
    @Test("`aloft run` runs only its own run: a run left behind by a killed process stays for `aloft resume`, shown as stalled")
    func otherRunsAreLeftAlone() async throws {
        let folder = try temporaryFolder()
        let talker = (folder as NSString).appendingPathComponent("talker.yaml")
        try writeTalker(to: talker, words: 300, delay: 20)
        let killed = try AloftProcess(["run", "--agent", talker, "--db", "aloft.db", "talk"], directory: folder)
        try await eventually("the answer streams") { killed.stdout.count > 30 }
        killed.kill()
        let left = try #require(try await TerminalStopTests.runs(folder).first)
        #expect(left["phase"] == "running" && left["driven"] == false, "\(left)")
        let listed = try await AloftProcess.run(["runs", "list", "--db", "aloft.db"], directory: folder).stdout
        #expect(listed.contains("stalled"), "\(listed)")

        let other = try await AloftProcess.run(["run", "--agent", "\(TerminalStopTests.examples)/demo.yaml", "--db", "aloft.db", "Hello"], directory: folder)
        #expect(other.status == 0, "\(other.stderr)")
        let after = try await TerminalStopTests.runs(folder)
        let untouched = try #require(after.first { $0["id"] == left["id"] })
        #expect(untouched["phase"] == "running" && untouched["event_seq"] == left["event_seq"], "not resumed by another command: \(untouched)")

        let resume = try await AloftProcess.run(["resume", "--db", "aloft.db"], directory: folder)
        #expect(resume.status == 0, "\(resume.stderr)")
        let resumed = try #require(try await TerminalStopTests.runs(folder).first { $0["id"] == left["id"] })
        #expect(resumed["phase"] == "completed" && resumed["driven"] == nil)
    }
}

@Suite("Closed output", .serialized, .timeLimit(.minutes(2)))
struct ClosedOutputTests {
    @Test("`aloft run … | head` stops the run when head has read enough, instead of leaving it half-way")
    func brokenPipe() async throws {
        let folder = try temporaryFolder()
        let agent = (folder as NSString).appendingPathComponent("talker.yaml")
        try writeTalker(to: agent, words: 400, delay: 10)
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "'\(AloftProcess.executable)' run --agent talker.yaml --db aloft.db talk 2>err.txt | head -c 40 >/dev/null"]
        shell.currentDirectoryURL = URL(fileURLWithPath: folder)
        try shell.run()
        try await eventually(timeout: .seconds(30), "the pipeline ends") { !shell.isRunning }
        try await eventually(timeout: .seconds(10), "the run is stopped, not left running") {
            try await TerminalStopTests.runs(folder).first?["phase"] == "cancelled"
        }
        let resume = try await AloftProcess.run(["resume", "--db", "aloft.db"], directory: folder)
        #expect(resume.stderr.contains("no unfinished runs"), "\(resume.stderr)")
    }
}

@Suite("Terminal lines for retries", .serialized, .timeLimit(.minutes(2)))
struct RetryLineTests {
    @Test("a model call retried after a 500 shows as one short line, not a raw log record")
    func retryLine() async throws {
        let server = FakeModelServer(replies: [.status(500, message: "upstream hiccup"), .text("Recovered.")])
        try await server.run { baseURL in
            let folder = try temporaryFolder()
            let agent = (folder as NSString).appendingPathComponent("remote.yaml")
            try """
                name: remote
                model: { provider: openai, name: m, base_url: "\(baseURL)" }
                policies: { model_retry: { max_attempts: 3, initial_backoff_seconds: 0.01, max_backoff_seconds: 0.05 } }
                """.write(toFile: agent, atomically: true, encoding: .utf8)
            let run = try await AloftProcess.run(["run", "--agent", agent, "--db", "aloft.db", "hi"], directory: folder)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("Recovered."))
            let line = try #require(run.stderr.split(separator: "\n").first { $0.hasPrefix("↻ model call failed") }, "\(run.stderr)")
            #expect(line.contains("retrying in") && line.hasSuffix("(1/3)"), "\(line)")
            #expect(!run.stderr.contains("[AloftRuntime]") && !run.stderr.contains("delay_s="), "no raw log records: \(run.stderr)")
        }
    }
}

@Suite("Terminal colour", .serialized, .timeLimit(.minutes(2)))
struct TerminalColourTests {
    /// Runs `aloft` under a pseudo-terminal (`script`), as a person at a terminal would.
    static func atTerminal(_ arguments: [String], folder: String, environment: [String: String] = [:]) async throws -> String {
        let command = ([AloftProcess.executable] + arguments).map { "'\($0)'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", command, "/dev/null"]
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test("at a terminal, tool lines are coloured and the model's silence says thinking…; NO_COLOR and pipes get plain text")
    func colour() async throws {
        let folder = try temporaryFolder()
        let demo = "\(CommandLineTests.examples)/demo.yaml"
        // (The test runner may set NO_COLOR itself; an empty one means unset.)
        let coloured = try await Self.atTerminal(["run", "--agent", demo, "--db", "aloft.db", "Hi"], folder: folder, environment: ["NO_COLOR": ""])
        #expect(coloured.contains("\u{1B}[36m→ current_time"), "\(coloured.debugDescription)")
        #expect(coloured.contains("thinking…"))
        let plain = try await Self.atTerminal(["run", "--agent", demo, "--db", "aloft.db", "Hi"], folder: folder, environment: ["NO_COLOR": "1"])
        #expect(plain.contains("→ current_time") && !plain.contains("\u{1B}["), "\(plain.debugDescription)")
        let piped = try await AloftProcess.run(["run", "--agent", demo, "--db", "aloft.db", "Hi"], directory: folder)
        #expect(!piped.stderr.contains("\u{1B}[") && !piped.stderr.contains("thinking"), "\(piped.stderr.debugDescription)")
    }
}

@Suite("Commands through a server", .serialized, .timeLimit(.minutes(2)))
struct RemoteCommandTests {
    @Test("--server (or ALOFT_SERVER): runs list, runs events, approve and runs cancel act on the server's runs")
    func throughServer() async throws {
        let folder = try temporaryFolder()
        let agents = try agentsFolder(in: folder)
        try FileManager.default.copyItem(atPath: "\(CommandLineTests.examples)/approval-demo.yaml", toPath: "\(agents)/approval-demo.yaml")
        try writeTalker(to: "\(agents)/talker.yaml", words: 400, delay: 20)
        let server = try await ServerProcess.start(in: folder)
        defer { server.process.kill() }
        let base = server.base
        let waiting = try #require(try await http("POST", "\(base)/v1/runs", json: #"{"agent":"approval-demo","input":"clean"}"#).body["id"]?.stringValue)
        try await eventually("the run waits") { try await http("GET", "\(base)/v1/runs/\(waiting)").body["phase"] == "waiting_for_approval" }

        let listed = try await AloftProcess.run(["runs", "list", "--json", "--server", base], directory: folder)
        #expect(try listed.stdout.split(separator: "\n").map { try JSONValue.parse(String($0))["id"]?.stringValue } == [waiting], "\(listed.stderr)")
        let events = try await AloftProcess.run(["runs", "events", waiting], directory: folder, environment: ["ALOFT_SERVER": base])
        #expect(events.stdout.contains("\"tool_call_requested\"") && events.stdout.contains("\"run_paused\""), "\(events.stdout)")

        let approved = try await AloftProcess.run(["approve", waiting, "--server", base], directory: folder)
        #expect(approved.status == 0 && approved.stderr.contains("approved current_time"), "\(approved.stderr)")
        try await eventually("the approved run completes") { try await http("GET", "\(base)/v1/runs/\(waiting)").body["phase"] == "completed" }

        let talking = try #require(try await http("POST", "\(base)/v1/runs", json: #"{"agent":"talker","input":"talk"}"#).body["id"]?.stringValue)
        let cancel = try await AloftProcess.run(["runs", "cancel", talking, "--server", base], directory: folder)
        #expect(cancel.status == 0, "\(cancel.stderr)")
        try await eventually("the run is cancelled") { try await http("GET", "\(base)/v1/runs/\(talking)").body["phase"] == "cancelled" }
        let missing = try await AloftProcess.run(["runs", "cancel", "run_nope", "--server", base], directory: folder)
        #expect(missing.status == 1 && missing.stderr.contains("run_not_found"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/.local/share/aloft"), "no local database was touched")
    }
}

extension RemoteCommandTests {
    @Test("--server: run, runs show (the same text as a local read), runs delete and sessions list|show|delete act on the server")
    func runShowDeleteAndSessionsThroughServer() async throws {
        let folder = try temporaryFolder()
        let agents = try agentsFolder(in: folder)
        try FileManager.default.copyItem(atPath: "\(CommandLineTests.examples)/approval-demo.yaml", toPath: "\(agents)/approval-demo.yaml")
        try FileManager.default.copyItem(atPath: "\(CommandLineTests.examples)/demo.yaml", toPath: "\(agents)/demo.yaml")
        let server = try await ServerProcess.start(in: folder)
        defer { server.process.kill() }
        let base = server.base
        let client = try temporaryFolder()  // no database here: everything goes through the server

        let answered = try await AloftProcess.run(["run", "--agent", "demo", "--server", base, "Hello"], directory: client)
        #expect(answered.status == 0 && answered.stdout.contains("scripted provider"), "\(answered.stderr)")
        let waiting = try await AloftProcess.run(["run", "--agent", "approval-demo", "--no-input", "--server", base, "clean"], directory: client)
        #expect(waiting.status == 3, "\(waiting.stderr)")
        #expect(waiting.stderr.contains("aloft approve run_") && waiting.stderr.contains("--server \(base)"), "the hint reaches the server: \(waiting.stderr)")
        let runId = try #require(waiting.stderr.split(separator: " ").first { $0.hasPrefix("run_") }.map(String.init))
        let missingAgent = try await AloftProcess.run(["run", "--agent", "nobody", "--server", base, "Hi"], directory: client)
        #expect(missingAgent.status == 2 && missingAgent.stderr.contains("no agent named 'nobody'"), "\(missingAgent.stderr)")

        let approved = try await AloftProcess.run(["approve", runId, "--server", base], directory: client)
        #expect(approved.status == 0, "\(approved.stderr)")
        try await eventually("the approved run completes") { try await http("GET", "\(base)/v1/runs/\(runId)").body["phase"] == "completed" }

        let remote = try await AloftProcess.run(["runs", "show", runId, "--server", base], directory: client)
        #expect(remote.status == 0, "\(remote.stderr)")
        #expect(remote.stdout.contains("approval_resolved") && remote.stdout.contains("approved current_time [call call_1_1] by "), "\(remote.stdout)")
        #expect(remote.stdout.contains("(cli)"), "who decided is recorded: \(remote.stdout)")
        let local = try await AloftProcess.run(["runs", "show", runId, "--db", "aloft.db"], directory: folder)
        #expect(local.stdout == remote.stdout, "a server's run reads as the same run read locally")
        let json = try JSONValue.parse(try await AloftProcess.run(["runs", "show", runId, "--json", "--server", base], directory: client).stdout)
        #expect(json["type"] == "run_detail" && json["run"]?["phase"] == "completed")
        #expect(json["journal"]?.arrayValue?.compactMap { $0["recorded_at"]?.stringValue }.count == 6, "\(json)")

        let sessionId = try #require(json["run"]?["session_id"]?.stringValue)
        let listed = try await AloftProcess.run(["sessions", "list", "--json"], directory: client, environment: ["ALOFT_SERVER": base])
        let ids = try listed.stdout.split(separator: "\n").map { try JSONValue.parse(String($0))["id"]?.stringValue }
        #expect(ids.count == 2 && ids.contains(sessionId), "\(listed.stdout)")
        let shown = try await AloftProcess.run(["sessions", "show", sessionId, "--server", base], directory: client)
        #expect(shown.stdout.contains("[user] clean") && shown.stdout.contains("runs       1"), "\(shown.stdout)")

        let stillThere = try await AloftProcess.run(["sessions", "delete", "ses_nope", "--server", base], directory: client)
        #expect(stillThere.status == 1 && stillThere.stderr.contains("session_not_found"), "\(stillThere.stderr)")
        #expect(try await AloftProcess.run(["runs", "delete", runId, "--server", base], directory: client).status == 0)
        #expect(try await http("GET", "\(base)/v1/runs/\(runId)").status == 404)
        #expect(try await AloftProcess.run(["sessions", "delete", sessionId, "--server", base], directory: client).status == 0)
        #expect(try await http("GET", "\(base)/v1/sessions/\(sessionId)").status == 404)
        #expect(!FileManager.default.fileExists(atPath: "\(client)/.local/share/aloft"), "no local database was touched")
    }
}
