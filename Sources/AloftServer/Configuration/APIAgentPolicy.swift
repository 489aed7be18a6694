public import AloftCore
import AloftLLM
import AloftTools
import Foundation

/// What agents defined by API clients (an inline `agent_definition` on `POST /v1/runs`, or
/// `PUT /v1/agents/{name}`) may reference. Such agents run inside the server, so without
/// this an API client could act with the server's identity: send its environment's secrets
/// to any host, point its model key at any URL, read any SQLite file it can open. They may
/// use only what the operator lists here; agents from the agents directory are the
/// operator's own and keep their freedom (except Aloft's own database, which no agent reads).
public struct APIAgentPolicy: Sendable, Hashable {
    /// Whether `agent_definition` is accepted on `POST /v1/runs`. nil: yes when API keys are
    /// configured, no on a keyless server.
    public var inlineDefinitions: Bool?
    /// Environment variables API agents may name: in `${VAR}` of HTTP tool headers, and as
    /// their model's `api_key_env` (or the provider's default, `OPENAI_API_KEY`…).
    public var secrets: [String]
    /// Model base URLs API agents may use. Empty: the providers' own (and `OPENAI_BASE_URL` /
    /// `ANTHROPIC_BASE_URL` when set), that is the servers the operator already sends keys to.
    public var modelBaseURLs: [String]
    /// Folders whose SQLite files the SQL tools of API agents may open (relative paths are
    /// taken from the first). Empty: no SQL tools for API agents.
    public var sqlDirectories: [String]
    /// Hosts on the server's own network (loopback, private, link-local, `localhost`) that
    /// API agents' HTTP tools and `http_get` may name. Empty: none.
    public var internalHosts: [String]

    public init(
        inlineDefinitions: Bool? = nil, secrets: [String] = [], modelBaseURLs: [String] = [], sqlDirectories: [String] = [],
        internalHosts: [String] = []
    ) {
        self.inlineDefinitions = inlineDefinitions
        self.secrets = secrets
        self.modelBaseURLs = modelBaseURLs
        self.sqlDirectories = sqlDirectories
        self.internalHosts = internalHosts
    }

    /// Checks an API client's agent; returns it with relative database paths made absolute
    /// (under the first SQL directory), or every problem, each naming its field.
    public func admit(_ agent: AgentDefinition, environment: [String: String]) -> Result<AgentDefinition, APIAgentRefusal> {
        var agent = agent
        var problems: [String] = []
        let model = agent.model
        if model.provider != .scripted {
            for variable in ModelProviderFactory.credentialVariables(for: model) where environment[variable] != nil && !secrets.contains(variable) {
                let field = variable == ModelProviderFactory.apiKeyVariable(for: model) ? "model.api_key_env" : "model"
                problems.append("\(field): '\(variable)' is not a secret API agents may use; the operator lists those in api_agents.secrets")
            }
            // Vertex AI without a credential in the environment would use gcloud's application
            // default credentials: the server's identity, never an API client's.
            if model.provider == .vertex,
                !ModelProviderFactory.credentialVariables(for: model).contains(where: { environment[$0] != nil && secrets.contains($0) })
            {
                problems.append(
                    "model: Vertex AI needs a credential the operator grants API agents: \(ModelProviderFactory.googleCredentialsVariable) or \(GeminiProvider.accessTokenVariable) listed in api_agents.secrets"
                )
            }
            let baseURL = ModelProviderFactory.effectiveBaseURL(for: model, environment: environment) ?? ""
            if !allowedBaseURLs(for: model, environment: environment).contains(Self.normalized(baseURL)) {
                problems.append(
                    "model.base_url: '\(baseURL.prefix(200))' is not a model server API agents may use; the operator lists those in api_agents.model_base_urls"
                )
            }
        }
        if model.scriptFile != nil { problems.append("model.script_file: API agents give their script inline ('script')") }
        for (index, tool) in agent.tools.enumerated() {
            if let http = tool.http {
                problems += remoteProblems(headerVariables: HTTPTool.referencedVariables(in: http), url: http.url, field: "tools[\(index)].http")
            }
            if let a2a = tool.a2a {
                problems += remoteProblems(headerVariables: A2ATool.referencedVariables(in: a2a), url: a2a.url, field: "tools[\(index)].a2a")
            }
            if let mcp = tool.mcp {
                if mcp.command != nil {
                    // A stdio server is a program run on the server: never an API client's choice.
                    problems.append("tools[\(index)].mcp.command: API agents cannot start programs on the server; use an MCP server over HTTP ('url')")
                } else if let url = mcp.url {
                    problems += remoteProblems(headerVariables: MCPServer.referencedVariables(in: mcp), url: url, field: "tools[\(index)].mcp")
                }
            }
            for host in tool.allowedHosts ?? [] {
                guard let pattern = HostPattern(host) else { continue }
                if isInternal(pattern.host), !internalHostAllowed(pattern.host) {
                    problems.append("tools[\(index)].allowed_hosts: \(host) is on the server's own network; the operator lists such hosts in api_agents.internal_hosts")
                }
            }
            if let database = tool.database {
                switch resolveDatabase(database) {
                case .success(let path): agent.tools[index].database = path
                case .failure(let refusal): problems += refusal.problems.map { "tools[\(index)].database: \($0)" }
                }
            }
        }
        return problems.isEmpty ? .success(agent) : .failure(APIAgentRefusal(problems: problems))
    }

