import AloftCore
import AloftTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@Suite("Run routes")
struct RunRoutesTests {
    @Test("a run started over HTTP completes; it is listed with cursor pagination")
    func startAndList() async throws {
        try await TestServer().run { client, _ in
            var ids: [String] = []
            for index in 0..<3 {
                let created = try await client.send(.post, "/v1/runs", json: #"{"agent":"scripted","input":"hi \#(index)","metadata":{"k":"v"},"correlation_id":"c-\#(index)"}"#)
                #expect(created.status == .created)
                let id = try #require(created.json["id"]?.stringValue)
                ids.append(id)
                let run = try await client.waitForRun(id, ["completed"])
                #expect(run["output"] == "Hello from the script.")
                #expect(run["metadata"] == ["k": "v"])
                #expect(run["correlation_id"] == .string("c-\(index)"))
            }
            let first = try await client.send(.get, "/v1/runs?limit=2&agent=scripted").json
            #expect(first["data"]?.arrayCount == 2)
            let cursor = try #require(first["next_cursor"]?.stringValue)
            let second = try await client.send(.get, "/v1/runs?limit=2&cursor=\(cursor)").json
            #expect(second["data"]?.arrayCount == 1)
            #expect(second["next_cursor"] == .null)
            let listed = (first["data"]?.arrayItems ?? []) + (second["data"]?.arrayItems ?? [])
            #expect(listed.compactMap { $0["id"]?.stringValue } == ids.reversed())
            #expect(try await client.send(.get, "/v1/runs?phase=running").json["data"]?.arrayCount == 0)
        }
    }

    @Test("the event stream starts with a snapshot, and Last-Event-ID resumes with exactly the missed events")
    func eventStreamResume() async throws {
        try await TestServer().run { client, _ in
            let id = try #require(try await client.send(.post, "/v1/runs", json: #"{"agent":"scripted","input":"hi"}"#).json["id"]?.stringValue)
            _ = try await client.waitForRun(id, ["completed"])
            let full = serverSentEvents(String(buffer: try await client.send(.get, "/v1/runs/\(id)/events").body))
            #expect(full.first?.event == "snapshot")
            let ids = full.dropFirst().compactMap(\.id)
            #expect(ids == Array(1...ids.count))
            #expect(full.last?.event == "run_completed")

            let resumed = try await client.send(.get, "/v1/runs/\(id)/events", headers: [.init("Last-Event-ID")!: "3"])
            let rest = serverSentEvents(String(buffer: resumed.body)).dropFirst()
            #expect(rest.compactMap(\.id) == Array(4...ids.count))
            #expect(rest.map(\.event) == full.dropFirst(4).map(\.event))
            let after = serverSentEvents(String(buffer: try await client.send(.get, "/v1/runs/\(id)/events?after=\(ids.count)").body))
            #expect(after.map(\.event) == ["snapshot"])
            #expect(try await client.send(.get, "/v1/runs/\(id)/events?after=-1").status == .unprocessableContent)
        }
    }

    @Test("stream: true answers with the run's event stream")
    func streamedStart() async throws {
        try await TestServer().run(.live) { client, _ in
            let response = try await client.send(.post, "/v1/runs", json: #"{"agent":"scripted","input":"hi","stream":true}"#)
            #expect(response.headers[.contentType] == "text/event-stream")
            let events = serverSentEvents(String(buffer: response.body))
            #expect(events.map(\.event).first == "snapshot")
            #expect(events.last?.event == "run_completed")
            let text = events.filter { $0.event == "run_content" }.compactMap { $0.data["data"]?["delta"]?.stringValue }.joined()
            #expect(text == "Hello from the script.")
        }
    }

    @Test("approval over the API: a denial is reported to the model, unknown calls are refused")
    func approval() async throws {
        var server = TestServer()
        server.replies = [ScriptedReply(toolCalls: [.init(name: "current_time")]), ScriptedReply(text: "Understood.")]
        server.approval = ["current_time"]
        try await server.run { client, _ in
            let id = try #require(try await client.send(.post, "/v1/runs", json: #"{"agent":"scripted","input":"time?"}"#).json["id"]?.stringValue)
            let waiting = try await client.waitForRun(id, ["waiting_for_approval"])
            let callId = try #require(waiting["pending_approvals"]?.arrayItems?.first?["tool_call"]?["id"]?.stringValue)
            let wrong = try await client.send(.post, "/v1/runs/\(id)/approval", json: #"{"decisions":[{"tool_call_id":"nope","approved":true}]}"#)
            #expect(wrong.status == .conflict)
            #expect(wrong.errorCode == "not_awaiting_approval")
            let malformed = try await client.send(.post, "/v1/runs/\(id)/approval", json: #"{"decisions":[{"tool_call_id":"\#(callId)"}]}"#)
            #expect(malformed.status == .unprocessableContent)
            #expect(malformed.json["error"]?["message"]?.stringValue?.contains("decisions[0].approved") == true)
            let yes = try await client.send(.post, "/v1/runs/\(id)/approval", json: #"{"decisions":[{"tool_call_id":"\#(callId)","approved":"yes"}]}"#)
            #expect(yes.status == .unprocessableContent)
            #expect(yes.json["error"]?["message"]?.stringValue?.contains("must be a boolean") == true, "\(yes.json)")
            let denied = try await client.send(.post, "/v1/runs/\(id)/approval", json: #"{"decisions":[{"tool_call_id":"\#(callId)","approved":false,"reason":"no clocks"}]}"#)
            #expect(denied.status == .accepted)
            let run = try await client.waitForRun(id, ["completed"])
            #expect(run["output"] == "Understood.")
        }
    }

    @Test("a run's messages and timed journal; an approval records who decided it and with which key")
    func journalAndDecider() async throws {
        var server = TestServer()
        server.replies = [ScriptedReply(toolCalls: [.init(name: "current_time")]), ScriptedReply(text: "Understood.")]
        server.approval = ["current_time"]
        let key = "key-0123456789abcdefWXYZ"
        server.configuration.apiKeys = [key]
        try await server.run { client, _ in
            let auth: HTTPFields = [.authorization: "Bearer \(key)"]
            let id = try #require(try await client.send(.post, "/v1/runs", json: #"{"agent":"scripted","input":"time?"}"#, headers: auth).json["id"]?.stringValue)
            let waiting = try await client.waitForRun(id, ["waiting_for_approval"], headers: auth)
            let callId = try #require(waiting["pending_approvals"]?.arrayItems?.first?["tool_call"]?["id"]?.stringValue)
            let long = String(repeating: "x", count: 201)
            let tooLong = try await client.send(
                .post, "/v1/runs/\(id)/approval", json: #"{"decisions":[{"tool_call_id":"\#(callId)","approved":true,"decided_by":"\#(long)"}]}"#, headers: auth
            )
            #expect(tooLong.status == .unprocessableContent && tooLong.json["error"]?["message"]?.stringValue?.contains("decided_by") == true)
            let approved = try await client.send(
                .post, "/v1/runs/\(id)/approval", json: #"{"decisions":[{"tool_call_id":"\#(callId)","approved":true,"decided_by":"alice"}]}"#, headers: auth
            )
            #expect(approved.status == .accepted)
            _ = try await client.waitForRun(id, ["completed"], headers: auth)

            let journal = try await client.send(.get, "/v1/runs/\(id)/journal", headers: auth).json["data"]?.arrayItems ?? []
            #expect(journal.map { $0["type"]?.stringValue ?? "" } == [
                "started", "model_responded", "approval_resolved", "tool_completed", "model_responded", "finished",
            ])
            let times = journal.compactMap { $0["recorded_at"]?.stringValue }.compactMap {
                try? Date($0, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
            }
            #expect(times.count == 6 && times == times.sorted(), "every entry has its time, in order: \(journal)")
            #expect(journal[2]["entry"]?["decision"]?["decided_by"] == "alice (api key …WXYZ)", "\(journal[2])")
            let messages = try await client.send(.get, "/v1/runs/\(id)/messages", headers: auth).json["data"]?.arrayItems ?? []
            #expect(messages.map { $0["role"]?.stringValue ?? "" } == ["user", "assistant", "tool", "assistant"])
            #expect(try await client.send(.get, "/v1/runs/run_nope/journal", headers: auth).errorCode == "run_not_found")
            #expect(try await client.send(.get, "/v1/runs/run_nope/messages", headers: auth).errorCode == "run_not_found")
        }
    }

    @Test("cancel, and delete only finished runs")
    func cancelAndDelete() async throws {
        var server = TestServer()
        server.replies = [ScriptedReply(text: String(repeating: "word ", count: 300), chunkDelayMilliseconds: 10)]
        try await server.run { client, _ in
            let id = try #require(try await client.send(.post, "/v1/runs", json: #"{"agent":"scripted","input":"talk"}"#).json["id"]?.stringValue)
            try await Task.sleep(for: .milliseconds(100))
            #expect(try await client.send(.delete, "/v1/runs/\(id)").errorCode == "run_not_finished")
            #expect(try await client.send(.post, "/v1/runs/\(id)/cancel", json: #"{"reason":"enough"}"#).status == .accepted)
            _ = try await client.waitForRun(id, ["cancelled"])
            #expect(try await client.send(.post, "/v1/runs/\(id)/cancel").errorCode == "run_finished")
            #expect(try await client.send(.delete, "/v1/runs/\(id)").status == .noContent)
            #expect(try await client.send(.get, "/v1/runs/\(id)").status == .notFound)
        }
    }

    @Test("bad input gets the documented error, never a 500", arguments: [
        ("{bad", 400, "invalid_json"), ("[]", 400, "invalid_json"), ("", 400, "invalid_json"),
        (#"{"agent":"scripted"}"#, 422, "invalid_request"), (#"{"agent":"scripted","input":1}"#, 422, "invalid_request"),
        (#"{"agent":"scripted","input":"x","colour":"red"}"#, 422, "invalid_request"),
        (#"{"agent":"ghost","input":"x"}"#, 422, "invalid_request"), (#"{"agent":"scripted","input":"x","session_id":"ses_none"}"#, 404, "session_not_found"),
        (#"{"agent":"scripted","input":"x","metadata":{"a":1}}"#, 422, "invalid_request"),
        (#"{"agent_definition":{"name":"x","model":{"provider":"gpt"}},"input":"x"}"#, 403, "inline_agents_disabled"),
        (#"{"agent":"scripted","input":"\ud800\u0041"}"#, 201, nil), (#"{"agent":"scripted","input":"x","user_id":1e400}"#, 400, "invalid_json"),
    ])
    func badInput(body: String, status: Int, code: String?) async throws {
        try await TestServer().run { client, _ in
            let response = try await client.send(.post, "/v1/runs", json: body)
            #expect(Int(response.status.code) == status)
            #expect(response.errorCode == code)
            if code != nil { #expect(response.json["error"]?["message"]?.stringValue?.isEmpty == false) }
        }
    }

    @Test("bodies over the limit get 413")
    func tooLarge() async throws {
        var server = TestServer()
        server.configuration.maxBodyBytes = 4096
        try await server.run { client, _ in
            let response = try await client.send(.post, "/v1/runs", json: #"{"agent":"scripted","input":"\#(String(repeating: "a", count: 5000))"}"#)
            #expect(response.status == .contentTooLarge)
            #expect(response.errorCode == "body_too_large")
        }
    }
}

extension JSONValue {
    var arrayItems: [JSONValue]? { if case .array(let items) = self { items } else { nil } }
    var arrayCount: Int? { arrayItems?.count }
}
