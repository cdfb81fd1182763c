-- 400_hot_json_plans.sql — the JSON pieces that a plan write builds for
-- every session and request keep their query plans (issue 20).
--
-- Measured on the planted benchmark through the API (scripts/bench/solver
-- --via-api, pg_stat_user_functions over the schedule alone): writing a
-- plan of 2,000 bilaterals built each session's JSON twice (the audit row,
-- the answer) and each request's JSON three times, and two LANGUAGE sql
-- pieces of them cost more than the rest:
--   kaigi_attendance_json              3,998 calls  1,632 ms
--   kaigi_interp_session_interpreters  1,999 calls    703 ms
-- A LANGUAGE sql function that cannot be inlined (these read tables) is
-- parsed and planned again in every statement that calls it: called from
-- PL/pgSQL once per session, that is once per call, 0.35-0.4 ms each for a
-- primary-key lookup. As PL/pgSQL the same queries are planned once per
-- connection. Same bodies, same results (tests/integration/
-- 58-plan-write.t compares the audit rows of a set and a per-row write).
--
-- Also: the bilateral webhook trigger (160) built the request's JSON at
-- every change even when no webhook of the conference wants it (1,997
-- bodies thrown away per plan); it now asks first, as 230's session
-- trigger does.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

CREATE OR REPLACE FUNCTION kaigi_attendance_json(a session_attendees)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT jsonb_build_object('id', p.id, 'name', p.name,
	    'role', p.role, 'delegation', d.code, 'mode', a.mode)
	    || CASE WHEN a.represented_by IS NULL THEN '{}'::jsonb
		ELSE jsonb_build_object('represented_by', a.represented_by,
		    'represented_by_name', (SELECT r.name FROM participants r
			WHERE r.id = a.represented_by)) END
	    || CASE WHEN a.link IS NULL THEN '{}'::jsonb
		ELSE jsonb_build_object('link', a.link) END
	FROM participants p JOIN delegations d ON d.id = p.delegation_id
	WHERE p.id = a.participant_id);
END $$;

CREATE OR REPLACE FUNCTION kaigi_interp_session_interpreters(p_sid bigint)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT coalesce(jsonb_agg(jsonb_build_object('id', p.id,
	    'name', p.name, 'pair', i.pair, 'auto', i.auto)
	    ORDER BY i.pair, p.name, p.id), '[]')
	FROM session_interpreters i JOIN participants p ON p.id = i.participant_id
	WHERE i.session_id = p_sid);
END $$;

CREATE OR REPLACE FUNCTION kaigi_webhook_enqueue_bilateral() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	v_body	text;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM webhooks w
	    WHERE w.conference_id = NEW.conference_id
		AND (w.events IS NULL OR 'bilateral.changed' = ANY (w.events))
		AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d
		    WHERE d.webhook_id = w.id AND d.bilateral_id = NEW.id
			AND d.xact = pg_current_xact_id())) THEN
		RETURN NULL;
	END IF;
	SELECT jsonb_build_object('event', 'bilateral.changed',
	    'conference', c.slug, 'bilateral_id', NEW.id,
	    'at', kaigi_ts(now(), c.timezone),
	    'bilateral', kaigi_bilateral_json(NEW.id))::text
	INTO v_body FROM conferences c WHERE c.id = NEW.conference_id;
	INSERT INTO webhook_deliveries (webhook_id, bilateral_id, event, body)
	SELECT w.id, NEW.id, 'bilateral.changed', v_body
	FROM webhooks w
	WHERE w.conference_id = NEW.conference_id
	    AND (w.events IS NULL OR 'bilateral.changed' = ANY (w.events))
	    AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d
		WHERE d.webhook_id = w.id AND d.bilateral_id = NEW.id
		    AND d.xact = pg_current_xact_id())
	ORDER BY w.id;
	RETURN NULL;
END $$;

-- 050's commit-time check of a request's sessions, each session's status
-- read by its key. The join it had was planned once per connection, while
-- the conference had its plenaries only: a hash join over a sequential
-- scan of every session (0.5 ms, 4,000 calls a plan, taken at COMMIT).
-- Looked up by key, a call costs the same at any size. Same rule.
CREATE OR REPLACE FUNCTION kaigi_bilateral_check_sessions(p_id bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	b	bilateral_requests;
	v_live	bigint[];
BEGIN
	SELECT * INTO b FROM bilateral_requests WHERE id = p_id;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	v_live := ARRAY(SELECT x.session_id FROM bilateral_sessions x
	    WHERE x.bilateral_id = p_id AND (SELECT s.status FROM sessions s
		WHERE s.id = x.session_id) <> 'cancelled'
	    ORDER BY x.session_id);
	IF v_live IS DISTINCT FROM (CASE WHEN b.status = 'scheduled'
	    THEN ARRAY[b.session_id] ELSE '{}'::bigint[] END)
	    OR EXISTS (SELECT 1 FROM bilateral_sessions x
		WHERE x.bilateral_id = p_id AND x.live <> ((SELECT s.status
		    FROM sessions s WHERE s.id = x.session_id) <> 'cancelled')) THEN
		RAISE EXCEPTION 'bilateral request % is % (session %) but its live sessions are %',
		    p_id, b.status, b.session_id, v_live
		    USING ERRCODE = 'check_violation',
		    CONSTRAINT = 'bilateral_requests_sessions_check';
	END IF;
END $$;
