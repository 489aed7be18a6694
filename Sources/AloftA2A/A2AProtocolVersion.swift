/// The A2A protocol versions an agent's endpoint serves on one URL. Told apart as the
/// reference server does: 0.3 methods have slash names (`message/send`), 1.0 methods
/// PascalCase ones (`SendMessage`) and need the `A2A-Version: 1.0` header; a request without
/// the header is 0.3.
package enum A2AProtocolVersion: String, Sendable, CaseIterable {
    case v0_3 = "0.3"
    case v1_0 = "1.0"

    /// The version an `A2A-Version` header names (major and minor; a patch is ignored). No
    /// header means 0.3; a version this server does not speak is `-32009`.
    package static func of(header: String?) throws(A2AError) -> A2AProtocolVersion {
        guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else { return .v0_3 }
        let parts = header.split(separator: ".", omittingEmptySubsequences: false)
        let major = parts.first.flatMap { Int($0) }
        let minor = parts.count > 1 ? Int(parts[1]) : 0
        switch (major, minor) {
        case (1?, 0?): return .v1_0
        case (0?, 3?): return .v0_3
        default:
            throw .versionNotSupported("A2A-Version '\(header.prefix(20))' is not served here; this endpoint speaks 1.0 and 0.3")
        }
    }
}

/// An A2A operation, whichever version's method name called it.
package enum A2AMethod: Sendable, Hashable {
    case send, stream, get, list, cancel, subscribe
    case createPushConfig, getPushConfig, listPushConfigs, deletePushConfig
    case extendedCard

    /// The operation a JSON-RPC method name calls and the version whose name it is.
    package static func named(_ name: String) -> (method: A2AMethod, version: A2AProtocolVersion)? {
        switch name {
        case "message/send": (.send, .v0_3)
        case "message/stream": (.stream, .v0_3)
        case "tasks/get": (.get, .v0_3)
        case "tasks/cancel": (.cancel, .v0_3)
        case "tasks/resubscribe": (.subscribe, .v0_3)
        case "tasks/pushNotificationConfig/set": (.createPushConfig, .v0_3)
        case "tasks/pushNotificationConfig/get": (.getPushConfig, .v0_3)
        case "tasks/pushNotificationConfig/list": (.listPushConfigs, .v0_3)
        case "tasks/pushNotificationConfig/delete": (.deletePushConfig, .v0_3)
        case "agent/getAuthenticatedExtendedCard": (.extendedCard, .v0_3)
        case "SendMessage": (.send, .v1_0)
        case "SendStreamingMessage": (.stream, .v1_0)
        case "GetTask": (.get, .v1_0)
        case "ListTasks": (.list, .v1_0)
        case "CancelTask": (.cancel, .v1_0)
        case "SubscribeToTask": (.subscribe, .v1_0)
        case "CreateTaskPushNotificationConfig": (.createPushConfig, .v1_0)
        case "GetTaskPushNotificationConfig": (.getPushConfig, .v1_0)
        case "ListTaskPushNotificationConfigs": (.listPushConfigs, .v1_0)
        case "DeleteTaskPushNotificationConfig": (.deletePushConfig, .v1_0)
        case "GetExtendedAgentCard": (.extendedCard, .v1_0)
        default: nil
        }
    }

    /// Whether the answer is an event stream.
    package var streams: Bool { self == .stream || self == .subscribe }
}
