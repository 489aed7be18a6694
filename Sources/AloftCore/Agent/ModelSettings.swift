/// Which model an agent talks to, and how.
public struct ModelSettings: Sendable, Hashable, Codable {
    /// The wire protocol of the model server.
    public enum Provider: String, Sendable, Hashable, Codable, CaseIterable {
        /// OpenAI Chat Completions, or any server that speaks it (vLLM, Ollama, llama.cpp, LiteLLM…).
        case openai
        /// Anthropic Messages.
        case anthropic
        /// Azure OpenAI: Chat Completions of a deployment (`name`) on a resource (`base_url`,
        /// `https://NAME.openai.azure.com`), with `api_version` the deployments API, without it
        /// the v1 API.
        case azure
        /// Google's Gemini API (AI Studio): `generateContent` with an API key.
        case gemini
        /// Gemini on Google Cloud's Vertex AI: the same API under a `project` and `location`,
        /// with OAuth access tokens of a service account.
        case vertex
        /// Replies written in the agent file: for tests, benchmarks and offline demos. Not a model.
        case scripted
    }

    public var provider: Provider
    public var name: String
    /// Base URL of the API, e.g. `https://api.openai.com/v1`.
    public var baseURL: String?
    /// The environment variable holding the API key.
    public var apiKeyEnv: String?
    public var temperature: Double?
    public var maxTokens: Int?
    /// Stream the answer (default) or ask for it whole.
    public var stream: Bool
    /// The scripted provider's replies, in order, within one run.
    public var script: [ScriptedReply]?
    /// A YAML or JSON file (relative to the agent file) holding the script instead.
    public var scriptFile: String?
    /// Azure: the `api-version` of the deployments API (`2024-10-21`); nil: the v1 API.
    public var apiVersion: String?
    /// What the model's tokens cost, for `policies.max_cost_usd_per_run`.
    public var prices: ModelPrices?
    /// Vertex AI: the Google Cloud project (else `GOOGLE_CLOUD_PROJECT`).
    public var project: String?
    /// Vertex AI: the region, such as `us-central1`, or `global` (else `GOOGLE_CLOUD_LOCATION`,
    /// else `global`).
    public var location: String?

    public init(
        provider: Provider,
        name: String,
        baseURL: String? = nil,
        apiKeyEnv: String? = nil,
        temperature: Double? = nil,
        maxTokens: Int? = nil,
        stream: Bool = true,
        script: [ScriptedReply]? = nil,
        scriptFile: String? = nil,
        apiVersion: String? = nil,
        prices: ModelPrices? = nil,
        project: String? = nil,
        location: String? = nil
    ) {
        self.project = project
        self.location = location
        self.prices = prices
        self.apiVersion = apiVersion
        self.provider = provider
        self.name = name
        self.baseURL = baseURL
        self.apiKeyEnv = apiKeyEnv
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.stream = stream
        self.script = script
        self.scriptFile = scriptFile
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case provider, name, temperature, stream, script
        case baseURL = "base_url"
        case apiKeyEnv = "api_key_env"
        case maxTokens = "max_tokens"
        case scriptFile = "script_file"
        case apiVersion = "api_version"
        case prices, project, location
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let providerName = try c.decode(String.self, forKey: .provider)
        guard let provider = Provider(rawValue: providerName) else {
            let known = Provider.allCases.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.dataCorruptedError(
                forKey: .provider, in: c, debugDescription: "unknown provider '\(providerName)' (known providers: \(known))"
            )
        }
        self.provider = provider
        // Only the scripted provider has no model to name; for a model server, a missing name
        // would be sent as is and refused by the server (or, worse, mean its default model).
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? (provider == .scripted ? provider.rawValue : "")
        baseURL = try c.decodeIfPresent(String.self, forKey: .baseURL)
        apiKeyEnv = try c.decodeIfPresent(String.self, forKey: .apiKeyEnv)
        temperature = try c.decodeIfPresent(Double.self, forKey: .temperature)
        maxTokens = try c.decodeIfPresent(Int.self, forKey: .maxTokens)
        stream = try c.decodeIfPresent(Bool.self, forKey: .stream) ?? true
        script = try c.decodeIfPresent([ScriptedReply].self, forKey: .script)
        scriptFile = try c.decodeIfPresent(String.self, forKey: .scriptFile)
        apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        prices = try c.decodeIfPresent(ModelPrices.self, forKey: .prices)
        project = try c.decodeIfPresent(String.self, forKey: .project)
        location = try c.decodeIfPresent(String.self, forKey: .location)
    }
}

