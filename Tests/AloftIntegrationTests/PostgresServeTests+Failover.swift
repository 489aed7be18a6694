import AloftCore
import AloftLLM
import AloftTestSupport
import AsyncHTTPClient
import Foundation
import Testing

extension PostgresServeTests {
    @Test("two servers on one database: runs started, streamed, approved and stopped through the one standing by; one active run per session across both")
    func twoServers() async throws {
        let url = try await PostgresTestCluster.freshDatabase()
        let folder = try temporaryFolder()
        let agents = try agentsFolder(in: folder)
        try FileManager.default.copyItem(atPath: "\(CommandLineTests.examples)/approval-demo.yaml", toPath: "\(agents)/approval-demo.yaml")
        try writeTalker(to: "\(agents)/talker.yaml", words: 60, delay: 10)
        try writeTalker(to: "\(agents)/slow.yaml", name: "slow", words: 2000, delay: 20)
        let a = try await ServerProcess.start(in: folder, extra: ["--store", url])
        defer { a.process.kill() }
        let b = try await ServerProcess.start(in: folder, extra: ["--store", url])
        defer { b.process.kill() }
        #expect(b.process.stderr.contains("standing by: another process executes the runs of this database"), "\(b.process.stderr)")
        let readyA = try await http("GET", "\(a.base)/readyz").body
        let readyB = try await http("GET", "\(b.base)/readyz").body
        #expect(readyA["engine"] == "executing" && readyB["engine"] == "standing_by", "\(readyA) \(readyB)")
        #expect(readyB["holder"]?["pid"]?.numberValue == Double(a.process.pid), "B names A as the executing process: \(readyB)")

        // Started and streamed through B, executed by A: every event, in order, the whole text.
        let talk = try #require(try await http("POST", "\(b.base)/v1/runs", json: #"{"agent":"talker","input":"talk"}"#).body["id"]?.stringValue)
        let events = try await withThrowingTaskGroup(of: [ServerSentEvent]?.self) { group in
            group.addTask { try await ServerEventLogTests.read("\(b.base)/v1/runs/\(talk)/events", after: 0) }
            group.addTask {
                try await Task.sleep(for: .seconds(45))
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        guard let events, events.last?.event == "run_completed" else {
            let run = try await http("GET", "\(b.base)/v1/runs/\(talk)").body
            Issue.record(
                "the stream through B ended at \(String(describing: events?.map(\.event))); the run: \(run)\nA: \(a.process.stderr.suffix(3000))\nB: \(b.process.stderr.suffix(3000))"
            )
            return
        }
        let numbers = events.compactMap { $0.id.flatMap { Int($0) } }
        #expect(numbers == Array(1...(numbers.last ?? 0)), "every number once, in order: \(numbers)")
        var text = ""
        for event in events where event.event == "run_content" { text += try JSONValue.parse(event.data)["data"]?["delta"]?.stringValue ?? "" }
        let finished = try await http("GET", "\(a.base)/v1/runs/\(talk)").body
        #expect(finished["phase"] == "completed" && text == finished["output"]?.stringValue)
        #expect(events.filter { $0.event == "run_content" }.count >= 60, "deltas arrive one by one, not only as saved")
        #expect(b.process.stderr.contains("POST /v1/runs 201") && !a.process.stderr.contains("POST /v1/runs"), "B took the request")

        // Approved through B: the decision reaches A, which finishes the run.
        let waiting = try #require(try await http("POST", "\(b.base)/v1/runs", json: #"{"agent":"approval-demo","input":"clean"}"#).body["id"]?.stringValue)
        try await eventually("the run waits") { try await http("GET", "\(b.base)/v1/runs/\(waiting)").body["phase"] == "waiting_for_approval" }
        let approved = try await AloftProcess.run(["approve", waiting, "--server", b.base], directory: folder)
        #expect(approved.status == 0, "\(approved.stderr)")
        try await eventually("the approved run completes") { try await http("GET", "\(a.base)/v1/runs/\(waiting)").body["phase"] == "completed" }

        // One active run per session, whichever server is asked; stopped through B.
        let slow = try await http("POST", "\(a.base)/v1/runs", json: #"{"agent":"slow","input":"talk"}"#).body
        let slowId = try #require(slow["id"]?.stringValue)
        let session = try #require(slow["session_id"]?.stringValue)
        let busy = try await http("POST", "\(b.base)/v1/runs", json: #"{"agent":"slow","input":"more","session_id":"\#(session)"}"#)
        #expect(busy.status == 409 && busy.body["error"]?["code"] == "session_busy", "\(busy)")
        #expect(try await http("POST", "\(b.base)/v1/runs/\(slowId)/cancel", json: "{}").status == 202)
        try await eventually("the run stops") { try await http("GET", "\(a.base)/v1/runs/\(slowId)").body["phase"] == "cancelled" }

        // SIGTERM ends both, the one standing by first (it has nothing to drain).
        b.process.signal(SIGTERM)
        #expect(try await b.process.wait(timeout: .seconds(10)) == 0, "\(b.process.stderr)")
        a.process.signal(SIGTERM)
        #expect(try await a.process.wait(timeout: .seconds(20)) == 0, "\(a.process.stderr)")
    }

    @Test("the executing server killed with SIGKILL mid-tool: the one standing by takes over and finishes the run, the tool retried with the same key, no model step redone")
    func failover() async throws {
        let url = try await PostgresTestCluster.freshDatabase()
        let folder = try temporaryFolder()
        let model = FakeModelServer(replies: [
            .toolCalls([ToolCall(id: "call_f1", name: "create_ticket", arguments: #"{"title":"Disk full"}"#)]),
            .text("Filed as T-1."),
        ])
        let tickets = TicketEndpoint(firstCallDelay: .seconds(60))
        try await model.run { modelURL in
            try await withTestHTTPServer(router: tickets.router) { toolPort in
                _ = try agentFile(in: try agentsFolder(in: folder), modelURL: modelURL, toolPort: toolPort)
                let a = try await ServerProcess.start(in: folder, extra: ["--store", url])
                defer { a.process.kill() }
                let b = try await ServerProcess.start(in: folder, extra: ["--store", url])
                defer { b.process.kill() }
                let id = try #require(try await http("POST", "\(b.base)/v1/runs", json: #"{"agent":"crash-test","input":"File it"}"#).body["id"]?.stringValue)
                try await eventually("A calls the slow tool") { tickets.keys.withLock { $0.count } == 1 }
                a.process.kill()

                let clock = ContinuousClock()
                let killed = clock.now
                try await eventually(timeout: .seconds(60), "B takes over") { try await http("GET", "\(b.base)/readyz").body["engine"] == "executing" }
                print("failover: B executes \(clock.now - killed) after A was killed")
                #expect(try await http("GET", "\(b.base)/readyz").body["holder"]?["pid"]?.numberValue == Double(b.process.pid))
                try await eventually(timeout: .seconds(90), "B finishes the run") { try await http("GET", "\(b.base)/v1/runs/\(id)").body["phase"] == "completed" }
                #expect(try await http("GET", "\(b.base)/v1/runs/\(id)").body["output"] == "Filed as T-1.")
                #expect(tickets.keys.withLock { $0 } == ["\(id):call_f1", "\(id):call_f1"], "the call retried with the same idempotency key")
                #expect(b.process.stderr.contains("now executes the runs"), "\(b.process.stderr)")
            }
        }
        #expect(model.requests.count == 2, "no model step redone")
    }
}
