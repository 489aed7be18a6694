public import AloftCore
import Foundation
import Logging
import PostgresNIO

extension PostgresStore {
    // MARK: Sessions

    /// Creates an empty session.
    public func insert(_ session: Session) async throws {
        let labels = try EncodedStep.labelsJSON(session.metadata)
        try await transaction { connection in
            let rows = try await connection.query(
                """
                INSERT INTO sessions (id, agent, user_id, title, summary, active_run_id, metadata, instance_id, created_at, updated_at)
                VALUES (\(session.id), \(session.agent), \(session.userId), \(session.title), \(session.summary), NULL, \(labels), \(session.instanceId),
                        \(session.createdAt.timeIntervalSince1970), \(session.updatedAt.timeIntervalSince1970))
                RETURNING key
                """, logger: self.logger
            ).collect()
            if let key = try rows.first?.decode(Int64.self) {
                try await Self.insertLabels(session.metadata, sessionKey: key, on: connection, logger: self.logger)
            }
        }
    }

    /// One row per metadata entry, for listing sessions by it.
    static func insertLabels(_ labels: [String: String], sessionKey: Int64, on connection: PostgresConnection, logger: Logger) async throws {
        guard !labels.isEmpty else { return }
        let names = Array(labels.keys)
        let values = names.map { labels[$0] ?? "" }
        try await connection.query(
            "INSERT INTO session_metadata (name, value, session_key) SELECT n, v, \(sessionKey) FROM unnest(\(names)::text[], \(values)::text[]) AS t(n, v)",
            logger: logger
        )
    }

    /// Deletes a session with its runs, journals and messages. Returns false when it does not exist.
    public func deleteSession(id: String) async throws -> Bool {
        try await transaction { connection in
            guard let key = try await connection.query("SELECT key FROM sessions WHERE id = \(id)", logger: self.logger).collect().first?.decode(Int64.self) else {
                return false
            }
            let runIds = try await connection.query("SELECT id FROM runs WHERE session_key = \(key)", logger: self.logger).collect()
                .map { try $0.decode(String.self) }
            for runId in runIds { try await Self.deleteRunRows(runId, on: connection, logger: self.logger) }
            try await Self.deleteSessionRows(key, on: connection, logger: self.logger)
            return true
        }
    }

    static func deleteSessionRows(_ key: Int64, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("DELETE FROM messages WHERE session_key = \(key)", logger: logger)
        try await connection.query("DELETE FROM session_metadata WHERE session_key = \(key)", logger: logger)
        try await connection.query("DELETE FROM sessions WHERE key = \(key)", logger: logger)
    }

    /// Deletes a finished run with its journal and messages. Returns false when it does not exist.
    public func deleteRun(id: String) async throws -> Bool {
        try await transaction { connection in
            try await Self.deleteRunRows(id, on: connection, logger: self.logger)
        }
    }

    /// Deletes a run and everything of its own; false when there is no such run.
    @discardableResult
    static func deleteRunRows(_ runId: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        guard let key = try await connection.query("DELETE FROM runs WHERE id = \(runId) RETURNING key", logger: logger).collect().first?.decode(Int64.self) else {
            return false
        }
        for table in ["journal", "run_events", "messages"] {
            try await connection.query(PostgresQuery(unsafeSQL: "DELETE FROM \(table) WHERE run_key = $1", binds: try binds(key)), logger: logger)
        }
        for table in ["pending_approvals", "timers", "run_commands", "run_webhooks", "executions"] {
            try await connection.query(PostgresQuery(unsafeSQL: "DELETE FROM \(table) WHERE run_id = $1", binds: try binds(runId)), logger: logger)
        }
        return true
    }

    // MARK: Resuming

    /// Counts one more start that found each unfinished (not waiting) run created before
    /// `createdBefore`, and returns the counts (see the SQLite store).
    public func countResumes(createdBefore: Date = .distantFuture) async throws -> [String: Int] {
        let before = createdBefore == .distantFuture ? Double.greatestFiniteMagnitude : createdBefore.timeIntervalSince1970
        return try await transaction { connection in
            let rows = try await connection.query(
                """
                UPDATE runs SET resumes_without_progress = resumes_without_progress + 1
                WHERE phase IN ('pending', 'running', 'waiting_for_approval') AND phase != 'waiting_for_approval' AND created_at < \(before)
                RETURNING id, resumes_without_progress
                """, logger: self.logger
            ).collect()
            var counts: [String: Int] = [:]
            for row in rows {
                let (id, count) = try row.decode((String, Int).self)
                counts[id] = count
            }
            return counts
        }
    }

