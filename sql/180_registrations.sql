-- 180_registrations.sql — side-event registration (issue 17, item 6).
--
-- A participant registers for a session that takes registrations: a
-- side event, or any other session but a bilateral once it has a
-- `capacity`. Its seats are the session's `capacity`, else its room's
-- capacity, else unlimited. Within them a registration is `confirmed`;
-- beyond them it is `waiting`, and its position is its rank among the
-- waiting ones by registration order (id). When a confirmed one is
-- cancelled (deleted), or the session's capacity or room gives more
-- seats, the first waiting ones are promoted in order, in the same
-- transaction.
--
-- Under concurrency: every write locks the session row first (FOR NO KEY
-- UPDATE), so writers of one session's registrations go one at a time, and
-- the trigger registrations_capacity checks at every confirmation, under
-- that lock, that the confirmed ones fit (KG409 otherwise, also for plain
-- SQL); a session's or room's capacity (or a room change) that would leave
-- fewer seats than confirmed registrations is KG409 too.
--
-- A registration is a seat, not an attendance: the registrant does not
-- become an attendee (session_attendees, whose names every reader of the
-- session sees and whose rows make people busy) and is not made busy, so a
-- registration never clashes with anything and never blocks a booking.
-- What it changes is visibility: a confirmed registration makes the session
-- visible to the registrant's participant feed and delegation as an
-- attendance does (kaigi_session_visible wrapped below), so a restricted
-- side event appears in the registrant's feed on confirmation or promotion
-- and leaves it when the registration is cancelled; its SEQUENCE is the
-- session's (a registration changes no time, place or status), and the
-- session is touched (updated_at, the change log, NOTIFY) whenever its
-- confirmed set changes, so cached feeds are dropped and DTSTAMP moves.
--
-- Registrations are seen by the conference's secretariat (all) and by the
-- liaison of the registrant's delegation (its own only); nobody else gets
-- names or counts.
--
-- Replaced here, by renaming the previous function and wrapping it (so
-- whatever an earlier migration made of it stays): kaigi_session_visible
-- (…_without_registrations), kaigi_session_json, kaigi_session_create and
-- kaigi_session_update (…_without_capacity).

-- The API's session `capacity`; named apart from rooms.capacity so that
-- queries joining sessions (x.*) to rooms keep one column of that name.
ALTER TABLE sessions ADD COLUMN registration_capacity int
    CHECK (registration_capacity BETWEEN 0 AND 1000000);

CREATE TABLE registrations (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	conference_id	bigint NOT NULL REFERENCES conferences ON DELETE CASCADE,
	session_id	bigint NOT NULL REFERENCES sessions ON DELETE CASCADE,
	participant_id	bigint NOT NULL REFERENCES participants ON DELETE CASCADE,
	status		text NOT NULL CHECK (status IN ('confirmed', 'waiting')),
	created_at	timestamptz NOT NULL DEFAULT now(),
	confirmed_at	timestamptz,
	CONSTRAINT registrations_session_participant_key
	    UNIQUE (session_id, participant_id)
);
CREATE INDEX registrations_participant_idx ON registrations (participant_id);

-- ---------------------------------------------------------------------------
-- Seats
-- ---------------------------------------------------------------------------

-- A session's seats: its capacity, else its room's, else NULL (no limit).
CREATE FUNCTION kaigi_registration_seats(s sessions) RETURNS int
LANGUAGE sql STABLE AS $$
	SELECT coalesce(s.registration_capacity, (SELECT r.capacity FROM rooms r
	    WHERE r.id = s.room_id))
$$;

-- Does the session take registrations?
CREATE FUNCTION kaigi_registration_open(s sessions) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
	SELECT s.kind = 'side_event' OR (s.kind <> 'bilateral' AND s.registration_capacity IS NOT NULL)
$$;

-- KG409 unless session p_sid's confirmed registrations fit its seats.
-- Locks the session row first, so the count sees every committed one.
CREATE FUNCTION kaigi_registration_fits(p_sid bigint) RETURNS void
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
	SELECT count(*) INTO n FROM registrations
	WHERE session_id = p_sid AND status = 'confirmed';
	IF seats IS NOT NULL AND n > seats THEN
		PERFORM kaigi_session_raise('KG409', format(
		    'session %s has %s confirmed registrations but %s seat%s; '
		    'cancel registrations first', p_sid, n, seats,
		    CASE WHEN seats = 1 THEN '' ELSE 's' END),
		    jsonb_build_object('session_id', p_sid, 'confirmed', n,
			'seats', seats));
	END IF;
