-- 999_registration_row_lean.sql — one registration (POST
-- /sessions/{id}/registrations, or a row of a registrations sheet) does
-- its work once, and counts no more of the session's confirmed
-- registrations than its seats (issue 21: the import API at COP size).
--
-- A registrations sheet of 4,000 rows for one session took 9.6 s, 2.4 ms
-- a row, growing with the rows (1,000 rows: 2.0 ms a row).
-- track_functions on the COP bench's conference showed where:
--  - kaigi_registration_json, 0.25 ms a call and two calls a row (the
--    audit's and the answer's, the same object). It is built once a row
--    now, in PL/pgSQL planned with enable_seqscan off (its delegation was
--    found by a sequential scan per call). Inside the import's
--    transaction a call still takes 0.1-0.2 ms, against 0.02 ms outside
--    it; the cause is not known (perhaps the subtransaction per row);
--  - the visibility rule, 0.5 ms a row, asked for the secretariat, who
--    sees every session of its conference in the draft (130's
--    kaigi_release_mode is false for whoever may write, and 992's rule
--    says yes to the conference's secretariat): it is no longer asked for
--    them, and kaigi_session_seen still answers everyone else;
--  - the session's confirmed registrations counted twice a row (to
--    choose confirmed or waiting, and by 995's seats check), each count
--    reading every registration of the session (by a sequential scan of
--    the table while its statistics still showed it empty): a sheet of n
--    rows for one session read about n² of them. Without seats nothing
--    needs counting; with them, a count stops at the seats (one past
--    them for the check, all of them only for a refusal's message), and
--    goes by the session's key;
--  - the look-ups by key of registration, attendance and delegation rows
--    are planned with enable_seqscan off for the same reason.
-- tests/integration/47-registrations-lean.t imports 600 rows for 60
-- sessions of 5 seats into a table analysed empty, and counts the calls
-- and the registration rows read (663,800 before, about 6,100 now).
--
-- Replaced here (CREATE OR REPLACE, same signatures): 180's
-- kaigi_registration_json, kaigi_registration_fits and
-- kaigi_registration_create; 780's kaigi_registration_session.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- 180's registration object; position only while waiting.
CREATE OR REPLACE FUNCTION kaigi_registration_json(g registrations) RETURNS jsonb
LANGUAGE plpgsql STABLE SET enable_seqscan = off AS $$
BEGIN
	RETURN (SELECT jsonb_strip_nulls(jsonb_build_object('id', g.id,
	    'session_id', g.session_id, 'participant_id', g.participant_id,
	    'participant', p.name, 'delegation', d.code, 'status', g.status,
	    'position', CASE WHEN g.status = 'waiting' THEN (SELECT count(*)
		FROM registrations w WHERE w.session_id = g.session_id
		    AND w.status = 'waiting' AND w.id <= g.id) END,
	    'created_at', kaigi_ts(g.created_at, c.timezone),
	    'confirmed_at', kaigi_ts(g.confirmed_at, c.timezone)))
	FROM participants p JOIN delegations d ON d.id = p.delegation_id
	JOIN conferences c ON c.id = g.conference_id
	WHERE p.id = g.participant_id);
END $$;

-- Session p_sid's confirmed registrations, counted up to p_upto (all
-- when NULL), by the session's key (a plan from an empty table's
-- statistics read them all).
CREATE FUNCTION kaigi_registration_confirmed(p_sid bigint, p_upto bigint)
RETURNS int LANGUAGE plpgsql STABLE SET enable_seqscan = off AS $$
BEGIN
	RETURN (SELECT count(*)::int FROM (SELECT 1 FROM registrations
	    WHERE session_id = p_sid AND status = 'confirmed' LIMIT p_upto) x);
END $$;

