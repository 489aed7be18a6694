import Foundation
import GRDB

extension SQLiteStore {
    /// Fills the database with `count` copies of the finished run `runId` (its session,
    /// messages, journal and events), older than anything stored, in transactions of `batch` runs:
    /// for benchmarks that measure the cost of a run in a database that already holds many.
    public func preload(copiesOf runId: String, count: Int, batch: Int = 20_000) async throws {
        var done = 0
        while done < count {
            let first = done + 1
            let last = min(done + batch, count)
            try await pool.write { db in
                let numbers = "WITH RECURSIVE k(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM k WHERE i < ?)"
                // Copies get keys above every key stored, in the order of `k`, so a copy's
                // session, run, messages, journal and events find each other by offset.
                let sessionBase = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(key), 0) FROM sessions") ?? 0
                let runBase = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(key), 0) FROM runs") ?? 0
                let arguments: StatementArguments = [first, last, sessionBase, runBase, runId]
                try db.execute(
                    sql: """
                        \(numbers), base(s, r) AS (SELECT ?, ?)
                        INSERT INTO sessions (key, id, agent, user_id, title, summary, active_run_id, created_at, updated_at)
                        SELECT base.s + k.i, 'ses_pre_' || k.i, s.agent, s.user_id, s.title, s.summary, NULL,
                               s.created_at - 1e7 - k.i, s.updated_at - 1e7 - k.i
                        FROM base, k, runs r JOIN sessions s ON s.key = r.session_key WHERE r.id = ?
                        """,
                    arguments: arguments
                )
                try db.execute(
                    sql: """
                        \(numbers), base(s, r) AS (SELECT ?, ?)
                        INSERT INTO runs (key, id, session_key, agent, agent_version, phase, input, output, error_code, error_message,
                                          iterations, input_tokens, output_tokens, correlation_id, metadata, event_seq, message_base,
                                          created_at, updated_at, finished_at)
                        SELECT base.r + k.i, 'run_pre_' || k.i, base.s + k.i, r.agent, r.agent_version, r.phase, r.input, r.output,
                               r.error_code, r.error_message, r.iterations, r.input_tokens, r.output_tokens, r.correlation_id, r.metadata,
                               r.event_seq, r.message_base, r.created_at - 1e7 - k.i, r.updated_at - 1e7 - k.i, r.finished_at - 1e7 - k.i
                        FROM base, k, runs r WHERE r.id = ?
                        """,
                    arguments: arguments
                )
                try db.execute(
                    sql: """
                        \(numbers), base(s, r) AS (SELECT ?, ?)
                        INSERT INTO messages (session_key, run_key, position, role, content, tool_calls, tool_call_id, tool_name,
                                              created_at, completed_at, interrupted, error)
                        SELECT base.s + k.i, base.r + k.i, m.position, m.role, m.content, m.tool_calls, m.tool_call_id,
                               m.tool_name, m.created_at - 1e7 - k.i, m.completed_at - 1e7 - k.i, m.interrupted, m.error
                        FROM base, k, runs r JOIN messages m ON m.run_key = r.key WHERE r.id = ?
                        """,
                    arguments: arguments
                )
                try db.execute(
                    sql: """
                        \(numbers), base(s, r) AS (SELECT ?, ?)
                        INSERT INTO journal (run_key, seq, entry, recorded_at)
                        SELECT base.r + k.i, j.seq, j.entry, j.recorded_at - 1e7 - k.i
                        FROM base, k, runs r JOIN journal j ON j.run_key = r.key WHERE r.id = ?
                        """,
                    arguments: arguments
                )
                try db.execute(
                    sql: """
                        \(numbers), base(s, r) AS (SELECT ?, ?)
                        INSERT INTO run_events (run_key, seq, kind, data)
                        SELECT base.r + k.i, e.seq, e.kind, e.data FROM base, k, runs r JOIN run_events e ON e.run_key = r.key WHERE r.id = ?
                        """,
                    arguments: arguments
                )
            }
            done = last
        }
    }
}