END $$;

CREATE FUNCTION kaigi_registrations_capacity() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM kaigi_registration_fits(NEW.session_id);
	RETURN NULL;
END $$;

CREATE TRIGGER registrations_capacity AFTER INSERT OR UPDATE ON registrations
    FOR EACH ROW WHEN (NEW.status = 'confirmed')
    EXECUTE FUNCTION kaigi_registrations_capacity();

-- A session's capacity or room changed: its confirmed ones still fit.
CREATE FUNCTION kaigi_sessions_seats_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM kaigi_registration_fits(NEW.id);
	RETURN NULL;
END $$;

CREATE TRIGGER sessions_seats_check AFTER UPDATE ON sessions
    FOR EACH ROW WHEN (OLD.registration_capacity IS DISTINCT FROM NEW.registration_capacity
	OR OLD.room_id IS DISTINCT FROM NEW.room_id)
    EXECUTE FUNCTION kaigi_sessions_seats_check();

-- A room's capacity went down: the sessions that take their seats from it
-- still hold their confirmed registrations.
CREATE FUNCTION kaigi_rooms_seats_check() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM kaigi_registration_fits(s.id) FROM sessions s
	WHERE s.room_id = NEW.id AND s.registration_capacity IS NULL
	    AND EXISTS (SELECT 1 FROM registrations g WHERE g.session_id = s.id)
	ORDER BY s.id;
	RETURN NULL;
END $$;

CREATE TRIGGER rooms_seats_check AFTER UPDATE ON rooms
    FOR EACH ROW WHEN (NEW.capacity < OLD.capacity)
    EXECUTE FUNCTION kaigi_rooms_seats_check();

-- ---------------------------------------------------------------------------
-- Capacity on the session API (create, PATCH, JSON)
-- ---------------------------------------------------------------------------

-- The capacity a create or PATCH asked for reaches the row through the
-- transaction-local setting kaigi.session_capacity ("new=N" for the
-- session being inserted, "<id>=N" for an update; N "null" clears it), so
-- that the earlier create/update functions write it in their own INSERT or
-- UPDATE: one version, one audit row with it before and after.
CREATE FUNCTION kaigi_sessions_capacity_input() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	v	text := current_setting('kaigi.session_capacity', true);
BEGIN
	IF coalesce(v, '') <> '' AND split_part(v, '=', 1) =
	    (CASE WHEN TG_OP = 'INSERT' THEN 'new' ELSE NEW.id::text END) THEN
		NEW.registration_capacity := nullif(split_part(v, '=', 2), 'null')::int;
	END IF;
	RETURN NEW;
END $$;

CREATE TRIGGER sessions_capacity_input BEFORE INSERT OR UPDATE ON sessions
    FOR EACH ROW EXECUTE FUNCTION kaigi_sessions_capacity_input();

ALTER FUNCTION kaigi_session_json(bigint)
    RENAME TO kaigi_session_json_without_capacity;

