import AloftCore
import AloftTestSupport
import CryptoExtras
import Foundation
import Synchronization
import Testing

@testable import AloftLLM

/// Gemini over real HTTP against a fake server speaking its wire format: the Gemini API with a
/// key, Vertex AI with a service account's tokens, streamed and whole, function calls with
/// thought signatures, usage, safety blocks and finish reasons, errors.
@Suite("Gemini and Vertex AI over real HTTP")
struct GeminiProviderTests {
    /// The fake server's root (`http://127.0.0.1:PORT`).
    static func root(_ baseURL: String) -> String { String(baseURL.dropLast("/v1".count)) }

    static func factory(_ environment: [String: String]) -> ModelProviderFactory { AzureOpenAIProviderTests.factory(environment) }

    static let weather = ToolDefinition(
        name: "weather", description: "The weather in a city.",
        parameters: ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"], "additionalProperties": false]
    )

    @Test("the Gemini API: models/{model}:generateContent or :streamGenerateContent?alt=sse, the key in x-goog-api-key, text as it arrives, usage with thinking", arguments: [true, false])
    func text(stream: Bool) async throws {
        let server = FakeModelServer(replies: [.text("Sunny in Oslo today.")])
        try await server.run { baseURL in
            let settings = ModelSettings(provider: .gemini, name: "models/gemini-2.5-flash", stream: stream)
            let provider = try Self.factory(["GOOGLE_GEMINI_BASE_URL": Self.root(baseURL), "GEMINI_API_KEY": "gem-key"]).provider(for: settings)
            let deltas = Mutex<[String]>([])
            let answer = try await provider.respond(to: ModelRequest(messages: [.system("Be brief."), .user("Weather?")], tools: [])) { delta in
                deltas.withLock { $0.append(delta) }
            }
            #expect(answer.text == "Sunny in Oslo today." && deltas.withLock { $0.joined() } == answer.text)
            if stream { #expect(deltas.withLock { $0.count } == 4) }
            #expect(answer.usage == Usage(inputTokens: 12, outputTokens: 12))
        }
        let request = try #require(server.requests.first)
        #expect(request.path == (stream ? "/v1beta/models/gemini-2.5-flash:streamGenerateContent" : "/v1beta/models/gemini-2.5-flash:generateContent"))
        #expect(request.query == (stream ? "alt=sse" : ""))
        #expect(request.headers["x-goog-api-key"] == "gem-key" && request.headers["authorization"] == nil)
        #expect(request.body["systemInstruction"] == ["parts": [["text": "Be brief."]]])
        #expect(request.body["contents"] == [["role": "user", "parts": [["text": "Weather?"]]]])
    }

    @Test("parallel function calls: ids made up when Gemini sends none, thought signatures kept and sent back unchanged with the calls and the text", arguments: [true, false])
    func functionCalls(stream: Bool) async throws {
        let calls = [
            ToolCall(id: "", name: "weather", arguments: #"{"city":"Oslo"}"#, signature: "c2lnLW9uZQ=="),
            ToolCall(id: "", name: "weather", arguments: #"{"city":"Bergen"}"#),
        ]
        let server = FakeModelServer(replies: [.toolCalls(calls), .signedText("Both sunny.", signature: "c2lnLXR3bw==")])
        let settings = ModelSettings(provider: .gemini, name: "gemini-3-pro-preview", temperature: 0.2, maxTokens: 512, stream: stream)
        try await server.run { baseURL in
            let provider = try Self.factory(["GOOGLE_GEMINI_BASE_URL": Self.root(baseURL) + "/v1beta/", "GOOGLE_API_KEY": "k"]).provider(for: settings)
            var messages: [ChatMessage] = [.system("You report weather."), .user("Oslo and Bergen?")]
            let first = try await provider.respond(to: ModelRequest(messages: messages, tools: [Self.weather])) { _ in }
            #expect(first.toolCalls.map(\.id) == ["aloft_call_1", "aloft_call_2"])
            #expect(first.toolCalls.map(\.name) == ["weather", "weather"] && first.toolCalls.map(\.signature) == ["c2lnLW9uZQ==", nil])
            #expect(try first.toolCalls.map { try JSONValue.parse($0.arguments) } == [["city": "Oslo"], ["city": "Bergen"]])
            messages.append(ChatMessage(role: .assistant, content: first.text, toolCalls: first.toolCalls, signature: first.signature))
            for call in first.toolCalls {
                messages.append(ChatMessage(role: .tool, content: "sunny", toolCallId: call.id, toolName: call.name))
            }
            let second = try await provider.respond(to: ModelRequest(messages: messages, tools: [Self.weather])) { _ in }
            #expect(second.text == "Both sunny." && second.signature == "c2lnLXR3bw==")
            messages.append(ChatMessage(role: .assistant, content: second.text, signature: second.signature))
            messages.append(.user("And tomorrow?"))
            _ = try await provider.respond(to: ModelRequest(messages: messages, tools: [Self.weather])) { _ in }
        }
        let requests = server.requests
        try #require(requests.count == 3)
        #expect(requests[0].headers["x-goog-api-key"] == "k")
        #expect(requests[0].body["tools"] == [["functionDeclarations": [["name": "weather", "description": "The weather in a city.", "parametersJsonSchema": Self.weather.parameters]]]])
        #expect(requests[0].body["generationConfig"] == ["temperature": 0.2, "maxOutputTokens": 512])
        // The calls go back as Gemini sent them: no made-up id, the signature on its part; both
        // results in one user turn.
        #expect(
            requests[1].body["contents"] == [
                ["role": "user", "parts": [["text": "Oslo and Bergen?"]]],
                [
                    "role": "model",
                    "parts": [
                        ["functionCall": ["name": "weather", "args": ["city": "Oslo"]], "thoughtSignature": "c2lnLW9uZQ=="],
                        ["functionCall": ["name": "weather", "args": ["city": "Bergen"]]],
                    ],
                ],
                [
                    "role": "user",
                    "parts": [
                        ["functionResponse": ["name": "weather", "response": ["output": "sunny"]]],
                        ["functionResponse": ["name": "weather", "response": ["output": "sunny"]]],
                    ],
                ],
            ]
        )
        #expect(requests[2].body["contents"]?.arrayValue?[3] == ["role": "model", "parts": [["text": "Both sunny.", "thoughtSignature": "c2lnLXR3bw=="]]])
        // What was sent and what the fake answered, checked against google-genai's types.
        if ModelSDKs.available {
            let responses = [
                GeminiWire.whole(text: "", calls: calls), GeminiWire.whole(text: "Both sunny.", calls: [], textSignature: "c2lnLXR3bw=="),
                GeminiWire.promptBlocked("SAFETY"), GeminiWire.whole(text: "Step one", calls: [], finishReason: "SAFETY", blockedCategory: "HARM_CATEGORY_HARASSMENT"),
            ] + GeminiWire.stream(words: ["Both ", "sunny."], calls: calls, textSignature: "c2ln")
            let check = try await ModelSDKs.validate(["gemini": ["responses": .array(responses), "requests": .array(requests.map(\.body))]])
            #expect(check.status == 0, "\(check.output)")
            #expect(check.output.contains("ok gemini.requests 3"))
        }
    }

    @Test("Gemini calls that carry an id keep it, and it goes back with the call and its result")
    func callIds() async throws {
        let server = FakeModelServer(replies: [.toolCalls([ToolCall(id: "fc-7", name: "weather", arguments: "{}")]), .text("done")])
        try await server.run { baseURL in
            let provider = try Self.factory(["GOOGLE_GEMINI_BASE_URL": Self.root(baseURL), "GEMINI_API_KEY": "k"])
                .provider(for: ModelSettings(provider: .gemini, name: "gemini-2.5-flash"))
            let first = try await provider.respond(to: ModelRequest(messages: [.user("?")], tools: [Self.weather])) { _ in }
            #expect(first.toolCalls.map(\.id) == ["fc-7"])
            let messages: [ChatMessage] = [
                .user("?"), ChatMessage(role: .assistant, content: "", toolCalls: first.toolCalls),
                ChatMessage(role: .tool, content: "rain", toolCallId: "fc-7", toolName: "weather"),
            ]
            _ = try await provider.respond(to: ModelRequest(messages: messages, tools: [Self.weather])) { _ in }
        }
        let contents = try #require(server.requests.last?.body["contents"]?.arrayValue)
        #expect(contents[1]["parts"]?.arrayValue?.first?["functionCall"]?["id"] == "fc-7")
        #expect(contents[2]["parts"]?.arrayValue?.first?["functionResponse"]?["id"] == "fc-7")
    }

    @Test("safety and finish reasons are clear errors: a blocked prompt and a stopped answer are content_filtered (not retried), a malformed call is retryable, MAX_TOKENS before any text says to raise max_tokens", arguments: [true, false])
    func finishReasons(stream: Bool) async throws {
        let server = FakeModelServer(replies: [
            .promptBlocked("PROHIBITED_CONTENT"), .finished("SAFETY", text: "Here is how", blockedCategory: "HARM_CATEGORY_DANGEROUS_CONTENT"),
            .finished("MALFORMED_FUNCTION_CALL", text: ""), .finished("MAX_TOKENS", text: ""),
        ])
        try await server.run { baseURL in
            let provider = try Self.factory(["GOOGLE_GEMINI_BASE_URL": Self.root(baseURL), "GEMINI_API_KEY": "k"])
                .provider(for: ModelSettings(provider: .gemini, name: "gemini-2.5-flash", stream: stream))
            let expected: [(ModelError.Code, Bool, String)] = [
                (.contentFiltered, false, "blocked the prompt (PROHIBITED_CONTENT: HARM_CATEGORY_DANGEROUS_CONTENT: HIGH)"),
                (.contentFiltered, false, "stopped the answer (SAFETY: HARM_CATEGORY_DANGEROUS_CONTENT: HIGH)"),
                (.invalidResponse, true, "malformed (MALFORMED_FUNCTION_CALL)"),
                (.badRequest, false, "raise model.max_tokens"),
            ]
            for (code, retryable, text) in expected {
                await #expect {
                    _ = try await provider.respond(to: ModelRequest(messages: [.user("…")], tools: [])) { _ in }
                } throws: { error in
                    guard let error = error as? ModelError else { return false }
                    return error.code == code && error.isRetryable == retryable && error.message.contains(text)
                }
            }
        }
    }

    @Test("HTTP errors in Google's shape: a wrong API key is an authentication error, 429 is rate limiting; a stream cut before its finish reason is incomplete")
    func errors() async throws {
        let cut = GeminiWire.stream(words: ["Half "], calls: []).dropLast().map { "data: \($0.jsonText())\r\n\r\n" }
        let server = FakeModelServer(replies: [
            .status(400, message: "API key not valid. Please pass a valid API key."), .status(429, message: "Resource has been exhausted"),
            .raw(contentType: "text/event-stream", chunks: Array(cut)),
        ])
        try await server.run { baseURL in
            let provider = try Self.factory(["GOOGLE_GEMINI_BASE_URL": Self.root(baseURL), "GEMINI_API_KEY": "wrong"])
                .provider(for: ModelSettings(provider: .gemini, name: "gemini-2.5-flash"))
            for (code, text) in [(ModelError.Code.authentication, "API key not valid"), (.rateLimited, "exhausted"), (.invalidResponse, "no finishReason")] {
                await #expect {
                    _ = try await provider.respond(to: ModelRequest(messages: [.user("…")], tools: [])) { _ in }
                } throws: { error in
                    (error as? ModelError)?.code == code && "\(error)".contains(text)
                }
            }
        }
    }

