public import AloftCore
import Foundation
import PostgresNIO

extension PostgresStore {
    /// Prunes runs that finished before `cutoff`, `batch` runs per transaction (see the SQLite
    /// store). Rows being written by another process are skipped, not waited for.
    public func prune(finishedBefore cutoff: Date, scope: PruneScope = .wholeRuns, batch: Int = 500) async throws -> Int {
        let batch = max(1, batch)
        let cutoff = cutoff.timeIntervalSince1970
        var total = 0
        while true {
            let pruned = try await transaction { connection -> Int in
                if scope == .wholeRuns {
                    let rows = try await connection.query(
                        """
                        SELECT id, session_key FROM runs WHERE finished_at IS NOT NULL AND pruned IN (0, 1, 2) AND finished_at < \(cutoff)
                        LIMIT \(batch) FOR UPDATE SKIP LOCKED
                        """, logger: self.logger
                    ).collect().map { try $0.decode((String, Int64).self) }
                    for (runId, _) in rows { try await Self.deleteRunRows(runId, on: connection, logger: self.logger) }
                    for sessionKey in Set(rows.map(\.1)) {
                        // A session left with no run (and none in progress) goes too, with its labels.
                        let emptied = try await connection.query(
                            """
                            DELETE FROM sessions WHERE key = \(sessionKey) AND active_run_id IS NULL
                                AND NOT EXISTS (SELECT 1 FROM runs WHERE session_key = \(sessionKey)) RETURNING key
                            """, logger: self.logger
                        ).collect()
                        if !emptied.isEmpty { try await Self.deleteSessionRows(sessionKey, on: connection, logger: self.logger) }
                    }
                    return rows.count
                }
                let level = Self.level(of: scope)
                let keys = try await connection.query(
                    """
                    SELECT key FROM runs WHERE finished_at IS NOT NULL AND pruned < \(level) AND finished_at < \(cutoff)
                    LIMIT \(batch) FOR UPDATE SKIP LOCKED
                    """, logger: self.logger
                ).collect().map { try $0.decode(Int64.self) }
                guard !keys.isEmpty else { return 0 }
                try await connection.query("DELETE FROM journal WHERE run_key = ANY(\(keys))", logger: self.logger)
                if scope == .journalAndEvents {
                    try await connection.query("DELETE FROM run_events WHERE run_key = ANY(\(keys))", logger: self.logger)
                    try await connection.query(
                        "UPDATE runs SET pruned = \(level), events_pruned_through = event_seq WHERE key = ANY(\(keys))", logger: self.logger
                    )
                } else {
                    try await connection.query("UPDATE runs SET pruned = \(level) WHERE key = ANY(\(keys))", logger: self.logger)
                }
                return keys.count
            }
            total += pruned
            if pruned < batch { return total }
            await Task.yield()
        }
    }

    /// How far a run is pruned, as stored in `runs.pruned` (0: not at all).
    static func level(of scope: PruneScope) -> Int16 {
        switch scope {
        case .journal: 1
        case .journalAndEvents: 2
        case .wholeRuns: 3
        }
    }
}
