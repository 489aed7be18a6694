import AloftCore
import Foundation

/// What an A2A server answers, read by a client (Aloft's A2A tool) in either version's shape:
/// a send's result, one stream event's result, a task. Lenient: unknown fields are ignored,
/// parts it cannot read are skipped; nil when the value is none of these.
package enum A2AResultReading {
    package static func item(_ value: JSONValue) -> A2AStreamItem? {
        guard case .object(let object) = value else { return nil }
        if let task = object["task"] { return self.task(task).map(A2AStreamItem.task) }
        if let message = object["message"] { return self.message(message).map(A2AStreamItem.message) }
        if let update = object["statusUpdate"] { return status(update) }
        if let update = object["artifactUpdate"] { return artifact(update) }
        switch object["kind"]?.stringValue {
        case "task": return task(value).map(A2AStreamItem.task)
        case "message": return message(value).map(A2AStreamItem.message)
        case "status-update": return status(value)
        case "artifact-update": return artifact(value)
        default: return object["status"] != nil ? task(value).map(A2AStreamItem.task) : nil
        }
    }

    package static func task(_ value: JSONValue) -> A2ATask? {
        guard let id = value["id"]?.stringValue, let status = status(of: value["status"]) else { return nil }
        return A2ATask(
            id: id, contextId: value["contextId"]?.stringValue ?? "", status: status,
            artifacts: (value["artifacts"]?.arrayValue ?? []).compactMap(artifact(of:)),
            history: (value["history"]?.arrayValue ?? []).compactMap(message), metadata: value["metadata"]?.objectValue ?? [:]
        )
    }

    package static func message(_ value: JSONValue) -> A2AMessage? {
        guard case .object = value else { return nil }
        let role: A2AMessage.Role = ["user", "ROLE_USER"].contains(value["role"]?.stringValue ?? "") ? .user : .agent
        return A2AMessage(
            messageId: value["messageId"]?.stringValue ?? "", role: role, parts: parts(value["parts"]),
            contextId: value["contextId"]?.stringValue, taskId: value["taskId"]?.stringValue, metadata: value["metadata"]?.objectValue ?? [:]
        )
    }

    private static func status(_ value: JSONValue) -> A2AStreamItem? {
        guard let status = status(of: value["status"]) else { return nil }
        return .status(
            taskId: value["taskId"]?.stringValue ?? "", contextId: value["contextId"]?.stringValue ?? "", status: status,
            final: value["final"] == .bool(true), metadata: value["metadata"]?.objectValue ?? [:]
        )
    }

    private static func artifact(_ value: JSONValue) -> A2AStreamItem? {
        guard let artifact = artifact(of: value["artifact"]) else { return nil }
        return .artifact(
            taskId: value["taskId"]?.stringValue ?? "", contextId: value["contextId"]?.stringValue ?? "", artifact: artifact,
            append: value["append"] == .bool(true), lastChunk: value["lastChunk"] == .bool(true), metadata: value["metadata"]?.objectValue ?? [:]
        )
    }

    private static func status(of value: JSONValue?) -> A2ATaskStatus? {
        guard let value, let name = value["state"]?.stringValue, let state = A2ATaskState(name: name) else { return nil }
        return A2ATaskStatus(
            state: state, message: value["message"].flatMap(message),
            timestamp: value["timestamp"]?.stringValue.flatMap { try? Date($0, strategy: .iso8601) }
        )
    }

    private static func artifact(of value: JSONValue?) -> A2AArtifact? {
        guard let value, let id = value["artifactId"]?.stringValue else { return nil }
        return A2AArtifact(artifactId: id, name: value["name"]?.stringValue, parts: parts(value["parts"]))
    }

    private static func parts(_ value: JSONValue?) -> [A2APart] {
        (value?.arrayValue ?? []).compactMap { part in
            if let text = part["text"]?.stringValue { return .text(text) }
            if let data = part["data"], data != .null { return .data(data) }
            if part["file"] != nil || part["url"] != nil || part["raw"] != nil {
                return .file(mediaType: part["mediaType"]?.stringValue ?? part["file"]?["mimeType"]?.stringValue)
            }
            return nil
        }
    }
}
