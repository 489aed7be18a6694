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
        return migrator
    }
}
