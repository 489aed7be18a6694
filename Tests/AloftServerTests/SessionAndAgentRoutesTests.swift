import AloftCore
import AloftTestSupport
import Foundation
import HummingbirdTesting
import Testing

@Suite("Session, agent, health and auth routes")
struct SessionAndAgentRoutesTests {
    @Test("a conversation remembers earlier turns; one active run per session")
    func multiTurn() async throws {
        let model = FakeModelServer(replies: [.text("Hi Ada.", chunkDelayMilliseconds: 0), .text("You are Ada.")])
        try await model.run { baseURL in
            var server = TestServer()
            server.modelURL = baseURL
            try await server.run { client, _ in
                let session = try await client.send(.post, "/v1/sessions", json: #"{"agent":"remote","user_id":"u1","title":"Names"}"#)
                #expect(session.status == .created)
                let id = try #require(session.json["id"]?.stringValue)
                let first = try #require(try await client.send(.post, "/v1/sessions/\(id)/messages", json: #"{"input":"I am Ada."}"#).json["id"]?.stringValue)
                _ = try await client.waitForRun(first, ["completed"])
                let second = try #require(try await client.send(.post, "/v1/sessions/\(id)/messages", json: #"{"input":"Who am I?"}"#).json["id"]?.stringValue)
                #expect(try await client.waitForRun(second, ["completed"])["output"] == "You are Ada.")
                let detail = try await client.send(.get, "/v1/sessions/\(id)?messages_limit=3").json
                #expect(detail["messages"]?["data"]?.arrayItems?.compactMap { $0["content"]?.stringValue } == ["I am Ada.", "Hi Ada.", "Who am I?"])
                let next = try #require(detail["messages"]?["next_cursor"]?.stringValue)
                #expect(try await client.send(.get, "/v1/sessions/\(id)?messages_after=\(next)").json["messages"]?["data"]?.arrayCount == 1)
                #expect(try await client.send(.get, "/v1/sessions?user_id=u1").json["data"]?.arrayCount == 1)
                #expect(try await client.send(.delete, "/v1/sessions/\(id)").status == .noContent)
                #expect(try await client.send(.get, "/v1/sessions/\(id)").status == .notFound)
            }
        }
        #expect(model.requests.last?.body["messages"]?.arrayCount == 4)
    }

    @Test("sessions carry metadata set at creation and are listed by it; bad labels are 422 naming the problem")
    func sessionMetadata() async throws {
        try await TestServer().run { client, _ in
            let gold = try await client.send(.post, "/v1/sessions", json: #"{"agent":"scripted","metadata":{"team":"support","tier":"gold"}}"#)
            #expect(gold.status == .created && gold.json["metadata"]?["team"] == "support", "\(gold.json)")
            let plain = try await client.send(.post, "/v1/sessions", json: #"{"agent":"scripted","metadata":{"team":"support"}}"#)
            _ = try await client.send(.post, "/v1/sessions", json: #"{"agent":"scripted"}"#)
            func ids(_ query: String) async throws -> [String] {
                try await client.send(.get, "/v1/sessions?\(query)").json["data"]?.arrayItems?.compactMap { $0["id"]?.stringValue } ?? []
            }
            let goldId = try #require(gold.json["id"]?.stringValue)
            let plainId = try #require(plain.json["id"]?.stringValue)
            #expect(try await ids("metadata=team:support") == [plainId, goldId])
            #expect(try await ids("metadata=team:support&metadata=tier:gold") == [goldId])
            #expect(try await ids("metadata=team:sales").isEmpty)
            #expect(try await client.send(.get, "/v1/sessions/\(goldId)").json["metadata"]?["tier"] == "gold")
            let noColon = try await client.send(.get, "/v1/sessions?metadata=team")
            #expect(noColon.status == .unprocessableContent && noColon.json["error"]?["message"]?.stringValue?.contains("name:value") == true)
            let badKey = try await client.send(.post, "/v1/sessions", json: #"{"agent":"scripted","metadata":{"no spaces":"x"}}"#)
            #expect(badKey.status == .unprocessableContent && badKey.json["error"]?["message"]?.stringValue?.contains("metadata") == true, "\(badKey.json)")
            let long = String(repeating: "é", count: 257)
            let longValue = try await client.send(.post, "/v1/sessions", json: #"{"agent":"scripted","metadata":{"k":"\#(long)"}}"#)
            #expect(longValue.status == .unprocessableContent, "\(longValue.json)")
            let notString = try await client.send(.post, "/v1/sessions", json: #"{"agent":"scripted","metadata":{"k":1}}"#)
            #expect(notString.status == .unprocessableContent)
        }
    }

    @Test("a second turn while one runs is 409 session_busy; stop ends it and keeps the partial answer")
    func busyAndStop() async throws {
        var server = TestServer()
        server.replies = [ScriptedReply(text: String(repeating: "word ", count: 300), chunkDelayMilliseconds: 10)]
        try await server.run { client, engine in
            let session = try #require(try await client.send(.post, "/v1/sessions", json: #"{"agent":"scripted"}"#).json["id"]?.stringValue)
            let run = try #require(try await client.send(.post, "/v1/sessions/\(session)/messages", json: #"{"input":"talk"}"#).json["id"]?.stringValue)
            try await Task.sleep(for: .milliseconds(150))
            let busy = try await client.send(.post, "/v1/sessions/\(session)/messages", json: #"{"input":"again"}"#)
            #expect(busy.status == .conflict)
            #expect(busy.errorCode == "session_busy")
            let stopped = try await client.send(.post, "/v1/sessions/\(session)/stop")
            #expect(stopped.status == .accepted)
            #expect(stopped.json["stopped_run_id"] == .string(run))
            _ = try await client.waitForRun(run, ["cancelled"])
            let messages = try await engine.store.messages(runId: run)
            let partial = try #require(messages.first { $0.role == .assistant })
            #expect(partial.interrupted && !partial.content.isEmpty)
        }
    }

    @Test("agents: create, replace, read, refuse bad definitions naming the field, delete")
    func agents() async throws {
        try await TestServer().run { client, _ in
            let body = #"{"instructions":"Hi","model":{"provider":"scripted","script":[{"text":"ok"}]}}"#
            #expect(try await client.send(.put, "/v1/agents/helper", json: body).status == .created)
            #expect(try await client.send(.put, "/v1/agents/helper", json: body).status == .ok)
            #expect(try await client.send(.get, "/v1/agents/helper").json["name"] == "helper")
            let bad = try await client.send(.put, "/v1/agents/helper", json: #"{"model":{"provider":"scripted","script":[]},"policies":{"max_iterations":"many"}}"#)
            #expect(bad.status == .unprocessableContent)
            #expect(bad.json["error"]?["message"]?.stringValue?.contains("policies.max_iterations") == true)
            let several = try await client.send(
                .put, "/v1/agents/helper", json: #"{"modle":1,"model":{"provider":"scripted","script":[],"stream":"yes please"},"policies":{"max_iterations":"many"}}"#
            )
            let problems = several.json["error"]?["details"]?["problems"]?.arrayItems?.compactMap(\.stringValue) ?? []
            #expect(problems.count == 3 && problems.contains { $0.hasPrefix("modle: unknown field") } && problems.contains { $0.hasPrefix("model.stream:") }
                    && problems.contains { $0.hasPrefix("policies.max_iterations:") }, "every problem at once: \(several.json)")
            let mismatch = try await client.send(.put, "/v1/agents/helper", json: #"{"name":"other","model":{"provider":"scripted","script":[]}}"#)
            #expect(mismatch.status == .unprocessableContent)
            let noKey = try await client.send(.put, "/v1/agents/needs-key", json: #"{"model":{"provider":"anthropic","name":"claude"}}"#)
            #expect(noKey.errorCode == "invalid_agent")
            #expect(try await client.send(.delete, "/v1/agents/helper").status == .noContent)
            #expect(try await client.send(.get, "/v1/agents/helper").status == .notFound)
        }
    }

    @Test("health, readiness and the OpenAPI document need no key; /v1 needs a valid bearer key")
    func authentication() async throws {
        var server = TestServer()
        server.configuration.apiKeys = ["k-0123456789abcdef"]
        try await server.run { client, _ in
            #expect(try await client.send(.get, "/healthz").status == .ok)
            #expect(try await client.send(.get, "/readyz").status == .ok)
            #expect(try await client.send(.get, "/openapi.json").json["openapi"] == "3.1.0")
            let missing = try await client.send(.get, "/v1/runs")
            #expect(missing.status == .unauthorized)
            #expect(missing.errorCode == "unauthorized")
            #expect(try await client.send(.get, "/v1/runs", headers: [.authorization: "Bearer wrong"]).status == .unauthorized)
            #expect(try await client.send(.get, "/v1/runs", headers: [.authorization: "Bearer k-0123456789abcdef"]).status == .ok)
            #expect(try await client.send(.get, "/metrics").status == .ok, "metrics stay open unless asked")
            // The scheme is case-insensitive.
            #expect(try await client.send(.get, "/v1/runs", headers: [.authorization: "bearer k-0123456789abcdef"]).status == .ok)
            #expect(try await client.send(.get, "/v1/runs", headers: [.authorization: "BEARER k-0123456789abcdef"]).status == .ok)
            #expect(try await client.send(.get, "/v1/runs", headers: [.authorization: "Basic k-0123456789abcdef"]).status == .unauthorized)
            // A browser's EventSource cannot send headers: event streams take the key as a query parameter.
            let id = try #require(
                try await client.send(.post, "/v1/runs", json: #"{"agent":"scripted","input":"hi"}"#, headers: [.authorization: "Bearer k-0123456789abcdef"])
                    .json["id"]?.stringValue
            )
            _ = try await client.waitForRun(id, ["completed"], headers: [.authorization: "Bearer k-0123456789abcdef"])
            #expect(try await client.send(.get, "/v1/runs/\(id)/events?access_token=k-0123456789abcdef").status == .ok)
            #expect(try await client.send(.get, "/v1/runs/\(id)?access_token=k-0123456789abcdef").status == .unauthorized, "only event streams take it")
            #expect(try await client.send(.get, "/v1/runs/\(id)/events?access_token=wrong").status == .unauthorized)
        }
    }

    @Test("metrics_require_key puts /metrics behind the API keys")
    func protectedMetrics() async throws {
        var server = TestServer()
        server.configuration.apiKeys = ["k-0123456789abcdef"]
        server.configuration.metricsRequireKey = true
        try await server.run { client, _ in
            let anonymous = try await client.send(.get, "/metrics")
            #expect(anonymous.status == .unauthorized)
            let keyed = try await client.send(.get, "/metrics", headers: [.authorization: "Bearer k-0123456789abcdef"])
            #expect(keyed.status == .ok)
            let health = try await client.send(.get, "/healthz")
            #expect(health.status == .ok)
        }
    }

    @Test("unknown routes and ids are 404 in the error shape")
    func notFound() async throws {
        try await TestServer().run { client, _ in
            for (path, code) in [
                ("/v1/nowhere", "not_found"), ("/v1/runs/run_nope", "run_not_found"), ("/v1/sessions/ses_nope", "session_not_found"),
                ("/v1/agents/nobody", "agent_not_found"), ("/v1/runs/run_nope/events", "run_not_found"),
            ] {
                let response = try await client.send(.get, path)
                #expect(response.status == .notFound, "\(path)")
                #expect(response.errorCode == code, "\(path)")
            }
            // One code per condition, whichever route meets it.
            #expect(try await client.send(.delete, "/v1/runs/run_nope").errorCode == "run_not_found")
            #expect(try await client.send(.post, "/v1/runs/run_nope/cancel", json: "{}").errorCode == "run_not_found")
        }
    }

    @Test("a known path asked with another method is 405 with Allow; a cursor that names nothing is 422")
    func methodAndCursor() async throws {
        try await TestServer().run { client, _ in
            let wrong = try await client.send(.put, "/v1/runs")
            #expect(wrong.status == .methodNotAllowed && wrong.errorCode == "method_not_allowed")
            #expect(wrong.headers[.allow] == "GET, POST", "\(wrong.headers)")
            #expect(try await client.send(.patch, "/v1/runs/run_x").status == .methodNotAllowed)
            for path in ["/v1/runs?cursor=garbage", "/v1/sessions?cursor=garbage"] {
                let response = try await client.send(.get, path)
                #expect(response.status == .unprocessableContent && response.json["error"]?["details"]?["field"] == "cursor", "\(path)")
            }
        }
    }
}

@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    @Test("the served document is the one in the repo, and names every route the server has")
    func servedDocumentMatchesRepo() async throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/AloftServer/OpenAPI/openapi.json")
        let inRepo = try JSONValue.parse(try String(contentsOf: file, encoding: .utf8))
        try await TestServer().run { client, _ in
            let served = try await client.send(.get, "/openapi.json").json
            #expect(served == inRepo, "run scripts/generate-openapi-swift.sh after editing openapi.json")
            let paths = Set(served["paths"]?.objectValue?.keys.map { $0 } ?? [])
            #expect(paths.isSuperset(of: [
                "/v1/runs", "/v1/runs/{id}", "/v1/runs/{id}/events", "/v1/runs/{id}/cancel", "/v1/runs/{id}/approval", "/v1/runs/{id}/messages",
                "/v1/runs/{id}/journal", "/v1/sessions",
                "/v1/sessions/{id}", "/v1/sessions/{id}/messages", "/v1/sessions/{id}/stop", "/v1/agents", "/v1/agents/{name}", "/healthz", "/readyz",
            ]))
        }
    }
}

@Suite("Metrics")
struct MetricsTests {
    @Test("/metrics reports runs by phase, requests by route and status, model calls, tokens and tool calls")
    func prometheusText() async throws {
        var server = TestServer()
        server.replies = [ScriptedReply(toolCalls: [.init(name: "current_time")]), ScriptedReply(text: "It is now.")]
        try await server.run { client, _ in
            let id = try #require(try await client.send(.post, "/v1/runs", json: #"{"agent":"scripted","input":"time?"}"#).json["id"]?.stringValue)
            _ = try await client.waitForRun(id, ["completed"])
            _ = try await client.send(.get, "/v1/runs/run_missing")
            let response = try await client.send(.get, "/metrics")
            #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = String(buffer: response.body)
            #expect(text.contains(#"aloft_runs{phase="completed"} 1"#))
            #expect(text.contains(#"aloft_http_requests_total{method="GET",route="/v1/runs/{id}",status="404"}"#))
            #expect(text.contains(#"aloft_http_requests_total{method="POST",route="/v1/runs",status="201"} 1"#))
            #expect(text.contains("aloft_model_call_duration_seconds_bucket"))
            #expect(text.contains(#"aloft_model_tokens_total{provider="scripted",direction="output"}"#))
            #expect(text.contains(#"aloft_tool_calls_total{tool="current_time",outcome="ok"} 1"#))
        }
    }
}