-- The session JSON, plus capacity (the session's own; null: its room's).
CREATE FUNCTION kaigi_session_json(p_session_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN kaigi_session_json_without_capacity(p_session_id)
	    || jsonb_build_object('capacity',
		(SELECT registration_capacity FROM sessions WHERE id = p_session_id));
END $$;

ALTER FUNCTION kaigi_session_create(jsonb, text, jsonb)
    RENAME TO kaigi_session_create_without_capacity;

-- POST /conferences/{slug}/sessions, with capacity.
CREATE FUNCTION kaigi_session_create(p_actor jsonb, p_slug text, p_input jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	v_out	jsonb;
BEGIN
	IF p_input ? 'capacity' THEN
		PERFORM set_config('kaigi.session_capacity',
		    'new=' || coalesce(p_input->>'capacity', 'null'), true);
	END IF;
	v_out := kaigi_session_create_without_capacity(p_actor, p_slug,
	    p_input - 'capacity');
	PERFORM set_config('kaigi.session_capacity', '', true);
	RETURN v_out;
END $$;

ALTER FUNCTION kaigi_session_update(jsonb, bigint, int, jsonb)
    RENAME TO kaigi_session_update_without_capacity;

-- PATCH /sessions/{id}, with capacity; more seats (capacity, room)
-- promote the first waiting registrations.
CREATE FUNCTION kaigi_session_update(p_actor jsonb, p_id bigint,
    p_if_match int, p_input jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	v_out	jsonb;
BEGIN
	IF p_input ? 'capacity' THEN
		PERFORM set_config('kaigi.session_capacity',
		    p_id || '=' || coalesce(p_input->>'capacity', 'null'), true);
	END IF;
	v_out := kaigi_session_update_without_capacity(p_actor, p_id,
	    p_if_match, p_input - 'capacity');
	PERFORM set_config('kaigi.session_capacity', '', true);
	IF kaigi_registration_promote(p_actor, p_id) > 0 THEN
		v_out := kaigi_session_json(p_id)
		    || jsonb_build_object('warnings', v_out->'warnings');
	END IF;
	RETURN v_out;
END $$;

-- ---------------------------------------------------------------------------
-- Visibility: a confirmed registration counts as an attendance
-- ---------------------------------------------------------------------------

ALTER FUNCTION kaigi_session_visible(bigint, jsonb)
    RENAME TO kaigi_session_visible_without_registrations;

-- May actor see session p_session_id? The earlier rule, or the actor is
-- the participant (feed) or of the delegation of a confirmed registration.
CREATE FUNCTION kaigi_session_visible(p_session_id bigint, p_actor jsonb)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT kaigi_session_visible_without_registrations(p_session_id, p_actor)
	    OR ((p_actor ? 'participant_id' OR p_actor ? 'delegation_id')
		AND EXISTS (SELECT 1 FROM registrations g
		    JOIN participants p ON p.id = g.participant_id
		    WHERE g.session_id = p_session_id AND g.status = 'confirmed'
			AND g.conference_id = (p_actor->>'conference_id')::bigint
			AND (p.id = (p_actor->>'participant_id')::bigint
			    OR p.delegation_id = (p_actor->>'delegation_id')::bigint)))
$$;

-- ---------------------------------------------------------------------------
-- The registration API
-- ---------------------------------------------------------------------------

-- The API's registration object; position only while waiting.
CREATE FUNCTION kaigi_registration_json(g registrations) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_strip_nulls(jsonb_build_object('id', g.id,
	    'session_id', g.session_id, 'participant_id', g.participant_id,
	    'participant', p.name, 'delegation', d.code, 'status', g.status,
	    'position', CASE WHEN g.status = 'waiting' THEN (SELECT count(*)
		FROM registrations w WHERE w.session_id = g.session_id
		    AND w.status = 'waiting' AND w.id <= g.id) END,
	    'created_at', kaigi_ts(g.created_at, c.timezone),
	    'confirmed_at', kaigi_ts(g.confirmed_at, c.timezone)))
	FROM participants p JOIN delegations d ON d.id = p.delegation_id
	JOIN conferences c ON c.id = g.conference_id
	WHERE p.id = g.participant_id
$$;

-- The session p_sid for a registration call: KG404 unless the actor may
-- see it, KG403 unless the actor is its conference's secretariat or one
-- of its liaisons. Locked (FOR NO KEY UPDATE) when p_lock.
CREATE FUNCTION kaigi_registration_session(p_actor jsonb, p_sid bigint,
    p_lock boolean) RETURNS sessions
LANGUAGE plpgsql AS $$
DECLARE
	s	sessions;
BEGIN
	IF p_lock THEN
		SELECT * INTO s FROM sessions WHERE id = p_sid FOR NO KEY UPDATE;
	ELSE
		SELECT * INTO s FROM sessions WHERE id = p_sid;
	END IF;
	IF s.id IS NULL OR NOT kaigi_session_visible(p_sid, p_actor) THEN
		PERFORM kaigi_session_raise('KG404', 'no such session');
	END IF;
	IF NOT kaigi_core_is_secretariat(p_actor, s.conference_id)
	    AND NOT (p_actor->>'role' = 'liaison'
		AND (p_actor->>'conference_id')::bigint = s.conference_id) THEN
		PERFORM kaigi_session_raise('KG403', 'only the secretariat and '
		    'the liaisons of this conference deal with its registrations');
	END IF;
	RETURN s;
END $$;

-- The participant a registration names: one of the session's conference,
-- and for a liaison one of its own delegation; KG422 otherwise, naming
-- (for a liaison) the participants it may register.
CREATE FUNCTION kaigi_registration_participant(p_actor jsonb, s sessions,
    p_pid bigint) RETURNS participants
LANGUAGE plpgsql AS $$
DECLARE
	p	participants;
	own	bigint := CASE WHEN NOT kaigi_core_is_secretariat(p_actor,
		    s.conference_id) THEN (p_actor->>'delegation_id')::bigint END;
BEGIN
	SELECT * INTO p FROM participants WHERE id = p_pid
	    AND conference_id = s.conference_id
	    AND (own IS NULL OR delegation_id = own);
	IF FOUND THEN
		RETURN p;
	END IF;
	IF own IS NULL THEN
		PERFORM kaigi_session_raise('KG422', 'participant_id: no '
		    'participant of this conference has that id',
		    jsonb_build_object('errors', jsonb_build_array(kaigi_session_err(
			'participant_id', 'no participant of this conference has that id'))));
	END IF;
	PERFORM kaigi_session_raise('KG422', 'participant_id: no participant '
	    'of your delegation has that id', jsonb_build_object('errors',
	    jsonb_build_array(kaigi_session_err('participant_id',
		'must be one of your delegation''s participants')),
	    'choices', coalesce((SELECT jsonb_agg(jsonb_build_object('id', x.id,
		'name', x.name) ORDER BY x.id) FROM (SELECT id, name
		FROM participants WHERE delegation_id = own ORDER BY id
		LIMIT 20) x), '[]'::jsonb)));
END $$;

-- Promote the first waiting registrations of session p_sid into the free
-- seats (none for a cancelled session), in registration order, audited as
-- the actor; the session is touched when anyone was. The caller holds the
-- session's lock. Returns how many.
CREATE FUNCTION kaigi_registration_promote(p_actor jsonb, p_sid bigint)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
	s	sessions;
	seats	int;
	n	int;
	g	registrations;
	k	int := 0;
BEGIN
	SELECT * INTO s FROM sessions WHERE id = p_sid FOR NO KEY UPDATE;
	IF s.status = 'cancelled' OR NOT EXISTS (SELECT 1 FROM registrations
	    WHERE session_id = p_sid AND status = 'waiting') THEN
		RETURN 0;
	END IF;
	seats := kaigi_registration_seats(s);
	SELECT count(*) INTO n FROM registrations
	WHERE session_id = p_sid AND status = 'confirmed';
	FOR g IN UPDATE registrations SET status = 'confirmed', confirmed_at = now()
	    WHERE id IN (SELECT id FROM registrations WHERE session_id = p_sid
		AND status = 'waiting' ORDER BY id
		LIMIT CASE WHEN seats IS NULL THEN NULL ELSE greatest(seats - n, 0) END)
	    RETURNING * LOOP
		PERFORM kaigi_core_audit(p_actor, s.conference_id, 'promote',
		    'registration', g.id, kaigi_registration_json(g)
			|| jsonb_build_object('status', 'waiting'),
		    kaigi_registration_json(g));
		k := k + 1;
	END LOOP;
	IF k > 0 THEN
		PERFORM kaigi_session_touch(p_sid);
	END IF;
	RETURN k;
END $$;

-- POST /sessions/{id}/registrations {participant_id}: confirmed while a
-- seat is free, else waiting at the end of the list. KG409 when the
-- session takes no registrations, is cancelled, or the participant is
-- already registered (naming that registration) or attends it.
CREATE FUNCTION kaigi_registration_create(p_actor jsonb, p_sid bigint,
    p_in jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	s	sessions := kaigi_registration_session(p_actor, p_sid, true);
	p	participants := kaigi_registration_participant(p_actor, s,
		    (p_in->>'participant_id')::bigint);
	g	registrations;
	seats	int := kaigi_registration_seats(s);
	n	int;
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
	SELECT count(*) INTO n FROM registrations
	WHERE session_id = s.id AND status = 'confirmed';
	INSERT INTO registrations (conference_id, session_id, participant_id,
	    status, confirmed_at)
	SELECT s.conference_id, s.id, p.id, x, CASE WHEN x = 'confirmed' THEN now() END
	FROM (SELECT CASE WHEN seats IS NULL OR n < seats
	    THEN 'confirmed' ELSE 'waiting' END AS x) st
	RETURNING * INTO g;
	IF g.status = 'confirmed' THEN
		PERFORM kaigi_session_touch(s.id);
	END IF;
	PERFORM kaigi_core_audit(p_actor, s.conference_id, 'create',
	    'registration', g.id, NULL, kaigi_registration_json(g));
	RETURN kaigi_registration_json(g);
END $$;

-- GET /sessions/{id}/registrations: the secretariat's every one, a
-- liaison's its delegation's, in registration order, paged by id;
-- p_status (confirmed|waiting) filters.
CREATE FUNCTION kaigi_registration_list(p_actor jsonb, p_sid bigint,
    p_limit int, p_cursor bigint, p_status text)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
	s	sessions := kaigi_registration_session(p_actor, p_sid, false);
	own	bigint := CASE WHEN NOT kaigi_core_is_secretariat(p_actor,
		    s.conference_id) THEN (p_actor->>'delegation_id')::bigint END;
BEGIN
	RETURN (SELECT kaigi_core_page(
	    array_agg(kaigi_registration_json(x.g)::json ORDER BY (x.g).id),
	    array_agg((x.g).id ORDER BY (x.g).id), p_limit)
	FROM (SELECT g FROM registrations g JOIN participants p
		ON p.id = g.participant_id
	    WHERE g.session_id = s.id AND g.id > p_cursor
		AND (own IS NULL OR p.delegation_id = own)
		AND (p_status IS NULL OR g.status = p_status)
	    ORDER BY g.id LIMIT p_limit + 1) x);
END $$;

-- DELETE /registrations/{id}: by the secretariat or the liaison of the
-- registrant's delegation (KG404 for anyone else); a confirmed seat goes to
-- the first waiting registration, in the same transaction.
CREATE FUNCTION kaigi_registration_delete(p_actor jsonb, p_id bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	g	registrations;
	v_did	bigint;
BEGIN
	SELECT * INTO g FROM registrations WHERE id = p_id;
	SELECT delegation_id INTO v_did FROM participants WHERE id = g.participant_id;
	IF g.id IS NULL OR NOT (kaigi_core_is_secretariat(p_actor, g.conference_id)
	    OR kaigi_core_is_liaison_of(p_actor, v_did)) THEN
		PERFORM kaigi_session_raise('KG404', 'no such registration');
	END IF;
	PERFORM 1 FROM sessions WHERE id = g.session_id FOR NO KEY UPDATE;
	SELECT * INTO g FROM registrations WHERE id = p_id FOR UPDATE;
	IF NOT FOUND THEN
		PERFORM kaigi_session_raise('KG404', 'no such registration');
	END IF;
	PERFORM kaigi_core_audit(p_actor, g.conference_id, 'delete',
	    'registration', g.id, kaigi_registration_json(g), NULL);
	DELETE FROM registrations WHERE id = g.id;
	IF g.status = 'confirmed' THEN
		PERFORM kaigi_session_touch(g.session_id);
		PERFORM kaigi_registration_promote(p_actor, g.session_id);
	END IF;
END $$;

-- ---------------------------------------------------------------------------
-- A registered participant is not deleted by a cascade
-- ---------------------------------------------------------------------------

-- participants BEFORE DELETE: while the person has registrations, KG409
-- listing them (DELETE /participants/{id} names what refers to a row and
-- never cascades). A conference being deleted takes its registrations too.
CREATE FUNCTION kaigi_participants_registered() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM conferences WHERE id = OLD.conference_id) THEN
		PERFORM kaigi_setup_refuse_delete(format('participant %s (%s)',
		    OLD.id, OLD.name), jsonb_build_object('registrations',
		    (SELECT coalesce(jsonb_agg(jsonb_build_object('id', g.id,
			'session_id', g.session_id, 'status', g.status)
			ORDER BY g.id), '[]') FROM registrations g
		    WHERE g.participant_id = OLD.id)));
	END IF;
	RETURN OLD;
END $$;

CREATE TRIGGER participants_registered BEFORE DELETE ON participants
    FOR EACH ROW EXECUTE FUNCTION kaigi_participants_registered();