    static func base64URLDecoded(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }

    @Test("Vertex AI with a service account: an RS256 JWT signed with the key file's private key is exchanged for a token, cached across calls and callers, refreshed before it expires")
    func vertexServiceAccount() async throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let server = FakeModelServer(fallback: .text("Hello from Vertex."), tokenLifetimeSeconds: 61)
        try await server.run { baseURL in
            let keyFile = try GoogleServiceAccountKey.write(tokenURI: Self.root(baseURL) + "/token", key: key).path
            let settings = ModelSettings(provider: .vertex, name: "gemini-2.5-pro", baseURL: Self.root(baseURL), location: "us-central1")
            let provider = try Self.factory(["GOOGLE_APPLICATION_CREDENTIALS": keyFile]).provider(for: settings)
            // Concurrent first calls share one token request.
            try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<4 { group.addTask { try await provider.respond(to: ModelRequest(messages: [.user("Hi")], tools: [])) { _ in }.text } }
                for try await text in group { #expect(text == "Hello from Vertex.") }
            }
            #expect(server.requests.filter { $0.path == "/token" }.count == 1)
            // 61 s tokens are replaced a minute before they expire: after a second, a new one.
            try await Task.sleep(for: .milliseconds(1200))
            _ = try await provider.respond(to: ModelRequest(messages: [.user("Hi")], tools: [])) { _ in }
        }
        let tokenRequests = server.requests.filter { $0.path == "/token" }
        #expect(tokenRequests.count == 2)
        let modelRequests = server.requests.filter { $0.path != "/token" }
        #expect(modelRequests.count == 5)
        #expect(modelRequests.allSatisfy { $0.path == "/v1/projects/file-project/locations/us-central1/publishers/google/models/gemini-2.5-pro:streamGenerateContent" })
        #expect(modelRequests.prefix(4).allSatisfy { $0.headers["authorization"] == "Bearer ya29.fake-1" })
        #expect(modelRequests.last?.headers["authorization"] == "Bearer ya29.fake-2")
        // The token request: the JWT bearer grant, a JWT signed by the key, with Google's claims.
        let form = try #require(tokenRequests.first?.body.stringValue)
        #expect(tokenRequests.first?.headers["content-type"] == "application/x-www-form-urlencoded")
        let fields = Dictionary(uniqueKeysWithValues: form.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1)
            return (String(parts[0]), String(parts.count > 1 ? parts[1] : "").removingPercentEncoding ?? "")
        })
        #expect(fields["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer")
        let jwt = try #require(fields["assertion"]).split(separator: ".")
        try #require(jwt.count == 3)
        let header = try JSONValue.parse(String(decoding: try #require(Self.base64URLDecoded(jwt[0])), as: UTF8.self))
        let claims = try JSONValue.parse(String(decoding: try #require(Self.base64URLDecoded(jwt[1])), as: UTF8.self))
        #expect(header["alg"] == "RS256" && header["kid"] == "key-1")
        #expect(claims["iss"] == "aloft@file-project.iam.gserviceaccount.com" && claims["scope"] == "https://www.googleapis.com/auth/cloud-platform")
        #expect(claims["aud"]?.stringValue?.hasSuffix("/token") == true)
        let issued = try #require(claims["iat"]?.integer(in: 0...Int.max)), expires = try #require(claims["exp"]?.integer(in: 0...Int.max))
        #expect(expires - issued == 3600 && abs(Double(issued) - Date().timeIntervalSince1970) < 120)
        let signature = _RSA.Signing.RSASignature(rawRepresentation: try #require(Self.base64URLDecoded(jwt[2])))
        #expect(key.publicKey.isValidSignature(signature, for: Data("\(jwt[0]).\(jwt[1])".utf8), padding: .insecurePKCS1v1_5))
    }

    @Test("Vertex AI: the global location has no regional host; a user's refresh token (gcloud's application default credentials) and an access token from the environment work too")
    func vertexOtherCredentials() async throws {
        let server = FakeModelServer(fallback: .text("ok"))
        try await server.run { baseURL in
            let folder = try temporaryFolder()
            let user: JSONValue = [
                "type": "authorized_user", "client_id": "cid", "client_secret": "secret", "refresh_token": "1//refresh",
                "token_uri": .string(Self.root(baseURL) + "/token"),
            ]
            try FileManager.default.createDirectory(atPath: folder + "/gcloud", withIntermediateDirectories: true)
            try user.jsonText().write(toFile: folder + "/gcloud/application_default_credentials.json", atomically: true, encoding: .utf8)
            let settings = ModelSettings(provider: .vertex, name: "gemini-2.5-flash", stream: false, project: "my-project")
            let fromFile = try Self.factory(["CLOUDSDK_CONFIG": folder + "/gcloud", "GOOGLE_VERTEX_BASE_URL": Self.root(baseURL)]).provider(for: settings)
            #expect(try await fromFile.complete(ModelRequest(messages: [.user("Hi")], tools: [])).text == "ok")
            let fromToken = try Self.factory(["GOOGLE_OAUTH_ACCESS_TOKEN": "ya29.given", "GOOGLE_VERTEX_BASE_URL": Self.root(baseURL)]).provider(for: settings)
            #expect(try await fromToken.complete(ModelRequest(messages: [.user("Hi")], tools: [])).text == "ok")
        }
        let form = try #require(server.requests.first { $0.path == "/token" }?.body.stringValue)
        #expect(form == "grant_type=refresh_token&client_id=cid&client_secret=secret&refresh_token=1%2F%2Frefresh")
        let calls = server.requests.filter { $0.path != "/token" }
        #expect(calls.map(\.path) == Array(repeating: "/v1/projects/my-project/locations/global/publishers/google/models/gemini-2.5-flash:generateContent", count: 2))
        #expect(calls.map { $0.headers["authorization"] } == ["Bearer ya29.fake-1", "Bearer ya29.given"])
        #expect(GeminiProvider.vertexBaseURL(location: "global") == "https://aiplatform.googleapis.com")
        #expect(GeminiProvider.vertexBaseURL(location: "europe-west4") == "https://europe-west4-aiplatform.googleapis.com")
    }

    @Test("missing or broken settings are clear errors: no key, no credentials, no project, a bad key file, a refused token request")
    func misconfigured() async throws {
        let folder = try temporaryFolder()
        let vertex = ModelSettings(provider: .vertex, name: "gemini-2.5-flash")
        let cases: [([String: String], ModelSettings, String)] = [
            ([:], ModelSettings(provider: .gemini, name: "gemini-2.5-flash"), "set GEMINI_API_KEY to your Gemini API key"),
            (["HOME": folder], vertex, "set GOOGLE_APPLICATION_CREDENTIALS to a service account key file"),
            (["GOOGLE_OAUTH_ACCESS_TOKEN": "t"], vertex, "set model.project (or GOOGLE_CLOUD_PROJECT)"),
            (["GOOGLE_OAUTH_ACCESS_TOKEN": "t", "GOOGLE_CLOUD_PROJECT": "p", "GOOGLE_CLOUD_LOCATION": "evil.com/x"], vertex, "GOOGLE_CLOUD_LOCATION must be"),
            (["GOOGLE_APPLICATION_CREDENTIALS": folder + "/none.json"], vertex, "GOOGLE_APPLICATION_CREDENTIALS cannot be read"),
        ]
        for (environment, settings, text) in cases {
            #expect {
                _ = try Self.factory(environment).provider(for: settings)
            } throws: { error in
                (error as? ModelError)?.code == .misconfigured && "\(error)".contains(text)
            }
        }
        for (content, text) in [("{", "is not JSON"), (#"{"type":"external_account"}"#, "Aloft reads service_account and authorized_user"), (#"{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----","client_email":"a@b"}"#, "not an RSA private key")] {
            let path = folder + "/\(UUID().uuidString).json"
            try content.write(toFile: path, atomically: true, encoding: .utf8)
            #expect {
                _ = try Self.factory(["GOOGLE_APPLICATION_CREDENTIALS": path, "GOOGLE_CLOUD_PROJECT": "p"]).provider(for: vertex)
            } throws: { error in
                (error as? ModelError)?.code == .misconfigured && "\(error)".contains(text)
            }
        }
        // Google refusing the grant: an authentication error that says what to check.
        let refusing = FakeModelServer(refusesTokens: true)
        try await refusing.run { baseURL in
            let path = try GoogleServiceAccountKey.write(tokenURI: Self.root(baseURL) + "/token").path
            let provider = try Self.factory(["GOOGLE_APPLICATION_CREDENTIALS": path, "GOOGLE_VERTEX_BASE_URL": Self.root(baseURL)]).provider(for: vertex)
            await #expect {
                _ = try await provider.complete(ModelRequest(messages: [.user("Hi")], tools: []))
            } throws: { error in
                (error as? ModelError)?.code == .authentication && "\(error)".contains("invalid_grant: Invalid JWT Signature.")
            }
        }
    }
}
