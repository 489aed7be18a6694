public import AloftCore
import Foundation
import PostgresNIO
import Synchronization

extension PostgresStore {
    /// Runs with their session's text id, as `Run` reads them.
    static let runRows = "SELECT runs.*, sessions.id AS session_id FROM runs JOIN sessions ON sessions.key = runs.session_key"
    /// Messages with their session's and run's text ids.
    static let messageRows = """
        SELECT messages.*, sessions.id AS session_id, runs.id AS run_id
        FROM messages JOIN sessions ON sessions.key = messages.session_key LEFT JOIN runs ON runs.key = messages.run_key
        """

    public func run(id: String) async throws -> Run? {
        try await read { connection in
            try await connection.query(PostgresQuery(unsafeSQL: Self.runRows + " WHERE runs.id = $1", binds: try Self.binds(id)), logger: self.logger)
                .collect().first.map { try Run(postgres: $0.makeRandomAccess()) }
        }
    }

    /// Runs, newest first.
    public func runs(_ query: RunQuery) async throws -> [Run] {
        var page = NewestFirstQuery(select: Self.runRows, table: "runs")
        page.filter("runs.phase", equals: query.phase?.rawValue)
        page.filter("runs.agent", equals: query.agent)
        if let sessionId = query.sessionId { page.filter("runs.session_key = (SELECT key FROM sessions WHERE id = $?)", sessionId) }
        for (key, value) in query.labels.sorted(by: { $0.key < $1.key }) { page.filter("(runs.metadata::jsonb ->> $?) = $?", key, value) }
        page.before(query.before)
        let built = try page.query(limit: query.limit)
        return try await read { connection in
            try await connection.query(built, logger: self.logger).collect().map { try Run(postgres: $0.makeRandomAccess()) }
        }
    }

    /// Runs that are not finished, oldest first: what an engine resumes on start.
    public func unfinishedRuns() async throws -> [Run] {
        try await read { connection in
            try await connection.query(
                PostgresQuery(unsafeSQL: Self.runRows + " WHERE runs.phase IN ('pending', 'running', 'waiting_for_approval') ORDER BY runs.created_at"),
                logger: self.logger
            ).collect().map { try Run(postgres: $0.makeRandomAccess()) }
        }
    }

    public func session(id: String) async throws -> Session? {
        try await read { connection in
            try await connection.query("SELECT * FROM sessions WHERE id = \(id)", logger: self.logger).collect().first
                .map { try Session(postgres: $0.makeRandomAccess()) }
        }
    }

    /// Sessions, newest first.
    public func sessions(_ query: SessionQuery) async throws -> [Session] {
        var page = NewestFirstQuery(select: "SELECT * FROM sessions", table: "sessions")
        page.filter("agent", equals: query.agent)
        page.filter("user_id", equals: query.userId)
        for (name, value) in query.metadata.sorted(by: { $0.key < $1.key }) {
            page.filter("key IN (SELECT session_key FROM session_metadata WHERE name = $? AND value = $?)", name, value)
        }
        page.before(query.before)
        let built = try page.query(limit: query.limit)
        return try await read { connection in
            try await connection.query(built, logger: self.logger).collect().map { try Session(postgres: $0.makeRandomAccess()) }
        }
    }

    /// A run's messages in order.
    public func messages(runId: String) async throws -> [Message] {
        try await read { connection in
            try await connection.query(
                PostgresQuery(
                    unsafeSQL: Self.messageRows + " WHERE messages.run_key = (SELECT key FROM runs WHERE id = $1) ORDER BY messages.position",
                    binds: try Self.binds(runId)
                ),
                logger: self.logger
            ).collect().map { try Message(postgres: $0.makeRandomAccess()) }
        }
    }

