import AloftCore

/// One piece of an A2A message or artifact.
enum A2APart: Sendable, Hashable {
    case text(String)
    /// Structured data (a JSON object in 0.3; any JSON value in 1.0).
    case data(JSONValue)
    /// A file by reference or inline; Aloft's agents take text, so files are refused on input.
    case file(mediaType: String?)

    var text: String? {
        if case .text(let text) = self { return text }
        return nil
    }
}

/// A message between a client (`user`) and an agent, as A2A carries it.
struct A2AMessage: Sendable, Hashable {
    enum Role: Sendable, Hashable {
        case user, agent
    }

    var messageId: String
    var role: Role
    var parts: [A2APart]
    var contextId: String?
    var taskId: String?
    var metadata: [String: JSONValue] = [:]
}
