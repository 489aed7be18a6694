import AloftCore
import AloftTestSupport
import Foundation
import Testing

/// Gemini and Vertex AI agents as a new user meets them: `aloft run` and `aloft serve`.
@Suite("Gemini agents from aloft run and aloft serve")
struct GeminiCommandLineTests {
    @Test("a Gemini agent calls a tool and answers through aloft run; the thought signature goes back with the call; without a key it is refused naming GEMINI_API_KEY")
    func geminiAgent() async throws {
        let folder = try temporaryFolder()
        let call = ToolCall(id: "", name: "current_time", arguments: "{}", signature: "c2lnbmVkLWNhbGw=")
        let model = FakeModelServer(replies: [.toolCalls([call]), .text("It is late.")])
        try await model.run { baseURL in
            try """
                name: gem
                model: { provider: gemini, name: gemini-2.5-flash, base_url: "\(baseURL.dropLast("/v1".count))" }
                tools:
                  - builtin: current_time
                """.write(toFile: "\(folder)/gem.yaml", atomically: true, encoding: .utf8)
            let run = try await AloftProcess.run(["run", "--agent", "gem.yaml", "--db", "aloft.db", "time?"], directory: folder, environment: ["GEMINI_API_KEY": "gem-key"])
            #expect(run.status == 0 && run.stdout.contains("It is late."), "\(run.stderr)")
            #expect(run.stderr.contains("current_time"))
            try "name: google\nmodel: { provider: gemini, name: gemini-2.5-flash }\n".write(toFile: "\(folder)/google.yaml", atomically: true, encoding: .utf8)
            let missing = try await AloftProcess.run(
                ["run", "--agent", "google.yaml", "--db", "aloft.db", "hi"], directory: folder, environment: ["GEMINI_API_KEY": "", "GOOGLE_API_KEY": ""]
            )
            #expect(missing.status == 2 && missing.stderr.contains("set GEMINI_API_KEY to your Gemini API key"), "\(missing.stderr)")
        }
        let requests = model.requests
        try #require(requests.count == 2)
        #expect(requests.allSatisfy { $0.headers["x-goog-api-key"] == "gem-key" })
        let contents = try #require(requests[1].body["contents"]?.arrayValue)
        #expect(contents[1] == ["role": "model", "parts": [["functionCall": ["name": "current_time", "args": [:]], "thoughtSignature": "c2lnbmVkLWNhbGw="]]])
        #expect(contents[2]["parts"]?.arrayValue?.first?["functionResponse"]?["name"] == "current_time")
    }

    @Test("a Vertex AI agent with a service account key answers a run started over REST on aloft serve")
    func vertexAgentOverREST() async throws {
        let folder = try temporaryFolder()
        let agents = try agentsFolder(in: folder)
        let model = FakeModelServer(replies: [.text("Hello from Vertex.")])
        try await model.run { baseURL in
            let root = String(baseURL.dropLast("/v1".count))
            try """
                name: vertex
                model: { provider: vertex, name: gemini-2.5-pro, project: my-project, location: europe-west4, base_url: "\(root)" }
                """.write(toFile: "\(agents)/vertex.yaml", atomically: true, encoding: .utf8)
            let keyFile = try GoogleServiceAccountKey.write(tokenURI: root + "/token").path
            let server = try await ServerProcess.start(in: folder, environment: ["GOOGLE_APPLICATION_CREDENTIALS": keyFile])
            defer { server.process.kill() }
            let run = try await server.runToEnd(agent: "vertex", input: "hi")
            #expect(run["phase"] == "completed" && run["output"] == "Hello from Vertex.", "\(run)")
        }
        let call = try #require(model.requests.first { $0.path != "/token" })
        #expect(call.path == "/v1/projects/my-project/locations/europe-west4/publishers/google/models/gemini-2.5-pro:streamGenerateContent")
        #expect(call.headers["authorization"] == "Bearer ya29.fake-1")
    }
}
