import AloftCore
import AloftTestSupport
import Synchronization
import Testing

@testable import AloftLLM

/// Azure OpenAI over real HTTP against a fake server speaking its wire format: the
/// deployments API and the v1 API, key and Entra ID token, streamed and whole, tool calls, and
/// the content filter.
@Suite("Azure OpenAI over real HTTP")
struct AzureOpenAIProviderTests {
    /// The fake server's base, as an Azure endpoint (`http://127.0.0.1:PORT`).
    static func endpoint(_ baseURL: String) -> String { String(baseURL.dropLast("/v1".count)) }

    static func factory(_ environment: [String: String]) -> ModelProviderFactory {
        ModelProviderFactory(http: ModelHTTPClient.shared(OutboundHTTPConfiguration()), environment: environment)
    }

    @Test("the deployments API: the deployment in the path, api-version in the query, the key in api-key; text and tool calls", arguments: [true, false])
    func deployments(stream: Bool) async throws {
        let call = ToolCall(id: "call_a", name: "weather", arguments: #"{"city":"Oslo"}"#)
        let server = FakeModelServer(replies: [.text("Sunny in Oslo."), .toolCalls([call])])
        try await server.run { baseURL in
            let settings = ModelSettings(provider: .azure, name: "gpt4o-prod", baseURL: Self.endpoint(baseURL) + "/", stream: stream, apiVersion: "2024-10-21")
            let provider = try Self.factory(["AZURE_OPENAI_API_KEY": "azure-key"]).provider(for: settings)
            let deltas = Mutex<[String]>([])
            let answer = try await provider.respond(to: ModelRequest(messages: [.user("Weather?")], tools: [])) { delta in deltas.withLock { $0.append(delta) } }
            #expect(answer.text == "Sunny in Oslo." && deltas.withLock { $0.joined() } == "Sunny in Oslo.")
            #expect(answer.usage.inputTokens > 0)
            let calls = try await provider.respond(to: ModelRequest(messages: [.user("Weather?")], tools: [])) { _ in }
            #expect(calls.toolCalls == [call])
        }
        let request = try #require(server.requests.first)
        #expect(request.path == "/openai/deployments/gpt4o-prod/chat/completions" && request.query == "api-version=2024-10-21")
        #expect(request.headers["api-key"] == "azure-key" && request.headers["authorization"] == nil)
    }

    @Test("the v1 API with a Microsoft Entra ID token: /openai/v1/chat/completions, the deployment as model, Authorization: Bearer")
    func v1WithToken() async throws {
        let server = FakeModelServer(replies: [.text("Hello.")])
        try await server.run { baseURL in
            let settings = ModelSettings(provider: .azure, name: "gpt4o-prod")
            let provider = try Self.factory(["AZURE_OPENAI_ENDPOINT": Self.endpoint(baseURL), "AZURE_OPENAI_AD_TOKEN": "entra-token"]).provider(for: settings)
            #expect(try await provider.respond(to: ModelRequest(messages: [.user("Hi")], tools: [])) { _ in }.text == "Hello.")
        }
        let request = try #require(server.requests.first)
        #expect(request.path == "/openai/v1/chat/completions" && request.query.isEmpty)
        #expect(request.headers["authorization"] == "Bearer entra-token" && request.headers["api-key"] == nil)
        #expect(request.body["model"] == "gpt4o-prod")
    }

    @Test("the content filter: a refused prompt and a stopped answer are content_filtered errors naming the categories, not retried", arguments: [true, false])
    func contentFilter(stream: Bool) async throws {
        let server = FakeModelServer(replies: [.promptFiltered(["hate": "high", "violence": "safe"]), .answerFiltered("Here is how to", ["violence": "medium"])])
        try await server.run { baseURL in
            let settings = ModelSettings(provider: .azure, name: "d", baseURL: Self.endpoint(baseURL), stream: stream, apiVersion: "2024-10-21")
            let provider = try Self.factory(["AZURE_OPENAI_API_KEY": "k"]).provider(for: settings)
            for expected in ["refused the prompt (hate: high)", "stopped the answer (violence: medium)"] {
                await #expect {
                    _ = try await provider.respond(to: ModelRequest(messages: [.user("…")], tools: [])) { _ in }
                } throws: { error in
                    guard let error = error as? ModelError else { return false }
                    return error.code == .contentFiltered && !error.isRetryable && error.message.contains(expected)
                }
            }
        }
    }

