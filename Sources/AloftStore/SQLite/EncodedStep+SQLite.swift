import AloftCore
import Foundation
import GRDB

extension EncodedStep {
    func apply(in db: Database) throws {
        let w = write
        if let agent = w.agentVersion, let agentJSON {
            try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO agent_versions (version, name, definition, created_at) VALUES (?, ?, ?, ?)"
            ).execute(arguments: [agent.version, agent.definition.name, agentJSON, recordedAt])
        }
        if let active = w.sessionActiveRun, let runId = active.runId {
            // Before anything else is written: a session busy with another run refuses the whole step.
            try db.cachedStatement(
                sql: "UPDATE sessions SET active_run_id = ?, updated_at = ? WHERE id = ? AND (active_run_id IS NULL OR active_run_id = ?)"
            ).execute(arguments: [runId, recordedAt, active.sessionId, runId])
            if db.changesCount == 0 {
                let holder = try String.fetchOne(db.cachedStatement(sql: "SELECT active_run_id FROM sessions WHERE id = ?"), arguments: [active.sessionId])
                throw StoreError(
                    code: holder == nil ? .notFound : .conflict,
                    message: holder.map { "session \(active.sessionId) has run \($0) in progress" } ?? "session \(active.sessionId) does not exist"
                )
            }
        }
        var newSessionKey: Int64?
        if let session = w.newSession {
            try db.cachedStatement(
                sql: """
                    INSERT INTO sessions (id, agent, user_id, title, summary, active_run_id, created_at, updated_at, metadata, instance_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                session.id, session.agent, session.userId, session.title, session.summary, session.activeRunId,
                session.createdAt.timeIntervalSince1970, session.updatedAt.timeIntervalSince1970, sessionMetadataJSON, session.instanceId,
            ])
            newSessionKey = db.lastInsertedRowID
            try SQLiteStore.insertMetadata(session.metadata, sessionKey: db.lastInsertedRowID, db: db)
        }
        let keys: (run: Int64, session: Int64)
        if let run = w.newRun {
            let sessionKey: Int64
            if let newSessionKey, w.newSession?.id == run.sessionId {
                sessionKey = newSessionKey
            } else {
                guard let key = try Int64.fetchOne(db.cachedStatement(sql: "SELECT key FROM sessions WHERE id = ?"), arguments: [run.sessionId]) else {
                    throw StoreError(code: .notFound, message: "run \(run.id): its session \(run.sessionId) does not exist")
                }
                sessionKey = key
            }
            try db.cachedStatement(
                sql: """
                    INSERT INTO runs (id, session_key, agent, agent_version, phase, input, correlation_id, metadata,
                                      event_seq, message_base, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                run.id, sessionKey, run.agent, run.agentVersion, run.phase.rawValue, run.input, run.correlationId,
                metadataJSON, run.eventSeq, run.messageBase, run.createdAt.timeIntervalSince1970,
                run.updatedAt.timeIntervalSince1970,
            ])
            keys = (db.lastInsertedRowID, sessionKey)
        } else {
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT key, session_key FROM runs WHERE id = ?"), arguments: [w.runId]) else {
                throw StoreError(code: .notFound, message: "run \(w.runId) does not exist; its step cannot be recorded")
            }
            keys = (row["key"], row["session_key"])
        }
        let insertEntry = try db.cachedStatement(sql: "INSERT INTO journal (run_key, seq, entry, recorded_at) VALUES (?, ?, ?, ?)")
        for entry in entries {
            try insertEntry.execute(arguments: [keys.run, entry.seq, entry.json, recordedAt])
        }
        if let run = w.run {
            try db.cachedStatement(
                sql: """
                    UPDATE runs SET phase = ?, output = ?, error_code = ?, error_message = ?, iterations = ?,
                        input_tokens = ?, output_tokens = ?, event_seq = MAX(event_seq, ?), updated_at = ?, finished_at = ?,
                        resumes_without_progress = 0
                    WHERE key = ?
                    """
            ).execute(arguments: [
                run.phase.rawValue, run.output, run.error?.code.rawValue, run.error?.message, run.iterations,
                run.usage.inputTokens, run.usage.outputTokens, run.eventSeq, run.updatedAt.timeIntervalSince1970,
                run.finishedAt?.timeIntervalSince1970, keys.run,
            ])
        }
        if !events.isEmpty {
            let insertEvent = try db.cachedStatement(sql: "INSERT INTO run_events (run_key, seq, kind, data) VALUES (?, ?, ?, ?)")
            for event in events {
                try insertEvent.execute(arguments: [keys.run, event.seq, event.kind, event.data])
            }
        }
        if w.run == nil, let eventSeq = w.eventSeq {
            try db.cachedStatement(sql: "UPDATE runs SET event_seq = MAX(event_seq, ?) WHERE key = ?").execute(arguments: [eventSeq, keys.run])
        }
        if w.interruptOpenMessages {
            try db.cachedStatement(
                sql: "UPDATE messages SET interrupted = 1, completed_at = ? WHERE run_key = ? AND completed_at IS NULL"
            ).execute(arguments: [recordedAt, keys.run])
        }
        if !w.messages.isEmpty {
            let upsert = try db.cachedStatement(
                sql: """
                    INSERT INTO messages (session_key, run_key, position, role, content, tool_calls, tool_call_id, tool_name,
                                          created_at, completed_at, interrupted, error)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (session_key, position) DO UPDATE SET
                        content = excluded.content, tool_calls = excluded.tool_calls, completed_at = excluded.completed_at,
                        interrupted = excluded.interrupted, error = excluded.error
                    """
            )
            for (message, toolCalls) in zip(w.messages, messageToolCalls) {
                // A step writes the messages of its own run, in its run's session.
                try upsert.execute(arguments: [
                    keys.session, message.runId == nil ? nil : keys.run, message.position, message.role.rawValue, message.content,
                    toolCalls, message.toolCallId, message.toolName, message.createdAt.timeIntervalSince1970,
                    message.completedAt?.timeIntervalSince1970, message.interrupted, message.error,
                ])
            }
        }
        if w.removeAllApprovals {
            try db.cachedStatement(sql: "DELETE FROM pending_approvals WHERE run_id = ?").execute(arguments: [w.runId])
        }
        for callId in w.removeApprovals {
            try db.cachedStatement(sql: "DELETE FROM pending_approvals WHERE run_id = ? AND call_id = ?")
                .execute(arguments: [w.runId, callId])
        }
        for (approval, arguments) in zip(w.addApprovals, approvalArguments) {
            try db.cachedStatement(
                sql: """
                    INSERT OR IGNORE INTO pending_approvals (run_id, call_id, tool_name, arguments, requested_at, deadline)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [approval.runId, approval.call.id, approval.call.name, arguments, approval.requestedAt, approval.deadline])
        }
        if w.removeAllTimers {
            try db.cachedStatement(sql: "DELETE FROM timers WHERE run_id = ?").execute(arguments: [w.runId])
        }
        for id in w.removeTimers {
            try db.cachedStatement(sql: "DELETE FROM timers WHERE id = ?").execute(arguments: [id])
        }
        for (timer, callIds) in zip(w.addTimers, timerCallIds) {
            try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO timers (id, run_id, fire_at, kind, call_ids) VALUES (?, ?, ?, ?, ?)"
            ).execute(arguments: [timer.id, timer.runId, timer.fireAt, timer.kind.rawValue, callIds])
        }
        if let active = w.sessionActiveRun, active.runId == nil {
            try db.cachedStatement(sql: "UPDATE sessions SET active_run_id = NULL, updated_at = ? WHERE id = ? AND active_run_id = ?")
                .execute(arguments: [recordedAt, active.sessionId, w.runId])
        }
        for id in w.consumedCommands {
            try db.cachedStatement(sql: "DELETE FROM run_commands WHERE id = ?").execute(arguments: [id])
        }
        for command in queuedCommands {
            try db.cachedStatement(sql: "INSERT INTO run_commands (run_id, command, created_at) VALUES (?, ?, ?)")
                .execute(arguments: [w.runId, command, recordedAt])
        }
    }
}