extension ModelSettings {
    /// Every number out of its range, named by field.
    func problems() -> [String] {
        var problems: [String] = []
        if provider != .scripted, name.allSatisfy(\.isWhitespace) {
            problems.append(
                provider == .azure
                    ? "model.name: required: the name of the Azure OpenAI deployment"
                    : provider == .gemini || provider == .vertex
                    ? "model.name: required: the Gemini model, such as gemini-2.5-flash"
                    : "model.name: required: the model's name on the \(provider.rawValue) server (for example gpt-4o-mini or claude-sonnet-4-5)"
            )
        }
        if let apiVersion {
            if provider != .azure {
                problems.append("model.api_version: only the azure provider takes an api_version")
            } else if apiVersion.isEmpty || apiVersion.utf8.count > 40 || !apiVersion.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }) {
                problems.append("model.api_version: must be an Azure OpenAI API version such as 2024-10-21")
            }
        }
        if provider != .vertex {
            if project != nil { problems.append("model.project: only the vertex provider takes a project") }
            if location != nil { problems.append("model.location: only the vertex provider takes a location") }
        }
        if let project, !Self.isGoogleCloudProject(project) {
            problems.append("model.project: must be a Google Cloud project id such as my-project-123")
        }
        if let location, !Self.isGoogleCloudLocation(location) {
            problems.append("model.location: must be a Vertex AI location such as us-central1, europe-west4 or global")
        }
        if provider == .gemini || provider == .vertex, !name.isEmpty, !Self.isGeminiModelName(name) {
            problems.append("model.name: a Gemini model name is letters, digits, - _ . and @ (such as gemini-2.5-flash)")
        }
        problems += (prices?.problems() ?? []).map { "model.prices.\($0)" }
        if provider == .azure, !name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) {
            problems.append("model.name: an Azure deployment name is letters, digits, - _ and .")
        }
        if let temperature, !(temperature.isFinite && (0...2).contains(temperature)) {
            problems.append("model.temperature: must be between 0 and 2")
        }
        if let maxTokens, !(1...AgentLimits.maxTokens).contains(maxTokens) {
            problems.append("model.max_tokens: must be between 1 and \(AgentLimits.maxTokens)")
        }
        for (index, reply) in (script ?? []).enumerated() {
            if !(0...AgentLimits.maxChunkDelayMilliseconds).contains(reply.chunkDelayMilliseconds) {
                problems.append("model.script[\(index)].chunk_delay_ms: must be between 0 and \(AgentLimits.maxChunkDelayMilliseconds)")
            }
            if reply.toolCalls.contains(where: { $0.arguments.containsNonFiniteNumber }) {
                problems.append("model.script[\(index)].tool_calls: numbers must be finite (no .inf or .nan)")
            }
        }
        return problems
    }
}

extension ModelSettings {
    /// A Google Cloud project id (`my-project-123`, or domain-scoped `example.com:proj`): it
    /// goes into a URL path, so nothing else passes.
    public static func isGoogleCloudProject(_ text: String) -> Bool {
        (1...100).contains(text.utf8.count) && text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || "-.:".unicodeScalars.contains($0) }
    }

    /// A Vertex AI location (`us-central1`, `global`): it goes into the host name, so only
    /// lowercase letters, digits and hyphens pass.
    public static func isGoogleCloudLocation(_ text: String) -> Bool {
        (1...40).contains(text.utf8.count) && text.first != "-"
            && text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    /// A Gemini model name (`gemini-2.5-flash`, `models/gemini-2.5-pro`, `gemini-1.5-pro@002`):
    /// it goes into a URL path.
    public static func isGeminiModelName(_ text: String) -> Bool {
        let name = text.hasPrefix("models/") ? String(text.dropFirst("models/".count)) : text
        return (1...200).contains(name.utf8.count)
            && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "-_.@".unicodeScalars.contains($0) }
    }
}

/// One reply of the scripted provider: text, tool calls, or both.
public struct ScriptedReply: Sendable, Hashable, Codable {
    public struct Call: Sendable, Hashable, Codable {
        public var name: String
        public var arguments: JSONValue

        public init(name: String, arguments: JSONValue = [:]) {
            self.name = name
            self.arguments = arguments
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case name, arguments }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            arguments = try c.decodeIfPresent(JSONValue.self, forKey: .arguments) ?? [:]
        }
    }

    public var text: String?
    public var toolCalls: [Call]
    /// Pause between streamed chunks, to show streaming in demos.
    public var chunkDelayMilliseconds: Int

    public init(text: String? = nil, toolCalls: [Call] = [], chunkDelayMilliseconds: Int = 0) {
        self.text = text
        self.toolCalls = toolCalls
        self.chunkDelayMilliseconds = chunkDelayMilliseconds
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case text
        case toolCalls = "tool_calls"
        case chunkDelayMilliseconds = "chunk_delay_ms"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        text = try c.decodeIfPresent(String.self, forKey: .text)
        toolCalls = try c.decodeIfPresent([Call].self, forKey: .toolCalls) ?? []
        chunkDelayMilliseconds = try c.decodeIfPresent(Int.self, forKey: .chunkDelayMilliseconds) ?? 0
    }
}
