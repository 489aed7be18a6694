public import AloftCore
import Foundation
import GRDB

extension SQLiteStore: ExecutionStore {
    public func reserveExecution(_ record: ExecutionRecord) async throws {
        try await pool.write { db in
            try Self.claimSlug(of: record, db: db)
            try db.execute(
                sql: """
                    INSERT INTO executions (run_id, session_id, agent, name, slug, instance_id, runner, created_by, updated_by, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: StatementArguments(Self.values(record))
            )
        }
    }

    public func executionRecord(runId: String) async throws -> ExecutionRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM executions WHERE run_id = ?", arguments: [runId]).map(Self.executionRecord)
        }
    }

    public func executionRecords(runIds: [String]) async throws -> [String: ExecutionRecord] {
        guard !runIds.isEmpty else { return [:] }
        return try await pool.read { db in
            let marks = Array(repeating: "?", count: runIds.count).joined(separator: ", ")
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM executions WHERE run_id IN (\(marks))", arguments: StatementArguments(runIds))
            return Dictionary(rows.map(Self.executionRecord).map { ($0.runId, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    public func updateExecution(_ record: ExecutionRecord) async throws {
        try await pool.write { db in
            try Self.claimSlug(of: record, db: db)
            try db.execute(
                sql: """
                    UPDATE executions SET session_id = ?, agent = ?, name = ?, slug = ?, instance_id = ?, runner = ?, created_by = ?, updated_by = ?,
                        created_at = ?, updated_at = ?
                    WHERE run_id = ?
                    """,
                arguments: StatementArguments(Array(Self.values(record).dropFirst()) + [record.runId])
            )
        }
    }

    public func replacePendingSpec(runId: String, input: String, correlationId: String?, labels: [String: String], at date: Date) async throws -> Bool {
        let metadata = labels.isEmpty ? nil : String(decoding: try JSONEncoder().encode(labels), as: UTF8.self)
        return try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE runs SET input = ?, correlation_id = ?, metadata = ?, updated_at = ?
                    WHERE id = ? AND phase = 'pending' AND agent_version = ?
                    """,
                arguments: [input, correlationId, metadata, date.timeIntervalSince1970, runId, AgentRunner.externalVersion]
            )
            guard db.changesCount == 1 else { return false }
            try db.execute(
                sql: "UPDATE messages SET content = ? WHERE run_key = (SELECT key FROM runs WHERE id = ?) AND role = 'user'",
                arguments: [input, runId]
            )
            return true
        }
    }

    public func deleteExecution(runId: String) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM executions WHERE run_id = ?", arguments: [runId]) }
    }

    /// Frees the record's slug when the execution holding it has no run (it never started and is
    /// over a minute old, or its run was deleted); a conflict when one that exists holds it.
    private static func claimSlug(of record: ExecutionRecord, db: Database) throws {
        guard let holder = try Row.fetchOne(db, sql: "SELECT run_id, created_at FROM executions WHERE agent = ? AND slug = ?", arguments: [record.agent, record.slug]),
            (holder["run_id"] as String) != record.runId
        else { return }
        let holderId: String = holder["run_id"]
        let started = try Bool.fetchOne(db, sql: "SELECT COUNT(*) > 0 FROM runs WHERE id = ?", arguments: [holderId]) == true
        let abandoned = (holder["created_at"] as Double) < record.createdAt.timeIntervalSince1970 - 60
        guard !started, abandoned else {
            throw StoreError(code: .conflict, message: "the slug \(record.slug) is taken by execution \(holderId) of agent \(record.agent)")
        }
        try db.execute(sql: "DELETE FROM executions WHERE run_id = ?", arguments: [holderId])
    }

    private static func values(_ record: ExecutionRecord) -> [(any DatabaseValueConvertible)?] {
        [
            record.runId, record.sessionId, record.agent, record.name, record.slug, record.instanceId, record.runner, record.createdBy, record.updatedBy,
            record.createdAt.timeIntervalSince1970, record.updatedAt.timeIntervalSince1970,
        ]
    }

    private static func executionRecord(_ row: Row) -> ExecutionRecord {
        ExecutionRecord(
            runId: row["run_id"], sessionId: row["session_id"], agent: row["agent"], name: row["name"], slug: row["slug"], instanceId: row["instance_id"],
            runner: row["runner"], createdBy: row["created_by"], updatedBy: row["updated_by"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
            updatedAt: Date(timeIntervalSince1970: row["updated_at"])
        )
    }
}
