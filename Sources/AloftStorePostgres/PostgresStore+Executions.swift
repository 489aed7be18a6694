public import AloftCore
import Foundation
import PostgresNIO

extension PostgresStore: ExecutionStore {
    public func reserveExecution(_ record: ExecutionRecord) async throws {
        try await transaction { connection in
            try await Self.claimSlug(of: record, on: connection, logger: self.logger)
            try await connection.query(
                """
                INSERT INTO executions (run_id, session_id, agent, name, slug, instance_id, runner, created_by, updated_by, created_at, updated_at)
                VALUES (\(record.runId), \(record.sessionId), \(record.agent), \(record.name), \(record.slug), \(record.instanceId), \(record.runner),
                        \(record.createdBy), \(record.updatedBy), \(record.createdAt.timeIntervalSince1970), \(record.updatedAt.timeIntervalSince1970))
                """, logger: self.logger
            )
        }
    }

    public func executionRecord(runId: String) async throws -> ExecutionRecord? {
        try await read { connection in
            try await connection.query("SELECT \(unescaped: Self.executionColumns) FROM executions WHERE run_id = \(runId)", logger: self.logger)
                .collect().first.map(Self.executionRecord)
        }
    }

    public func executionRecords(runIds: [String]) async throws -> [String: ExecutionRecord] {
        guard !runIds.isEmpty else { return [:] }
        return try await read { connection in
            let records = try await connection.query(
                "SELECT \(unescaped: Self.executionColumns) FROM executions WHERE run_id = ANY(\(runIds))", logger: self.logger
            ).collect().map(Self.executionRecord)
            return Dictionary(records.map { ($0.runId, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    public func updateExecution(_ record: ExecutionRecord) async throws {
        try await transaction { connection in
            try await Self.claimSlug(of: record, on: connection, logger: self.logger)
            try await connection.query(
                """
                UPDATE executions SET session_id = \(record.sessionId), agent = \(record.agent), name = \(record.name), slug = \(record.slug),
                    instance_id = \(record.instanceId), runner = \(record.runner), created_by = \(record.createdBy), updated_by = \(record.updatedBy),
                    created_at = \(record.createdAt.timeIntervalSince1970), updated_at = \(record.updatedAt.timeIntervalSince1970)
                WHERE run_id = \(record.runId)
                """, logger: self.logger
            )
        }
    }

    public func replacePendingSpec(runId: String, input: String, correlationId: String?, labels: [String: String], at date: Date) async throws -> Bool {
        let metadata = labels.isEmpty ? nil : String(decoding: try JSONEncoder().encode(labels), as: UTF8.self)
        let external = AgentRunner.externalVersion
        return try await transaction { connection in
            let keys = try await connection.query(
                """
                UPDATE runs SET input = \(input), correlation_id = \(correlationId), metadata = \(metadata), updated_at = \(date.timeIntervalSince1970)
                WHERE id = \(runId) AND phase = 'pending' AND agent_version = \(external) RETURNING key
                """, logger: self.logger
            ).collect()
            guard let key = try keys.first?.decode(Int64.self) else { return false }
            try await connection.query("UPDATE messages SET content = \(input) WHERE run_key = \(key) AND role = 'user'", logger: self.logger)
            return true
        }
    }

    public func deleteExecution(runId: String) async throws {
        try await transaction { connection in
            try await connection.query("DELETE FROM executions WHERE run_id = \(runId)", logger: self.logger)
        }
    }

    /// Frees the record's slug when the execution holding it has no run (see the SQLite store);
    /// a conflict when one that exists holds it. The row lock keeps two claims apart.
    private static func claimSlug(of record: ExecutionRecord, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query(
            """
            SELECT e.run_id, e.created_at, EXISTS (SELECT 1 FROM runs WHERE runs.id = e.run_id)
            FROM executions e WHERE e.agent = \(record.agent) AND e.slug = \(record.slug) FOR UPDATE
            """, logger: logger
        ).collect()
        guard let row = rows.first else { return }
        let (holder, created, started) = try row.decode((String, Double, Bool).self)
        guard holder != record.runId else { return }
        guard !started, created < record.createdAt.timeIntervalSince1970 - 60 else {
            throw StoreError(code: .conflict, message: "the slug \(record.slug) is taken by execution \(holder) of agent \(record.agent)")
        }
        try await connection.query("DELETE FROM executions WHERE run_id = \(holder)", logger: logger)
    }

    private static let executionColumns = "run_id, session_id, agent, name, slug, instance_id, runner, created_by, updated_by, created_at, updated_at"

    private static func executionRecord(_ row: PostgresRow) throws -> ExecutionRecord {
        let (runId, sessionId, agent, name, slug, instanceId, runner, createdBy, updatedBy, created, updated) = try row.decode(
            (String, String, String, String?, String, String?, String, String, String, Double, Double).self
        )
        return ExecutionRecord(
            runId: runId, sessionId: sessionId, agent: agent, name: name, slug: slug, instanceId: instanceId, runner: runner, createdBy: createdBy,
            updatedBy: updatedBy, createdAt: Date(timeIntervalSince1970: created), updatedAt: Date(timeIntervalSince1970: updated)
        )
    }
}
