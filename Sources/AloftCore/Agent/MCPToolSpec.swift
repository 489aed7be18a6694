/// The tools of an MCP server (`- mcp: …` in an agent file): a local server started as a
/// process speaking MCP over stdio (`command`), or a remote one over streamable HTTP (`url`).
/// Its tools are listed when the agent loads and offered to the model under their own names.
public struct MCPToolSpec: Sendable, Hashable, Codable {
    /// What the server is called in errors and logs.
    public var name: String
    /// stdio: the program to start, its arguments, extra environment variables (values may
    /// name secrets as `${ENV_VAR}`; the server sees nothing else of Aloft's environment but
    /// PATH, HOME, LANG and the like), and its working directory (relative to the agent file).
    public var command: String?
    public var args: [String]
    public var env: [String: String]
    public var workingDirectory: String?
    /// Streamable HTTP: the endpoint, and headers sent with every request (values may name
    /// secrets as `${ENV_VAR}`).
    public var url: String?
    public var headers: [String: String]
    /// Only these tools of the server (nil: all of them).
    public var include: [String]?
    /// None of these tools of the server.
    public var exclude: [String]

    public init(
        name: String, command: String? = nil, args: [String] = [], env: [String: String] = [:], workingDirectory: String? = nil,
        url: String? = nil, headers: [String: String] = [:], include: [String]? = nil, exclude: [String] = []
    ) {
        self.name = name
        self.command = command
        self.args = args
        self.env = env
        self.workingDirectory = workingDirectory
        self.url = url
        self.headers = headers
        self.include = include
        self.exclude = exclude
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, command, args, env, url, headers, include, exclude
        case workingDirectory = "working_directory"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        command = try c.decodeIfPresent(String.self, forKey: .command)
        args = try c.decodeIfPresent([String].self, forKey: .args) ?? []
        env = try c.decodeIfPresent([String: String].self, forKey: .env) ?? [:]
        workingDirectory = try c.decodeIfPresent(String.self, forKey: .workingDirectory)
        url = try c.decodeIfPresent(String.self, forKey: .url)
        headers = try c.decodeIfPresent([String: String].self, forKey: .headers) ?? [:]
        include = try c.decodeIfPresent([String].self, forKey: .include)
        exclude = try c.decodeIfPresent([String].self, forKey: .exclude) ?? []
    }

    /// Whether the server's tool `name` is offered to the model.
    public func offers(_ name: String) -> Bool {
        (include?.contains(name) ?? true) && !exclude.contains(name)
    }

    /// The problems that make this entry unusable, under `field` (`tools[2].mcp`).
    public func problems(field: String) -> [String] {
        var problems: [String] = []
        if name.isEmpty || name.utf8.count > 64 { problems.append("\(field).name: must be 1 to 64 characters") }
        switch (command, url) {
        case (nil, nil), (.some, .some):
            problems.append("\(field): needs exactly one of 'command' (a server over stdio) or 'url' (a server over streamable HTTP)")
        case (.some(let command), nil):
            if command.isEmpty { problems.append("\(field).command: must name a program") }
            if !headers.isEmpty { problems.append("\(field).headers: only a server over HTTP ('url') takes headers") }
        case (nil, .some(let url)):
            if !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
                problems.append("\(field).url: must start with http:// or https://")
            } else if HTTPToolSpec.origin(of: url) == nil || url.contains("{") {
                problems.append("\(field).url: the host and port must be written out, not {placeholders}")
            }
            if !args.isEmpty || !env.isEmpty || workingDirectory != nil {
                problems.append("\(field): args, env and working_directory are for a server over stdio ('command')")
            }
        }
        for key in env.keys where key.isEmpty || key.contains("=") || key.contains("\0") {
            problems.append("\(field).env: '\(key.prefix(60))' is not an environment variable name")
        }
        return problems
    }
}
