-- 760_parties_insert_set.sql — an INSERT into session_delegations, and the
-- feed log of an INSERT into sessions, do their trigger's work once per
-- statement (issue 21: the auto-scheduler at COP size).
--
-- Writing an auto-schedule's plan of 19,102 bilaterals on the planted COP
-- (auto_explain, nested statements): the INSERT of their 38,204 parties
-- took 1,267 ms, of which the insert itself 145 ms; the rest was 001's
-- row trigger, kaigi_session_delegations_after, 38,204 times: a lookup
-- that the delegation is of the session's conference and a touch of the
-- session, each a statement of its own. The sessions' INSERT ran 061's
-- kaigi_feed_log once per session, to write the one row per conference
-- and transaction that feed_changes keeps.
--
-- Now an INSERT of parties runs kaigi_session_delegations_inserted once,
-- over its transition table: the first row whose delegation is not of
-- its session's conference raises 001's error (same SQLSTATE, constraint
-- and message), and each session is touched once (kaigi_session_touch,
-- which does nothing for a session this transaction already changed).
-- UPDATE and DELETE keep 001's row trigger. An INSERT of sessions logs
-- each of its conferences once (kaigi_feed_log_inserted); UPDATE and
-- DELETE keep 061's row trigger. And 570's set INSERT of busy rows
-- computes their ranges itself (below). tests/integration/58-parties-set.t
-- holds both paths to the same rows and errors; 58-attendees-set.t the
-- busy rows.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

CREATE FUNCTION kaigi_session_delegations_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	v_sid	bigint;
	v_did	bigint;
BEGIN
	SELECT n.session_id, n.delegation_id INTO v_sid, v_did FROM new_parties n
	WHERE NOT EXISTS (SELECT 1 FROM sessions s JOIN delegations d
		ON d.conference_id = s.conference_id
		WHERE s.id = n.session_id AND d.id = n.delegation_id)
	LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'delegation % is not of the conference of session %',
		    v_did, v_sid
		    USING ERRCODE = 'foreign_key_violation',
		    CONSTRAINT = 'session_delegations_conference_fkey';
	END IF;
	PERFORM kaigi_session_touch(x.session_id)
	FROM (SELECT DISTINCT session_id FROM new_parties) x;
	RETURN NULL;
END $$;

DROP TRIGGER session_delegations_after ON session_delegations;
CREATE TRIGGER session_delegations_after AFTER UPDATE OR DELETE ON session_delegations
    FOR EACH ROW EXECUTE FUNCTION kaigi_session_delegations_after();
CREATE TRIGGER session_delegations_inserted AFTER INSERT ON session_delegations
    REFERENCING NEW TABLE AS new_parties
    FOR EACH STATEMENT EXECUTE FUNCTION kaigi_session_delegations_inserted();

-- 061's kaigi_feed_log for the rows of one INSERT: a sessions row always
-- names its conference.
CREATE FUNCTION kaigi_feed_log_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO feed_changes (conference_id, xact)
	SELECT DISTINCT n.conference_id, pg_current_xact_id() FROM new_sessions n
	ON CONFLICT DO NOTHING;
	RETURN NULL;
END $$;

DROP TRIGGER sessions_feed_log ON sessions;
CREATE TRIGGER sessions_feed_log AFTER UPDATE OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION kaigi_feed_log();
CREATE TRIGGER sessions_feed_log_inserted AFTER INSERT ON sessions
    REFERENCING NEW TABLE AS new_sessions
    FOR EACH STATEMENT EXECUTE FUNCTION kaigi_feed_log_inserted();

-- 570's kaigi_attendees_inserted with each busy range computed in the
-- INSERT, from the conference joined once, instead of a call of 140's
-- kaigi_busy_range per attendance (38,204 calls, 331 ms, in the same
-- plan's write): the same range, [start, end + changeover).
CREATE OR REPLACE FUNCTION kaigi_attendees_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	a	session_attendees;
BEGIN
	SELECT n.* INTO a FROM new_attendees n
	WHERE NOT EXISTS (SELECT 1 FROM sessions s JOIN participants p
		ON p.conference_id = s.conference_id
		WHERE s.id = n.session_id AND p.id = n.participant_id)
	    OR (n.represented_by IS NOT NULL AND NOT EXISTS (SELECT 1
		FROM participants p JOIN participants r
		ON r.delegation_id = p.delegation_id
		WHERE p.id = n.participant_id AND r.id = n.represented_by))
	LIMIT 1;
	IF FOUND THEN
		PERFORM kaigi_attendance_guard(a);	-- raises its error
	END IF;
	INSERT INTO busy (conference_id, participant_id, session_id, during)
	SELECT s.conference_id, kaigi_attendance_person(n.mode,
	    n.participant_id, n.represented_by), s.id,
	    tstzrange(s.starts_at, s.ends_at
		+ make_interval(mins => c.changeover_minutes), '[)')
	FROM new_attendees n JOIN sessions s ON s.id = n.session_id
	    JOIN conferences c ON c.id = s.conference_id
	WHERE s.status <> 'cancelled'
	ON CONFLICT ON CONSTRAINT busy_session_participant_key DO NOTHING;
	PERFORM kaigi_session_touch(x.session_id)
	FROM (SELECT DISTINCT session_id FROM new_attendees) x;
	RETURN NULL;
END $$;
