import AloftCore

/// A JSON-RPC error an A2A endpoint answers with: the standard codes, A2A's own, and a
/// message that says what to do. For invalid params it names the field.
package struct A2AError: Error, Sendable {
    package var code: Int
    /// A2A's reason for the code (`TASK_NOT_FOUND`), carried in 1.0's `google.rpc.ErrorInfo`.
    package var reason: String
    package var message: String
    /// The request field at fault, for invalid params.
    package var field: String?

    package init(code: Int, reason: String, message: String, field: String? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.field = field
    }

    package static func parse(_ message: String) -> A2AError { A2AError(code: -32700, reason: "PARSE_ERROR", message: message) }
    package static func invalidRequest(_ message: String) -> A2AError { A2AError(code: -32600, reason: "INVALID_REQUEST", message: message) }
    package static func methodNotFound(_ method: String) -> A2AError {
        A2AError(code: -32601, reason: "METHOD_NOT_FOUND", message: "no method '\(method.prefix(100))' at this endpoint")
    }
    package static func invalidParams(_ field: String, _ problem: String) -> A2AError {
        A2AError(code: -32602, reason: "INVALID_PARAMS", message: "\(field): \(problem)", field: field)
    }
    package static func internalError(_ message: String) -> A2AError { A2AError(code: -32603, reason: "INTERNAL_ERROR", message: message) }
    package static func taskNotFound(_ id: String) -> A2AError {
        A2AError(code: -32001, reason: "TASK_NOT_FOUND", message: "no task \(id.prefix(200)) at this agent's endpoint")
    }
    package static func taskNotCancelable(_ id: String, state: String) -> A2AError {
        A2AError(code: -32002, reason: "TASK_NOT_CANCELABLE", message: "task \(id) has already ended (\(state)); there is nothing to cancel")
    }
    package static func pushNotificationNotSupported(_ message: String) -> A2AError {
        A2AError(code: -32003, reason: "PUSH_NOTIFICATION_NOT_SUPPORTED", message: message)
    }
    package static func unsupportedOperation(_ message: String) -> A2AError {
        A2AError(code: -32004, reason: "UNSUPPORTED_OPERATION", message: message)
    }
    package static func contentTypeNotSupported(_ message: String) -> A2AError {
        A2AError(code: -32005, reason: "CONTENT_TYPE_NOT_SUPPORTED", message: message)
    }
    package static func extendedCardNotConfigured() -> A2AError {
        A2AError(code: -32007, reason: "EXTENDED_AGENT_CARD_NOT_CONFIGURED", message: "this agent has no extended card; its card is public")
    }
    package static func versionNotSupported(_ message: String) -> A2AError {
        A2AError(code: -32009, reason: "VERSION_NOT_SUPPORTED", message: message)
    }

    /// The `error` member of a JSON-RPC response: 1.0 carries a `google.rpc.ErrorInfo` in
    /// `data` (as the reference server does), 0.3 an object naming the field.
    package func json(_ version: A2AProtocolVersion) -> JSONValue {
        var error: [String: JSONValue] = ["code": .number(Double(code)), "message": .string(message)]
        switch version {
        case .v1_0:
            var metadata: [String: JSONValue] = [:]
            if let field { metadata["field"] = .string(field) }
            error["data"] = [
                [
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": .string(reason), "domain": "a2a-protocol.org",
                    "metadata": .object(metadata),
                ]
            ]
        case .v0_3:
            if let field { error["data"] = ["field": .string(field)] }
        }
        return .object(error)
    }
}
