import AloftCore
import AloftLLM
import AloftTestSupport
import Foundation
import Testing

/// A Temporal deployment of real processes: `aloft serve --engine temporal` API servers and
/// `aloft worker`s on a real Temporal dev server and a real PostgreSQL.
@Suite(
    "aloft on Temporal", .serialized, .timeLimit(.minutes(4)),
    .enabled(if: TemporalDevServer.available && PostgresTestCluster.available, "\(TemporalDevServer.unavailableReason ?? PostgresTestCluster.unavailableReason ?? "")")
)
struct TemporalServeTests {
    /// What servers and workers of one deployment share.
    struct Deployment {
        let folder: String
        let store: String
        let temporal: String
        let queue = "it-\(UUID().uuidString.prefix(8))"

        var common: [String] { ["--temporal", temporal, "--task-queue", queue, "--store", store] }

        func server() async throws -> ServerProcess {
            try await ServerProcess.start(in: folder, extra: ["--engine", "temporal"] + common)
        }

        func worker() throws -> AloftProcess {
            try AloftProcess(["worker", "--agents", "agents"] + common, directory: folder)
        }
    }

    static func deployment(temporal: String? = nil) async throws -> Deployment {
        let address: String
        if let temporal { address = temporal } else { address = try await TemporalDevServer.shared().address }
        let folder = try temporaryFolder()
        _ = try agentsFolder(in: folder)
        return Deployment(folder: folder, store: try await PostgresTestCluster.freshDatabase(), temporal: address)
    }