    /// What a tool that calls a URL with headers (HTTP, A2A) may not do: name secrets not
    /// granted, or reach the server's own network unless it is listed.
    private func remoteProblems(headerVariables: [String], url: String, field: String) -> [String] {
        var problems: [String] = []
        for variable in headerVariables where !secrets.contains(variable) {
            problems.append("\(field).headers: '${\(variable)}' is not a secret API agents may use; the operator lists those in api_agents.secrets")
        }
        if let origin = HTTPToolSpec.origin(of: url), isInternal(origin.host), !internalHostAllowed(origin.host) {
            problems.append("\(field).url: \(origin.host) is on the server's own network; the operator lists such hosts in api_agents.internal_hosts")
        }
        return problems
    }

    private func allowedBaseURLs(for model: ModelSettings, environment: [String: String]) -> Set<String> {
        // Vertex AI's host depends on the (checked) location: Google's own either way.
        let vertex = ModelSettings.isGoogleCloudLocation(ModelProviderFactory.vertexLocation(for: model, environment: environment))
            ? [GeminiProvider.vertexBaseURL(location: ModelProviderFactory.vertexLocation(for: model, environment: environment))] : []
        let listed = modelBaseURLs.isEmpty
            ? [OpenAIChatProvider.defaultBaseURL, AnthropicProvider.defaultBaseURL, GeminiProvider.defaultBaseURL] + vertex
                + ["OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "AZURE_OPENAI_ENDPOINT", "GOOGLE_GEMINI_BASE_URL", "GOOGLE_VERTEX_BASE_URL"].compactMap { environment[$0] }
            : modelBaseURLs
        return Set(listed.map(Self.normalized))
    }

    /// `HTTPS://Host/v1/` and `https://host/v1` are the same server.
    static func normalized(_ url: String) -> String {
        var text = url.trimmingCharacters(in: .whitespaces)
        while text.hasSuffix("/") { text.removeLast() }
        guard let components = URLComponents(string: text), let scheme = components.scheme, let host = components.host else { return text }
        var normal = components
        normal.scheme = scheme.lowercased()
        normal.host = host.lowercased()
        return normal.string ?? text
    }

    private func isInternal(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return NetworkAddress.isInternalName(bare) || NetworkAddress.isInternal(bare) == true
    }

    private func internalHostAllowed(_ host: String) -> Bool {
        let bare = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return internalHosts.contains { $0.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]")) == bare }
    }

    /// The database path made absolute and checked, or why not.
    private func resolveDatabase(_ path: String) -> Result<String, APIAgentRefusal> {
        func refuse(_ problem: String) -> Result<String, APIAgentRefusal> { .failure(APIAgentRefusal(problems: [problem])) }
        guard let first = sqlDirectories.first else {
            return refuse("API agents may not open SQL databases here; the operator lists folders in api_agents.sql_directories")
        }
        let absolute = path.hasPrefix("/") ? path : URL(fileURLWithPath: first).appendingPathComponent(path).path
        let real = URL(fileURLWithPath: absolute).standardizedFileURL.resolvingSymlinksInPath().path
        for directory in sqlDirectories {
            let root = URL(fileURLWithPath: directory).standardizedFileURL.resolvingSymlinksInPath().path
            if real.hasPrefix(root.hasSuffix("/") ? root : root + "/") { return .success(real) }
        }
        return refuse("'\(path)' is not under a folder API agents may read (api_agents.sql_directories)")
    }
}

/// Why an API client's agent was refused, every problem named by field.
public struct APIAgentRefusal: Error, Sendable, Hashable {
    public var problems: [String]
}
