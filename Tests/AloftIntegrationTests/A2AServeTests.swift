import AloftCore
import AloftTestSupport
import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization
import Testing

/// A2A as clients of other frameworks use it: `aloft serve` driven by the official SDK clients
/// (a2a-sdk 1.3.0 over protocol 1.0 and over its 0.3 compat transport, a2a-sdk 0.3.26), each
/// a real Python process doing send, stream, get, list, cancel, resubscribe with a resume
/// cursor, the approval round trip and the error codes (Tests/A2APeers).
@Suite("A2A with the official SDKs", .serialized, .timeLimit(.minutes(5)), .enabled(if: A2APeer.available, "\(A2APeer.unavailableReason ?? "")"))
struct A2AServeTests {
    static let key = "a2a-test-key-0123456789"
    static let checks13 = ["card", "send blocking", "send repeated message id", "get", "stream", "cancel", "resubscribe", "approval round trip", "errors"]

    @Test("a2a-sdk 1.3.0 (protocol 1.0 and 0.3) and a2a-sdk 0.3.26 against the embedded engine, with an API key")
    func embedded() async throws {
        let folder = try temporaryFolder()
        try writeA2APeerAgents(in: try agentsFolder(in: folder))
        let server = try await ServerProcess.start(in: folder, environment: ["ALOFT_API_KEYS": Self.key])
        defer { server.process.kill() }
        try await Self.drive(server.base)
    }