    // MARK: Inbox and timers

    /// Takes `count` numbers from the run's event counter (deltas streamed by another process
    /// are numbered from it too).
    public func reserveEventNumbers(runId: String, count: Int) async throws -> ClosedRange<Int> {
        precondition(count > 0, "reserve at least one number")
        let last = try await read { connection in
            let rows = try await connection.query(
                "UPDATE runs SET event_seq = event_seq + \(count) WHERE id = \(runId) RETURNING event_seq::bigint", logger: self.logger
            ).collect()
            return try rows.first.map { Int(try $0.decode(Int64.self)) }
        }
        guard let last else { throw StoreError(code: .notFound, message: "no run \(runId)") }
        return (last - count + 1)...last
    }

    /// Queues a command for the engine that owns the run.
    public func enqueue(_ command: RunCommand, runId: String) async throws {
        let text = String(decoding: try JSONEncoder().encode(command), as: UTF8.self)
        try await transaction { connection in
            try await connection.query(
                "INSERT INTO run_commands (run_id, command, created_at) VALUES (\(runId), \(text), \(Date().timeIntervalSince1970))", logger: self.logger
            )
            // Wakes the executing engine, wherever it runs, on commit.
            _ = try await connection.query("SELECT pg_notify(\(Self.channel), \("i " + runId))", logger: self.logger).collect()
        }
    }

    /// Commands waiting in the inbox, oldest first (unreadable ones with no command).
    public func queuedCommands(limit: Int = 500) async throws -> [QueuedRunCommand] {
        let rows = try await read { connection in
            try await connection.query("SELECT id, run_id, command FROM run_commands ORDER BY id LIMIT \(limit)", logger: self.logger).collect()
                .map { try $0.decode((Int64, String, String).self) }
        }
        let decoder = JSONDecoder()
        return rows.map { id, runId, text in
            QueuedRunCommand(id: id, runId: runId, command: try? decoder.decode(RunCommand.self, from: Data(text.utf8)))
        }
    }

    /// Deletes commands that can never be carried out.
    public func discardCommands(ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        try await transaction { connection in
            try await connection.query("DELETE FROM run_commands WHERE id = ANY(\(ids))", logger: self.logger)
        }
    }

    /// Timers due at `time` (seconds since 1970).
    public func dueTimers(at time: Double) async throws -> [DurableTimer] {
        try await read { connection in
            try await connection.query("SELECT id, run_id, fire_at, kind, call_ids FROM timers WHERE fire_at <= \(time) ORDER BY fire_at LIMIT 500", logger: self.logger)
                .collect().map { row in
                    let (id, runId, fireAt, kind, callIds) = try row.decode((String, String, Double, String, String).self)
                    guard let kind = DurableTimer.Kind(rawValue: kind),
                        let calls = try? JSONDecoder().decode([String].self, from: Data(callIds.utf8))
                    else {
                        throw StoreError(code: .corrupt, message: "timer \(id) of run \(runId) cannot be read")
                    }
                    return DurableTimer(id: id, runId: runId, fireAt: fireAt, kind: kind, callIds: calls)
                }
        }
    }

    // MARK: Agents

    /// Creates or replaces an agent definition.
    public func save(agent: AgentDefinition, version: String, at date: Date) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(agent), as: UTF8.self)
        let time = date.timeIntervalSince1970
        try await transaction { connection in
            try await connection.query(
                """
                INSERT INTO agents (name, definition, version, created_at, updated_at) VALUES (\(agent.name), \(text), \(version), \(time), \(time))
                ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, version = excluded.version, updated_at = excluded.updated_at
                """, logger: self.logger
            )
        }
    }

    public func storedAgents() async throws -> [StoredAgent] {
        let rows = try await read { connection in
            try await connection.query("SELECT definition, version, created_at, updated_at FROM agents ORDER BY name", logger: self.logger).collect()
                .map { try $0.decode((String, String, Double, Double).self) }
        }
        let decoder = JSONDecoder()
        return rows.compactMap { definition, version, created, updated in
            guard let agent = try? decoder.decode(AgentDefinition.self, from: Data(definition.utf8)) else { return nil }
            return StoredAgent(definition: agent, version: version, createdAt: Date(timeIntervalSince1970: created), updatedAt: Date(timeIntervalSince1970: updated))
        }
    }

    /// Deletes an agent definition; returns false when there was none.
    public func deleteAgent(name: String) async throws -> Bool {
        try await transaction { connection in
            !(try await connection.query("DELETE FROM agents WHERE name = \(name) RETURNING name", logger: self.logger).collect().isEmpty)
        }
    }
}
