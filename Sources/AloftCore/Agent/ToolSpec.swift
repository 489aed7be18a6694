/// A tool an agent may call, as written in its agent file: a builtin, a declarative HTTP tool,
/// or a remote agent over A2A.
public struct ToolSpec: Sendable, Hashable, Codable {
    /// A builtin tool's name: `current_time`, `http_get`, `list_tables`, `describe_table`, `sql_query`.
    public var builtin: String?
    /// Hosts `http_get` may reach.
    public var allowedHosts: [String]?
    /// The SQLite database the SQL tools read (relative to the agent file).
    public var database: String?
    /// Most rows `sql_query` returns.
    public var maxRows: Int?
    /// A declarative HTTP tool.
    public var http: HTTPToolSpec?
    /// A remote agent reached over A2A.
    public var a2a: A2AToolSpec?
    /// The tools of an MCP server.
    public var mcp: MCPToolSpec?
    /// Another agent, called as a tool: a call is a child run of that agent.
    public var agent: String?

    public init(
        builtin: String? = nil,
        allowedHosts: [String]? = nil,
        database: String? = nil,
        maxRows: Int? = nil,
        http: HTTPToolSpec? = nil,
        a2a: A2AToolSpec? = nil,
        mcp: MCPToolSpec? = nil,
        agent: String? = nil
    ) {
        self.agent = agent
        self.mcp = mcp
        self.a2a = a2a
        self.builtin = builtin
        self.allowedHosts = allowedHosts
        self.database = database
        self.maxRows = maxRows
        self.http = http
    }

    /// The name the model calls this tool by.
    /// The name the model calls this tool by (an MCP server's: its name; its tools keep theirs).
    public var name: String { http?.name ?? a2a?.name ?? mcp?.name ?? agent ?? builtin ?? "" }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case builtin, database, http, a2a, mcp, agent
        case allowedHosts = "allowed_hosts"
        case maxRows = "max_rows"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        builtin = try c.decodeIfPresent(String.self, forKey: .builtin)
        allowedHosts = try c.decodeIfPresent([String].self, forKey: .allowedHosts)
        database = try c.decodeIfPresent(String.self, forKey: .database)
        maxRows = try c.decodeIfPresent(Int.self, forKey: .maxRows)
        http = try c.decodeIfPresent(HTTPToolSpec.self, forKey: .http)
        a2a = try c.decodeIfPresent(A2AToolSpec.self, forKey: .a2a)
        mcp = try c.decodeIfPresent(MCPToolSpec.self, forKey: .mcp)
        agent = try c.decodeIfPresent(String.self, forKey: .agent)
        if [builtin != nil, http != nil, a2a != nil, mcp != nil, agent != nil].filter({ $0 }).count != 1 {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "a tool needs exactly one of 'builtin', 'http', 'a2a', 'mcp' or 'agent'")
            )
        }
    }
}

/// A tool that is one HTTP request: method, URL template, headers, JSON body from the arguments.
public struct HTTPToolSpec: Sendable, Hashable, Codable {
    public var name: String
    public var description: String
    public var method: String
    /// `https://api.example.com/items/{id}`: `{argument}` is replaced by the URL-encoded argument.
    public var url: String
    /// Header values may name secrets as `${ENV_VAR}`.
    public var headers: [String: String]
    /// JSON Schema of the arguments.
    public var parameters: JSONValue
    /// Send the arguments not used in the URL as a JSON body (default for POST, PUT, PATCH).
    public var sendBody: Bool?

    public init(
        name: String,
        description: String,
        method: String = "GET",
        url: String,
        headers: [String: String] = [:],
        parameters: JSONValue = ["type": "object"],
        sendBody: Bool? = nil
    ) {
        self.name = name
        self.description = description
        self.method = method
        self.url = url
        self.headers = headers
        self.parameters = parameters
        self.sendBody = sendBody
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, description, method, url, headers, parameters
        case sendBody = "send_body"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
        method = (try c.decodeIfPresent(String.self, forKey: .method) ?? "GET").uppercased()
        url = try c.decode(String.self, forKey: .url)
        headers = try c.decodeIfPresent([String: String].self, forKey: .headers) ?? [:]
        parameters = try c.decodeIfPresent(JSONValue.self, forKey: .parameters) ?? ["type": "object"]
        sendBody = try c.decodeIfPresent(Bool.self, forKey: .sendBody)
    }
}

extension HTTPToolSpec {
    /// The scheme, host and port a URL template reaches, when they are fixed text (a
    /// `{placeholder}` there would let the model choose the host); nil otherwise.
    public static func origin(of template: String) -> (scheme: String, host: String, port: Int)? {
        let lower = template.lowercased()
        let scheme: String
        if lower.hasPrefix("https://") { scheme = "https" } else if lower.hasPrefix("http://") { scheme = "http" } else { return nil }
        let rest = template.dropFirst(scheme.count + 3)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.isEmpty, !authority.contains("{"), !authority.contains("}"), !authority.contains("@") else { return nil }
        var host = String(authority)
        var port = scheme == "https" ? 443 : 80
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let number = Int(after.dropFirst()), (1...65535).contains(number) else { return nil }
                port = number
            }
            host = "[" + host + "]"
        } else if let colon = authority.lastIndex(of: ":") {
            guard let number = Int(authority[authority.index(after: colon)...]), (1...65535).contains(number) else { return nil }
            host = String(authority[..<colon])
            port = number
        }
        guard !host.isEmpty else { return nil }
        return (scheme, host.lowercased(), port)
    }
}
