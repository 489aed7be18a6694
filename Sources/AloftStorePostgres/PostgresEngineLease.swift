import AloftCore
import Foundation
import Logging
import PostgresNIO

/// The right to execute the runs of a PostgreSQL store: a session advisory lock held on one
/// pooled connection. PostgreSQL lets it go when that connection ends, so a process that dies
/// (even by SIGKILL) gives it up; the others serve the API meanwhile.
public final class PostgresEngineLease: Sendable {
    private let holder: Task<Void, Never>
    private let release: AsyncStream<Void>.Continuation

    private init(holder: Task<Void, Never>, release: AsyncStream<Void>.Continuation) {
        self.holder = holder
        self.release = release
    }

    deinit {
        release.finish()
    }

    /// The advisory lock's key ("aloft-engine").
    static let key: Int64 = 0x616c_6f66_7465

    /// Takes the lease of `store`, or returns nil when another process holds it. The lease's
    /// connection is checked every second: if it ends (the database restarted, the network
    /// broke, an operator terminated it), PostgreSQL has let the lock go and another process may
    /// take it, so `lost` is called — the caller must stop driving runs at once.
    public static func take(_ store: PostgresStore, lost: @escaping @Sendable () -> Void) async throws -> PostgresEngineLease? {
        let (outcomes, outcome) = AsyncStream<Result<Bool, StoreError>>.makeStream()
        let (released, release) = AsyncStream<Void>.makeStream()
        let logger = store.logger
        let holder = Task {
            do {
                try await store.client.withConnection { connection in
                    let rows = try await connection.query("SELECT pg_try_advisory_lock(\(key))", logger: logger).collect()
                    let taken = try rows.first?.decode(Bool.self) ?? false
                    if taken {
                        // Who holds it, for health and `runs list` in every process.
                        let host = ProcessInfo.processInfo.hostName
                        let pid = Int32(ProcessInfo.processInfo.processIdentifier)
                        try await connection.query(
                            """
                            INSERT INTO engine_holder (only_row, process, host, pid, since) VALUES (true, \(store.origin), \(host), \(pid), \(Date().timeIntervalSince1970))
                            ON CONFLICT (only_row) DO UPDATE SET process = excluded.process, host = excluded.host, pid = excluded.pid, since = excluded.since
                            """, logger: logger
                        )
                    }
                    outcome.yield(.success(taken))
                    guard taken else { return }
                    let gone = await withTaskGroup(of: Bool.self) { group in
                        group.addTask {
                            for await _ in released {}
                            return false
                        }
                        group.addTask {
                            while !Task.isCancelled {
                                try? await Task.sleep(for: .seconds(1))
                                if Task.isCancelled { return false }
                                // An error, or no answer within 3 s (a connection the server ended
                                // can leave a query waiting), means the lock may be gone.
                                let answered = await PostgresStore.answers(within: .seconds(3)) { _ = try await connection.query("SELECT 1", logger: logger).collect() }
                                if !answered, !Task.isCancelled { return true }
                            }
                            return false
                        }
                        let first = await group.next() ?? false
                        group.cancelAll()
                        return first
                    }
                    if gone {
                        lost()
                        return
                    }
                    // The connection goes back to the pool: it must not keep the lock.
                    _ = try? await connection.query("SELECT pg_advisory_unlock(\(key))", logger: logger)
                }
            } catch {
                outcome.yield(.failure(store.storeError(error)))
            }
            outcome.finish()
        }
        for await result in outcomes {
            switch result {
            case .success(true): return PostgresEngineLease(holder: holder, release: release)
            case .success(false):
                release.finish()
                return nil
            case .failure(let error):
                throw error
            }
        }
        throw StoreError(code: .unavailable, message: "the engine lease of \(store.location) could not be taken")
    }
}

extension PostgresStore: EngineHolderRecord {
    public func engineHolder() async throws -> EngineHolder? {
        // The recorded holder counts only while someone holds the lease's advisory lock (a
        // bigint key: its high and low halves are the lock's classid and objid).
        let high = PostgresEngineLease.key >> 32
        let low = PostgresEngineLease.key & 0xffff_ffff
        let rows = try await read { connection in
            try await connection.query(
                """
                SELECT host, pid, since FROM engine_holder
                WHERE EXISTS (SELECT 1 FROM pg_locks l JOIN pg_database d ON d.oid = l.database
                              WHERE l.locktype = 'advisory' AND l.classid::bigint = \(high) AND l.objid::bigint = \(low) AND l.objsubid = 1
                                AND l.granted AND d.datname = current_database())
                """, logger: self.logger
            ).collect()
        }
        guard let row = rows.first else { return nil }
        let (host, pid, since) = try row.decode((String, Int32, Double).self)
        return EngineHolder(host: host, pid: Int(pid), since: Date(timeIntervalSince1970: since))
    }
}