-- 180's: KG409 unless session p_sid's confirmed registrations fit its
-- seats. Locks the session row first, so the count sees every committed
-- one, and counts no further than one past the seats unless they are
-- exceeded.
CREATE OR REPLACE FUNCTION kaigi_registration_fits(p_sid bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	s	sessions;
	n	int;
	seats	int;
BEGIN
	SELECT * INTO s FROM sessions WHERE id = p_sid FOR NO KEY UPDATE;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	seats := kaigi_registration_seats(s);
	IF seats IS NULL OR
	    kaigi_registration_confirmed(p_sid, seats::bigint + 1) <= seats THEN
		RETURN;
	END IF;
	n := kaigi_registration_confirmed(p_sid, NULL);
	PERFORM kaigi_session_raise('KG409', format(
	    'session %s has %s confirmed registrations but %s seat%s; '
	    'cancel registrations first', p_sid, n, seats,
	    CASE WHEN seats = 1 THEN '' ELSE 's' END),
	    jsonb_build_object('session_id', p_sid, 'confirmed', n,
		'seats', seats));
END $$;

-- 780's: the draft's row, locked when asked, with the kind and status the
-- caller sees; the conference's secretariat sees the draft's row as it is.
CREATE OR REPLACE FUNCTION kaigi_registration_session(p_actor jsonb,
    p_sid bigint, p_lock boolean) RETURNS sessions
LANGUAGE plpgsql AS $$
DECLARE
	s	sessions;
	seen	record;
BEGIN
	IF p_lock THEN
		SELECT * INTO s FROM sessions WHERE id = p_sid FOR NO KEY UPDATE;
	ELSE
		SELECT * INTO s FROM sessions WHERE id = p_sid;
	END IF;
	IF s.id IS NOT NULL AND kaigi_core_is_secretariat(p_actor, s.conference_id) THEN
		RETURN s;
	END IF;
	SELECT * INTO seen FROM kaigi_session_seen(p_actor, p_sid);
	IF s.id IS NULL OR NOT FOUND THEN
		PERFORM kaigi_session_raise('KG404', 'no such session');
	END IF;
	IF NOT (p_actor->>'role' = 'liaison'
	    AND (p_actor->>'conference_id')::bigint = s.conference_id) THEN
		PERFORM kaigi_session_raise('KG403', 'only the secretariat and '
		    'the liaisons of this conference deal with its registrations');
	END IF;
	s.kind := seen.kind;
	s.status := seen.status;
	RETURN s;
END $$;

-- 180's POST /sessions/{id}/registrations {participant_id}: confirmed
-- while a seat is free, else waiting at the end of the list. KG409 when
-- the session takes no registrations, is cancelled, or the participant is
-- already registered (naming that registration) or attends it.
CREATE OR REPLACE FUNCTION kaigi_registration_create(p_actor jsonb, p_sid bigint,
    p_in jsonb) RETURNS jsonb
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
	s	sessions := kaigi_registration_session(p_actor, p_sid, true);
	p	participants := kaigi_registration_participant(p_actor, s,
		    (p_in->>'participant_id')::bigint);
	g	registrations;
	seats	int := kaigi_registration_seats(s);
	n	int := CASE WHEN seats IS NOT NULL
		    THEN kaigi_registration_confirmed(s.id, seats) END;
	j	jsonb;
BEGIN
	IF NOT kaigi_registration_open(s) THEN
		PERFORM kaigi_session_raise('KG409', 'this session takes no '
		    'registrations: only side events, and other sessions but '
		    'bilaterals once they have a capacity, do',
		    jsonb_build_object('kind', s.kind));
	ELSIF s.status = 'cancelled' THEN
		PERFORM kaigi_session_raise('KG409', 'the session is cancelled');
	END IF;
	SELECT * INTO g FROM registrations
	WHERE session_id = s.id AND participant_id = p.id;
	IF FOUND THEN
		PERFORM kaigi_session_raise('KG409', format('%s is already '
		    'registered for this session (registration %s, %s)', p.name,
		    g.id, g.status), jsonb_build_object('existing_id', g.id,
		    'registration', kaigi_registration_json(g)));
	END IF;
	IF EXISTS (SELECT 1 FROM session_attendees WHERE session_id = s.id
	    AND participant_id = p.id) THEN
		PERFORM kaigi_session_raise('KG409', format('%s attends this '
		    'session already and needs no registration', p.name));
	END IF;
	INSERT INTO registrations (conference_id, session_id, participant_id,
	    status, confirmed_at)
	SELECT s.conference_id, s.id, p.id, x, CASE WHEN x = 'confirmed' THEN now() END
	FROM (SELECT CASE WHEN seats IS NULL OR n < seats
	    THEN 'confirmed' ELSE 'waiting' END AS x) st
	RETURNING * INTO g;
	IF g.status = 'confirmed' THEN
		PERFORM kaigi_session_touch(s.id);
	END IF;
	j := kaigi_registration_json(g);
	PERFORM kaigi_core_audit(p_actor, s.conference_id, 'create',
	    'registration', g.id, NULL, j);
	RETURN j;
END $$;

-- 510's row of a registrations sheet: its look-up of the registration by
-- key too.
ALTER FUNCTION kaigi_import_registration(jsonb, conferences, jsonb)
    SET enable_seqscan = off;
