public import AloftCore
public import HTTPTypes

/// An error answered to an API client as `{"error":{"code","message","details"}}`.
public struct APIError: Error, Sendable, CustomStringConvertible {
    /// Stable and machine-readable: clients match on it.
    public struct Code: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
        public let rawValue: String
        public var description: String { rawValue }
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { rawValue = value }

        /// A keyless server was addressed by a name other than localhost (DNS rebinding).
        public static let hostNotAllowed: Code = "host_not_allowed"
        /// A browser request from an origin not in `cors_origins`.
        public static let originNotAllowed: Code = "origin_not_allowed"
        /// A body that is not `application/json`.
        public static let unsupportedMediaType: Code = "unsupported_media_type"
        /// `agent_definition` on a server that does not accept inline agents.
        public static let inlineAgentsDisabled: Code = "inline_agents_disabled"
        /// An API agent that references what the configuration does not grant API clients.
        public static let agentNotAllowed: Code = "agent_not_allowed"
    }

    public var status: HTTPResponse.Status
    public var code: Code
    /// Safe to show a client; says what to do.
    public var message: String
    public var details: JSONValue?

    public init(_ status: HTTPResponse.Status, code: Code, message: String, details: JSONValue? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    var body: JSONValue {
        var error: [String: JSONValue] = ["code": .string(code.rawValue), "message": .string(message)]
        error["details"] = details ?? .null
        return ["error": .object(error)]
    }

    static func invalidField(_ field: String, _ problem: String) -> APIError {
        APIError(.unprocessableContent, code: "invalid_request", message: "\(field): \(problem)", details: ["field": .string(field)])
    }

    /// One code per missing thing, the same whichever route finds it missing (and the same
    /// as the engine's `EngineError` codes).
    static func runNotFound(_ id: String) -> APIError {
        APIError(.notFound, code: "run_not_found", message: "no run \(id)")
    }

    static func sessionNotFound(_ id: String) -> APIError {
        APIError(.notFound, code: "session_not_found", message: "no session \(id)")
    }

    static func agentNotFound(_ name: String) -> APIError {
        APIError(.notFound, code: "agent_not_found", message: "no agent named '\(name)'")
    }
}
