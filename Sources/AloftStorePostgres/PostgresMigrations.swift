import Foundation

/// The PostgreSQL schema, in order; the database records how far it got in `aloft_schema`.
/// It follows the compact SQLite schema: integer keys, text ids in one unique column, the
/// journal and the event log keyed by (run, number), an index on every hot path. Times are
/// seconds since 1970 (`double precision`), as the engine gives them.
enum PostgresMigrations {
    static let steps: [(name: String, sql: String)] = [
        (
            "v1-schema",
            """
            CREATE TABLE agent_versions (
                version text PRIMARY KEY,
                name text NOT NULL,
                definition text NOT NULL,
                created_at double precision NOT NULL
            );
            CREATE TABLE agents (
                name text PRIMARY KEY,
                definition text NOT NULL,
                version text NOT NULL,
                created_at double precision NOT NULL,
                updated_at double precision NOT NULL
            );
            CREATE TABLE sessions (
                key bigserial PRIMARY KEY,
                id text NOT NULL UNIQUE,
                agent text NOT NULL,
                user_id text,
                title text,
                summary text,
                active_run_id text,
                metadata text,
                created_at double precision NOT NULL,
                updated_at double precision NOT NULL
            );
            CREATE INDEX sessions_by_created ON sessions (created_at, id);
            CREATE INDEX sessions_by_agent ON sessions (agent, created_at);
            CREATE INDEX sessions_by_user ON sessions (user_id, created_at) WHERE user_id IS NOT NULL;
            CREATE TABLE session_metadata (
                name text NOT NULL,
                value text NOT NULL,
                session_key bigint NOT NULL,
                PRIMARY KEY (name, value, session_key)
            );
            CREATE INDEX session_metadata_by_session ON session_metadata (session_key);
            CREATE TABLE runs (
                key bigserial PRIMARY KEY,
                id text NOT NULL UNIQUE,
                session_key bigint NOT NULL,
                agent text NOT NULL,
                agent_version text NOT NULL,
                phase text NOT NULL,
                input text NOT NULL,
                output text,
                error_code text,
                error_message text,
                iterations integer NOT NULL DEFAULT 0,
                input_tokens bigint NOT NULL DEFAULT 0,
                output_tokens bigint NOT NULL DEFAULT 0,
                correlation_id text,
                metadata text,
                event_seq integer NOT NULL DEFAULT 0,
                message_base integer NOT NULL DEFAULT 0,
                created_at double precision NOT NULL,
                updated_at double precision NOT NULL,
                finished_at double precision,
                resumes_without_progress integer NOT NULL DEFAULT 0,
                events_pruned_through integer NOT NULL DEFAULT 0,
                pruned smallint NOT NULL DEFAULT 0
            );
            CREATE INDEX runs_by_created ON runs (created_at, id);
            CREATE INDEX runs_by_session ON runs (session_key, created_at);
            CREATE INDEX runs_by_agent ON runs (agent, created_at);
            CREATE INDEX runs_by_phase ON runs (phase, created_at);
            CREATE INDEX runs_unfinished ON runs (created_at) WHERE phase IN ('pending', 'running', 'waiting_for_approval');
            CREATE INDEX runs_to_prune ON runs (pruned, finished_at) WHERE finished_at IS NOT NULL;
            CREATE TABLE messages (
                id bigserial PRIMARY KEY,
                session_key bigint NOT NULL,
                position integer NOT NULL,
                run_key bigint,
                role text NOT NULL,
                content text NOT NULL,
                tool_calls text,
                tool_call_id text,
                tool_name text,
                created_at double precision NOT NULL,
                completed_at double precision,
                interrupted boolean NOT NULL DEFAULT false,
                error text,
                UNIQUE (session_key, position)
            );
            CREATE INDEX messages_by_run ON messages (run_key, position);
            CREATE TABLE journal (
                run_key bigint NOT NULL,
                seq integer NOT NULL,
                entry text NOT NULL,
                recorded_at double precision NOT NULL,
                PRIMARY KEY (run_key, seq)
            );
            CREATE TABLE run_events (
                run_key bigint NOT NULL,
                seq integer NOT NULL,
                kind text NOT NULL,
                data text NOT NULL,
                PRIMARY KEY (run_key, seq)
            );
            CREATE TABLE pending_approvals (
                run_id text NOT NULL,
                call_id text NOT NULL,
                tool_name text NOT NULL,
                arguments text NOT NULL,
                requested_at double precision NOT NULL,
                deadline double precision,
                PRIMARY KEY (run_id, call_id)
            );
            CREATE INDEX pending_approvals_by_time ON pending_approvals (requested_at, call_id);
            CREATE TABLE timers (
                id text PRIMARY KEY,
                run_id text NOT NULL,
                fire_at double precision NOT NULL,
                kind text NOT NULL,
                call_ids text NOT NULL
            );
            CREATE INDEX timers_by_fire_at ON timers (fire_at);
            CREATE INDEX timers_by_run ON timers (run_id);
            CREATE TABLE run_commands (
                id bigserial PRIMARY KEY,
                run_id text NOT NULL,
                command text NOT NULL,
                created_at double precision NOT NULL
            );
            CREATE INDEX run_commands_by_run ON run_commands (run_id);

            -- Runs by phase without counting every run, and without a row every step would lock:
            -- each change appends a delta; reading folds them (see runCountsByPhase).
            CREATE TABLE run_phase_deltas (id bigserial PRIMARY KEY, phase text NOT NULL, delta integer NOT NULL);
            CREATE FUNCTION aloft_count_phases() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP IN ('UPDATE', 'DELETE') THEN
                    INSERT INTO run_phase_deltas (phase, delta) VALUES (OLD.phase, -1);
                END IF;
                IF TG_OP IN ('INSERT', 'UPDATE') THEN
                    INSERT INTO run_phase_deltas (phase, delta) VALUES (NEW.phase, 1);
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER runs_counted_on_insert_or_delete AFTER INSERT OR DELETE ON runs
                FOR EACH ROW EXECUTE FUNCTION aloft_count_phases();
            CREATE TRIGGER runs_counted_on_phase AFTER UPDATE OF phase ON runs
                FOR EACH ROW WHEN (OLD.phase IS DISTINCT FROM NEW.phase) EXECUTE FUNCTION aloft_count_phases();
            """
        ),
        (
            // The step function (`PostgresCommitFunction`), and the table where an engine's lease
            // holder is recorded (one row).
            "v2-commit-function",
            """
            CREATE TABLE engine_holder (
                only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
                process text NOT NULL,
                host text NOT NULL,
                pid integer NOT NULL,
                address text,
                since double precision NOT NULL
            );

            """ + PostgresCommitFunction.create
        ),
        (
            // The function as it is now, on a database where v2 created an older one: that
            // returned nothing; this one returns the numbers it gave events (see
            // `PostgresCommitFunction`).
            "v3-commit-function-numbers-events",
            "DROP FUNCTION aloft_commit_steps(jsonb, text);\n" + PostgresCommitFunction.create
        ),
        (
            "v4-run-webhooks",
            """
            CREATE TABLE run_webhooks (
                run_id text NOT NULL,
                id text NOT NULL,
                url text NOT NULL,
                token text,
                auth_scheme text,
                auth_credentials text,
                format text NOT NULL,
                created_at double precision NOT NULL,
                delivered_seq bigint NOT NULL DEFAULT 0,
                finished boolean NOT NULL DEFAULT false,
                PRIMARY KEY (run_id, id)
            );
            CREATE INDEX run_webhooks_unfinished ON run_webhooks (created_at) WHERE NOT finished;
            """
        ),
        (
            "v5-executions",
            """
            CREATE TABLE executions (
                run_id text PRIMARY KEY,
                session_id text NOT NULL,
                agent text NOT NULL,
                name text,
                slug text NOT NULL,
                instance_id text,
                runner text NOT NULL,
                created_by text NOT NULL,
                updated_by text NOT NULL,
                created_at double precision NOT NULL,
                updated_at double precision NOT NULL
            );
            CREATE UNIQUE INDEX executions_by_slug ON executions (agent, slug);
            """
        ),
        (
            // Agent instances, unique by name per agent; a session belongs to one, and the step
            // function writes a new session's instance.
            "v6-instances",
            """
            CREATE TABLE instances (
                id text PRIMARY KEY,
                agent text NOT NULL,
                name text NOT NULL,
                environment text NOT NULL,
                model text NOT NULL,
                created_by text NOT NULL,
                created_at double precision NOT NULL,
                updated_at double precision NOT NULL
            );
            CREATE UNIQUE INDEX instances_by_agent ON instances (agent, name);
            ALTER TABLE sessions ADD COLUMN instance_id text;
            DROP FUNCTION aloft_commit_steps(jsonb, text);

            """ + PostgresCommitFunction.create
        ),
    ]

    /// The statements of a script, one by one (the extended protocol takes one at a time): split
    /// at each `;` that ends a line, except inside a `$$ … $$` function body.
    static func statements(of script: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var inBody = false
        for line in script.split(separator: "\n", omittingEmptySubsequences: false) {
            current += line + "\n"
            if line.components(separatedBy: "$$").count % 2 == 0 { inBody.toggle() }
            if !inBody, line.trimmingCharacters(in: .whitespaces).hasSuffix(";") {
                statements.append(current.trimmingCharacters(in: .whitespacesAndNewlines))
                current = ""
            }
        }
        let rest = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !rest.isEmpty { statements.append(rest) }
        return statements.filter { !$0.split(separator: "\n").allSatisfy { $0.trimmingCharacters(in: .whitespaces).hasPrefix("--") } }
    }
}