    /// A session's messages in order; `last` keeps only the most recent ones.
    public func messages(sessionId: String, last: Int? = nil) async throws -> [Message] {
        let sql = Self.messageRows + " WHERE messages.session_key = (SELECT key FROM sessions WHERE id = $1) ORDER BY messages.position DESC"
            + (last == nil ? "" : " LIMIT $2")
        let binds = try last.map { try Self.binds(sessionId, $0) } ?? Self.binds(sessionId)
        let messages = try await read { connection in
            try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: self.logger).collect()
                .map { try Message(postgres: $0.makeRandomAccess()) }
        }
        return messages.reversed()
    }

    /// A page of a session's messages: those after `position`, in order.
    public func messages(sessionId: String, after position: Int, limit: Int) async throws -> [Message] {
        try await read { connection in
            try await connection.query(
                PostgresQuery(
                    unsafeSQL: Self.messageRows
                        + " WHERE messages.session_key = (SELECT key FROM sessions WHERE id = $1) AND messages.position > $2 ORDER BY messages.position LIMIT $3",
                    binds: try Self.binds(sessionId, position, limit)
                ),
                logger: self.logger
            ).collect().map { try Message(postgres: $0.makeRandomAccess()) }
        }
    }

    /// The position the next message of a session takes.
    public func nextMessagePosition(sessionId: String) async throws -> Int {
        try await read { connection in
            let rows = try await connection.query(
                "SELECT COALESCE(MAX(position) + 1, 0)::bigint FROM messages WHERE session_key = (SELECT key FROM sessions WHERE id = \(sessionId))",
                logger: self.logger
            ).collect()
            return Int(try rows.first?.decode(Int64.self) ?? 0)
        }
    }

    /// The tokens all runs of a session used together.
    public func sessionUsage(sessionId: String) async throws -> Usage {
        try await read { connection in
            let rows = try await connection.query(
                "SELECT COALESCE(SUM(input_tokens), 0)::bigint, COALESCE(SUM(output_tokens), 0)::bigint FROM runs WHERE session_key = (SELECT key FROM sessions WHERE id = \(sessionId))",
                logger: self.logger
            ).collect()
            guard let row = rows.first else { return Usage() }
            let (input, output) = try row.decode((Int64, Int64).self)
            return Usage(inputTokens: Int(input), outputTokens: Int(output))
        }
    }

    /// Tool calls waiting for a decision, of one run or of all.
    public func pendingApprovals(runId: String? = nil) async throws -> [PendingApproval] {
        try await read { connection in
            let rows: [PostgresRow]
            if let runId {
                rows = try await connection.query(
                    "SELECT * FROM pending_approvals WHERE run_id = \(runId) ORDER BY requested_at, call_id", logger: self.logger
                ).collect()
            } else {
                rows = try await connection.query("SELECT * FROM pending_approvals ORDER BY requested_at, call_id", logger: self.logger).collect()
            }
            return try rows.map { row in
                let row = row.makeRandomAccess()
                return PendingApproval(
                    runId: try row["run_id"].decode(String.self),
                    call: ToolCall(id: try row["call_id"].decode(String.self), name: try row["tool_name"].decode(String.self), arguments: try row["arguments"].decode(String.self)),
                    requestedAt: try row["requested_at"].decode(Double.self),
                    deadline: try row["deadline"].decode(Double?.self)
                )
            }
        }
    }

    /// A run's stored events numbered above `after` (and below `before`), in order (see the
    /// SQLite store: records of deltas come back as the events clients saw).
    public func events(runId: String, after: Int, before: Int? = nil, limit: Int = 1000) async throws -> [RunEvent] {
        let read = try await read { connection -> (rows: [(seq: Int, kind: String, data: String)], messages: [Int: Message]) in
            let keys = try await connection.query("SELECT key FROM runs WHERE id = \(runId)", logger: self.logger).collect()
            guard let runKey = try keys.first?.decode(Int64.self) else { return ([], [:]) }
            let rows = try await connection.query(
                "SELECT seq, kind, data FROM run_events WHERE run_key = \(runKey) AND seq > \(after) ORDER BY seq LIMIT \(max(1, limit))",
                logger: self.logger
            ).collect().map { row in
                let (seq, kind, data) = try row.decode((Int, String, String).self)
                return (seq: seq, kind: kind, data: data)
            }
            guard rows.contains(where: { $0.data.contains("_of\"") }) else { return (rows, [:]) }
            let messages = try await connection.query(
                PostgresQuery(unsafeSQL: Self.messageRows + " WHERE messages.run_key = $1", binds: try Self.binds(runKey)), logger: self.logger
            ).collect().map { try Message(postgres: $0.makeRandomAccess()) }
            return (rows, Dictionary(messages.map { ($0.position, $0) }, uniquingKeysWith: { _, last in last }))
        }
        return try RunEventRecord.events(stored: read.rows, runId: runId, after: after, before: before, messages: read.messages)
    }

    /// A run's journal, in order, whole (references resolved; see `CompactJournal`).
    public func journal(runId: String) async throws -> [JournalEntry] {
        try await journalRecords(runId: runId).map(\.entry)
    }

    /// A run's journal with the time each entry was recorded.
    public func journalRecords(runId: String) async throws -> [JournalRecord] {
        let read = try await read { connection -> (run: Run, texts: [String], times: [Double], instructions: String?, summary: String?, messages: [Message])? in
            let found = try await connection.query(PostgresQuery(unsafeSQL: Self.runRows + " WHERE runs.id = $1", binds: try Self.binds(runId)), logger: self.logger)
                .collect()
            guard let first = found.first else { return nil }
            let row = first.makeRandomAccess()
            let run = try Run(postgres: row)
            let runKey = try row["key"].decode(Int64.self)
            let sessionKey = try row["session_key"].decode(Int64.self)
            let entries = try await connection.query("SELECT entry, recorded_at FROM journal WHERE run_key = \(runKey) ORDER BY seq", logger: self.logger)
                .collect().map { try $0.decode((String, Double).self) }
            let texts = entries.map(\.0)
            let times = entries.map(\.1)
            let stored = try CompactJournal.Stored(texts: texts)
            guard let firstPosition = stored.firstMessagePosition else { return (run, texts, times, nil, nil, []) }
            var messages = try await connection.query(
                PostgresQuery(
                    unsafeSQL: Self.messageRows + " WHERE messages.session_key = $1 AND messages.position >= $2 AND messages.position < $3 ORDER BY messages.position",
                    binds: try Self.binds(sessionKey, firstPosition, run.messageBase)
                ),
                logger: self.logger
            ).collect().map { try Message(postgres: $0.makeRandomAccess()) }
            messages += try await connection.query(
                PostgresQuery(unsafeSQL: Self.messageRows + " WHERE messages.run_key = $1 ORDER BY messages.position", binds: try Self.binds(runKey)),
                logger: self.logger
            ).collect().map { try Message(postgres: $0.makeRandomAccess()) }
            let summary = try await connection.query("SELECT summary FROM sessions WHERE key = \(sessionKey)", logger: self.logger).collect()
                .first?.decode(String?.self)
            var instructions: String?
            if stored.needsInstructions {
                instructions = self.instructionsByVersion.withLock { $0[run.agentVersion] }
                if instructions == nil,
                    let definition = try await connection.query("SELECT definition FROM agent_versions WHERE version = \(run.agentVersion)", logger: self.logger)
                        .collect().first?.decode(String.self)
                {
                    let read = try EncodedStep.agent(stored: definition, version: run.agentVersion).instructions
                    self.instructionsByVersion.withLock { known in
                        if known.count >= 1_000 { known.removeAll() }
                        known[run.agentVersion] = read
                    }
                    instructions = read
                }
            }
            return (run, texts, times, instructions, summary, messages)
        }
        guard let read else { return [] }
        return try CompactJournal.Stored(texts: read.texts).records(
            times: read.times, run: read.run, instructions: read.instructions, summary: read.summary, messages: read.messages
        )
    }

    /// The agent definition a run started with.
    public func agentDefinition(version: String) async throws -> AgentDefinition? {
        let text = try await read { connection in
            try await connection.query("SELECT definition FROM agent_versions WHERE version = \(version)", logger: self.logger).collect()
                .first?.decode(String.self)
        }
        return try text.map { try EncodedStep.agent(stored: $0, version: version) }
    }


    /// How many runs are in each phase: the deltas appended since the last read are folded
    /// into one row per phase, so this costs as much with a million runs as with ten.
    public func runCountsByPhase() async throws -> [RunPhase: Int] {
        try await transaction { connection in
            // One reader folds at a time: another would not see the totals this one writes back.
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.phaseCountLock))", logger: self.logger)
            let rows = try await connection.query(
                """
                WITH folded AS (DELETE FROM run_phase_deltas RETURNING phase, delta)
                SELECT phase, SUM(delta)::bigint FROM folded GROUP BY phase
                """, logger: self.logger
            ).collect()
            var counts: [RunPhase: Int] = [:]
            for row in rows {
                let (phase, count) = try row.decode((String, Int64).self)
                guard count != 0 else { continue }
                try await connection.query("INSERT INTO run_phase_deltas (phase, delta) VALUES (\(phase), \(Int(count)))", logger: self.logger)
                if let phase = RunPhase(rawValue: phase) { counts[phase] = Int(count) }
            }
            return counts
        }
    }

    /// The key of the advisory lock taken while folding phase counts.
    static let phaseCountLock: Int64 = 0x616c_6f66_7470

    /// Values bound to `$1`, `$2`, … of a query written as text.
    static func binds(_ values: any PostgresThrowingDynamicTypeEncodable...) throws -> PostgresBindings {
        var binds = PostgresBindings()
        for value in values { try binds.append(value) }
        return binds
    }
}
