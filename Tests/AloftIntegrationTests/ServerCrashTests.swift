import AloftCore
import AloftLLM
import AloftTestSupport
import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// Sends a request to a live server and returns status and JSON.
func http(_ method: String, _ url: String, json: String? = nil) async throws -> (status: Int, body: JSONValue) {
    var request = HTTPClientRequest(url: url)
    request.method = .init(rawValue: method)
    if let json {
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: json))
    }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
    let body = try await response.body.collect(upTo: 1 << 20)
    return (Int(response.status.code), (try? JSONValue.parse(String(buffer: body))) ?? .null)
}

@Suite("aloft serve with a real process", .serialized, .timeLimit(.minutes(2)))
struct ServerCrashTests {
    @Test("the server killed with SIGKILL mid-run and started again finishes the run")
    func killServerMidRun() async throws {
        let folder = try temporaryFolder()
        let model = FakeModelServer(replies: [
            .toolCalls([ToolCall(id: "call_s1", name: "create_ticket", arguments: #"{"title":"Disk full"}"#)]),
            .text("Filed as T-1."),
        ])
        let tickets = TicketEndpoint(firstCallDelay: .seconds(30))
        try await model.run { modelURL in
            try await withTestHTTPServer(router: tickets.router) { toolPort in
                _ = try agentFile(in: try agentsFolder(in: folder), modelURL: modelURL, toolPort: toolPort)
                let first = try await ServerProcess.start(in: folder)
                let base = first.base
                let created = try await http("POST", "\(base)/v1/runs", json: #"{"agent":"crash-test","input":"File it"}"#)
                #expect(created.status == 201)
                let id = try #require(created.body["id"]?.stringValue)
                try await eventually("the slow tool call is under way") { tickets.keys.withLock { $0.count } == 1 }
                first.process.kill()

                let second = try await first.restart()
                defer { second.process.kill() }
                try await eventually("the run finishes") { try await http("GET", "\(base)/v1/runs/\(id)").body["phase"] == "completed" }
                let run = try await http("GET", "\(base)/v1/runs/\(id)").body
                #expect(run["output"] == "Filed as T-1.")
                #expect(tickets.keys.withLock { $0 } == ["\(id):call_s1", "\(id):call_s1"])
            }
        }
        #expect(model.requests.count == 2)
    }
}

@Suite("aloft serve shutdown", .serialized, .timeLimit(.minutes(2)))
struct ServerShutdownTests {
    @Test("SIGTERM shuts the server down gracefully mid-run; the run resumes and finishes on the next start")
    func gracefulShutdown() async throws {
        let folder = try temporaryFolder()
        try writeTalker(to: "\(try agentsFolder(in: folder))/talker.yaml", words: 80, delay: 25)
        let first = try await ServerProcess.start(in: folder)
        let base = first.base
        let id = try #require(try await http("POST", "\(base)/v1/runs", json: #"{"agent":"talker","input":"talk"}"#).body["id"]?.stringValue)
        try await Task.sleep(for: .milliseconds(300))
        first.process.signal(SIGTERM)
        let status = try await first.process.wait(timeout: .seconds(20))
        #expect(status == 0, "a graceful shutdown exits cleanly: \(first.process.stderr)")
        #expect(first.process.stderr.contains("POST /v1/runs 201"), "one access-log line per request: \(first.process.stderr)")

        let second = try await first.restart()
        defer { second.process.kill() }
        try await eventually("the run finishes") { try await http("GET", "\(base)/v1/runs/\(id)").body["phase"] == "completed" }
    }

    @Test("SIGTERM with a client on a run waiting for approval: its stream closes after a short drain and the server exits; the next start serves it again")
    func shutdownWithOpenStream() async throws {
        let folder = try temporaryFolder()
        try """
            name: waiter
            model: { provider: scripted, script: [{ tool_calls: [{ name: current_time }] }, { text: done }] }
            policies: { require_approval: [current_time], approval_deadline_seconds: 600 }
            tools: [{ builtin: current_time }]
            """.write(toFile: "\(try agentsFolder(in: folder))/waiter.yaml", atomically: true, encoding: .utf8)
        let first = try await ServerProcess.start(in: folder)
        let base = first.base
        let id = try #require(try await http("POST", "\(base)/v1/runs", json: #"{"agent":"waiter","input":"time?"}"#).body["id"]?.stringValue)
        try await eventually("the run waits") { try await http("GET", "\(base)/v1/runs/\(id)").body["phase"] == "waiting_for_approval" }
        let stream = try await HTTPClient.shared.execute(HTTPClientRequest(url: "\(base)/v1/runs/\(id)/events"), timeout: .seconds(60))
        let clock = ContinuousClock()
        let signalled = clock.now
        first.process.signal(SIGTERM)
        var text = ""
        for try await chunk in stream.body { text += String(buffer: chunk) }  // ends when the server closes it
        #expect(text.contains("reconnect with Last-Event-ID"), "\(text)")
        let status = try await first.process.wait(timeout: .seconds(20))
        #expect(status == 0 && clock.now - signalled < .seconds(10), "exits promptly and cleanly: \(first.process.stderr)")
        #expect(first.process.stderr.contains("1 wait for approval"), "says what will resume: \(first.process.stderr)")

        let second = try await first.restart()
        defer { second.process.kill() }
        #expect(try await http("GET", "\(base)/v1/runs/\(id)").body["phase"] == "waiting_for_approval")
    }

    @Test("a second signal ends the shutdown at once")
    func secondSignal() async throws {
        let folder = try temporaryFolder()
        try """
            name: waiter
            model: { provider: scripted, script: [{ tool_calls: [{ name: current_time }] }, { text: done }] }
            policies: { require_approval: [current_time] }
            tools: [{ builtin: current_time }]
            """.write(toFile: "\(try agentsFolder(in: folder))/waiter.yaml", atomically: true, encoding: .utf8)
        let server = try await ServerProcess.start(in: folder)
        let base = server.base
        // An open stream keeps the graceful shutdown busy for its drain.
        let id = try #require(try await http("POST", "\(base)/v1/runs", json: #"{"agent":"waiter","input":"time?"}"#).body["id"]?.stringValue)
        try await eventually("the run waits") { try await http("GET", "\(base)/v1/runs/\(id)").body["phase"] == "waiting_for_approval" }
        let stream = try await HTTPClient.shared.execute(HTTPClientRequest(url: "\(base)/v1/runs/\(id)/events"), timeout: .seconds(60))
        defer { _ = stream }
        server.process.signal(SIGTERM)
        try await eventually("the shutdown is announced") { server.process.stderr.contains("again to quit now") }
        server.process.signal(SIGTERM)
        #expect(try await server.process.wait(timeout: .seconds(5)) == 143, "\(server.process.stderr)")
    }
}

@Suite("aloft serve event streams", .serialized, .timeLimit(.minutes(2)))
struct ServerStreamTests {
    @Test("a client that disconnects mid-stream does not stop the run; idle streams get heartbeats")
    func disconnect() async throws {
        let folder = try temporaryFolder()
        let agents = try agentsFolder(in: folder)
        try writeTalker(to: "\(agents)/talker.yaml", words: 60, delay: 20)
        try """
            name: waiter
            model: { provider: scripted, script: [{ tool_calls: [{ name: current_time }] }, { text: done }] }
            policies: { require_approval: [current_time] }
            tools: [{ builtin: current_time }]
            """.write(toFile: "\(agents)/waiter.yaml", atomically: true, encoding: .utf8)
        try "heartbeat_seconds: 1\n".write(toFile: "\(folder)/aloft.yaml", atomically: true, encoding: .utf8)
        let server = try await ServerProcess.start(in: folder, extra: ["--config", "aloft.yaml"])
        defer { server.process.kill() }
        let base = server.base
        let id = try #require(try await http("POST", "\(base)/v1/runs", json: #"{"agent":"talker","input":"talk"}"#).body["id"]?.stringValue)

        // Read a little of the stream, then hang up.
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "\(base)/v1/runs/\(id)/events"), timeout: .seconds(30))
        var received = ""
        for try await chunk in response.body {
            received += String(buffer: chunk)
            if received.components(separatedBy: "event: run_content").count > 3 { break }
        }
        #expect(received.hasPrefix("retry: 2000\nevent: snapshot\n"))
        try await eventually("the run finishes without its client") { try await http("GET", "\(base)/v1/runs/\(id)").body["phase"] == "completed" }

        // A run waiting for a person: its stream stays open, kept alive by comment heartbeats.
        let waiting = try #require(try await http("POST", "\(base)/v1/runs", json: #"{"agent":"waiter","input":"time?"}"#).body["id"]?.stringValue)
        try await eventually("the run waits") { try await http("GET", "\(base)/v1/runs/\(waiting)").body["phase"] == "waiting_for_approval" }
        let idle = try await HTTPClient.shared.execute(HTTPClientRequest(url: "\(base)/v1/runs/\(waiting)/events"), timeout: .seconds(30))
        var idleText = ""
        for try await chunk in idle.body {
            idleText += String(buffer: chunk)
            if idleText.contains(": keep-alive") { break }
        }
        #expect(idleText.contains("event: snapshot"))
        #expect(idleText.contains(": keep-alive"))
    }
}

@Suite("aloft serve event log across a crash", .serialized, .timeLimit(.minutes(2)))
struct ServerEventLogTests {
    /// Reads SSE events from `url` (with `Last-Event-ID: after`) until `stop` says so or the stream ends.
    static func read(
        _ url: String, after: Int, stop: @Sendable ([ServerSentEvent]) -> Bool = { _ in false }
    ) async throws -> [ServerSentEvent] {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Last-Event-ID", value: String(after))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        var parser = ServerSentEventParser()
        var events: [ServerSentEvent] = []
        do {
            for try await chunk in response.body {
                events += try parser.feed(chunk.readableBytesView).filter { $0.event != "snapshot" }
                if stop(events) { break }
            }
        } catch {
            // The server was killed under the reader: what arrived counts.
        }
        return events
    }

    @Test("a client reconnecting after SIGKILL and restart gets every recorded event after its Last-Event-ID, none twice, and the right text")
    func resumeAcrossCrash() async throws {
        let folder = try temporaryFolder()
        try writeTalker(to: "\(try agentsFolder(in: folder))/talker.yaml", words: 300, delay: 20)
        let first = try await ServerProcess.start(in: folder)
        let base = first.base
        let id = try #require(try await http("POST", "\(base)/v1/runs", json: #"{"agent":"talker","input":"talk"}"#).body["id"]?.stringValue)

        let before = try await Self.read("\(base)/v1/runs/\(id)/events", after: 0) { events in
            events.filter { $0.event == "run_content" }.count >= 120
        }
        first.process.kill()
        let lastSeen = try #require(before.last?.id.flatMap { Int($0) })

        let second = try await first.restart()
        defer { second.process.kill() }
        let after = try await Self.read("\(base)/v1/runs/\(id)/events", after: lastSeen)
        #expect(after.last?.event == "run_completed")

        let all = before + after
        let ids = all.compactMap { $0.id.flatMap { Int($0) } }
        #expect(ids.count == all.count, "every event carries its number")
        #expect(zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 }, "numbers only rise, none given twice")
        #expect(after.contains { $0.event == "run_content_reset" }, "the abandoned partial text is to be dropped")

        // What the client assembled, dropping what the stream said to drop, is the stored answer.
        var text = ""
        for event in all {
            let data = try JSONValue.parse(event.data)["data"]
            if event.event == "run_content" { text += data?["delta"]?.stringValue ?? "" }
            if event.event == "run_content_reset" { text = "" }
        }
        let run = try await http("GET", "\(base)/v1/runs/\(id)").body
        #expect(run["phase"] == "completed")
        #expect(text == run["output"]?.stringValue)

        // Exactly what the server recorded after that id: the same events read again now.
        let recorded = try await Self.read("\(base)/v1/runs/\(id)/events", after: lastSeen)
        #expect(recorded.map(\.id) == after.map(\.id))
        #expect(recorded.map(\.data) == after.map(\.data))
    }
}
