public import AloftCore
import Foundation
public import Logging
import PostgresNIO
import Synchronization
public import ServiceLifecycle

/// Aloft's shared store: one PostgreSQL database that any number of Aloft processes use at
/// once. Each step is one transaction; "one active run per session" is checked in it.
///
/// The store is a `Service`: run it (it runs its connection pool) in the process's
/// `ServiceGroup`, then `migrate()` before the first use.
public final class PostgresStore: Service, Sendable {
    let client: PostgresClient
    let logger: Logger
    /// The database, its password masked.
    public let location: String
    /// The connection pool's own task, from `connect` to `shutdown`.
    private let pool: Task<Void, Never>
    /// Steps as JSON documents; each is answered with the number its events were numbered
    /// after (0 when the step numbered them itself).
    private let steps: PostgresGroupCommit<String, Int>
    /// Live events announced to the other processes, a batch at a time.
    let announcements: PostgresGroupCommit<[String], Void>
    /// Names this process in its notices, so that it ignores its own.
    let origin: String
    /// The instructions of agent versions read so far (a version never changes): a journal
    /// read does not fetch and decode its agent's definition again.
    let instructionsByVersion = Mutex<[String: String]>([:])

    /// Starts the connection pool for `where` (connections open as they are needed).
    public init(_ where: PostgresLocation, logger: Logger = Logger(label: "aloft.postgres")) {
        let client = PostgresClient(configuration: `where`.configuration, backgroundLogger: logger)
        self.client = client
        self.logger = logger
        location = `where`.description
        pool = Task { await client.run() }
        let origin = String(UUID().uuidString.prefix(8))
        self.origin = origin
        steps = PostgresGroupCommit { documents in
            // Read to the end: a refusal comes after the row description, as the row stream's error.
            let steps = "[" + documents.joined(separator: ",") + "]"
            let rows = try await client.query("SELECT aloft_commit_steps(\(steps)::jsonb, \(origin))", logger: logger).collect()
            return try rows.first?.decode([Int64].self).map { Int($0) } ?? []
        }
        announcements = PostgresGroupCommit(concurrentBatches: 1) { batches in
            let payloads = batches.flatMap { $0 }
            _ = try await client.query("SELECT pg_notify(\(Self.channel), p) FROM unnest(\(payloads)::text[]) AS p", logger: logger).collect()
            return batches.map { _ in () }
        }
    }

    /// Opens the store at `url`, migrated; a database that cannot be reached or is newer
    /// than this Aloft is a `StoreError` saying so (the password masked).
    public static func connect(url: String, logger: Logger = Logger(label: "aloft.postgres")) async throws -> PostgresStore {
        let location = try PostgresLocation(url: url)
        // One connection first: a database that is down, or a wrong password, is said at once
        // (the pool would retry with backoff for minutes).
        do {
            var quiet = logger
            quiet.logLevel = .critical
            let probe = try await PostgresConnection.connect(configuration: location.single, id: 0, logger: quiet)
            try await probe.close()
        } catch let error as PSQLError {
            let reason = error.serverInfo?[.message] ?? (error.underlying.map { "\($0)" } ?? "\(error.code)")
            throw StoreError(
                code: .unavailable, message: "cannot connect to the database at \(location.description): \(reason); check that PostgreSQL runs there and the URL",
                cause: error
            )
        } catch {
            throw StoreError(code: .unavailable, message: "cannot connect to the database at \(location.description): \(error)", cause: error)
        }
        var poolLogger = logger
        // The pool logs each failed connection attempt; what matters reaches the caller as errors.
        poolLogger.logLevel = max(logger.logLevel, .error)
        let store = PostgresStore(location, logger: poolLogger)
        do {
            try await store.migrate()
            return store
        } catch {
            store.shutdown()
            throw error
        }
    }

    /// Closes the connection pool.
    public func shutdown() {
        pool.cancel()
    }

    /// As a service: keeps the pool until graceful shutdown, then closes it (run it first in
    /// the group, so it stops after everything that uses it).
    public func run() async {
        try? await gracefulShutdown()
        shutdown()
    }

