/// `aloft_commit_steps(steps jsonb, origin text)`: a step in one round trip. The client sends
/// the steps of many runs as one JSON array (see `PostgresStepDocument`), and this writes them
/// in order, in the caller's transaction, the same rows as the SQLite store. Refusals have codes
/// of their own: AL409 (the session is busy), AL404 (the session or run does not exist).
///
/// It answers, for each step, the number its events were numbered after: 0 when the client
/// numbered them, the run's counter before them when the step asked the function to number
/// them (`number_events`) — the step then needs no reservation of its own first.
///
/// Other processes hear of what was written, on commit, on the channel `aloft` (see
/// `PostgresNotice`): "e ORIGIN RUN SEQ" when a run's event log grew to SEQ, "i RUN" when a
/// command was queued for a run. ORIGIN names the process that wrote.
///
/// The function as it is now: every migration that creates it uses this text (PL/pgSQL binds
/// columns when it runs, not when it is created), and a change of it comes with a migration
/// that drops and creates it again (v3, v6).
enum PostgresCommitFunction {
    static let create = """
        CREATE FUNCTION aloft_commit_steps(steps jsonb, origin text) RETURNS bigint[] LANGUAGE plpgsql AS $$
        DECLARE
            s jsonb;
            v_run_id text;
            v_at double precision;
            v_run_key bigint;
            v_session_key bigint;
            v_new_session_key bigint;
            v_holder text;
            v_after bigint;
            v_numbered_after bigint[] := '{}';
        BEGIN
            FOR s IN SELECT value FROM jsonb_array_elements(steps) LOOP
                v_run_id := s->>'run_id';
                v_at := (s->>'at')::double precision;
                v_new_session_key := NULL;
                v_after := 0;
                IF s ? 'agent' THEN
                    INSERT INTO agent_versions (version, name, definition, created_at)
                    VALUES (s->'agent'->>'version', s->'agent'->>'name', s->'agent'->>'definition', v_at)
                    ON CONFLICT (version) DO NOTHING;
                END IF;
                IF s ? 'claim' THEN
                    -- Before anything else is written: a session busy with another run refuses the whole step.
                    UPDATE sessions SET active_run_id = s->'claim'->>'run', updated_at = v_at
                    WHERE id = s->'claim'->>'session' AND (active_run_id IS NULL OR active_run_id = s->'claim'->>'run');
                    IF NOT FOUND THEN
                        SELECT active_run_id INTO v_holder FROM sessions WHERE id = s->'claim'->>'session';
                        IF NOT FOUND THEN
                            RAISE EXCEPTION 'session % does not exist', s->'claim'->>'session' USING ERRCODE = 'AL404';
                        END IF;
                        RAISE EXCEPTION 'session % has run % in progress', s->'claim'->>'session', coalesce(v_holder, 'another run')
                            USING ERRCODE = 'AL409';
                    END IF;
                END IF;
                IF s ? 'new_session' THEN
                    INSERT INTO sessions (id, agent, user_id, title, summary, active_run_id, metadata, instance_id, created_at, updated_at)
                    SELECT n.id, n.agent, n.user_id, n.title, n.summary, n.active_run_id, n.metadata, n.instance_id, n.created_at, n.updated_at
                    FROM jsonb_populate_record(NULL::sessions, s->'new_session') AS n
                    RETURNING key INTO v_new_session_key;
                    INSERT INTO session_metadata (name, value, session_key)
                    SELECT l.key, l.value, v_new_session_key FROM jsonb_each_text(s->'new_session'->'labels') AS l;
                END IF;
                IF s ? 'new_run' THEN
                    IF v_new_session_key IS NOT NULL AND s->'new_session'->>'id' = s->'new_run'->>'session_id' THEN
                        v_session_key := v_new_session_key;
                    ELSE
                        SELECT key INTO v_session_key FROM sessions WHERE id = s->'new_run'->>'session_id';
                        IF NOT FOUND THEN
                            RAISE EXCEPTION 'run %: its session % does not exist', v_run_id, s->'new_run'->>'session_id' USING ERRCODE = 'AL404';
                        END IF;
                    END IF;
                    INSERT INTO runs (id, session_key, agent, agent_version, phase, input, correlation_id, metadata, event_seq, message_base,
                                      created_at, updated_at)
                    SELECT r.id, v_session_key, r.agent, r.agent_version, r.phase, r.input, r.correlation_id, r.metadata, r.event_seq,
                           r.message_base, r.created_at, r.updated_at
                    FROM jsonb_populate_record(NULL::runs, s->'new_run') AS r
                    RETURNING key INTO v_run_key;
                ELSE
                    SELECT key, session_key INTO v_run_key, v_session_key FROM runs WHERE id = v_run_id;
                    IF NOT FOUND THEN
                        RAISE EXCEPTION 'run % does not exist; its step cannot be recorded', v_run_id USING ERRCODE = 'AL404';
                    END IF;
                END IF;
                IF s ? 'entries' THEN
                    INSERT INTO journal (run_key, seq, entry, recorded_at)
                    SELECT v_run_key, e.seq, e.entry, v_at FROM jsonb_to_recordset(s->'entries') AS e(seq integer, entry text);
                END IF;
                IF s ? 'run' THEN
                    UPDATE runs SET (phase, output, error_code, error_message, iterations, input_tokens, output_tokens, event_seq, updated_at,
                                     finished_at, resumes_without_progress)
                        = (r.phase, r.output, r.error_code, r.error_message, r.iterations, r.input_tokens, r.output_tokens,
                           GREATEST(runs.event_seq, r.event_seq),
                           r.updated_at, r.finished_at, 0)
                    FROM jsonb_populate_record(NULL::runs, s->'run') AS r
                    WHERE runs.key = v_run_key;
                ELSIF s ? 'event_seq' THEN
                    UPDATE runs SET event_seq = GREATEST(event_seq, (s->>'event_seq')::integer) WHERE key = v_run_key;
                END IF;
                IF s ? 'events' THEN
                    IF s ? 'number_events' THEN
                        -- Numbered 1, 2, … by the client: they follow every number the run gave (deltas
                        -- another process streams take theirs from the same counter).
                        UPDATE runs SET event_seq = event_seq + jsonb_array_length(s->'events') WHERE key = v_run_key
                        RETURNING event_seq - jsonb_array_length(s->'events') INTO v_after;
                    END IF;
                    INSERT INTO run_events (run_key, seq, kind, data)
                    SELECT v_run_key, v_after + e.seq, e.kind, e.data FROM jsonb_to_recordset(s->'events') AS e(seq integer, kind text, data text);
                    PERFORM pg_notify('aloft', 'e ' || origin || ' ' || v_run_id || ' ' || (v_after + (s->>'last_event')::integer));
                END IF;
                IF s ? 'interrupt' THEN
                    UPDATE messages SET interrupted = true, completed_at = v_at WHERE run_key = v_run_key AND completed_at IS NULL;
                END IF;
                IF s ? 'messages' THEN
                    -- The last write of a position wins, as if written one by one.
                    INSERT INTO messages (session_key, run_key, position, role, content, tool_calls, tool_call_id, tool_name,
                                          created_at, completed_at, interrupted, error)
                    SELECT DISTINCT ON (m.position) v_session_key, CASE WHEN (j.value->>'in_run')::boolean THEN v_run_key END, m.position,
                           m.role, m.content, m.tool_calls, m.tool_call_id, m.tool_name, m.created_at, m.completed_at, m.interrupted, m.error
                    FROM jsonb_array_elements(s->'messages') WITH ORDINALITY AS j(value, n),
                         jsonb_populate_record(NULL::messages, j.value) AS m
                    ORDER BY m.position, j.n DESC
                    ON CONFLICT (session_key, position) DO UPDATE SET
                        content = excluded.content, tool_calls = excluded.tool_calls, completed_at = excluded.completed_at,
                        interrupted = excluded.interrupted, error = excluded.error;
                END IF;
                IF s ? 'remove_all_approvals' THEN
                    DELETE FROM pending_approvals WHERE run_id = v_run_id;
                END IF;
                IF s ? 'remove_approvals' THEN
                    DELETE FROM pending_approvals
                    WHERE run_id = v_run_id AND call_id IN (SELECT jsonb_array_elements_text(s->'remove_approvals'));
                END IF;
                IF s ? 'add_approvals' THEN
                    INSERT INTO pending_approvals (run_id, call_id, tool_name, arguments, requested_at, deadline)
                    SELECT a.run_id, a.call_id, a.tool_name, a.arguments, a.requested_at, a.deadline
                    FROM jsonb_populate_recordset(NULL::pending_approvals, s->'add_approvals') AS a
                    ON CONFLICT DO NOTHING;
                END IF;
                IF s ? 'remove_all_timers' THEN
                    DELETE FROM timers WHERE run_id = v_run_id;
                END IF;
                IF s ? 'remove_timers' THEN
                    DELETE FROM timers WHERE id IN (SELECT jsonb_array_elements_text(s->'remove_timers'));
                END IF;
                IF s ? 'add_timers' THEN
                    INSERT INTO timers (id, run_id, fire_at, kind, call_ids)
                    SELECT t.id, t.run_id, t.fire_at, t.kind, t.call_ids FROM jsonb_populate_recordset(NULL::timers, s->'add_timers') AS t
                    ON CONFLICT DO NOTHING;
                END IF;
                IF s ? 'release' THEN
                    UPDATE sessions SET active_run_id = NULL, updated_at = v_at WHERE id = s->>'release' AND active_run_id = v_run_id;
                END IF;
                IF s ? 'consumed' THEN
                    DELETE FROM run_commands WHERE id IN (SELECT jsonb_array_elements_text(s->'consumed')::bigint);
                END IF;
                IF s ? 'queued_commands' THEN
                    INSERT INTO run_commands (run_id, command, created_at)
                    SELECT v_run_id, c, v_at FROM jsonb_array_elements_text(s->'queued_commands') AS c;
                    PERFORM pg_notify('aloft', 'i ' || v_run_id);
                END IF;
                v_numbered_after := v_numbered_after || v_after;
            END LOOP;
            RETURN v_numbered_after;
        END $$;
        """
}
