import AloftCore
import Foundation
import GRDB

/// Aloft's embedded store: one SQLite database file in WAL mode holding the journal and
/// the read models (agents, sessions, messages, runs, approvals, timers, commands).
///
/// Writes go through group commit: steps of many runs share one transaction and one fsync.
public final class SQLiteStore: Sendable {
    let pool: DatabasePool
    public let path: String
    public let durability: Durability
    private let groupCommit: GroupCommit<EncodedStep>

    /// Opens (creating if needed) and migrates the database at `path`.
    public convenience init(path: String, durability: Durability = .powerCut) throws {
        try self.init(path: path, durability: durability, traceStatements: nil)
    }

    /// As `init(path:durability:)`, telling `traceStatements` the SQL of every statement run
    /// (with `?` for values): for the test that every hot-path statement uses an index.
    package init(path: String, durability: Durability = .powerCut, traceStatements: (@Sendable (String) -> Void)?) throws {
        self.path = path
        self.durability = durability
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let synchronous = durability == .powerCut ? "FULL" : "NORMAL"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
            if let traceStatements {
                db.trace(options: .statement) { event in
                    if case .statement(let statement) = event { traceStatements(statement.sql) }
                }
            }
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrate(pool)
        } catch {
            throw StoreError(
                code: .unavailable,
                message: "cannot open the database at \(path): \(error). Check the path and its permissions, or choose another with --db.",
                cause: error
            )
        }
        groupCommit = GroupCommit(writer: pool) { step, db in try step.apply(in: db) }
    }

    /// Migrates, tolerating another process migrating the same new file at the same moment:
    /// the loser of that race sees the tables appear and tries again.
    /// Bounded by time, not by tries: on a loaded machine, several processes opening a new file
    /// at once may each wait out a busy timeout more than once.
    private static func migrate(_ pool: DatabasePool) throws {
        var attempt = 0
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            do {
                try SQLiteMigrations.migrator.migrate(pool)
                return
            } catch {
                attempt += 1
                if ContinuousClock.now > deadline { throw error }
                usleep(UInt32(20_000 * min(attempt, 10)))
            }
        }
    }

    /// Commits one step durably (as `durability` promises) before returning.
    /// Many concurrent calls share one transaction.
    public func commit(_ write: StepWrite) async throws {
        let encoded = try EncodedStep(write, now: Date())
        do {
            try await groupCommit.submit(encoded)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw StoreError(
                code: .conflict,
                message: "run \(write.runId): the step conflicts with what is stored (\(error.message ?? "constraint"))",
                cause: error
            )
        }
    }

    /// Commits several steps in one transaction, all or none.
    public func commit(batch writes: [StepWrite]) async throws {
        let encoded = try writes.map { try EncodedStep($0, now: Date()) }
        try await pool.write { db in
            for step in encoded { try step.apply(in: db) }
        }
    }

    /// Size of the database files on disk (main file and WAL).
    public func sizeOnDisk() -> Int {
        [path, path + "-wal"].reduce(0) { total, file in
            let attributes = try? FileManager.default.attributesOfItem(atPath: file)
            return total + ((attributes?[.size] as? Int) ?? 0)
        }
    }

    /// Moves the WAL into the main file, so `sizeOnDisk` reflects stored data.
    public func checkpoint() async throws {
        try await pool.writeWithoutTransaction { db in
            _ = try db.checkpoint(.truncate)
        }
    }
}
