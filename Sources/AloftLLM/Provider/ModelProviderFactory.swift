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
        case .gemini: return "GEMINI_API_KEY"
        case .vertex, .scripted: return nil
        }
    }

    /// Every environment variable a provider may take a credential from: what an API client's
    /// agent may only use if the operator grants it.
    public static func credentialVariables(for settings: ModelSettings) -> [String] {
        if let name = settings.apiKeyEnv { return [name] }
        switch settings.provider {
        case .openai: return ["OPENAI_API_KEY"]
        case .anthropic: return ["ANTHROPIC_API_KEY"]
        case .azure: return ["AZURE_OPENAI_API_KEY", AzureOpenAIProvider.tokenVariable]
        case .gemini: return GeminiProvider.apiKeyVariables
        case .vertex: return [GeminiProvider.accessTokenVariable, Self.googleCredentialsVariable]
        case .scripted: return []
        }
    }

    /// The environment variable naming a Google credentials file.
    public static let googleCredentialsVariable = "GOOGLE_APPLICATION_CREDENTIALS"

    /// Where `gcloud auth application-default login` writes the user's credentials.
    static func defaultGoogleCredentialsPath(environment: [String: String]) -> String? {
        if let directory = environment["CLOUDSDK_CONFIG"] { return directory + "/application_default_credentials.json" }
        return environment["HOME"].map { $0 + "/.config/gcloud/application_default_credentials.json" }
    }

    /// The Vertex AI location an agent's calls go to: its own, else `GOOGLE_CLOUD_LOCATION`,
    /// else `global`.
    public static func vertexLocation(for settings: ModelSettings, environment: [String: String]) -> String {
        settings.location ?? environment["GOOGLE_CLOUD_LOCATION"] ?? "global"
    }

    /// The base URL an agent's model calls go to: its own, else `OPENAI_BASE_URL` /
    /// `ANTHROPIC_BASE_URL` (like the official SDKs), else the provider's.
    public static func effectiveBaseURL(for settings: ModelSettings, environment: [String: String]) -> String? {
        if let baseURL = settings.baseURL { return baseURL }
        switch settings.provider {
        case .openai: return environment["OPENAI_BASE_URL"] ?? OpenAIChatProvider.defaultBaseURL
        case .anthropic: return environment["ANTHROPIC_BASE_URL"] ?? AnthropicProvider.defaultBaseURL
        case .azure: return environment["AZURE_OPENAI_ENDPOINT"]
        case .gemini: return environment["GOOGLE_GEMINI_BASE_URL"] ?? GeminiProvider.defaultBaseURL
        case .vertex:
            let location = vertexLocation(for: settings, environment: environment)
            return environment["GOOGLE_VERTEX_BASE_URL"]
                ?? (ModelSettings.isGoogleCloudLocation(location) ? GeminiProvider.vertexBaseURL(location: location) : nil)
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
            case .gemini: settings.baseURL = environment["GOOGLE_GEMINI_BASE_URL"]
            case .vertex: settings.baseURL = environment["GOOGLE_VERTEX_BASE_URL"]
            case .scripted: break
            }
        }
        let apiKey =
            settings.provider == .gemini && settings.apiKeyEnv == nil
            ? GeminiProvider.apiKeyVariables.lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
            : Self.apiKeyVariable(for: settings).flatMap { environment[$0] }
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
        case .gemini:
            if apiKey?.isEmpty ?? true, settings.baseURL == nil {
                throw ModelError(
                    code: .misconfigured,
                    message: "set \(settings.apiKeyEnv ?? "GEMINI_API_KEY") to your Gemini API key (from Google AI Studio), or use provider: vertex for Gemini on Google Cloud"
                )
            }
            return GeminiProvider(
                settings: settings, endpoint: .geminiAPI(baseURL: settings.baseURL ?? GeminiProvider.defaultBaseURL, apiKey: apiKey), http: http,
                limits: limits
            )
        case .vertex:
            return try vertexProvider(settings: settings, limits: limits)
        case .scripted:
            guard let replies = settings.script else {
                throw ModelError(code: .misconfigured, message: "the scripted provider has no script")
            }
            return ScriptedProvider(replies: replies)
        }
    }

    /// Gemini on Vertex AI: the project and location from the agent, the environment or the
    /// credentials file; the token from `GOOGLE_OAUTH_ACCESS_TOKEN` or a credentials file
    /// (`GOOGLE_APPLICATION_CREDENTIALS`, else gcloud's application default credentials).
    private func vertexProvider(settings: ModelSettings, limits: ModelCallLimits) throws -> GeminiProvider {
        let location = Self.vertexLocation(for: settings, environment: environment)
        guard ModelSettings.isGoogleCloudLocation(location) else {
            throw ModelError(code: .misconfigured, message: "GOOGLE_CLOUD_LOCATION must be a Vertex AI location such as us-central1 or global")
        }
        let credential: GeminiProvider.GoogleCredential
        var fileProject: String?
        if let token = environment[GeminiProvider.accessTokenVariable], !token.isEmpty {
            credential = .accessToken(token)
        } else if let (path, label) = environment[Self.googleCredentialsVariable].flatMap({ $0.isEmpty ? nil : ($0, Self.googleCredentialsVariable) })
            ?? Self.defaultGoogleCredentialsPath(environment: environment).flatMap({
                FileManager.default.fileExists(atPath: $0) ? ($0, "gcloud's application default credentials") : nil
            })
        {
            let tokens = try GoogleAccessTokens.shared(path: path, label: label, client: http.client)
            fileProject = tokens.projectId
            credential = .tokens(tokens)
        } else {
            throw ModelError(
                code: .misconfigured,
                message: "set GOOGLE_APPLICATION_CREDENTIALS to a service account key file (or \(GeminiProvider.accessTokenVariable) to an access token, or run gcloud auth application-default login) to call Vertex AI"
            )
        }
        guard let project = settings.project ?? environment["GOOGLE_CLOUD_PROJECT"] ?? fileProject else {
            throw ModelError(code: .misconfigured, message: "set model.project (or GOOGLE_CLOUD_PROJECT) to the Google Cloud project to call Vertex AI in")
        }
        guard ModelSettings.isGoogleCloudProject(project) else {
            throw ModelError(code: .misconfigured, message: "GOOGLE_CLOUD_PROJECT must be a Google Cloud project id such as my-project-123")
        }
        return GeminiProvider(
            settings: settings,
            endpoint: .vertex(
                baseURL: settings.baseURL ?? GeminiProvider.vertexBaseURL(location: location), project: project, location: location, credential: credential
            ),
            http: http, limits: limits
        )
    }

    /// Reads a script file (YAML or JSON: a list of replies).
    public static func loadScript(at path: String) throws -> [ScriptedReply] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try YAMLDecoder().decode([ScriptedReply].self, from: text)
    }
}
