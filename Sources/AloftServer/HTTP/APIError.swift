public import AloftCore
public import HTTPTypes

/// An error answered to an API client as `{"error":{"code","message","details"}}`.
public struct APIError: Error, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    /// Stable and machine-readable: clients match on it.
    public var code: String
    /// Safe to show a client; says what to do.
    public var message: String
    public var details: JSONValue?

    public init(_ status: HTTPResponse.Status, code: String, message: String, details: JSONValue? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    var body: JSONValue {
        var error: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        error["details"] = details ?? .null
        return ["error": .object(error)]
    }

    static func invalidField(_ field: String, _ problem: String) -> APIError {
        APIError(.unprocessableContent, code: "invalid_request", message: "\(field): \(problem)", details: ["field": .string(field)])
    }

    static func notFound(_ what: String) -> APIError {
        APIError(.notFound, code: "not_found", message: what)
    }
}
