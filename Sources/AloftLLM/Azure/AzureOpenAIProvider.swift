public import AloftCore
import Foundation

/// Azure OpenAI: Chat Completions of a deployment, streamed or not, with tool calls and usage
/// (the OpenAI format, read by the same code). With `api_version`, the deployments API
/// (`{endpoint}/openai/deployments/{deployment}/chat/completions?api-version=…`); without,
/// the v1 API (`{endpoint}/openai/v1/chat/completions`, the deployment as `model`). The key
/// goes in `api-key`; a Microsoft Entra ID token in `Authorization: Bearer`. A prompt or an
/// answer Azure's content filter stops is a `content_filtered` error naming the categories.
public struct AzureOpenAIProvider: ModelProvider {
    /// The environment variable an Entra ID access token is read from, when there is no key.
    public static let tokenVariable = "AZURE_OPENAI_AD_TOKEN"

    public enum Credential: Sendable, Hashable {
        case apiKey(String)
        case bearerToken(String)
    }

    let settings: ModelSettings
    let endpoint: String
    let credential: Credential
    let transport: ModelHTTPTransport

    public init(settings: ModelSettings, endpoint: String, credential: Credential, http: ModelHTTPClient, limits: ModelCallLimits = ModelCallLimits()) {
        self.settings = settings
        self.endpoint = endpoint
        self.credential = credential
        self.transport = ModelHTTPTransport(http: http, limits: limits)
    }

    var url: String {
        var base = endpoint
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasSuffix("/openai/v1") || base.hasSuffix("/openai") { base = String(base[..<base.range(of: "/openai", options: .backwards)!.lowerBound]) }
        let deployment = settings.name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? settings.name
        guard let version = settings.apiVersion else { return base + "/openai/v1/chat/completions" }
        return base + "/openai/deployments/\(deployment)/chat/completions?api-version=\(version)"
    }

    public func respond(to request: ModelRequest, onDelta: (String) async throws -> Void) async throws -> ModelResponse {
        let headers: [(String, String)] =
            switch credential {
            case .apiKey(let key): [("api-key", key)]
            case .bearerToken(let token): [("Authorization", "Bearer \(token)")]
            }
        return try await transport.exchange(
            url: url, headers: headers, body: OpenAIChatProvider.body(for: request, settings: settings), stream: settings.stream,
            accumulator: OpenAIStreamAccumulator(), parseWhole: OpenAIChatProvider.response(from:), onDelta: onDelta
        )
    }
}