    /// Brings the schema to this version of Aloft. Several processes may start together: an
    /// advisory lock lets one migrate while the others wait. A database migrated by a newer
    /// Aloft is refused, naming the version it needs.
    public func migrate() async throws {
        try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: self.logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS aloft_schema (step text PRIMARY KEY, applied_at double precision NOT NULL)", logger: self.logger
            )
            let rows = try await connection.query("SELECT step FROM aloft_schema", logger: self.logger).collect()
            let applied = Set(try rows.map { try $0.decode(String.self) })
            let known = Set(PostgresMigrations.steps.map(\.name))
            if let unknown = applied.subtracting(known).sorted().last {
                throw StoreError(
                    code: .unavailable,
                    message: "the database at \(self.location) was migrated by a newer Aloft (schema step '\(unknown)'); "
                        + "run Aloft \(AloftVersion.current) or newer with it, or choose another database"
                )
            }
            for step in PostgresMigrations.steps where !applied.contains(step.name) {
                for statement in PostgresMigrations.statements(of: step.sql) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: self.logger)
                }
                try await connection.query(
                    "INSERT INTO aloft_schema (step, applied_at) VALUES (\(step.name), \(Date().timeIntervalSince1970))", logger: self.logger
                )
            }
        }
    }

    /// The key of the advisory lock taken while migrating ("aloft" in ASCII).
    static let migrationLock: Int64 = 0x616c_6f66_74

    // MARK: Transactions and errors

    /// Runs `body` in one transaction; errors come out as `StoreError`s.
    @discardableResult
    func transaction<Result: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        let logger = logger
        do {
            return try await onConnection { connection in
                try await connection.withTransaction(logger: logger) { connection in try await body(connection) }
            }
        } catch let error as PostgresTransactionError {
            throw storeError(error.closureError ?? error.commitError ?? error.beginError ?? error)
        } catch {
            throw storeError(error)
        }
    }

    /// Runs `body` on one connection, outside a transaction.
    func read<Result: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        do {
            return try await onConnection(body)
        } catch {
            throw storeError(error)
        }
    }

    /// Longest wait for a connection of the pool (the pool itself waits forever while the
    /// database is away, and a request must get its 503 instead).
    static let connectionWait: Duration = .seconds(5)

    /// Runs `body` on a pooled connection, or throws `store_unavailable` when none comes
    /// within `connectionWait`. Only the wait is bounded: once `body` began, it runs to its
    /// end, so a statement is never abandoned halfway (a write is done, or not at all).
    private func onConnection<Result: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        let phase = ConnectionWaitPhase()
        let client = client
        let location = location
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                try await client.withConnection { connection in
                    guard phase.move(from: .waiting, to: .began) else {
                        throw CancellationError()
                    }
                    return try await body(connection)
                }
            }
            group.addTask {
                try await Task.sleep(for: Self.connectionWait)
                guard phase.move(from: .waiting, to: .gaveUp) else {
                    return nil
                }
                throw StoreError(
                    code: .unavailable,
                    message: "no connection to the database at \(location) within \(Self.connectionWait); check that PostgreSQL runs and accepts connections"
                )
            }
            defer { group.cancelAll() }
            while let answer = try await group.next() {
                if let answer { return answer }
            }
            throw CancellationError()
        }
    }

    /// What went wrong, as a store error with a code users can match on.
    func storeError(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? PSQLError {
            let state = error.serverInfo?[.sqlState]
            let message = error.serverInfo?[.message] ?? "\(error.code)"
            if state == "23505" { return StoreError(code: .conflict, message: "the step conflicts with what is stored (\(message))", cause: error) }
            // Refusals of `aloft_commit_steps`, their messages written for users.
            if state == "AL409" { return StoreError(code: .conflict, message: message, cause: error) }
            if state == "AL404" { return StoreError(code: .notFound, message: message, cause: error) }
            if state == nil {
                return StoreError(
                    code: .unavailable, message: "the database at \(location) cannot be reached (\(error.code)); check that PostgreSQL runs and the URL", cause: error
                )
            }
            return StoreError(code: .unavailable, message: "the database at \(location) refused a statement: \(message) (SQLSTATE \(state ?? "?"))", cause: error)
        }
        return StoreError(code: .unavailable, message: "the database at \(location): \(error)", cause: error)
    }

    // MARK: Steps

    /// Commits one step before returning: in one transaction, shared with the steps of other
    /// runs committed at the same time (group commit).
    public func commit(_ write: StepWrite) async throws {
        _ = try await submit(write, numberingEvents: false)
    }

    /// Commits a step whose events the database numbers from the run's counter, in the same
    /// round trip (no reservation first).
    public func commitNumberingEvents(_ write: StepWrite) async throws -> ClosedRange<Int>? {
        let after = try await submit(write, numberingEvents: true)
        return write.events.isEmpty ? nil : (after + 1)...(after + write.events.count)
    }

    private func submit(_ write: StepWrite, numberingEvents: Bool) async throws -> Int {
        let document = try PostgresStepDocument.json(of: EncodedStep(write, now: Date()), numberingEvents: numberingEvents)
        do {
            return try await steps.submit(document)
        } catch {
            let error = storeError(error)
            if error.code == .conflict, !error.message.hasPrefix("session ") {
                throw StoreError(code: .conflict, message: "run \(write.runId): \(error.message)", cause: error.cause)
            }
            throw error
        }
    }

    /// Whether the database answers, within 2 s (readiness must not hang while it is down).
    public func ping() async throws {
        let answered = await Self.answers(within: .seconds(2)) {
            _ = try await self.read { connection in try await connection.query("SELECT 1", logger: self.logger).collect() }
        }
        guard answered else {
            throw StoreError(code: .unavailable, message: "the database at \(location) does not answer")
        }
    }

    /// Whether `query` succeeds within `limit`. It runs in a task of its own, not a child: a
    /// query on a connection the server ended can wait forever and ignore cancellation, and
    /// that must not hold the caller up.
    static func answers(within limit: Duration, _ query: @escaping @Sendable () async throws -> Void) async -> Bool {
        let pending = Mutex<CheckedContinuation<Bool, Never>?>(nil)
        return await withCheckedContinuation { continuation in
            pending.withLock { $0 = continuation }
            let answer: @Sendable (Bool) -> Void = { value in pending.withLock { $0.take() }?.resume(returning: value) }
            Task { answer((try? await query()) != nil) }
            Task {
                try? await Task.sleep(for: limit)
                answer(false)
            }
        }
    }
}

/// Where a wait for a pooled connection stands; the first to move it from `waiting` decides
/// whether `body` runs or the caller is told the database is unavailable.
private final class ConnectionWaitPhase: Sendable {
    enum Phase: Int { case waiting, began, gaveUp }

    private let value = Atomic<Int>(Phase.waiting.rawValue)

    func move(from: Phase, to: Phase) -> Bool {
        value.compareExchange(expected: from.rawValue, desired: to.rawValue, ordering: .acquiringAndReleasing).exchanged
    }
}
