import AloftCore
import Foundation
import GRDB

extension SQLiteStore {
    /// A run's journal, in order, whole: references kept by the compact form (see
    /// CompactJournal) are resolved from the session's messages, the agent version and the run.
    public func journal(runId: String) async throws -> [JournalEntry] {
        try await journalRecords(runId: runId).map(\.entry)
    }

    /// A run's journal with the time each entry was recorded (see `journal(runId:)`).
    public func journalRecords(runId: String) async throws -> [JournalRecord] {
        let read = try await pool.read { db -> (run: Run, texts: [String], times: [Double], instructions: String?, summary: String?, messages: [Message])? in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM run_rows WHERE id = ?"), arguments: [runId]) else {
                return nil
            }
            let run = try Run(row: row)
            let runKey: Int64 = row["key"]
            let sessionKey: Int64 = row["session_key"]
            let rows = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT entry, recorded_at FROM journal WHERE run_key = ? ORDER BY seq"), arguments: [runKey]
            )
            let texts = rows.map { $0["entry"] as String }
            let times = rows.map { $0["recorded_at"] as Double }
            let stored = try CompactJournal.Stored(texts: texts)
            guard let first = stored.firstMessagePosition else { return (run, texts, times, nil, nil, []) }
            var messages = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM message_rows WHERE session_key = ? AND position >= ? AND position < ? ORDER BY position"),
                arguments: [sessionKey, first, run.messageBase]
            ).map(Message.init(row:))
            messages += try Row.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM message_rows WHERE run_key = ? ORDER BY position"), arguments: [runKey]
            ).map(Message.init(row:))
            let summary = try String.fetchOne(db.cachedStatement(sql: "SELECT summary FROM sessions WHERE key = ?"), arguments: [sessionKey])
            var instructions: String?
            if stored.needsInstructions,
                let definition = try String.fetchOne(
                    db.cachedStatement(sql: "SELECT definition FROM agent_versions WHERE version = ?"), arguments: [run.agentVersion]
                )
            {
                instructions = try EncodedStep.agent(stored: definition, version: run.agentVersion).instructions
            }
            return (run, texts, times, instructions, summary, messages)
        }
        guard let read else { return [] }
        return try CompactJournal.Stored(texts: read.texts).records(
            times: read.times, run: read.run, instructions: read.instructions, summary: read.summary, messages: read.messages
        )
    }

    /// A run's stored events with a number above `after` (and below `before`, when given), in
    /// order, at most about `limit` (a record of deltas is never split); deltas stored
    /// together come back as the events clients saw, with their numbers.
    public func events(runId: String, after: Int, before: Int? = nil, limit: Int = 1000) async throws -> [RunEvent] {
        let read = try await pool.read { db -> (rows: [(seq: Int, kind: String, data: String)], messages: [Int: Message]) in
            guard let runKey = try Int64.fetchOne(db.cachedStatement(sql: "SELECT key FROM runs WHERE id = ?"), arguments: [runId]) else {
                return ([], [:])
            }
            // A record of deltas is numbered by its last delta, so the first record to read is
            // the first numbered above `after`, and a record numbered at or above `before` may
            // still hold events below it (those are kept; reading stops after it).
            let rows: [(seq: Int, kind: String, data: String)] = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT seq, kind, data FROM run_events WHERE run_key = ? AND seq > ? ORDER BY seq LIMIT ?"),
                arguments: [runKey, after, max(1, limit)]
            ).map { ($0["seq"], $0["kind"], $0["data"]) }
            // Tool results and answers are kept once, in their messages (see RunEventRecord.referring).
            guard rows.contains(where: { $0.data.contains("_of\"") }) else { return (rows, [:]) }
            let messages = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM message_rows WHERE run_key = ?"), arguments: [runKey]
            ).map(Message.init(row:))
            return (rows, Dictionary(messages.map { ($0.position, $0) }, uniquingKeysWith: { _, last in last }))
        }
        return try RunEventRecord.events(stored: read.rows, runId: runId, after: after, before: before, messages: read.messages)
    }

    public func run(id: String) async throws -> Run? {
        try await pool.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM run_rows WHERE id = ?"), arguments: [id]).map(Run.init(row:))
        }
    }

    /// Runs, newest first.
    public func runs(_ query: RunQuery) async throws -> [Run] {
        try await pool.read { db in
            var page = NewestFirstPage(table: "run_rows")
            page.filter("phase", equals: query.phase?.rawValue)
            page.filter("agent", equals: query.agent)
            page.filter("session_id", equals: query.sessionId)
            for (key, value) in query.labels.sorted(by: { $0.key < $1.key }) {
                page.filter("EXISTS (SELECT 1 FROM json_each(run_rows.metadata) AS label WHERE label.key = ? AND label.value = ?)", arguments: [key, value])
            }
            page.before(query.before)
            return try page.fetch(db, limit: query.limit).map(Run.init(row:))
        }
    }

    /// Runs that are not finished, oldest first: what an engine resumes on start.
    public func unfinishedRuns() async throws -> [Run] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM run_rows WHERE phase IN ('pending', 'running', 'waiting_for_approval') ORDER BY created_at"
            ).map(Run.init(row:))
        }
    }

    public func session(id: String) async throws -> Session? {
        try await pool.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM sessions WHERE id = ?"), arguments: [id]).map(Session.init(row:))
        }
    }

    /// A session's messages in order; `last` keeps only the most recent ones.
    public func messages(sessionId: String, last: Int? = nil) async throws -> [Message] {
        try await pool.read { db in
            let rows: [Row]
            if let last {
                rows = try Row.fetchAll(
                    db,
                    sql: "SELECT * FROM (SELECT * FROM message_rows WHERE session_id = ? ORDER BY position DESC LIMIT ?) ORDER BY position",
                    arguments: [sessionId, last]
                )
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM message_rows WHERE session_id = ? ORDER BY position", arguments: [sessionId])
            }
            return try rows.map(Message.init(row:))
        }
    }

    /// A run's messages in order.
    public func messages(runId: String) async throws -> [Message] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM message_rows WHERE run_id = ? ORDER BY position", arguments: [runId])
                .map(Message.init(row:))
        }
    }

    /// The position the next message of a session takes.
    public func nextMessagePosition(sessionId: String) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(
                db, sql: "SELECT COALESCE(MAX(position) + 1, 0) FROM messages WHERE session_key = (SELECT key FROM sessions WHERE id = ?)",
                arguments: [sessionId]
            ) ?? 0
        }
    }

    /// The tokens all runs of a session used together.
    public func sessionUsage(sessionId: String) async throws -> Usage {
        try await pool.read { db in
            let row = try Row.fetchOne(
                db,
                sql: "SELECT COALESCE(SUM(input_tokens), 0) AS input, COALESCE(SUM(output_tokens), 0) AS output FROM runs WHERE session_key = (SELECT key FROM sessions WHERE id = ?)",
                arguments: [sessionId]
            )
            return Usage(inputTokens: row?["input"] ?? 0, outputTokens: row?["output"] ?? 0)
        }
    }

    /// The agent definition a run started with.
    public func agentDefinition(version: String) async throws -> AgentDefinition? {
        let text = try await pool.read { db in
            try String.fetchOne(db, sql: "SELECT definition FROM agent_versions WHERE version = ?", arguments: [version])
        }
        return try text.map { try EncodedStep.agent(stored: $0, version: version) }
    }


    /// Tool calls waiting for a decision, of one run or of all.
    public func pendingApprovals(runId: String? = nil) async throws -> [PendingApproval] {
        try await pool.read { db in
            let rows: [Row]
            if let runId {
                rows = try Row.fetchAll(
                    db.cachedStatement(sql: "SELECT * FROM pending_approvals WHERE run_id = ? ORDER BY requested_at, call_id"), arguments: [runId]
                )
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM pending_approvals ORDER BY requested_at, call_id")
            }
            return rows.map { row in
                PendingApproval(
                    runId: row["run_id"],
                    call: ToolCall(id: row["call_id"], name: row["tool_name"], arguments: row["arguments"]),
                    requestedAt: row["requested_at"],
                    deadline: row["deadline"]
                )
            }
        }
    }

    /// Timers due at `time` (seconds since 1970).
    public func dueTimers(at time: Double) async throws -> [DurableTimer] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM timers WHERE fire_at <= ? ORDER BY fire_at LIMIT 500", arguments: [time])
                .map(DurableTimer.init(row:))
        }
    }

    /// Queues a command for the engine that owns the run (possibly in another process).
    public func enqueue(_ command: RunCommand, runId: String) async throws {
        let text = String(decoding: try JSONEncoder().encode(command), as: UTF8.self)
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO run_commands (run_id, command, created_at) VALUES (?, ?, ?)",
                arguments: [runId, text, Date().timeIntervalSince1970]
            )
        }
    }

    /// Commands waiting in the inbox, oldest first (unreadable ones with no command).
    public func queuedCommands(limit: Int = 500) async throws -> [QueuedRunCommand] {
        let rows: [(id: Int64, runId: String, text: String)] = try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, run_id, command FROM run_commands ORDER BY id LIMIT ?", arguments: [limit])
                .map { ($0["id"], $0["run_id"], $0["command"]) }
        }
        let decoder = JSONDecoder()
        return rows.map { row in
            QueuedRunCommand(id: row.id, runId: row.runId, command: try? decoder.decode(RunCommand.self, from: Data(row.text.utf8)))
        }
    }

    /// Deletes commands that can never be carried out (their run is gone or finished).
    public func discardCommands(ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        try await pool.write { db in
            for id in ids { try db.execute(sql: "DELETE FROM run_commands WHERE id = ?", arguments: [id]) }
        }
    }
}

