import AloftCore
import Foundation
import GRDB

extension SQLiteStore {
    // MARK: Sessions

    /// Creates an empty session.
    public func reserveEventNumbers(runId: String, count: Int) async throws -> ClosedRange<Int> {
        precondition(count > 0, "reserve at least one number")
        let last = try await pool.write { db in
            try Int.fetchOne(db, sql: "UPDATE runs SET event_seq = event_seq + ? WHERE id = ? RETURNING event_seq", arguments: [count, runId])
        }
        guard let last else { throw StoreError(code: .notFound, message: "no run \(runId)") }
        return (last - count + 1)...last
    }

    public func insert(_ session: Session) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO sessions (id, agent, user_id, title, summary, active_run_id, created_at, updated_at, metadata, instance_id)
                    VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)
                    """,
                arguments: [
                    session.id, session.agent, session.userId, session.title, session.summary,
                    session.createdAt.timeIntervalSince1970, session.updatedAt.timeIntervalSince1970, try EncodedStep.labelsJSON(session.metadata),
                    session.instanceId,
                ]
            )
            try Self.insertMetadata(session.metadata, sessionKey: db.lastInsertedRowID, db: db)
        }
    }

    /// One row per metadata entry, for listing sessions by it.
    static func insertMetadata(_ metadata: [String: String], sessionKey: Int64, db: Database) throws {
        for (name, value) in metadata {
            try db.cachedStatement(sql: "INSERT INTO session_metadata (name, value, session_key) VALUES (?, ?, ?)")
                .execute(arguments: [name, value, sessionKey])
        }
    }

    /// Sessions, newest first.
    public func sessions(_ query: SessionQuery) async throws -> [Session] {
        try await pool.read { db in
            var page = NewestFirstPage(table: "sessions")
            page.filter("agent", equals: query.agent)
            page.filter("user_id", equals: query.userId)
            for (name, value) in query.metadata.sorted(by: { $0.key < $1.key }) {
                page.filter("key IN (SELECT session_key FROM session_metadata WHERE name = ? AND value = ?)", arguments: [name, value])
            }
            page.before(query.before)
            return try page.fetch(db, limit: query.limit).map(Session.init(row:))
        }
    }

    /// A page of a session's messages: those after `position`, in order.
    public func messages(sessionId: String, after position: Int, limit: Int) async throws -> [Message] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM message_rows WHERE session_id = ? AND position > ? ORDER BY position LIMIT ?",
                arguments: [sessionId, position, limit]
            ).map(Message.init(row:))
        }
    }

    /// Deletes a session with its runs, journals and messages. Returns false when it does not exist.
    /// The caller checks that no run of it is in progress.
    public func deleteSession(id: String) async throws -> Bool {
        try await pool.write { db in
            guard let sessionKey = try Int64.fetchOne(db, sql: "SELECT key FROM sessions WHERE id = ?", arguments: [id]) else { return false }
            let runIds = try String.fetchAll(db, sql: "SELECT id FROM runs WHERE session_key = ?", arguments: [sessionKey])
            for runId in runIds { try Self.deleteRunRows(runId, db: db) }
            try db.execute(sql: "DELETE FROM messages WHERE session_key = ?", arguments: [sessionKey])
            try db.execute(sql: "DELETE FROM session_metadata WHERE session_key = ?", arguments: [sessionKey])
            try db.execute(sql: "DELETE FROM sessions WHERE key = ?", arguments: [sessionKey])
            return db.changesCount > 0
        }
    }

    /// Deletes a finished run with its journal and messages. Returns false when it does not exist.
    public func deleteRun(id: String) async throws -> Bool {
        try await pool.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT COUNT(*) > 0 FROM runs WHERE id = ?", arguments: [id]) == true else { return false }
            try Self.deleteRunRows(id, db: db)
            return true
        }
    }

    static func deleteRunRows(_ runId: String, db: Database) throws {
        guard let key = try Int64.fetchOne(db.cachedStatement(sql: "SELECT key FROM runs WHERE id = ?"), arguments: [runId]) else { return }
        for table in ["journal", "run_events", "messages"] {
            try db.cachedStatement(sql: "DELETE FROM \(table) WHERE run_key = ?").execute(arguments: [key])
        }
        for table in ["pending_approvals", "timers", "run_commands", "run_webhooks", "executions"] {
            try db.cachedStatement(sql: "DELETE FROM \(table) WHERE run_id = ?").execute(arguments: [runId])
        }
        try db.cachedStatement(sql: "DELETE FROM runs WHERE key = ?").execute(arguments: [key])
    }

    /// Whether the database answers a query (for readiness checks; reads no table).
    public func ping() async throws {
        try await pool.read { db in _ = try Int.fetchOne(db, sql: "SELECT 1") }
    }

    /// Counts, for every run that was being driven (pending or running), one more start of
    /// the engine that found it unfinished, and returns the counts. A step recorded for the
    /// run sets its count back to zero, so the count says how many times in a row the
    /// process died (or stopped) while driving the run without getting any further.
    /// Only runs created before `createdBefore` count: an engine passes the moment it was made,
    /// so runs it started itself (while it was still resuming) are not taken for abandoned ones.
    public func countResumes(createdBefore: Date = .distantFuture) async throws -> [String: Int] {
        try await pool.write { db in
            // Written with the partial index's own condition, so SQLite uses it (unfinished runs
            // only) instead of scanning every run ever stored.
            let unfinished = "phase IN ('pending', 'running', 'waiting_for_approval') AND phase != 'waiting_for_approval' AND created_at < ?"
            let arguments: StatementArguments = [createdBefore.timeIntervalSince1970]
            try db.execute(sql: "UPDATE runs SET resumes_without_progress = resumes_without_progress + 1 WHERE \(unfinished)", arguments: arguments)
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, resumes_without_progress FROM runs WHERE \(unfinished)", arguments: arguments) {
                counts[row["id"]] = row["resumes_without_progress"]
            }
            return counts
        }
    }

    public func runCountsByPhase() async throws -> [RunPhase: Int] {
        try await pool.read { db in
            var counts: [RunPhase: Int] = [:]
            // Kept by triggers on `runs`: reading them costs the same with a million runs as with ten.
            for row in try Row.fetchAll(db, sql: "SELECT phase, count FROM run_phase_counts") {
                if let phase = RunPhase(rawValue: row["phase"]) { counts[phase] = row["count"] }
            }
            return counts
        }
    }

    // MARK: Agents

    /// Creates or replaces an agent definition.
    public func save(agent: AgentDefinition, version: String, at date: Date) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(agent), as: UTF8.self)
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO agents (name, definition, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, version = excluded.version,
                        updated_at = excluded.updated_at
                    """,
                arguments: [agent.name, text, version, date.timeIntervalSince1970, date.timeIntervalSince1970]
            )
        }
    }

    public func storedAgents() async throws -> [StoredAgent] {
        let rows: [(String, String, Double, Double)] = try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT definition, version, created_at, updated_at FROM agents ORDER BY name")
                .map { ($0["definition"], $0["version"], $0["created_at"], $0["updated_at"]) }
        }
        let decoder = JSONDecoder()
        return rows.compactMap { definition, version, created, updated in
            guard let agent = try? decoder.decode(AgentDefinition.self, from: Data(definition.utf8)) else { return nil }
            return StoredAgent(
                definition: agent, version: version, createdAt: Date(timeIntervalSince1970: created),
                updatedAt: Date(timeIntervalSince1970: updated)
            )
        }
    }

    /// Deletes an agent definition; returns false when there was none.
    public func deleteAgent(name: String) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM agents WHERE name = ?", arguments: [name])
            return db.changesCount > 0
        }
    }
}

extension SQLiteStore {
    /// How SQLite would run `sql` (`EXPLAIN QUERY PLAN`, one line per step), for the test that
    /// no hot-path statement scans a table that grows with runs.
    package func queryPlan(of sql: String) async throws -> [String] {
        try await pool.read { db in
            let statement = try db.makeStatement(sql: "EXPLAIN QUERY PLAN " + sql)
            statement.setUncheckedArguments([])  // unbound parameters read as NULL: the plan is the same
            return try Row.fetchAll(statement).map { $0["detail"] as String }
        }
    }
}

extension SQLiteStore {
    /// The bytes of a run's stored journal entries, for the test that a model step adds as
    /// much at turn 50 of a session as at turn 1.
    package func journalBytes(runId: String) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(
                db, sql: "SELECT COALESCE(SUM(length(CAST(entry AS BLOB))), 0) FROM journal WHERE run_key = (SELECT key FROM runs WHERE id = ?)",
                arguments: [runId]
            ) ?? 0
        }
    }
}
