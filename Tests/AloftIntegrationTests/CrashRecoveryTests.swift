import AloftCore
import AloftTestSupport
import Foundation
import Hummingbird
import Synchronization
import Testing

/// Idempotency keys an HTTP tool endpoint has seen; the first call is slow.
final class TicketEndpoint: Sendable {
    let keys = Mutex<[String]>([])
    let firstCallDelay: Duration

    init(firstCallDelay: Duration) {
        self.firstCallDelay = firstCallDelay
    }

    var router: Router<BasicRequestContext> {
        let router = Router()
        router.post("/tickets") { request, _ -> String in
            let key = request.headers[.init("Idempotency-Key")!] ?? ""
            let count = self.keys.withLock { keys in
                keys.append(key)
                return keys.count
            }
            if count == 1 { try await Task.sleep(for: self.firstCallDelay) }
            return #"{"ticket":"T-1"}"#
        }
        return router
    }
}

/// An agent file on the fake model server with an HTTP tool `create_ticket`.
func agentFile(in folder: String, modelURL: String, toolPort: Int, approval: Bool = false) throws -> String {
    let text = """
        name: crash-test
        instructions: File tickets.
        model:
          provider: openai
          name: fake
          base_url: \(modelURL)
        policies:
          tool_retry: { max_attempts: 3, initial_backoff_seconds: 0.05 }
        \(approval ? "  require_approval: [create_ticket]" : "")
        tools:
          - http:
              name: create_ticket
              description: Creates a ticket
              method: POST
              url: http://127.0.0.1:\(toolPort)/tickets
              parameters: { type: object, properties: { title: { type: string } }, required: [title] }
        """
    let path = (folder as NSString).appendingPathComponent("agent.yaml")
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

func storedRun(folder: String) async throws -> JSONValue? {
    let listed = try await AloftProcess.run(["runs", "list", "--json", "--db", "aloft.db"], directory: folder)
    guard let line = listed.stdout.split(separator: "\n").first else { return nil }
    return try JSONValue.parse(String(line))
}

func showRun(_ id: String, folder: String) async throws -> JSONValue {
    try JSONValue.parse(try await AloftProcess.run(["runs", "show", id, "--json", "--db", "aloft.db"], directory: folder).stdout)
}

@Suite("Crash recovery with a real aloft process", .serialized, .timeLimit(.minutes(3)))
struct CrashRecoveryTests {
    @Test("SIGKILL during a slow tool call: after restart the run finishes, the tool sees the same idempotency key, no model step is redone")
    func killDuringTool() async throws {
        let folder = try temporaryFolder()
        let model = FakeModelServer(replies: [
            .toolCalls([ToolCall(id: "call_t1", name: "create_ticket", arguments: #"{"title":"Printer on fire"}"#)]),
            .text("Ticket T-1 is filed."),
        ])
        let tickets = TicketEndpoint(firstCallDelay: .seconds(30))
        try await model.run { modelURL in
            try await withTestHTTPServer(router: tickets.router) { toolPort in
                let agent = try agentFile(in: folder, modelURL: modelURL, toolPort: toolPort)
                let first = try AloftProcess(["run", "--agent", agent, "--db", "aloft.db", "--no-input", "File a ticket"], directory: folder)
                try await eventually("the slow tool call is under way") { tickets.keys.withLock { $0.count } == 1 }
                first.kill()

                let resumed = try await AloftProcess.run(["resume", "--db", "aloft.db"], directory: folder)
                #expect(resumed.status == 0, "\(resumed.stderr)")
                let run = try #require(try await storedRun(folder: folder))
                #expect(run["phase"] == "completed")
                #expect(run["output"] == "Ticket T-1 is filed.")
                let keys = tickets.keys.withLock { $0 }
                #expect(keys.count == 2)
                #expect(Set(keys).count == 1, "the retried call carries the same idempotency key")
                #expect(keys.first == "\(run["id"]?.stringValue ?? ""):call_t1")
            }
        }
        #expect(model.requests.count == 2, "the model step recorded before the crash is not redone")
    }

    @Test("SIGKILL during a model stream: the partial answer was saved as it grew, and the run finishes after restart")
    func killDuringStream() async throws {
        let folder = try temporaryFolder()
        let long = (1...300).map { "token\($0)" }.joined(separator: " ")
        let model = FakeModelServer(replies: [.text(long, chunkDelayMilliseconds: 20), .text("The whole answer, again.")])
        try await model.run { modelURL in
            let agent = try agentFile(in: folder, modelURL: modelURL, toolPort: 9)
            let first = try AloftProcess(["run", "--agent", agent, "--db", "aloft.db", "--no-input", "Talk"], directory: folder)
            try await eventually("text is streaming") { first.stdout.count > 200 }
            try await Task.sleep(for: .milliseconds(400))
            first.kill()
            let seen = first.stdout

            let run = try #require(try await storedRun(folder: folder))
            #expect(run["phase"] == "running")
            let detail = try await showRun(run["id"]?.stringValue ?? "", folder: folder)
            guard case .array(let messages) = detail["messages"] else { Issue.record("no messages"); return }
            let partial = try #require(messages.first { $0["role"] == "assistant" }?["content"]?.stringValue)
            #expect(!partial.isEmpty && seen.hasPrefix(partial), "the stored partial answer is what the user saw, up to the last save")
            #expect(seen.count - partial.count < 400, "at most one save interval of text is lost")

            let resumed = try await AloftProcess.run(["resume", "--db", "aloft.db"], directory: folder)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            let finished = try #require(try await storedRun(folder: folder))
            #expect(finished["phase"] == "completed")
            #expect(finished["output"] == "The whole answer, again.")
        }
        #expect(model.requests.count == 2)
    }

    @Test("SIGKILL while waiting for approval: the run stays parked across restarts; approval finishes it with one tool call")
    func killWhileWaiting() async throws {
        let folder = try temporaryFolder()
        let model = FakeModelServer(replies: [
            .toolCalls([ToolCall(id: "call_a1", name: "create_ticket", arguments: #"{"title":"Reboot prod"}"#)]),
            .text("Approved and filed."),
        ])
        let tickets = TicketEndpoint(firstCallDelay: .zero)
        try await model.run { modelURL in
            try await withTestHTTPServer(router: tickets.router) { toolPort in
                let agent = try agentFile(in: folder, modelURL: modelURL, toolPort: toolPort, approval: true)
                let first = try AloftProcess(["run", "--agent", agent, "--db", "aloft.db", "--no-input", "Reboot prod"], directory: folder)
                try await eventually("the run waits for approval") { try await storedRun(folder: folder)?["phase"] == "waiting_for_approval" }
                first.kill()

                let resumed = try await AloftProcess.run(["resume", "--db", "aloft.db"], directory: folder)
                #expect(resumed.status == 0, "\(resumed.stderr)")
                let parked = try #require(try await storedRun(folder: folder))
                #expect(parked["phase"] == "waiting_for_approval")
                #expect(tickets.keys.withLock { $0.isEmpty }, "nothing runs before approval")

                let id = parked["id"]?.stringValue ?? ""
                let approved = try await AloftProcess.run(["approve", id, "--db", "aloft.db"], directory: folder)
                #expect(approved.status == 0, "\(approved.stderr)")
                let finished = try #require(try await storedRun(folder: folder))
                #expect(finished["phase"] == "completed")
                #expect(finished["output"] == "Approved and filed.")
                #expect(tickets.keys.withLock { $0 } == ["\(id):call_a1"])
            }
        }
        #expect(model.requests.count == 2)
    }
}
