/// Webhooks of runs (A2A push notification configs), kept by a store. They are deleted with
/// their run.
public protocol RunWebhookStore: Sendable {
    /// Saves a webhook, replacing the run's webhook of the same id.
    func putWebhook(_ webhook: RunWebhook) async throws
    /// A run's webhooks, oldest first.
    func webhooks(runId: String) async throws -> [RunWebhook]
    /// Deletes a webhook; false when there was none.
    func deleteWebhook(runId: String, id: String) async throws -> Bool
    /// Webhooks with news still to deliver (not `finished`), oldest first, at most `limit`.
    func unfinishedWebhooks(limit: Int) async throws -> [RunWebhook]
    /// Records a delivery: events up to `seq` told, and whether the run's end was.
    func markWebhookDelivered(runId: String, id: String, through seq: Int, finished: Bool) async throws
}
