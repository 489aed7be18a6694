import AloftCore

/// A client's push notification config for a task: where to POST its updates, with which
/// token and credentials. 0.3 wraps it (`{taskId, pushNotificationConfig: {id, url, token,
/// authentication: {schemes, credentials}}}`), 1.0 flattens it (`{taskId, id, url, token,
/// authentication: {scheme, credentials}}`).
package struct A2APushConfig: Sendable, Hashable {
    package var taskId: String
    package var id: String?
    package var url: String
    package var token: String?
    package var authScheme: String?
    package var authCredentials: String?

    package init(taskId: String, id: String?, url: String, token: String? = nil, authScheme: String? = nil, authCredentials: String? = nil) {
        self.taskId = taskId
        self.id = id
        self.url = url
        self.token = token
        self.authScheme = authScheme
        self.authCredentials = authCredentials
    }
}

extension A2AWireFormat {
    /// The config of a create (`set`) request's params, or of a send's configuration
    /// (`taskId` then given), each problem naming its field.
    package func decodePushConfig(_ params: [String: JSONValue], taskId given: String? = nil, field prefix: String = "") throws(A2AError) -> A2APushConfig {
        let inner: [String: JSONValue]
        let innerField: String
        if version == .v0_3, given == nil {
            guard case .object(let object)? = params["pushNotificationConfig"] else {
                throw .invalidParams("\(prefix)pushNotificationConfig", "is required: {url, token, authentication}")
            }
            inner = object
            innerField = "\(prefix)pushNotificationConfig."
        } else {
            inner = params
            innerField = prefix
        }
        let taskId: String
        if let given {
            taskId = given
        } else {
            guard let id = try optionalIdentifier(params["taskId"], field: "\(prefix)taskId") else {
                throw .invalidParams("\(prefix)taskId", "is required: the task to be told about")
            }
            taskId = id
        }
        guard case .string(let url)? = inner["url"], !url.isEmpty, url.utf8.count <= 2000 else {
            throw .invalidParams("\(innerField)url", "is required: the http(s) URL updates are POSTed to (at most 2000 bytes)")
        }
        var config = A2APushConfig(taskId: taskId, id: try optionalIdentifier(inner["id"], field: "\(innerField)id"), url: url)
        if let token = inner["token"], token != .null {
            guard case .string(let text) = token, text.utf8.count <= 1000 else { throw .invalidParams("\(innerField)token", "must be a string of at most 1000 bytes") }
            config.token = text.isEmpty ? nil : text
        }
        if let authentication = inner["authentication"], authentication != .null {
            let scheme = authentication["scheme"]?.stringValue ?? authentication["schemes"]?.arrayValue?.first?.stringValue
            guard let scheme, !scheme.isEmpty, scheme.utf8.count <= 100, scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
                throw .invalidParams("\(innerField)authentication", "needs a scheme (such as Bearer) of letters and digits")
            }
            guard let credentials = authentication["credentials"]?.stringValue, !credentials.isEmpty, credentials.utf8.count <= 4000,
                !credentials.contains(where: { $0 == "\r" || $0 == "\n" })
            else {
                throw .invalidParams("\(innerField)authentication.credentials", "is required with a scheme: one line of at most 4000 bytes")
            }
            config.authScheme = scheme
            config.authCredentials = credentials
        }
        return config
    }

    /// A config as the client's version shows it; credentials are not sent back.
    package func pushConfig(_ config: A2APushConfig) -> JSONValue {
        var object: [String: JSONValue] = ["url": .string(config.url)]
        if let id = config.id { object["id"] = .string(id) }
        if let token = config.token { object["token"] = .string(token) }
        if let scheme = config.authScheme {
            object["authentication"] = version == .v0_3 ? ["schemes": [.string(scheme)]] : ["scheme": .string(scheme)]
        }
        guard version == .v0_3 else {
            object["taskId"] = .string(config.taskId)
            return .object(object)
        }
        return ["taskId": .string(config.taskId), "pushNotificationConfig": .object(object)]
    }
}