    @Test("one Aloft agent calls another over A2A as a tool: its text streams as progress; killed mid-call and resumed, no second remote task")
    func agentCallsAgent() async throws {
        let remote = try temporaryFolder()
        try """
            name: helper
            description: Answers slowly.
            model:
              provider: scripted
              script:
                - text: "\((1...30).map { "h\($0)" }.joined(separator: " "))"
                  chunk_delay_ms: 100
            """.write(toFile: "\(try agentsFolder(in: remote))/helper.yaml", atomically: true, encoding: .utf8)
        let server = try await ServerProcess.start(in: remote, environment: ["ALOFT_API_KEYS": Self.key])
        defer { server.process.kill() }
        let caller = try temporaryFolder()
        try """
            name: boss
            model:
              provider: scripted
              script:
                - text: "Asking the helper. "
                  tool_calls:
                    - name: helper
                      arguments: { message: "count for me" }
                - text: "Relayed."
            tools:
              - a2a:
                  name: helper
                  url: \(server.base)/a2a/helper
                  headers: { Authorization: "Bearer ${HELPER_KEY}" }
            """.write(toFile: "\(caller)/boss.yaml", atomically: true, encoding: .utf8)
        let environment = ["HELPER_KEY": Self.key]
        let helperRuns = { @Sendable in
            try await authorized("GET", "\(server.base)/v1/runs?agent=helper").body["data"]?.arrayValue ?? []
        }

        // The caller dies with SIGKILL while the remote task streams.
        let first = try AloftProcess(["run", "--agent", "boss.yaml", "--db", "caller.db", "go"], directory: caller, environment: environment)
        try await eventually(timeout: .seconds(90), "the remote task is under way") {
            (try await helperRuns()).first?["last_event_seq"]?.integer(in: 0...Int.max) ?? 0 > 5
        }
        first.kill()
        _ = try await first.wait()
        let resumed = try await AloftProcess.run(["resume", "--db", "caller.db"], directory: caller, environment: environment)
        #expect(resumed.status == 0, "\(resumed.stderr)")

        let remoteRuns = try await helperRuns()
        #expect(remoteRuns.count == 1, "the retried call found the task the first attempt started: \(remoteRuns)")
        let answer = try #require(remoteRuns.first?["output"]?.stringValue)
        let listed = try await AloftProcess.run(["runs", "list", "--db", "caller.db", "--json"], directory: caller)
        let run = try JSONValue.parse(try #require(listed.stdout.split(separator: "\n").first).description)
        #expect(run["phase"] == "completed" && run["output"] == "Relayed.", "\(run)")
        let events = try await AloftProcess.run(["runs", "events", try #require(run["id"]?.stringValue), "--db", "caller.db"], directory: caller)
        let lines = try events.stdout.split(separator: "\n").map { try JSONValue.parse(String($0)) }
        let result = lines.first { $0["type"] == "tool_call_completed" }
        #expect(result?["data"]?["content"]?.stringValue == answer, "the tool's result is the remote answer")
        let progress = lines.filter { $0["type"] == "tool_call_progress" }.compactMap { $0["data"]?["delta"]?.stringValue }
        #expect(progress.count >= 10 && answer.hasSuffix(progress.suffix(5).joined()), "the remote text arrived as progress: \(progress)")
    }

    @Test("push notifications: configs set, listed, read and deleted in both versions; updates POSTed with the token; private targets refused unless allowed")
    func pushNotifications() async throws {
        let received = Mutex<[(token: String?, body: JSONValue)]>([])
        let router = Router()
        router.post("/hook") { request, _ -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 1 << 20)
            received.withLock { $0.append((request.headers[HTTPField.Name("X-A2A-Notification-Token")!], (try? JSONValue.parse(String(buffer: body))) ?? .null)) }
            return .ok
        }
        try await withTestHTTPServer(router: router) { hookPort in
            let folder = try temporaryFolder()
            try writeA2APeerAgents(in: try agentsFolder(in: folder))
            let server = try await ServerProcess.start(
                in: folder, environment: ["ALOFT_API_KEYS": Self.key, "ALOFT_PUSH_ALLOWED_HOSTS": "127.0.0.1:\(hookPort)"]
            )
            defer { server.process.kill() }
            let card = try await authorized("GET", "\(server.base)/a2a/slow/.well-known/agent-card.json").body
            #expect(card["capabilities"]?["pushNotifications"] == true)
            let hook = "http://127.0.0.1:\(hookPort)/hook"

            // 1.0: a task sent without waiting, then a config for it.
            let sent = try await rpc(server.base, "slow", "SendMessage", #"{"message":{"messageId":"p1","role":"ROLE_USER","parts":[{"text":"go"}]},"configuration":{"returnImmediately":true}}"#)
            let taskId = try #require(sent["result"]?["task"]?["id"]?.stringValue)
            let created = try await rpc(server.base, "slow", "CreateTaskPushNotificationConfig", #"{"taskId":"\#(taskId)","id":"mine","url":"\#(hook)","token":"tok-1","authentication":{"scheme":"Bearer","credentials":"secret"}}"#)
            #expect(created["result"]?["id"] == "mine" && created["result"]?["authentication"]?["scheme"] == "Bearer", "\(created)")
            #expect(created["result"]?["authentication"]?["credentials"] == nil, "credentials are not sent back")
            let listed = try await rpc(server.base, "slow", "ListTaskPushNotificationConfigs", #"{"taskId":"\#(taskId)"}"#)
            #expect(listed["result"]?["configs"]?.arrayValue?.count == 1)
            try await eventually(timeout: .seconds(90), "the completion is pushed") {
                received.withLock { $0.contains { $0.body["statusUpdate"]?["status"]?["state"] == "TASK_STATE_COMPLETED" } }
            }
            let pushed = received.withLock { $0 }
            #expect(pushed.allSatisfy { $0.token == "tok-1" })
            #expect(pushed.contains { $0.body["artifactUpdate"]?["artifact"]?["parts"]?.arrayValue?.first?["text"]?.stringValue?.hasPrefix("w1 w2") == true })
            #expect(pushed.allSatisfy { $0.body["statusUpdate"].map { $0["taskId"]?.stringValue == taskId } ?? true })

            // 0.3: a config given with the send; whole tasks pushed, the last one completed.
            received.withLock { $0 = [] }
            let old = try await rpc(server.base, "greeter", "message/send", #"{"message":{"kind":"message","messageId":"p2","role":"user","parts":[{"kind":"text","text":"hi"}]},"configuration":{"blocking":false,"pushNotificationConfig":{"url":"\#(hook)","token":"tok-2"}}}"#, version: nil)
            let oldTask = try #require(old["result"]?["id"]?.stringValue)
            try await eventually(timeout: .seconds(90), "the 0.3 completion is pushed") {
                received.withLock { $0.contains { $0.body["kind"] == "task" && $0.body["status"]?["state"] == "completed" } }
            }
            #expect(received.withLock { $0.allSatisfy { $0.token == "tok-2" && $0.body["id"]?.stringValue == oldTask } })
            let got = try await rpc(server.base, "greeter", "tasks/pushNotificationConfig/get", #"{"id":"\#(oldTask)"}"#, version: nil)
            #expect(got["result"]?["pushNotificationConfig"]?["url"]?.stringValue == hook, "\(got)")
            let configId = try #require(got["result"]?["pushNotificationConfig"]?["id"]?.stringValue)
            let deleted = try await rpc(server.base, "greeter", "tasks/pushNotificationConfig/delete", #"{"id":"\#(oldTask)","pushNotificationConfigId":"\#(configId)"}"#, version: nil)
            #expect(deleted["error"] == nil && deleted["result"] == .null, "\(deleted)")
            let gone = try await rpc(server.base, "greeter", "tasks/pushNotificationConfig/get", #"{"id":"\#(oldTask)","pushNotificationConfigId":"\#(configId)"}"#, version: nil)
            #expect(gone["error"]?["code"] == -32602)

            // A target in the server's own network is refused unless allowed.
            let refused = try await rpc(server.base, "slow", "CreateTaskPushNotificationConfig", #"{"taskId":"\#(taskId)","url":"http://127.0.0.1:1/steal"}"#)
            #expect(refused["error"]?["code"] == -32602 && refused["error"]?["message"]?.stringValue?.contains("push_allowed_hosts") == true, "\(refused)")
            let metadata = try await rpc(server.base, "slow", "CreateTaskPushNotificationConfig", #"{"taskId":"\#(taskId)","url":"http://169.254.169.254/latest"}"#)
            #expect(metadata["error"]?["code"] == -32602, "\(metadata)")
        }
    }

    /// One JSON-RPC call with the suite's key; the response.
    func rpc(_ base: String, _ agent: String, _ method: String, _ params: String, version: String? = "1.0") async throws -> JSONValue {
        var request = HTTPClientRequest(url: "\(base)/a2a/\(agent)")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(Self.key)")
        request.headers.add(name: "Content-Type", value: "application/json")
        if let version { request.headers.add(name: "A2A-Version", value: version) }
        request.body = .bytes(ByteBuffer(string: #"{"jsonrpc":"2.0","id":1,"method":"\#(method)","params":\#(params)}"#))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        return try JSONValue.parse(String(buffer: try await response.body.collect(upTo: 1 << 22)))
    }

    /// Runs every peer against the server at `base`, each check expected.
    static func drive(_ base: String, key: String = key) async throws {
        let v1 = try await A2APeer.run(.v1_3, script: "peer_1_3.py", ["\(base)/a2a", key, "1.0"])
        #expect(v1.status == 0, "\(v1.output)")
        for check in checks13 + ["list"] { #expect(v1.output.contains("ok \(check)\n"), "1.0: \(check) — \(v1.output)") }
        let compat = try await A2APeer.run(.v1_3, script: "peer_1_3.py", ["\(base)/a2a", key, "0.3"])
        #expect(compat.status == 0, "\(compat.output)")
        for check in checks13 { #expect(compat.output.contains("ok \(check)\n"), "0.3 compat: \(check) — \(compat.output)") }
        let v03 = try await A2APeer.run(.v0_3, script: "peer_0_3.py", ["\(base)/a2a", key])
        #expect(v03.status == 0, "\(v03.output)")
        for check in checks13 { #expect(v03.output.contains("ok \(check)\n"), "0.3.26: \(check) — \(v03.output)") }
    }
}

/// An HTTP call with the suite's API key.
func authorized(_ method: String, _ url: String) async throws -> (status: Int, body: JSONValue) {
    var request = HTTPClientRequest(url: url)
    request.method = .init(rawValue: method)
    request.headers.add(name: "Authorization", value: "Bearer \(A2AServeTests.key)")
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
    let body = try await response.body.collect(upTo: 1 << 22)
    return (Int(response.status.code), (try? JSONValue.parse(String(buffer: body))) ?? .null)
}

/// The agents the A2A peer scripts expect: `greeter` (a short streamed answer), `slow` (20
/// words 150 ms apart) and `guarded` (a tool call that needs approval).
func writeA2APeerAgents(in agents: String) throws {
    try """
        name: greeter
        description: Greets, streamed word by word.
        model:
          provider: scripted
          script:
            - text: "Hello from Aloft over A2A, streamed word by word."
              chunk_delay_ms: 10
        """.write(toFile: "\(agents)/greeter.yaml", atomically: true, encoding: .utf8)
    try """
        name: slow
        model:
          provider: scripted
          script:
            - text: "\((1...20).map { "w\($0)" }.joined(separator: " "))"
              chunk_delay_ms: 150
        """.write(toFile: "\(agents)/slow.yaml", atomically: true, encoding: .utf8)
    try """
        name: guarded
        model:
          provider: scripted
          script:
            - text: "Let me look. "
              tool_calls:
                - name: current_time
                  arguments: {}
            - text: "Done, as you decided."
        policies:
          require_approval: [current_time]
        tools:
          - builtin: current_time
        """.write(toFile: "\(agents)/guarded.yaml", atomically: true, encoding: .utf8)
}

/// Azure OpenAI from the command line, as a new user meets it.
@Suite("Azure OpenAI from aloft run")
struct AzureCommandLineTests {
    @Test("an Azure agent answers through aloft run; without a key or token it is refused before the run, naming both")
    func azureAgent() async throws {
        let folder = try temporaryFolder()
        let model = FakeModelServer(replies: [.text("Hello from the deployment.")])
        try await model.run { baseURL in
            let endpoint = String(baseURL.dropLast("/v1".count))
            try """
                name: az
                model: { provider: azure, name: gpt4o-prod, base_url: "\(endpoint)", api_version: "2024-10-21" }
                """.write(toFile: "\(folder)/az.yaml", atomically: true, encoding: .utf8)
            let run = try await AloftProcess.run(["run", "--agent", "az.yaml", "hi"], directory: folder, environment: ["AZURE_OPENAI_API_KEY": "azure-key"])
            #expect(run.status == 0 && run.stdout.contains("Hello from the deployment."), "\(run.stderr)")
            let missing = try await AloftProcess.run(
                ["run", "--agent", "az.yaml", "hi"], directory: folder, environment: ["AZURE_OPENAI_API_KEY": "", "AZURE_OPENAI_AD_TOKEN": ""]
            )
            #expect(missing.status == 2 && missing.stderr.contains("set AZURE_OPENAI_API_KEY to the resource's API key, or AZURE_OPENAI_AD_TOKEN"), "\(missing.stderr)")
        }
        #expect(model.requests.first?.headers["api-key"] == "azure-key")
    }
}
