import AloftCore

/// One piece of an A2A message or artifact.
package enum A2APart: Sendable, Hashable {
    case text(String)
    /// Structured data (a JSON object in 0.3; any JSON value in 1.0).
    case data(JSONValue)
    /// A file by reference or inline; Aloft's agents take text, so files are refused on input.
    case file(mediaType: String?)

    package var text: String? {
        if case .text(let text) = self { return text }
        return nil
    }
}

/// A message between a client (`user`) and an agent, as A2A carries it.
package struct A2AMessage: Sendable, Hashable {
    package enum Role: Sendable, Hashable {
        case user, agent
    }

    package var messageId: String
    package var role: Role
    package var parts: [A2APart]
    package var contextId: String?
    package var taskId: String?
    package var metadata: [String: JSONValue] = [:]

    package init(
        messageId: String, role: Role, parts: [A2APart], contextId: String? = nil, taskId: String? = nil, metadata: [String: JSONValue] = [:]
    ) {
        self.messageId = messageId
        self.role = role
        self.parts = parts
        self.contextId = contextId
        self.taskId = taskId
        self.metadata = metadata
    }
}
