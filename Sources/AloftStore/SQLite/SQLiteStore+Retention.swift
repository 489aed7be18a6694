import AloftCore
import Foundation
import GRDB

extension SQLiteStore {
    /// Prunes runs that finished before `cutoff`: deletes what `scope` says, `batch` runs per
    /// transaction so that the engine's steps are never held up for long. Returns how many
    /// runs were pruned (each once: a run already pruned as far is not counted again).
    public func prune(finishedBefore cutoff: Date, scope: PruneScope = .wholeRuns, batch: Int = 500) async throws -> Int {
        let batch = max(1, batch)
        guard scope != .wholeRuns else { return try await pruneWholeRuns(finishedBefore: cutoff, batch: batch) }
        var total = 0
        while true {
            let pruned = try await pool.write { db -> Int in
                let rows = try Row.fetchAll(
                    db,
                    sql: "SELECT key FROM runs WHERE finished_at IS NOT NULL AND pruned < ? AND finished_at < ? LIMIT ?",
                    arguments: [scope.level, cutoff.timeIntervalSince1970, batch]
                )
                for row in rows {
                    let key: Int64 = row["key"]
                    try db.cachedStatement(sql: "DELETE FROM journal WHERE run_key = ?").execute(arguments: [key])
                    if scope == .journalAndEvents {
                        try db.cachedStatement(sql: "DELETE FROM run_events WHERE run_key = ?").execute(arguments: [key])
                        try db.cachedStatement(sql: "UPDATE runs SET pruned = ?, events_pruned_through = event_seq WHERE key = ?")
                            .execute(arguments: [scope.level, key])
                    } else {
                        try db.cachedStatement(sql: "UPDATE runs SET pruned = ? WHERE key = ?").execute(arguments: [scope.level, key])
                    }
                }
                return rows.count
            }
            total += pruned
            if pruned < batch { return total }
            await Task.yield()
        }
    }

    /// Deletes runs that finished before `cutoff` with everything of theirs; a session left
    /// with no run (and none in progress) goes too.
    private func pruneWholeRuns(finishedBefore cutoff: Date, batch: Int) async throws -> Int {
        var total = 0
        while true {
            let deleted = try await pool.write { db -> Int in
                let rows = try Row.fetchAll(
                    db,
                    // Every level of `pruned` a run can still have, so the index on (pruned, finished_at) serves.
                    sql: "SELECT id, session_key FROM runs WHERE finished_at IS NOT NULL AND pruned IN (0, 1, 2) AND finished_at < ? LIMIT ?",
                    arguments: [cutoff.timeIntervalSince1970, batch]
                )
                for row in rows { try Self.deleteRunRows(row["id"], db: db) }
                for sessionKey in Set(rows.map { $0["session_key"] as Int64 }) {
                    try db.execute(
                        sql: """
                            DELETE FROM sessions WHERE key = ? AND active_run_id IS NULL
                                AND NOT EXISTS (SELECT 1 FROM runs WHERE session_key = ?)
                            """,
                        arguments: [sessionKey, sessionKey]
                    )
                    if db.changesCount > 0 {
                        try db.execute(sql: "DELETE FROM messages WHERE session_key = ?", arguments: [sessionKey])
                        // (A deleted session's key can be given again: its labels must not outlive it.)
                        try db.execute(sql: "DELETE FROM session_metadata WHERE session_key = ?", arguments: [sessionKey])
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

extension PruneScope {
    /// How far a run is pruned, as stored in `runs.pruned` (0: not at all).
    var level: Int {
        switch self {
        case .journal: 1
        case .journalAndEvents: 2
        case .wholeRuns: 3
        }
    }
}
