import GRDB

/// The SQLite schema, as migrations registered in code. A released migration is never edited:
/// changes are new migrations. Migrations use SQL only, never app types.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE agent_versions (
                        version TEXT PRIMARY KEY,
                        name TEXT NOT NULL,
                        definition TEXT NOT NULL,
                        created_at REAL NOT NULL
                    ) WITHOUT ROWID;

                    CREATE TABLE sessions (
                        id TEXT PRIMARY KEY,
                        agent TEXT NOT NULL,
                        user_id TEXT,
                        title TEXT,
                        summary TEXT,
                        active_run_id TEXT,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL
                    );
                    CREATE INDEX sessions_by_agent ON sessions(agent, created_at);

                    CREATE TABLE runs (
                        id TEXT PRIMARY KEY,
                        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
                        agent TEXT NOT NULL,
                        agent_version TEXT NOT NULL,
                        phase TEXT NOT NULL,
                        input TEXT NOT NULL,
                        output TEXT,
                        error_code TEXT,
                        error_message TEXT,
                        iterations INTEGER NOT NULL DEFAULT 0,
                        input_tokens INTEGER NOT NULL DEFAULT 0,
                        output_tokens INTEGER NOT NULL DEFAULT 0,
                        correlation_id TEXT,
                        metadata TEXT,
                        event_seq INTEGER NOT NULL DEFAULT 0,
                        message_base INTEGER NOT NULL DEFAULT 0,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL,
                        finished_at REAL
                    );
                    CREATE INDEX runs_by_created ON runs(created_at);
                    CREATE INDEX runs_by_session ON runs(session_id, created_at);
                    CREATE INDEX runs_unfinished ON runs(phase)
                        WHERE phase IN ('pending', 'running', 'waiting_for_approval');

                    CREATE TABLE messages (
                        id INTEGER PRIMARY KEY,
                        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
                        run_id TEXT,
                        position INTEGER NOT NULL,
                        role TEXT NOT NULL,
                        content TEXT NOT NULL,
                        tool_calls TEXT,
                        tool_call_id TEXT,
                        tool_name TEXT,
                        created_at REAL NOT NULL,
                        completed_at REAL,
                        interrupted INTEGER NOT NULL DEFAULT 0,
                        error TEXT,
                        UNIQUE (session_id, position)
                    );

                    CREATE TABLE journal (
                        run_id TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        entry TEXT NOT NULL,
                        recorded_at REAL NOT NULL,
                        PRIMARY KEY (run_id, seq)
                    ) WITHOUT ROWID;

                    CREATE TABLE pending_approvals (
                        run_id TEXT NOT NULL,
                        call_id TEXT NOT NULL,
                        tool_name TEXT NOT NULL,
                        arguments TEXT NOT NULL,
                        requested_at REAL NOT NULL,
                        deadline REAL,
                        PRIMARY KEY (run_id, call_id)
                    ) WITHOUT ROWID;

                    CREATE TABLE timers (
                        id TEXT PRIMARY KEY,
                        run_id TEXT NOT NULL,
                        fire_at REAL NOT NULL,
                        kind TEXT NOT NULL,
                        call_ids TEXT NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX timers_by_fire_at ON timers(fire_at);

                    CREATE TABLE run_commands (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        run_id TEXT NOT NULL,
                        command TEXT NOT NULL,
                        created_at REAL NOT NULL
                    );
                    """
            )
        }
        migrator.registerMigration("v2-agents") { db in
            try db.execute(
                sql: """
                    CREATE TABLE agents (
                        name TEXT PRIMARY KEY,
                        definition TEXT NOT NULL,
                        version TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX sessions_by_user ON sessions(user_id, created_at);
                    """
            )
        }
        migrator.registerMigration("v3-hardening") { db in
            try db.execute(
                sql: """
                    ALTER TABLE runs ADD COLUMN resumes_without_progress INTEGER NOT NULL DEFAULT 0;

                    CREATE TABLE run_phase_counts (phase TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID;
                    INSERT INTO run_phase_counts (phase, count) SELECT phase, COUNT(*) FROM runs GROUP BY phase;
                    CREATE TRIGGER runs_counted_on_insert AFTER INSERT ON runs BEGIN
                        INSERT INTO run_phase_counts (phase, count) VALUES (new.phase, 1)
                            ON CONFLICT (phase) DO UPDATE SET count = count + 1;
                    END;
                    CREATE TRIGGER runs_counted_on_delete AFTER DELETE ON runs BEGIN
                        UPDATE run_phase_counts SET count = count - 1 WHERE phase = old.phase;
                    END;
                    CREATE TRIGGER runs_counted_on_phase AFTER UPDATE OF phase ON runs WHEN old.phase != new.phase BEGIN
                        UPDATE run_phase_counts SET count = count - 1 WHERE phase = old.phase;
                        INSERT INTO run_phase_counts (phase, count) VALUES (new.phase, 1)
                            ON CONFLICT (phase) DO UPDATE SET count = count + 1;
                    END;
                    """
            )
        }
        migrator.registerMigration("v4-flat-cost") { db in
            // Statements on every finished run look messages and timers up by run.
            try db.execute(
                sql: """
                    CREATE INDEX messages_by_run ON messages(run_id);
                    CREATE INDEX timers_by_run ON timers(run_id);
                    """
            )
        }
        migrator.registerMigration("v5-retention") { db in
            // Pruning finds the oldest finished runs without reading the others.
            try db.execute(sql: "CREATE INDEX runs_by_finished ON runs(finished_at) WHERE finished_at IS NOT NULL")
        }
        migrator.registerMigration("v6-event-log") { db in
            // Every run event, stored with the step that produced it (text deltas one row per
            // save window; see RunEventRecord). `events_pruned_through`: events up to this
            // number were deleted by retention, so a client asking for them must resync.
            try db.execute(
                sql: """
                    CREATE TABLE run_events (
                        run_id TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        kind TEXT NOT NULL,
                        data TEXT NOT NULL,
                        PRIMARY KEY (run_id, seq)
                    ) WITHOUT ROWID;
                    ALTER TABLE runs ADD COLUMN events_pruned_through INTEGER NOT NULL DEFAULT 0;
                    """
            )
        }
        migrator.registerMigration("v7-prune-scopes") { db in
            // How far retention pruned a finished run (see PruneScope.level); the index finds
            // runs still to prune without walking those already done.
            try db.execute(
                sql: """
                    ALTER TABLE runs ADD COLUMN pruned INTEGER NOT NULL DEFAULT 0;
                    CREATE INDEX runs_to_prune ON runs(pruned, finished_at) WHERE finished_at IS NOT NULL;
                    """
            )
        }
        migrator.registerMigration("v8-integer-keys") { db in
            // Sessions and runs get integer keys, and the rows that every run writes many of
            // (messages, journal, events) carry those instead of repeating text ids; the
            // journal's new entries are compact (see CompactJournal; old ones still read).
            // Deletes cascade in code, so the rebuilt tables declare no foreign keys.
            try db.execute(
                sql: """
                    CREATE TABLE sessions_v8 (
                        key INTEGER PRIMARY KEY,
                        id TEXT NOT NULL UNIQUE,
                        agent TEXT NOT NULL,
                        user_id TEXT,
                        title TEXT,
                        summary TEXT,
                        active_run_id TEXT,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL
                    );
                    INSERT INTO sessions_v8 (id, agent, user_id, title, summary, active_run_id, created_at, updated_at)
                        SELECT id, agent, user_id, title, summary, active_run_id, created_at, updated_at FROM sessions
                        ORDER BY created_at, id;

                    CREATE TABLE runs_v8 (
                        key INTEGER PRIMARY KEY,
                        id TEXT NOT NULL UNIQUE,
                        session_key INTEGER NOT NULL,
                        agent TEXT NOT NULL,
                        agent_version TEXT NOT NULL,
                        phase TEXT NOT NULL,
                        input TEXT NOT NULL,
                        output TEXT,
                        error_code TEXT,
                        error_message TEXT,
                        iterations INTEGER NOT NULL DEFAULT 0,
                        input_tokens INTEGER NOT NULL DEFAULT 0,
                        output_tokens INTEGER NOT NULL DEFAULT 0,
                        correlation_id TEXT,
                        metadata TEXT,
                        event_seq INTEGER NOT NULL DEFAULT 0,
                        message_base INTEGER NOT NULL DEFAULT 0,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL,
                        finished_at REAL,
                        resumes_without_progress INTEGER NOT NULL DEFAULT 0,
                        events_pruned_through INTEGER NOT NULL DEFAULT 0,
                        pruned INTEGER NOT NULL DEFAULT 0
                    );
                    INSERT INTO runs_v8 (id, session_key, agent, agent_version, phase, input, output, error_code, error_message,
                                         iterations, input_tokens, output_tokens, correlation_id, metadata, event_seq, message_base,
                                         created_at, updated_at, finished_at, resumes_without_progress, events_pruned_through, pruned)
                        SELECT r.id, s.key, r.agent, r.agent_version, r.phase, r.input, r.output, r.error_code, r.error_message,
                               r.iterations, r.input_tokens, r.output_tokens, r.correlation_id, r.metadata, r.event_seq, r.message_base,
                               r.created_at, r.updated_at, r.finished_at, r.resumes_without_progress, r.events_pruned_through, r.pruned
                        FROM runs r JOIN sessions_v8 s ON s.id = r.session_id ORDER BY r.created_at, r.id;

                    CREATE TABLE messages_v8 (
                        id INTEGER PRIMARY KEY,
                        session_key INTEGER NOT NULL,
                        position INTEGER NOT NULL,
                        run_key INTEGER,
                        role TEXT NOT NULL,
                        content TEXT NOT NULL,
                        tool_calls TEXT,
                        tool_call_id TEXT,
                        tool_name TEXT,
                        created_at REAL NOT NULL,
                        completed_at REAL,
                        interrupted INTEGER NOT NULL DEFAULT 0,
                        error TEXT,
                        UNIQUE (session_key, position)
                    );
                    INSERT INTO messages_v8 (id, session_key, position, run_key, role, content, tool_calls, tool_call_id, tool_name,
                                             created_at, completed_at, interrupted, error)
                        SELECT m.id, s.key, m.position, r.key, m.role, m.content, m.tool_calls, m.tool_call_id, m.tool_name,
                               m.created_at, m.completed_at, m.interrupted, m.error
                        FROM messages m JOIN sessions_v8 s ON s.id = m.session_id LEFT JOIN runs_v8 r ON r.id = m.run_id;

                    CREATE TABLE journal_v8 (
                        run_key INTEGER NOT NULL,
                        seq INTEGER NOT NULL,
                        entry TEXT NOT NULL,
                        recorded_at REAL NOT NULL,
                        PRIMARY KEY (run_key, seq)
                    ) WITHOUT ROWID;
                    INSERT INTO journal_v8 (run_key, seq, entry, recorded_at)
                        SELECT r.key, j.seq, j.entry, j.recorded_at FROM journal j JOIN runs_v8 r ON r.id = j.run_id;

                    CREATE TABLE run_events_v8 (
                        run_key INTEGER NOT NULL,
                        seq INTEGER NOT NULL,
                        kind TEXT NOT NULL,
                        data TEXT NOT NULL,
                        PRIMARY KEY (run_key, seq)
                    ) WITHOUT ROWID;
                    INSERT INTO run_events_v8 (run_key, seq, kind, data)
                        SELECT r.key, e.seq, e.kind, e.data FROM run_events e JOIN runs_v8 r ON r.id = e.run_id;

                    DROP TABLE run_events;
                    DROP TABLE journal;
                    DROP TABLE messages;
                    DROP TABLE runs;
                    DROP TABLE sessions;
                    ALTER TABLE sessions_v8 RENAME TO sessions;
                    ALTER TABLE runs_v8 RENAME TO runs;
                    ALTER TABLE messages_v8 RENAME TO messages;
                    ALTER TABLE journal_v8 RENAME TO journal;
                    ALTER TABLE run_events_v8 RENAME TO run_events;

                    CREATE INDEX sessions_by_agent ON sessions(agent, created_at);
                    CREATE INDEX sessions_by_user ON sessions(user_id, created_at) WHERE user_id IS NOT NULL;
                    CREATE INDEX runs_by_created ON runs(created_at);
                    CREATE INDEX runs_by_session ON runs(session_key, created_at);
                    CREATE INDEX runs_unfinished ON runs(phase)
                        WHERE phase IN ('pending', 'running', 'waiting_for_approval');
                    CREATE INDEX runs_to_prune ON runs(pruned, finished_at) WHERE finished_at IS NOT NULL;
                    CREATE INDEX messages_by_run ON messages(run_key);

                    -- What readers see: rows with their text ids, as before the keys. (No aliases, so
                    -- query plans name the tables they search.)
                    CREATE VIEW run_rows AS
                        SELECT runs.*, sessions.id AS session_id FROM runs JOIN sessions ON sessions.key = runs.session_key;
                    CREATE VIEW message_rows AS
                        SELECT messages.*, sessions.id AS session_id, runs.id AS run_id
                        FROM messages JOIN sessions ON sessions.key = messages.session_key LEFT JOIN runs ON runs.key = messages.run_key;

                    DELETE FROM run_phase_counts;
                    INSERT INTO run_phase_counts (phase, count) SELECT phase, COUNT(*) FROM runs GROUP BY phase;
                    CREATE TRIGGER runs_counted_on_insert AFTER INSERT ON runs BEGIN
                        INSERT INTO run_phase_counts (phase, count) VALUES (new.phase, 1)
                            ON CONFLICT (phase) DO UPDATE SET count = count + 1;
                    END;
                    CREATE TRIGGER runs_counted_on_delete AFTER DELETE ON runs BEGIN
                        UPDATE run_phase_counts SET count = count - 1 WHERE phase = old.phase;
                    END;
                    CREATE TRIGGER runs_counted_on_phase AFTER UPDATE OF phase ON runs WHEN old.phase != new.phase BEGIN
                        UPDATE run_phase_counts SET count = count - 1 WHERE phase = old.phase;
                        INSERT INTO run_phase_counts (phase, count) VALUES (new.phase, 1)
                            ON CONFLICT (phase) DO UPDATE SET count = count + 1;
                    END;
                    """
            )
        }
        migrator.registerMigration("v9-session-metadata") { db in
            // A session's metadata whole (for reading it back), and one row per entry, keyed for
            // "sessions labelled name=value" (deleted with their session, in code).
            try db.execute(
                sql: """
                    ALTER TABLE sessions ADD COLUMN metadata TEXT;
                    CREATE TABLE session_metadata (
                        name TEXT NOT NULL,
                        value TEXT NOT NULL,
                        session_key INTEGER NOT NULL,
                        PRIMARY KEY (name, value, session_key)
                    ) WITHOUT ROWID;
                    CREATE INDEX session_metadata_by_session ON session_metadata(session_key);
                    """
            )
        }
        migrator.registerMigration("v10-run-webhooks") { db in
            // A2A push notification configs; the partial index finds those with news to send.
            try db.execute(
                sql: """
                    CREATE TABLE run_webhooks (
                        run_id TEXT NOT NULL,
                        id TEXT NOT NULL,
                        url TEXT NOT NULL,
                        token TEXT,
                        auth_scheme TEXT,
                        auth_credentials TEXT,
                        format TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        delivered_seq INTEGER NOT NULL DEFAULT 0,
                        finished INTEGER NOT NULL DEFAULT 0,
                        PRIMARY KEY (run_id, id)
                    ) WITHOUT ROWID;
                    CREATE INDEX run_webhooks_unfinished ON run_webhooks(created_at) WHERE finished = 0;
                    """
            )
        }
        migrator.registerMigration("v11-executions") { db in
            // The gRPC API's records of executions, by run; a slug is unique per agent.
            try db.execute(
                sql: """
                    CREATE TABLE executions (
                        run_id TEXT PRIMARY KEY,
                        session_id TEXT NOT NULL,
                        agent TEXT NOT NULL,
                        name TEXT,
                        slug TEXT NOT NULL,
                        instance_id TEXT,
                        runner TEXT NOT NULL,
                        created_by TEXT NOT NULL,
                        updated_by TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL
                    ) WITHOUT ROWID;
                    CREATE UNIQUE INDEX executions_by_slug ON executions(agent, slug);
                    """
            )
        }
        migrator.registerMigration("v12-instances") { db in
            // Agent instances (an agent with settings of its own), unique by name per agent; a
            // session belongs to one.
            try db.execute(
                sql: """
                    CREATE TABLE instances (
                        id TEXT PRIMARY KEY,
                        agent TEXT NOT NULL,
                        name TEXT NOT NULL,
                        environment TEXT NOT NULL,
                        model TEXT NOT NULL,
                        created_by TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL
                    ) WITHOUT ROWID;
                    CREATE UNIQUE INDEX instances_by_agent ON instances(agent, name);
                    ALTER TABLE sessions ADD COLUMN instance_id TEXT;
                    """
            )
        }
        return migrator
    }
}
