import Foundation
import GRDB

extension SQLiteStore {
    /// Deletes runs that finished before `cutoff`, with their journals and messages, `batch`
    /// runs per transaction so that the engine's steps are never held up for long; a session
    /// left with no run (and none in progress) goes too. Returns how many runs were deleted.
    public func prune(finishedBefore cutoff: Date, batch: Int = 500) async throws -> Int {
        let batch = max(1, batch)
        var total = 0
        while true {
            let deleted = try await pool.write { db -> Int in
                let rows = try Row.fetchAll(
                    db,
                    sql: "SELECT id, session_id FROM runs WHERE finished_at IS NOT NULL AND finished_at < ? ORDER BY finished_at LIMIT ?",
                    arguments: [cutoff.timeIntervalSince1970, batch]
                )
                for row in rows { try Self.deleteRunRows(row["id"], db: db) }
                for sessionId in Set(rows.map { $0["session_id"] as String }) {
                    try db.execute(
                        sql: """
                            DELETE FROM sessions WHERE id = ? AND active_run_id IS NULL
                                AND NOT EXISTS (SELECT 1 FROM runs WHERE session_id = ?)
                            """,
                        arguments: [sessionId, sessionId]
                    )
                    if db.changesCount > 0 {
                        try db.execute(sql: "DELETE FROM messages WHERE session_id = ?", arguments: [sessionId])
                    }
                }
                return rows.count
            }
            total += deleted
            if deleted < batch { return total }
            await Task.yield()
        }
    }
}
