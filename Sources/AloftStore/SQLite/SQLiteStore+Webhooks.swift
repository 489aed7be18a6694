public import AloftCore
import Foundation
import GRDB

extension SQLiteStore: RunWebhookStore {
    public func putWebhook(_ webhook: RunWebhook) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO run_webhooks (run_id, id, url, token, auth_scheme, auth_credentials, format, created_at, delivered_seq, finished)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (run_id, id) DO UPDATE SET url = excluded.url, token = excluded.token, auth_scheme = excluded.auth_scheme,
                        auth_credentials = excluded.auth_credentials, format = excluded.format, delivered_seq = excluded.delivered_seq,
                        finished = excluded.finished
                    """,
                arguments: [
                    webhook.runId, webhook.id, webhook.url, webhook.token, webhook.authScheme, webhook.authCredentials, webhook.format,
                    webhook.createdAt.timeIntervalSince1970, webhook.deliveredSeq, webhook.finished,
                ]
            )
        }
    }

    public func webhooks(runId: String) async throws -> [RunWebhook] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM run_webhooks WHERE run_id = ? ORDER BY created_at, id", arguments: [runId]).map(Self.webhook)
        }
    }

    public func deleteWebhook(runId: String, id: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM run_webhooks WHERE run_id = ? AND id = ?", arguments: [runId, id])
            return db.changesCount > 0
        }
    }

    public func unfinishedWebhooks(limit: Int) async throws -> [RunWebhook] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM run_webhooks WHERE finished = 0 ORDER BY created_at LIMIT ?", arguments: [limit]).map(Self.webhook)
        }
    }

    public func markWebhookDelivered(runId: String, id: String, through seq: Int, finished: Bool) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE run_webhooks SET delivered_seq = MAX(delivered_seq, ?), finished = ? WHERE run_id = ? AND id = ?",
                arguments: [seq, finished, runId, id]
            )
        }
    }

    private static func webhook(_ row: Row) -> RunWebhook {
        RunWebhook(
            runId: row["run_id"], id: row["id"], url: row["url"], token: row["token"], authScheme: row["auth_scheme"],
            authCredentials: row["auth_credentials"], format: row["format"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
            deliveredSeq: row["delivered_seq"], finished: row["finished"]
        )
    }
}
