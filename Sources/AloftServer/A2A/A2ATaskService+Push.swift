import AloftA2A
import AloftCore
import Foundation

/// Push notification configs of a task (A2A's `…PushNotificationConfig` methods): kept by
/// the store as run webhooks, delivered by `A2APushDelivery`.
extension A2ATaskService {
    /// `CreateTaskPushNotificationConfig` / `tasks/pushNotificationConfig/set`.
    func createPushConfig(_ params: [String: JSONValue]) async throws -> JSONValue {
        let config = try format.decodePushConfig(params)
        let run = try await ownRun(config.taskId)
        return format.pushConfig(try await store(config, for: run, field: format.version == .v0_3 ? "pushNotificationConfig.url" : "url"))
    }

    /// Keeps a config for `run` (one given with a send included) and starts its deliveries.
    func store(_ config: A2APushConfig, for run: Run, field: String) async throws -> A2APushConfig {
        guard let push else { throw A2AError.pushNotificationNotSupported("push notifications are not offered by this server") }
        if let problem = await push.targets.problem(with: config.url) { throw A2AError.invalidParams(field, problem) }
        var config = config
        config.taskId = run.id
        let id = config.id ?? "push-\(UUID().uuidString.lowercased().prefix(8))"
        config.id = id
        let existing = try await push.store.webhooks(runId: run.id)
        if existing.count >= 10, !existing.contains(where: { $0.id == id }) {
            throw A2AError.invalidParams(field, "task \(run.id) has 10 push notification configs, the most it may have; delete one first")
        }
        let webhook = RunWebhook(
            runId: run.id, id: id, url: config.url, token: config.token, authScheme: config.authScheme, authCredentials: config.authCredentials,
            format: format.version.rawValue, createdAt: Date(), deliveredSeq: run.eventSeq, finished: run.phase.isTerminal
        )
        try await push.store.putWebhook(webhook)
        if !webhook.finished { push.register(webhook) }
        return config
    }

    /// `GetTaskPushNotificationConfig` / `tasks/pushNotificationConfig/get`.
    func getPushConfig(_ params: [String: JSONValue]) async throws -> JSONValue {
        let (run, id) = try await configTarget(params)
        let configs = try await configs(of: run)
        guard let config = id.map({ id in configs.first { $0.id == id } }) ?? configs.first else {
            throw A2AError.invalidParams(idField, "task \(run.id) has no push notification config\(id.map { " \($0)" } ?? "")")
        }
        return format.pushConfig(config)
    }

    /// `ListTaskPushNotificationConfigs` / `tasks/pushNotificationConfig/list`.
    func listPushConfigs(_ params: [String: JSONValue]) async throws -> JSONValue {
        let (run, _) = try await configTarget(params)
        let configs = try await configs(of: run).map(format.pushConfig)
        return format.version == .v0_3 ? .array(configs) : ["configs": .array(configs)]
    }

    /// `DeleteTaskPushNotificationConfig` / `tasks/pushNotificationConfig/delete`.
    func deletePushConfig(_ params: [String: JSONValue]) async throws -> JSONValue {
        let (run, id) = try await configTarget(params)
        guard let push else { throw A2AError.pushNotificationNotSupported("push notifications are not offered by this server") }
        guard let id else { throw A2AError.invalidParams(idField, "is required: the config to delete") }
        guard try await push.store.deleteWebhook(runId: run.id, id: id) else {
            throw A2AError.invalidParams(idField, "task \(run.id) has no push notification config \(id)")
        }
        return format.version == .v0_3 ? .null : [:]
    }

    /// The field naming a config in get and delete.
    private var idField: String { format.version == .v0_3 ? "pushNotificationConfigId" : "id" }

    /// The task (0.3 `id`, 1.0 `taskId`) and config id of a get, list or delete.
    private func configTarget(_ params: [String: JSONValue]) async throws -> (Run, String?) {
        let taskField = format.version == .v0_3 ? "id" : "taskId"
        guard let taskId = try format.optionalIdentifier(params[taskField], field: taskField) else {
            throw A2AError.invalidParams(taskField, "is required: the task's id")
        }
        let id = try format.optionalIdentifier(params[idField], field: idField)
        return (try await ownRun(taskId), id)
    }

    private func configs(of run: Run) async throws -> [A2APushConfig] {
        guard let push else { throw A2AError.pushNotificationNotSupported("push notifications are not offered by this server") }
        return try await push.store.webhooks(runId: run.id).map {
            A2APushConfig(taskId: $0.runId, id: $0.id, url: $0.url, token: $0.token, authScheme: $0.authScheme, authCredentials: $0.authCredentials)
        }
    }
}
