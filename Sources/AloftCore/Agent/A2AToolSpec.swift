/// A remote agent as a tool (`- a2a: { url: …, name: … }` in an agent file): the model sends it
/// a message, its streamed text is the call's progress, its answer the result.
public struct A2AToolSpec: Sendable, Hashable, Codable {
    /// The name the model calls it by.
    public var name: String
    /// What the model is told it does; empty: a sentence naming the remote agent.
    public var description: String
    /// The remote agent's base URL: its card is at `{url}/.well-known/agent-card.json`.
    public var url: String
    /// Sent with every request; values may name secrets as `${ENV_VAR}`.
    public var headers: [String: String]

    public init(name: String, description: String = "", url: String, headers: [String: String] = [:]) {
        self.name = name
        self.description = description
        self.url = url
        self.headers = headers
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, description, url, headers
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
        url = try c.decode(String.self, forKey: .url)
        headers = try c.decodeIfPresent([String: String].self, forKey: .headers) ?? [:]
    }

    /// The parameters the model fills in: the message for the remote agent.
    public static let parameters: JSONValue = [
        "type": "object",
        "properties": ["message": ["type": "string", "description": "What to ask or tell the remote agent, in full: it sees nothing else."]],
        "required": ["message"],
    ]

    /// The problems that make this tool unusable, under `field` (`tools[2].a2a`).
    public func problems(field: String) -> [String] {
        var problems: [String] = []
        if !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            problems.append("\(field).url: must start with http:// or https://")
        } else if HTTPToolSpec.origin(of: url) == nil || url.contains("{") {
            problems.append("\(field).url: the host and port must be written out, not {placeholders}")
        }
        if description.utf8.count > 4000 { problems.append("\(field).description: must be at most 4000 bytes") }
        return problems
    }
}