    @Test("missing settings are clear errors: no endpoint, no key or token; a bad api_version or deployment name is an agent problem")
    func misconfigured() throws {
        #expect {
            _ = try Self.factory(["AZURE_OPENAI_API_KEY": "k"]).provider(for: ModelSettings(provider: .azure, name: "d"))
        } throws: { error in
            (error as? ModelError)?.code == .misconfigured && "\(error)".contains("AZURE_OPENAI_ENDPOINT")
        }
        #expect {
            _ = try Self.factory([:]).provider(for: ModelSettings(provider: .azure, name: "d", baseURL: "https://x.openai.azure.com"))
        } throws: { error in
            "\(error)".contains("set AZURE_OPENAI_API_KEY to the resource's API key, or AZURE_OPENAI_AD_TOKEN")
        }
        let agent = AgentDefinition(name: "a", instructions: "", model: ModelSettings(provider: .azure, name: "bad name", apiVersion: "2024 10"))
        #expect(agent.problems().contains("model.api_version: must be an Azure OpenAI API version such as 2024-10-21"))
        #expect(agent.problems().contains("model.name: an Azure deployment name is letters, digits, - _ and ."))
        let openai = AgentDefinition(name: "a", instructions: "", model: ModelSettings(provider: .openai, name: "m", apiVersion: "2024-10-21"))
        #expect(openai.problems().contains("model.api_version: only the azure provider takes an api_version"))
    }
}

/// What the fake OpenAI/Azure server sends and what the providers send it, checked against the
/// openai SDK's types.
@Suite("OpenAI wire formats against the openai SDK")
struct OpenAIWireFormatTests {
    @Test("the fake server's answers (whole, streamed, filtered) and Aloft's requests (tools, tool results, streaming options) validate", .enabled(if: ModelSDKs.available))
    func validate() async throws {
        let call = ToolCall(id: "call_a", name: "weather", arguments: #"{"city":"Oslo"}"#)
        let server = FakeModelServer(replies: [.toolCalls([call]), .text("Sunny.")])
        let tool = ToolDefinition(name: "weather", description: "Weather.", parameters: ["type": "object", "properties": ["city": ["type": "string"]]])
        try await server.run { baseURL in
            for stream in [true, false] {
                let settings = ModelSettings(provider: .azure, name: "d", baseURL: AzureOpenAIProviderTests.endpoint(baseURL), temperature: 0.1, maxTokens: 100, stream: stream)
                let provider = try AzureOpenAIProviderTests.factory(["AZURE_OPENAI_API_KEY": "k"]).provider(for: settings)
                let messages: [ChatMessage] = [
                    .system("Be brief."), .user("Weather?"), ChatMessage(role: .assistant, content: "", toolCalls: [call]),
                    ChatMessage(role: .tool, content: "sunny", toolCallId: "call_a", toolName: "weather"),
                ]
                _ = try await provider.complete(ModelRequest(messages: messages, tools: [tool]))
            }
        }
        let chunks = (OpenAIWire.stream(words: ["Sun", "ny."], calls: [call]) + OpenAIWire.stream(words: ["Hi"], calls: []))
            .filter { $0.data != "[DONE]" }.map { try! JSONValue.parse($0.data) }
            + OpenAIWire.filteredStream(text: "Here", categories: ["violence": "medium"])
        let check = try await ModelSDKs.validate([
            "openai": [
                "responses": [
                    OpenAIWire.whole(text: "Sunny.", calls: []), OpenAIWire.whole(text: "", calls: [call]),
                    OpenAIWire.filteredWhole(text: "Here", categories: ["violence": "medium"]),
                ],
                "chunks": .array(chunks), "requests": .array(server.requests.map(\.body)),
            ]
        ])
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("ok openai.requests 2") && check.output.contains("ok openai.chunks"))
    }
}