    @Test("two servers, two workers: a worker killed with SIGKILL mid-tool — the other finishes the run, the tool sees the same idempotency key, no model step redone; approve, stream and refuse through either server")
    func workersAndServers() async throws {
        let deployment = try await Self.deployment()
        let folder = deployment.folder
        try FileManager.default.copyItem(atPath: "\(CommandLineTests.examples)/approval-demo.yaml", toPath: "\(folder)/agents/approval-demo.yaml")
        try writeTalker(to: "\(folder)/agents/talker.yaml", words: 60, delay: 10)
        let model = FakeModelServer(replies: [
            .toolCalls([ToolCall(id: "call_w1", name: "create_ticket", arguments: #"{"title":"Printer on fire"}"#)]), .text("Filed as T-1."),
        ])
        let tickets = TicketEndpoint(firstCallDelay: .seconds(120))
        try await model.run { modelURL in
            try await withTestHTTPServer(router: tickets.router) { toolPort in
                _ = try agentFile(in: "\(folder)/agents", modelURL: modelURL, toolPort: toolPort)
                let first = try deployment.worker()
                defer { first.kill() }
                let a = try await deployment.server()
                defer { a.process.kill() }
                let b = try await deployment.server()
                defer { b.process.kill() }
                #expect(try await http("GET", "\(a.base)/readyz").body["engine"] == "temporal")
                #expect(a.process.stderr.contains("runs execute on Temporal at \(deployment.temporal)"), "\(a.process.stderr)")

                // Started through B; the only worker takes the slow tool call, then dies.
                let id = try #require(try await http("POST", "\(b.base)/v1/runs", json: #"{"agent":"crash-test","input":"File it"}"#).body["id"]?.stringValue)
                try await eventually(timeout: .seconds(90), "the first worker calls the slow tool") { tickets.keys.withLock { $0.count } == 1 }
                let second = try deployment.worker()
                defer { second.kill() }
                first.kill()
                try await eventually(timeout: .seconds(120), "the second worker finishes the run") {
                    try await http("GET", "\(a.base)/v1/runs/\(id)").body["phase"] == "completed"
                }
                #expect(try await http("GET", "\(a.base)/v1/runs/\(id)").body["output"] == "Filed as T-1.")
                #expect(tickets.keys.withLock { $0 } == ["\(id):call_w1", "\(id):call_w1"], "the call retried with the same idempotency key")

                // Approved through B with the CLI; a decision on a call that does not wait is a clear 409.
                let waiting = try #require(try await http("POST", "\(a.base)/v1/runs", json: #"{"agent":"approval-demo","input":"clean"}"#).body["id"]?.stringValue)
                try await eventually(timeout: .seconds(90), "the run waits") { try await http("GET", "\(b.base)/v1/runs/\(waiting)").body["phase"] == "waiting_for_approval" }
                let wrong = try await http(
                    "POST", "\(b.base)/v1/runs/\(waiting)/approval", json: #"{"decisions":[{"tool_call_id":"call_nope","approved":true}]}"#
                )
                #expect(wrong.status == 409 && wrong.body["error"]?["code"] == "not_awaiting_approval", "\(wrong)")
                let approved = try await AloftProcess.run(["approve", waiting, "--server", b.base], directory: folder)
                #expect(approved.status == 0, "\(approved.stderr)")
                try await eventually(timeout: .seconds(90), "the approved run completes") { try await http("GET", "\(a.base)/v1/runs/\(waiting)").body["phase"] == "completed" }

                // Streamed through A from the worker's process: every number once, the whole text.
                let talk = try #require(try await http("POST", "\(b.base)/v1/runs", json: #"{"agent":"talker","input":"talk"}"#).body["id"]?.stringValue)
                let events = try await ServerEventLogTests.read("\(a.base)/v1/runs/\(talk)/events", after: 0)
                #expect(events.last?.event == "run_completed", "\(events.map(\.event))")
                let numbers = events.compactMap { $0.id.flatMap { Int($0) } }
                #expect(numbers == numbers.sorted() && Set(numbers).count == numbers.count, "numbers rise: \(numbers)")
                var text = ""
                for event in events where event.event == "run_content" { text += try JSONValue.parse(event.data)["data"]?["delta"]?.stringValue ?? "" }
                #expect(text == (try await http("GET", "\(b.base)/v1/runs/\(talk)").body["output"]?.stringValue))
                #expect(events.filter { $0.event == "run_content" }.count >= 60, "deltas arrive one by one")

                // A worker stops gracefully on SIGTERM.
                second.signal(SIGTERM)
                #expect(try await second.wait(timeout: .seconds(40)) == 0, "\(second.stderr)")
            }
        }
        #expect(model.requests.count == 2, "no model step redone")
    }

    @Test(
        "A2A on Temporal: the official SDK clients (1.0, 0.3 compat, 0.3.26) drive a server whose runs a worker executes",
        .enabled(if: A2APeer.available, "\(A2APeer.unavailableReason ?? "")")
    )
    func a2a() async throws {
        let deployment = try await Self.deployment()
        try writeA2APeerAgents(in: "\(deployment.folder)/agents")
        let port = try freePort()
        // An agent whose tool is the server's own greeter, over A2A: the worker runs the call.
        try """
            name: boss
            model:
              provider: scripted
              script:
                - text: "Asking. "
                  tool_calls:
                    - name: greeter
                      arguments: { message: "hi" }
                - text: "Relayed."
            tools:
              - a2a: { name: greeter, url: "http://127.0.0.1:\(port)/a2a/greeter", headers: { Authorization: "Bearer \(A2AServeTests.key)" } }
            """.write(toFile: "\(deployment.folder)/agents/boss.yaml", atomically: true, encoding: .utf8)
        let worker = try deployment.worker()
        defer { worker.kill() }
        let server = try await ServerProcess.start(
            in: deployment.folder, port: port, extra: ["--engine", "temporal"] + deployment.common, environment: ["ALOFT_API_KEYS": A2AServeTests.key]
        )
        defer { server.process.kill() }
        try await A2AServeTests.drive(server.base)

        let sent = try await A2AServeTests().rpc(server.base, "boss", "SendMessage", #"{"message":{"messageId":"t1","role":"ROLE_USER","parts":[{"text":"go"}]}}"#)
        #expect(sent["result"]?["task"]?["status"]?["state"] == "TASK_STATE_COMPLETED", "\(sent)")
        let runId = try #require(sent["result"]?["task"]?["id"]?.stringValue)
        let events = try await ServerEventLogTests.read("\(server.base)/v1/runs/\(runId)/events?access_token=\(A2AServeTests.key)", after: 0)
        var progress = ""
        for event in events where event.event == "tool_call_progress" { progress += try JSONValue.parse(event.data)["data"]?["delta"]?.stringValue ?? "" }
        #expect(progress == "Hello from Aloft over A2A, streamed word by word.", "the worker's tool call streamed the remote text: \(events.map(\.event))")
    }

    @Test("stop during a streaming model call: the worker's HTTP request to the model server ends within a second, the partial answer is kept")
    func stopDuringStream() async throws {
        let deployment = try await Self.deployment()
        let words = (1...400).map { "w\($0)" }.joined(separator: " ")
        let model = FakeModelServer(replies: [.text(words, chunkDelayMilliseconds: 50)])
        try await model.run { modelURL in
            try """
                name: remote
                model: { provider: openai, name: fake, base_url: \(modelURL) }
                """.write(toFile: "\(deployment.folder)/agents/remote.yaml", atomically: true, encoding: .utf8)
            let worker = try deployment.worker()
            defer { worker.kill() }
            let server = try await deployment.server()
            defer { server.process.kill() }
            let id = try #require(try await http("POST", "\(server.base)/v1/runs", json: #"{"agent":"remote","input":"talk"}"#).body["id"]?.stringValue)
            try await eventually(timeout: .seconds(90), "text arrives") {
                (try await http("GET", "\(server.base)/v1/runs/\(id)/messages").body["data"]?.arrayValue?.contains { $0["role"] == "assistant" }) == true
            }
            let stopped = ContinuousClock.now
            #expect(try await http("POST", "\(server.base)/v1/runs/\(id)/cancel", json: #"{"reason":"enough"}"#).status == 202)
            try await eventually(timeout: .seconds(60), "the run is cancelled") { try await http("GET", "\(server.base)/v1/runs/\(id)").body["phase"] == "cancelled" }
            // The run is cancelled first (its workflow); the activity hears of it at its next heartbeat.
            try await eventually(timeout: .seconds(10), "the model server sees its stream cut short") { !model.streamsCutShort.isEmpty }
            let cut = try #require(model.streamsCutShort.first)
            print("stop → model request ended: \(cut - stopped)")
            #expect(cut - stopped < .seconds(1), "ended \(cut - stopped) after the stop")
            try await eventually(timeout: .seconds(10), "the partial answer is kept, marked interrupted") {
                let messages = try await http("GET", "\(server.base)/v1/runs/\(id)/messages").body["data"]?.arrayValue ?? []
                return messages.contains { $0["role"] == "assistant" && $0["interrupted"] == true }
            }
            let messages = try await http("GET", "\(server.base)/v1/runs/\(id)/messages").body["data"]?.arrayValue ?? []
            let answer = try #require(messages.first { $0["role"] == "assistant" })
            let kept = answer["content"]?.stringValue ?? ""
            #expect(!kept.isEmpty && words.hasPrefix(kept) && kept.count < words.count, "the partial answer: \(kept.suffix(80))")
        }
    }

    @Test("the Temporal server stopped and started again mid-run: the run finishes, nothing lost")
    func temporalRestart() async throws {
        let own = try await TemporalDevServer.OwnServer.start()
        let deployment = try await Self.deployment(temporal: own.server.address)
        try writeTalker(to: "\(deployment.folder)/agents/talker.yaml", words: 120, delay: 50)
        let worker = try deployment.worker()
        defer { worker.kill() }
        let server = try await deployment.server()
        defer { server.process.kill() }
        let id = try #require(try await http("POST", "\(server.base)/v1/runs", json: #"{"agent":"talker","input":"talk"}"#).body["id"]?.stringValue)
        try await eventually(timeout: .seconds(90), "text arrives") {
            (try await http("GET", "\(server.base)/v1/runs/\(id)/messages").body["data"]?.arrayValue?.contains { $0["role"] == "assistant" }) == true
        }
        let clock = ContinuousClock()
        let began = clock.now
        try await own.stop()
        // Meanwhile a run is started: recorded now, handed to Temporal when it is back.
        let later = try #require(try await http("POST", "\(server.base)/v1/runs", json: #"{"agent":"talker","input":"again"}"#).body["id"]?.stringValue)
        try await Task.sleep(for: .seconds(2))
        try await own.restart()
        for run in [id, later] {
            try await eventually(timeout: .seconds(90), "run \(run) finishes") {
                try await http("GET", "\(server.base)/v1/runs/\(run)").body["phase"] == "completed"
            }
            print("temporal restart: run \(run) completed \(clock.now - began) after Temporal was stopped")
            let output = try await http("GET", "\(server.base)/v1/runs/\(run)").body["output"]?.stringValue
            #expect(output == (1...120).map { "w\($0)" }.joined(separator: " "))
        }
        // Said at most once (calls are retried for a few seconds first, so a short outage may go unsaid).
        let said = server.process.stderr.components(separatedBy: "cannot reach Temporal").count - 1
        #expect(said <= 1, "the outage is said at most once: \(server.process.stderr.suffix(2000))")
    }
}
