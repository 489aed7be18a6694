import AloftCore
import Foundation

/// How A2A objects look on the wire in one protocol version. 0.3 objects carry `kind`,
/// parts `{"kind": "text", "text": …}`, roles `user`/`agent`, states `input-required`, and
/// status updates a `final` flag; 1.0 is protobuf JSON: no `kind`, parts `{"text": …}`, roles
/// `ROLE_USER`, states `TASK_STATE_*`, stream results wrapped in a oneof (`{"statusUpdate": …}`).
package struct A2AWireFormat: Sendable {
    package let version: A2AProtocolVersion

    package init(version: A2AProtocolVersion) {
        self.version = version
    }

    // MARK: - Encoding

    package func part(_ part: A2APart) -> JSONValue {
        switch (part, version) {
        case (.text(let text), .v0_3): ["kind": "text", "text": .string(text)]
        case (.text(let text), .v1_0): ["text": .string(text)]
        case (.data(let data), .v0_3): ["kind": "data", "data": data.objectValue != nil ? data : ["value": data]]
        case (.data(let data), .v1_0): ["data": data, "mediaType": "application/json"]
        case (.file(let type), .v0_3): ["kind": "file", "file": ["mimeType": type.map(JSONValue.string) ?? .null, "uri": ""]]
        case (.file(let type), .v1_0): ["url": "", "mediaType": type.map(JSONValue.string) ?? .null]
        }
    }

    package func message(_ message: A2AMessage) -> JSONValue {
        let role: JSONValue =
            switch (message.role, version) {
            case (.user, .v0_3): "user"
            case (.agent, .v0_3): "agent"
            case (.user, .v1_0): "ROLE_USER"
            case (.agent, .v1_0): "ROLE_AGENT"
            }
        var object: [String: JSONValue] = [
            "messageId": .string(message.messageId), "role": role, "parts": .array(message.parts.map(part)),
        ]
        if version == .v0_3 { object["kind"] = "message" }
        if let contextId = message.contextId { object["contextId"] = .string(contextId) }
        if let taskId = message.taskId { object["taskId"] = .string(taskId) }
        if !message.metadata.isEmpty { object["metadata"] = .object(message.metadata) }
        return .object(object)
    }

    package func status(_ status: A2ATaskStatus) -> JSONValue {
        var object: [String: JSONValue] = ["state": .string(version == .v0_3 ? status.state.v0_3 : status.state.v1_0)]
        if let message = status.message { object["message"] = self.message(message) }
        if let timestamp = status.timestamp { object["timestamp"] = .string(Self.timestamp(timestamp)) }
        return .object(object)
    }

    package func artifact(_ artifact: A2AArtifact) -> JSONValue {
        var object: [String: JSONValue] = ["artifactId": .string(artifact.artifactId), "parts": .array(artifact.parts.map(part))]
        if let name = artifact.name { object["name"] = .string(name) }
        return .object(object)
    }

    package func task(_ task: A2ATask) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(task.id), "contextId": .string(task.contextId), "status": status(task.status),
        ]
        if version == .v0_3 { object["kind"] = "task" }
        if !task.artifacts.isEmpty { object["artifacts"] = .array(task.artifacts.map(artifact)) }
        if !task.history.isEmpty { object["history"] = .array(task.history.map(message)) }
        if !task.metadata.isEmpty { object["metadata"] = .object(task.metadata) }
        return .object(object)
    }

    /// A stream's item as the `result` of its JSON-RPC response.
    package func streamResult(_ item: A2AStreamItem) -> JSONValue {
        switch item {
        case .task(let task):
            return version == .v0_3 ? self.task(task) : ["task": self.task(task)]
        case .message(let message):
            return version == .v0_3 ? self.message(message) : ["message": self.message(message)]
        case .status(let taskId, let contextId, let status, let final, let metadata):
            var object: [String: JSONValue] = ["taskId": .string(taskId), "contextId": .string(contextId), "status": self.status(status)]
            if !metadata.isEmpty { object["metadata"] = .object(metadata) }
            guard version == .v0_3 else { return ["statusUpdate": .object(object)] }
            object["kind"] = "status-update"
            object["final"] = .bool(final)
            return .object(object)
        case .artifact(let taskId, let contextId, let artifact, let append, let lastChunk, let metadata):
            var object: [String: JSONValue] = [
                "taskId": .string(taskId), "contextId": .string(contextId), "artifact": self.artifact(artifact),
                "append": .bool(append), "lastChunk": .bool(lastChunk),
            ]
            if !metadata.isEmpty { object["metadata"] = .object(metadata) }
            guard version == .v0_3 else { return ["artifactUpdate": .object(object)] }
            object["kind"] = "artifact-update"
            return .object(object)
        }
    }

    /// The result of a send: the task (0.3 returns it bare, 1.0 in the `task` oneof).
    package func sendResult(_ task: A2ATask) -> JSONValue {
        version == .v0_3 ? self.task(task) : ["task": self.task(task)]
    }

    /// RFC 3339 with milliseconds, in UTC (protobuf's Timestamp JSON, and 0.3's ISO 8601).
    package static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    // MARK: - Decoding

    /// A client's message from `params.message`, read in either version's shape (clients mix
    /// them less than servers must tolerate), every problem naming its field.
    package func decodeMessage(_ value: JSONValue?, field: String = "message") throws(A2AError) -> A2AMessage {
        guard let value, value != .null else { throw .invalidParams(field, "is required") }
        guard case .object(let object) = value else { throw .invalidParams(field, "must be an object") }
        guard case .string(let messageId)? = object["messageId"], !messageId.isEmpty else {
            throw .invalidParams("\(field).messageId", "is required: a string the client chooses, unique per message")
        }
        guard messageId.utf8.count <= 200 else { throw .invalidParams("\(field).messageId", "must be at most 200 bytes") }
        let role: A2AMessage.Role
        switch object["role"]?.stringValue {
        case "user", "ROLE_USER": role = .user
        case "agent", "ROLE_AGENT": role = .agent
        default: throw .invalidParams("\(field).role", "must be \(version == .v0_3 ? "'user'" : "'ROLE_USER'")")
        }
        guard case .array(let items)? = object["parts"], !items.isEmpty else {
            throw .invalidParams("\(field).parts", "is required: a non-empty list of parts")
        }
        var parts: [A2APart] = []
        for (index, item) in items.enumerated() {
            parts.append(try decodePart(item, field: "\(field).parts[\(index)]"))
        }
        var message = A2AMessage(messageId: messageId, role: role, parts: parts)
        message.contextId = try optionalIdentifier(object["contextId"], field: "\(field).contextId")
        message.taskId = try optionalIdentifier(object["taskId"], field: "\(field).taskId")
        if let metadata = object["metadata"], metadata != .null {
            guard case .object(let fields) = metadata else { throw .invalidParams("\(field).metadata", "must be an object") }
            message.metadata = fields
        }
        return message
    }

    private func decodePart(_ value: JSONValue, field: String) throws(A2AError) -> A2APart {
        guard case .object(let object) = value else { throw .invalidParams(field, "must be an object") }
        let kind = object["kind"]?.stringValue
        if kind == "text" || (kind == nil && object["text"] != nil) {
            guard case .string(let text)? = object["text"] else { throw .invalidParams("\(field).text", "must be a string") }
            return .text(text)
        }
        if kind == "data" || (kind == nil && object["data"] != nil) {
            guard let data = object["data"], data != .null else { throw .invalidParams("\(field).data", "is required") }
            if version == .v0_3, data.objectValue == nil { throw .invalidParams("\(field).data", "must be an object") }
            return .data(data)
        }
        if kind == "file" || object["file"] != nil || object["url"] != nil || object["raw"] != nil {
            return .file(mediaType: object["mediaType"]?.stringValue ?? object["file"]?["mimeType"]?.stringValue)
        }
        throw .invalidParams(field, "must be a text, data or file part")
    }

    /// An id a client sends (task or context): printable, at most 200 bytes.
    package func optionalIdentifier(_ value: JSONValue?, field: String) throws(A2AError) -> String? {
        guard let value, value != .null else { return nil }
        guard case .string(let text) = value else { throw .invalidParams(field, "must be a string") }
        if text.isEmpty { return nil }
        guard text.utf8.count <= 200, text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw .invalidParams(field, "must be 1 to 200 printable ASCII characters without spaces")
        }
        return text
    }
}
