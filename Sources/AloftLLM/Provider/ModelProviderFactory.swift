public import AloftCore
import Foundation
import Yams

/// Builds the provider an agent's model settings name, resolving API keys from the
/// environment and script files relative to the agent file.
public struct ModelProviderFactory: Sendable {
    let http: ModelHTTPClient
    let environment: [String: String]

    public init(http: ModelHTTPClient, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.http = http
        self.environment = environment
    }

    /// The environment variable an agent's API key is read from.
    public static func apiKeyVariable(for settings: ModelSettings) -> String? {
        if let name = settings.apiKeyEnv { return name }
        switch settings.provider {
        case .openai: return "OPENAI_API_KEY"
        case .anthropic: return "ANTHROPIC_API_KEY"
        case .azure: return "AZURE_OPENAI_API_KEY"
        case .scripted: return nil
        }
    }

    /// The base URL an agent's model calls go to: its own, else `OPENAI_BASE_URL` /
    /// `ANTHROPIC_BASE_URL` (like the official SDKs), else the provider's.
    public static func effectiveBaseURL(for settings: ModelSettings, environment: [String: String]) -> String? {
        if let baseURL = settings.baseURL { return baseURL }
        switch settings.provider {
        case .openai: return environment["OPENAI_BASE_URL"] ?? OpenAIChatProvider.defaultBaseURL
        case .anthropic: return environment["ANTHROPIC_BASE_URL"] ?? AnthropicProvider.defaultBaseURL
        case .azure: return environment["AZURE_OPENAI_ENDPOINT"]
        case .scripted: return nil
        }
    }

    public func provider(for settings: ModelSettings, limits: ModelCallLimits = ModelCallLimits()) throws -> any ModelProvider {
        var settings = settings
        if settings.baseURL == nil {
            switch settings.provider {
            case .openai: settings.baseURL = environment["OPENAI_BASE_URL"]
            case .anthropic: settings.baseURL = environment["ANTHROPIC_BASE_URL"]
            case .azure: settings.baseURL = environment["AZURE_OPENAI_ENDPOINT"]
            case .scripted: break
            }
        }
        let apiKey = Self.apiKeyVariable(for: settings).flatMap { environment[$0] }
        switch settings.provider {
        case .openai:
            if apiKey == nil, settings.baseURL == nil {
                throw ModelError(
                    code: .misconfigured,
                    message: "set \(Self.apiKeyVariable(for: settings) ?? "OPENAI_API_KEY") to your OpenAI API key, or base_url to an OpenAI-compatible server"
                )
            }
            return OpenAIChatProvider(settings: settings, apiKey: apiKey, http: http, limits: limits)
        case .anthropic:
            if apiKey == nil, settings.baseURL == nil {
                throw ModelError(
                    code: .misconfigured,
                    message: "set \(Self.apiKeyVariable(for: settings) ?? "ANTHROPIC_API_KEY") to your Anthropic API key"
                )
            }
            return AnthropicProvider(settings: settings, apiKey: apiKey, http: http, limits: limits)
        case .azure:
            guard let endpoint = settings.baseURL else {
                throw ModelError(
                    code: .misconfigured,
                    message: "set base_url (or AZURE_OPENAI_ENDPOINT) to the Azure OpenAI resource's endpoint, such as https://NAME.openai.azure.com"
                )
            }
            let credential: AzureOpenAIProvider.Credential
            if let apiKey, !apiKey.isEmpty {
                credential = .apiKey(apiKey)
            } else if let token = environment[AzureOpenAIProvider.tokenVariable], !token.isEmpty {
                credential = .bearerToken(token)
            } else {
                throw ModelError(
                    code: .misconfigured,
                    message: "set \(Self.apiKeyVariable(for: settings) ?? "AZURE_OPENAI_API_KEY") to the resource's API key, or \(AzureOpenAIProvider.tokenVariable) to a Microsoft Entra ID access token"
                )
            }
            return AzureOpenAIProvider(settings: settings, endpoint: endpoint, credential: credential, http: http, limits: limits)
        case .scripted:
            guard let replies = settings.script else {
                throw ModelError(code: .misconfigured, message: "the scripted provider has no script")
            }
            return ScriptedProvider(replies: replies)
        }
    }

    /// Reads a script file (YAML or JSON: a list of replies).
    public static func loadScript(at path: String) throws -> [ScriptedReply] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try YAMLDecoder().decode([ScriptedReply].self, from: text)
    }
}