extension Run {
    init(row: Row) throws {
        let errorCode: String? = row["error_code"]
        let metadataText: String? = row["metadata"]
        let finishedAt: Double? = row["finished_at"]
        let phaseText: String = row["phase"]
        guard let phase = RunPhase(rawValue: phaseText) else {
            throw StoreError(code: .corrupt, message: "run has unknown phase '\(phaseText)'")
        }
        self.init(
            id: row["id"],
            sessionId: row["session_id"],
            agent: row["agent"],
            agentVersion: row["agent_version"],
            phase: phase,
            input: row["input"],
            output: row["output"],
            error: errorCode.map { RunError(code: RunError.Code(rawValue: $0), message: row["error_message"] ?? "") },
            iterations: row["iterations"],
            usage: Usage(inputTokens: row["input_tokens"], outputTokens: row["output_tokens"]),
            correlationId: row["correlation_id"],
            metadata: metadataText.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) } ?? [:],
            eventSeq: row["event_seq"],
            eventsPrunedThrough: row["events_pruned_through"] ?? 0,
            messageBase: row["message_base"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            updatedAt: Date(timeIntervalSince1970: row["updated_at"]),
            finishedAt: finishedAt.map(Date.init(timeIntervalSince1970:))
        )
    }
}

extension Session {
    init(row: Row) {
        let metadata: String? = row["metadata"]
        self.init(
            id: row["id"], agent: row["agent"], userId: row["user_id"], title: row["title"], summary: row["summary"],
            activeRunId: row["active_run_id"],
            // Written by this store from a [String: String]; unreadable text would be a store bug, read as none.
            metadata: metadata.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) } ?? [:],
            instanceId: row["instance_id"], createdAt: Date(timeIntervalSince1970: row["created_at"]), updatedAt: Date(timeIntervalSince1970: row["updated_at"])
        )
    }
}

extension Message {
    init(row: Row) throws {
        let roleText: String = row["role"]
        let toolCallsText: String? = row["tool_calls"]
        let completedAt: Double? = row["completed_at"]
        self.init(
            id: row["id"], sessionId: row["session_id"], runId: row["run_id"], position: row["position"],
            role: Role(rawValue: roleText) ?? .user, content: row["content"],
            toolCalls: try toolCallsText.map { try JSONDecoder().decode([ToolCall].self, from: Data($0.utf8)) } ?? [],
            toolCallId: row["tool_call_id"], toolName: row["tool_name"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            completedAt: completedAt.map(Date.init(timeIntervalSince1970:)),
            interrupted: row["interrupted"], error: row["error"]
        )
    }
}

extension DurableTimer {
    init(row: Row) throws {
        let text: String = row["call_ids"]
        let kindText: String = row["kind"]
        self.init(
            id: row["id"], runId: row["run_id"], fireAt: row["fire_at"],
            kind: DurableTimer.Kind(rawValue: kindText) ?? .approvalDeadline,
            callIds: try JSONDecoder().decode([String].self, from: Data(text.utf8))
        )
    }
}
