public import AloftCore
import Foundation
import PostgresNIO

extension PostgresStore: RunWebhookStore {
    public func putWebhook(_ webhook: RunWebhook) async throws {
        let created = webhook.createdAt.timeIntervalSince1970
        try await transaction { connection in
            try await connection.query(
                """
                INSERT INTO run_webhooks (run_id, id, url, token, auth_scheme, auth_credentials, format, created_at, delivered_seq, finished)
                VALUES (\(webhook.runId), \(webhook.id), \(webhook.url), \(webhook.token), \(webhook.authScheme), \(webhook.authCredentials),
                        \(webhook.format), \(created), \(webhook.deliveredSeq), \(webhook.finished))
                ON CONFLICT (run_id, id) DO UPDATE SET url = excluded.url, token = excluded.token, auth_scheme = excluded.auth_scheme,
                    auth_credentials = excluded.auth_credentials, format = excluded.format, delivered_seq = excluded.delivered_seq,
                    finished = excluded.finished
                """, logger: self.logger
            )
        }
    }

    public func webhooks(runId: String) async throws -> [RunWebhook] {
        try await read { connection in
            try await connection.query("SELECT \(unescaped: Self.webhookColumns) FROM run_webhooks WHERE run_id = \(runId) ORDER BY created_at, id", logger: self.logger)
                .collect().map(Self.webhook)
        }
    }

    public func deleteWebhook(runId: String, id: String) async throws -> Bool {
        try await transaction { connection in
            !(try await connection.query("DELETE FROM run_webhooks WHERE run_id = \(runId) AND id = \(id) RETURNING id", logger: self.logger).collect().isEmpty)
        }
    }

    public func unfinishedWebhooks(limit: Int) async throws -> [RunWebhook] {
        try await read { connection in
            try await connection.query(
                "SELECT \(unescaped: Self.webhookColumns) FROM run_webhooks WHERE NOT finished ORDER BY created_at LIMIT \(limit)", logger: self.logger
            ).collect().map(Self.webhook)
        }
    }

    public func markWebhookDelivered(runId: String, id: String, through seq: Int, finished: Bool) async throws {
        try await transaction { connection in
            try await connection.query(
                """
                UPDATE run_webhooks SET delivered_seq = GREATEST(delivered_seq, \(seq)), finished = \(finished)
                WHERE run_id = \(runId) AND id = \(id)
                """, logger: self.logger
            )
        }
    }

    private static let webhookColumns = "run_id, id, url, token, auth_scheme, auth_credentials, format, created_at, delivered_seq, finished"

    private static func webhook(_ row: PostgresRow) throws -> RunWebhook {
        let (runId, id, url, token, scheme, credentials, format, created, delivered, finished) = try row.decode(
            (String, String, String, String?, String?, String?, String, Double, Int64, Bool).self
        )
        return RunWebhook(
            runId: runId, id: id, url: url, token: token, authScheme: scheme, authCredentials: credentials, format: format,
            createdAt: Date(timeIntervalSince1970: created), deliveredSeq: Int(delivered), finished: finished
        )
    }
}
