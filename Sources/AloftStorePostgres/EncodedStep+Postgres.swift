import AloftCore
import Foundation
import Logging
import PostgresNIO

extension EncodedStep {
    /// Writes the step on `connection`, inside the caller's transaction: the same rows, in the
    /// same order, as the SQLite store writes them (see `EncodedStep+SQLite`).
    func apply(on connection: PostgresConnection, logger: Logger) async throws {
        let w = write
        if let agent = w.agentVersion, let agentJSON {
            try await connection.query(
                """
                INSERT INTO agent_versions (version, name, definition, created_at) VALUES (\(agent.version), \(agent.definition.name), \(agentJSON), \(recordedAt))
                ON CONFLICT (version) DO NOTHING
                """, logger: logger
            )
        }
        if let active = w.sessionActiveRun, let runId = active.runId {
            // Before anything else is written: a session busy with another run refuses the whole step.
            let claimed = try await connection.query(
                """
                UPDATE sessions SET active_run_id = \(runId), updated_at = \(recordedAt)
                WHERE id = \(active.sessionId) AND (active_run_id IS NULL OR active_run_id = \(runId)) RETURNING key
                """, logger: logger
            ).collect()
            if claimed.isEmpty {
                let holder = try await connection.query("SELECT active_run_id FROM sessions WHERE id = \(active.sessionId)", logger: logger).collect()
                let holding = try holder.first?.decode(String?.self)
                throw StoreError(
                    code: holder.isEmpty ? .notFound : .conflict,
                    message: holder.isEmpty ? "session \(active.sessionId) does not exist" : "session \(active.sessionId) has run \(holding ?? "another run") in progress"
                )
            }
        }
        var newSessionKey: Int64?
        if let session = w.newSession {
            let rows = try await connection.query(
                """
                INSERT INTO sessions (id, agent, user_id, title, summary, active_run_id, metadata, created_at, updated_at)
                VALUES (\(session.id), \(session.agent), \(session.userId), \(session.title), \(session.summary), \(session.activeRunId),
                        \(sessionMetadataJSON), \(session.createdAt.timeIntervalSince1970), \(session.updatedAt.timeIntervalSince1970))
                RETURNING key
                """, logger: logger
            ).collect()
            let key = try rows.first?.decode(Int64.self)
            newSessionKey = key
            if let key { try await PostgresStore.insertLabels(session.metadata, sessionKey: key, on: connection, logger: logger) }
        }
        let keys: (run: Int64, session: Int64)
        if let run = w.newRun {
            let sessionKey: Int64
            if let newSessionKey, w.newSession?.id == run.sessionId {
                sessionKey = newSessionKey
            } else {
                let rows = try await connection.query("SELECT key FROM sessions WHERE id = \(run.sessionId)", logger: logger).collect()
                guard let key = try rows.first?.decode(Int64.self) else {
                    throw StoreError(code: .notFound, message: "run \(run.id): its session \(run.sessionId) does not exist")
                }
                sessionKey = key
            }
            let rows = try await connection.query(
                """
                INSERT INTO runs (id, session_key, agent, agent_version, phase, input, correlation_id, metadata, event_seq, message_base,
                                  created_at, updated_at)
                VALUES (\(run.id), \(sessionKey), \(run.agent), \(run.agentVersion), \(run.phase.rawValue), \(run.input), \(run.correlationId),
                        \(metadataJSON), \(run.eventSeq), \(run.messageBase), \(run.createdAt.timeIntervalSince1970), \(run.updatedAt.timeIntervalSince1970))
                RETURNING key
                """, logger: logger
            ).collect()
            keys = (try rows.first?.decode(Int64.self) ?? 0, sessionKey)
        } else {
            let rows = try await connection.query("SELECT key, session_key FROM runs WHERE id = \(w.runId)", logger: logger).collect()
            guard let row = rows.first else {
                throw StoreError(code: .notFound, message: "run \(w.runId) does not exist; its step cannot be recorded")
            }
            let (run, session) = try row.decode((Int64, Int64).self)
            keys = (run, session)
        }
        if !entries.isEmpty {
            // One statement for all of the step's entries: arrays bound whole.
            let seqs = entries.map { Int32($0.seq) }
            let texts = entries.map(\.json)
            try await connection.query(
                """
                INSERT INTO journal (run_key, seq, entry, recorded_at)
                SELECT \(keys.run), s, e, \(recordedAt) FROM unnest(\(seqs)::integer[], \(texts)::text[]) AS t(s, e)
                """, logger: logger
            )
        }
        if let run = w.run {
            try await connection.query(
                """
                UPDATE runs SET phase = \(run.phase.rawValue), output = \(run.output), error_code = \(run.error?.code.rawValue),
                    error_message = \(run.error?.message), iterations = \(run.iterations), input_tokens = \(run.usage.inputTokens),
                    output_tokens = \(run.usage.outputTokens), event_seq = \(run.eventSeq), updated_at = \(run.updatedAt.timeIntervalSince1970),
                    finished_at = \(run.finishedAt?.timeIntervalSince1970), resumes_without_progress = 0
                WHERE key = \(keys.run)
                """, logger: logger
            )
        }
        if !events.isEmpty {
            let seqs = events.map { Int32($0.seq) }
            let kinds = events.map(\.kind)
            let data = events.map(\.data)
            try await connection.query(
                """
                INSERT INTO run_events (run_key, seq, kind, data)
                SELECT \(keys.run), s, k, d FROM unnest(\(seqs)::integer[], \(kinds)::text[], \(data)::text[]) AS t(s, k, d)
                """, logger: logger
            )
        }
        if w.run == nil, let eventSeq = w.eventSeq {
            try await connection.query("UPDATE runs SET event_seq = GREATEST(event_seq, \(eventSeq)) WHERE key = \(keys.run)", logger: logger)
        }
        if w.interruptOpenMessages {
            try await connection.query(
                "UPDATE messages SET interrupted = true, completed_at = \(recordedAt) WHERE run_key = \(keys.run) AND completed_at IS NULL",
                logger: logger
            )
        }
        for (message, toolCalls) in zip(w.messages, messageToolCalls) {
            // A step writes the messages of its own run, in its run's session.
            let runKey: Int64? = message.runId == nil ? nil : keys.run
            try await connection.query(
                """
                INSERT INTO messages (session_key, run_key, position, role, content, tool_calls, tool_call_id, tool_name,
                                      created_at, completed_at, interrupted, error)
                VALUES (\(keys.session), \(runKey), \(message.position), \(message.role.rawValue), \(message.content), \(toolCalls),
                        \(message.toolCallId), \(message.toolName), \(message.createdAt.timeIntervalSince1970),
                        \(message.completedAt?.timeIntervalSince1970), \(message.interrupted), \(message.error))
                ON CONFLICT (session_key, position) DO UPDATE SET
                    content = excluded.content, tool_calls = excluded.tool_calls, completed_at = excluded.completed_at,
                    interrupted = excluded.interrupted, error = excluded.error
                """, logger: logger
            )
        }
        if w.removeAllApprovals {
            try await connection.query("DELETE FROM pending_approvals WHERE run_id = \(w.runId)", logger: logger)
        }
        for callId in w.removeApprovals {
            try await connection.query("DELETE FROM pending_approvals WHERE run_id = \(w.runId) AND call_id = \(callId)", logger: logger)
        }
        for (approval, arguments) in zip(w.addApprovals, approvalArguments) {
            try await connection.query(
                """
                INSERT INTO pending_approvals (run_id, call_id, tool_name, arguments, requested_at, deadline)
                VALUES (\(approval.runId), \(approval.call.id), \(approval.call.name), \(arguments), \(approval.requestedAt), \(approval.deadline))
                ON CONFLICT DO NOTHING
                """, logger: logger
            )
        }
        if w.removeAllTimers {
            try await connection.query("DELETE FROM timers WHERE run_id = \(w.runId)", logger: logger)
        }
        for id in w.removeTimers {
            try await connection.query("DELETE FROM timers WHERE id = \(id)", logger: logger)
        }
        for (timer, callIds) in zip(w.addTimers, timerCallIds) {
            try await connection.query(
                """
                INSERT INTO timers (id, run_id, fire_at, kind, call_ids) VALUES (\(timer.id), \(timer.runId), \(timer.fireAt), \(timer.kind.rawValue), \(callIds))
                ON CONFLICT DO NOTHING
                """, logger: logger
            )
        }
        if let active = w.sessionActiveRun, active.runId == nil {
            try await connection.query(
                "UPDATE sessions SET active_run_id = NULL, updated_at = \(recordedAt) WHERE id = \(active.sessionId) AND active_run_id = \(w.runId)",
                logger: logger
            )
        }
        if !w.consumedCommands.isEmpty {
            try await connection.query("DELETE FROM run_commands WHERE id = ANY(\(w.consumedCommands))", logger: logger)
        }
    }
}
