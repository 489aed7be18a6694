/// A value in an agent file that may name secrets from the environment as `${NAME}`
/// (tool headers, MCP server environments), filled from the server's environment — or, for an
/// agent instance's own variables, from the instance (`AgentInstance`).
public enum SecretTemplate {
    /// The names a value refers to, in order.
    public static func variables(in text: String) -> [String] {
        text.matches(of: /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/).map { String($0.output.1) }
    }

    /// The value with every `${NAME}` replaced; the first name not in `environment` is thrown.
    public static func expand(_ text: String, environment: [String: String]) throws(MissingVariable) -> String {
        var result = text
        for name in variables(in: text) {
            guard let value = environment[name] else { throw MissingVariable(name: name) }
            result = result.replacingOccurrences(of: "${\(name)}", with: value)
        }
        return result
    }

    public struct MissingVariable: Error {
        public var name: String
    }
}
