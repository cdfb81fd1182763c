-- 050_bilateral_states.sql — the bilateral request's state machine, made
-- explicit, total and enforced by the database (issue 14, items 3 and 4).
--
-- Before: cancelling a scheduled bilateral's session put the request back to
-- accepted (so the next auto-schedule placed it again), and un-cancelling
-- that session revived it while the request stayed unplaced (so the next
-- auto-schedule made a second meeting). Nothing linked a session to its
-- request once the request stopped pointing at it.
--
-- Now:
--   * bilateral_transitions holds every (state, event) pair: the next state,
--     or the reason it is refused (409). kaigi_bilateral_next() reads it; a
--     trigger refuses any status change of a request that is no edge of it.
--   * bilateral_sessions links every session a request was ever placed on
--     to that request, for good, with whether the session is live (not
--     cancelled; kept in step with sessions.status by trigger). A unique
--     index allows one live session per request, whatever the caller.
--   * A deferred constraint trigger checks at COMMIT that a request is
--     scheduled exactly when it has one live session, the one it points at.
--   * A session's status change is an event of its request (trigger, so
--     every path obeys): cancel → the request is cancelled (audited with
--     who and why), or accepted and unplaced when the caller asked for
--     re-placing; revive (un-cancel) → 409 unless the request is accepted
--     and unplaced, which it then is scheduled on that session again.
--   * Slots: the parties get them once the request is accepted, and see
--     no figure derived from other people's schedules (new_breaks,
--     room_changes); the secretariat always sees everything.
--
-- Who did it reaches the triggers through transaction-local settings
-- (kaigi_bilateral_context): kaigi.actor (the caller's JSON), kaigi.replace
-- ('on' to re-place) and kaigi.reason (free text). Without them the audit
-- row names the role "system".
--
-- States and events (the whole table is below; anything else is a 409):
--   requested --accept--> accepted --schedule--> scheduled
--   requested --decline--> declined
--   requested|accepted --withdraw--> withdrawn
--   scheduled --withdraw--> cancelled (its session is cancelled too)
--   scheduled --session_cancel--> cancelled
--   scheduled --session_replace--> accepted (session_id NULL: placed again
--     by the next auto-schedule or POST /bilaterals/{id}/schedule)
--   accepted --session_revive--> scheduled (on the revived session)

-- ---------------------------------------------------------------------------
-- The transition table
-- ---------------------------------------------------------------------------

CREATE TABLE bilateral_transitions (
	from_status	text NOT NULL CHECK (from_status IN ('requested', 'accepted',
	    'declined', 'withdrawn', 'scheduled', 'cancelled')),
	event		text NOT NULL CHECK (event IN ('accept', 'decline',
	    'withdraw', 'schedule', 'session_cancel', 'session_replace',
	    'session_revive')),
	to_status	text CHECK (to_status IN ('requested', 'accepted',
	    'declined', 'withdrawn', 'scheduled', 'cancelled')),
	refusal		text,
	PRIMARY KEY (from_status, event),
	CONSTRAINT bilateral_transitions_outcome_check
	    CHECK ((to_status IS NULL) <> (refusal IS NULL))
);

INSERT INTO bilateral_transitions (from_status, event, to_status, refusal) VALUES
    ('requested', 'accept', 'accepted', NULL),
    ('requested', 'decline', 'declined', NULL),
    ('requested', 'withdraw', 'withdrawn', NULL),
    ('requested', 'schedule', NULL,
	'a requested request cannot be scheduled (it must be accepted)'),
    ('requested', 'session_cancel', NULL, 'a requested request has no session'),
    ('requested', 'session_replace', NULL, 'a requested request has no session'),
    ('requested', 'session_revive', NULL, 'a requested request has no session'),
    ('accepted', 'accept', NULL, 'the request is already accepted'),
    ('accepted', 'decline', NULL,
	'an accepted request cannot be declined (the requester may withdraw it)'),
    ('accepted', 'withdraw', 'withdrawn', NULL),
    ('accepted', 'schedule', 'scheduled', NULL),
    ('accepted', 'session_cancel', NULL, 'an accepted request has no live session'),
    ('accepted', 'session_replace', NULL, 'an accepted request has no live session'),
    ('accepted', 'session_revive', 'scheduled', NULL),
    ('declined', 'accept', NULL, 'a declined request cannot be accepted'),
    ('declined', 'decline', NULL, 'the request is already declined'),
    ('declined', 'withdraw', NULL, 'a declined request cannot be withdrawn'),
    ('declined', 'schedule', NULL, 'a declined request cannot be scheduled'),
    ('declined', 'session_cancel', NULL, 'a declined request has no session'),
    ('declined', 'session_replace', NULL, 'a declined request has no session'),
    ('declined', 'session_revive', NULL, 'a declined request has no session'),
    ('withdrawn', 'accept', NULL, 'a withdrawn request cannot be accepted'),
    ('withdrawn', 'decline', NULL, 'a withdrawn request cannot be declined'),
    ('withdrawn', 'withdraw', NULL, 'the request is already withdrawn'),
    ('withdrawn', 'schedule', NULL, 'a withdrawn request cannot be scheduled'),
    ('withdrawn', 'session_cancel', NULL, 'a withdrawn request has no live session'),
    ('withdrawn', 'session_replace', NULL, 'a withdrawn request has no live session'),
    ('withdrawn', 'session_revive', NULL,
	'the bilateral request was withdrawn: its session cannot be revived; make a new request'),
    ('scheduled', 'accept', NULL, 'a scheduled request cannot be accepted'),
    ('scheduled', 'decline', NULL, 'a scheduled request cannot be declined'),
    ('scheduled', 'withdraw', 'cancelled', NULL),
    ('scheduled', 'schedule', NULL,
	'the request is already scheduled (cancel its session first)'),
    ('scheduled', 'session_cancel', 'cancelled', NULL),
    ('scheduled', 'session_replace', 'accepted', NULL),
    ('scheduled', 'session_revive', NULL,
	'the bilateral request is scheduled on another session: cancel that one first'),
    ('cancelled', 'accept', NULL, 'a cancelled request cannot be accepted'),
    ('cancelled', 'decline', NULL, 'a cancelled request cannot be declined'),
    ('cancelled', 'withdraw', NULL, 'a cancelled request cannot be withdrawn'),
    ('cancelled', 'schedule', NULL, 'a cancelled request cannot be scheduled'),
    ('cancelled', 'session_cancel', NULL, 'a cancelled request has no live session'),
    ('cancelled', 'session_replace', NULL, 'a cancelled request has no live session'),
    ('cancelled', 'session_revive', NULL,
	'the bilateral request was cancelled with this session: it cannot be revived; make a new request');

-- Total: every state meets every event.
DO $$
BEGIN
	IF (SELECT count(*) FROM bilateral_transitions) <> 6 * 7 THEN
		RAISE EXCEPTION 'bilateral_transitions is not total';
	END IF;
END $$;

-- The state after event p_event in state p_from; 409 (KG409) with the
-- table's reason when the event is refused there.
CREATE FUNCTION kaigi_bilateral_next(p_from text, p_event text,
    p_id bigint DEFAULT NULL) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
	t	bilateral_transitions;
BEGIN
	SELECT * INTO t FROM bilateral_transitions
	WHERE from_status = p_from AND event = p_event;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no transition (%, %)', p_from, p_event;
	END IF;
	IF t.to_status IS NULL THEN
		PERFORM kaigi_session_raise('KG409', t.refusal, jsonb_build_object(
		    'bilateral_status', p_from, 'event', p_event, 'bilateral_id', p_id));
	END IF;
	RETURN t.to_status;
END $$;

-- Rows written before this file: a scheduled request whose session is gone
-- or cancelled waits to be placed again (what 040's trigger did), and only
-- scheduled or cancelled requests point at a session. From here on only
-- table edges pass.
UPDATE bilateral_requests b SET status = 'accepted', session_id = NULL
WHERE b.status = 'scheduled' AND NOT EXISTS (SELECT 1 FROM sessions s
    WHERE s.id = b.session_id AND s.status <> 'cancelled');
UPDATE bilateral_requests SET session_id = NULL
WHERE status NOT IN ('scheduled', 'cancelled') AND session_id IS NOT NULL;

ALTER TABLE bilateral_requests ADD CONSTRAINT bilateral_requests_session_check
    CHECK (status IN ('scheduled', 'cancelled') OR session_id IS NULL);

-- bilateral_requests BEFORE UPDATE of status: only along an edge.
CREATE FUNCTION kaigi_bilateral_requests_transition() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM bilateral_transitions
	    WHERE from_status = OLD.status AND to_status = NEW.status) THEN
		RAISE EXCEPTION 'bilateral request %: no transition from % to %',
		    OLD.id, OLD.status, NEW.status
		    USING ERRCODE = 'check_violation',
		    CONSTRAINT = 'bilateral_requests_transition_check';
	END IF;
	RETURN NEW;
END $$;

CREATE TRIGGER bilateral_requests_transition BEFORE UPDATE ON bilateral_requests
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION kaigi_bilateral_requests_transition();

-- ---------------------------------------------------------------------------
-- Sessions of a request: one live at most
-- ---------------------------------------------------------------------------

CREATE TABLE bilateral_sessions (
	session_id	bigint PRIMARY KEY REFERENCES sessions ON DELETE CASCADE,
	bilateral_id	bigint NOT NULL REFERENCES bilateral_requests ON DELETE CASCADE,
	live		boolean NOT NULL	-- sessions.status <> 'cancelled'
);
CREATE INDEX bilateral_sessions_bilateral_idx ON bilateral_sessions (bilateral_id);
CREATE UNIQUE INDEX bilateral_sessions_one_live_key ON bilateral_sessions (bilateral_id)
    WHERE live;

INSERT INTO bilateral_sessions (session_id, bilateral_id, live)
SELECT s.id, b.id, s.status <> 'cancelled'
FROM bilateral_requests b JOIN sessions s ON s.id = b.session_id
    AND s.conference_id = b.conference_id
ON CONFLICT (session_id) DO NOTHING;

-- bilateral_requests AFTER INSERT/UPDATE of session_id: the session it
-- points at is its own for good (a session of another request or another
-- conference: 23503).
CREATE FUNCTION kaigi_bilateral_requests_link() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO bilateral_sessions (session_id, bilateral_id, live)
	SELECT s.id, NEW.id, s.status <> 'cancelled' FROM sessions s
	WHERE s.id = NEW.session_id AND s.conference_id = NEW.conference_id
	ON CONFLICT (session_id) DO NOTHING;
	IF NOT EXISTS (SELECT 1 FROM bilateral_sessions
	    WHERE session_id = NEW.session_id AND bilateral_id = NEW.id) THEN
		RAISE EXCEPTION 'session % belongs to another bilateral request or conference',
		    NEW.session_id USING ERRCODE = 'foreign_key_violation',
		    CONSTRAINT = 'bilateral_sessions_request_check';
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER bilateral_requests_link AFTER INSERT OR UPDATE OF session_id
    ON bilateral_requests FOR EACH ROW WHEN (NEW.session_id IS NOT NULL)
    EXECUTE FUNCTION kaigi_bilateral_requests_link();

-- At COMMIT: request p_id is scheduled exactly when it has one live
-- session, the one it points at; otherwise it has none. The mirror
-- bilateral_sessions.live agrees with sessions.status.
CREATE FUNCTION kaigi_bilateral_check_sessions(p_id bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	b	bilateral_requests;
	v_live	bigint[];
BEGIN
	SELECT * INTO b FROM bilateral_requests WHERE id = p_id;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	v_live := ARRAY(SELECT s.id FROM bilateral_sessions x JOIN sessions s
	    ON s.id = x.session_id WHERE x.bilateral_id = p_id
	    AND s.status <> 'cancelled' ORDER BY s.id);
	IF v_live IS DISTINCT FROM (CASE WHEN b.status = 'scheduled'
	    THEN ARRAY[b.session_id] ELSE '{}'::bigint[] END)
	    OR EXISTS (SELECT 1 FROM bilateral_sessions x JOIN sessions s
		ON s.id = x.session_id WHERE x.bilateral_id = p_id
		AND x.live <> (s.status <> 'cancelled')) THEN
		RAISE EXCEPTION 'bilateral request % is % (session %) but its live sessions are %',
		    p_id, b.status, b.session_id, v_live
		    USING ERRCODE = 'check_violation',
		    CONSTRAINT = 'bilateral_requests_sessions_check';
	END IF;
END $$;

CREATE FUNCTION kaigi_bilateral_check_sessions_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_TABLE_NAME = 'bilateral_requests' THEN
		PERFORM kaigi_bilateral_check_sessions(NEW.id);
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM kaigi_bilateral_check_sessions(OLD.bilateral_id);
	ELSE
		PERFORM kaigi_bilateral_check_sessions(NEW.bilateral_id);
	END IF;
	RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER bilateral_requests_sessions_check
    AFTER INSERT OR UPDATE ON bilateral_requests
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION kaigi_bilateral_check_sessions_trigger();
CREATE CONSTRAINT TRIGGER bilateral_sessions_check
    AFTER INSERT OR UPDATE OR DELETE ON bilateral_sessions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    EXECUTE FUNCTION kaigi_bilateral_check_sessions_trigger();

-- ---------------------------------------------------------------------------
-- Who and why, for the triggers
-- ---------------------------------------------------------------------------

-- Name the caller (and whether a cancel re-places, and why) for the rest of
-- this transaction.
CREATE FUNCTION kaigi_bilateral_context(p_actor jsonb, p_replace boolean DEFAULT false,
    p_reason text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('kaigi.actor', coalesce(p_actor::text, ''), true);
	PERFORM set_config('kaigi.replace', CASE WHEN p_replace THEN 'on' ELSE '' END, true);
	PERFORM set_config('kaigi.reason', coalesce(p_reason, ''), true);
END $$;

-- The caller named by kaigi_bilateral_context, or the role "system".
CREATE FUNCTION kaigi_bilateral_actor() RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT coalesce(nullif(current_setting('kaigi.actor', true), '')::jsonb,
	    '{"role": "system"}'::jsonb)
$$;

-- Move request b by p_event (409 when the table refuses it): its status,
-- and session_id (NULL when accepted again, p_session when scheduled).
-- Audited as p_event with the actor, and p_why in the after image.
CREATE FUNCTION kaigi_bilateral_move(p_actor jsonb, b bilateral_requests,
    p_event text, p_session bigint, p_why text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	v_to	text := kaigi_bilateral_next(b.status, p_event, b.id);
	v_before	jsonb := kaigi_bilateral_json(b.id);
	v_after	jsonb;
BEGIN
	UPDATE bilateral_requests SET status = v_to, session_id = CASE v_to
	    WHEN 'accepted' THEN NULL WHEN 'scheduled' THEN p_session
	    ELSE session_id END
	WHERE id = b.id;
	v_after := kaigi_bilateral_json(b.id);
	PERFORM kaigi_bilateral_audit(p_actor, b.conference_id, p_event, b.id,
	    v_before, v_after || jsonb_strip_nulls(jsonb_build_object('reason', p_why)));
	RETURN v_after;
END $$;

-- ---------------------------------------------------------------------------
-- A session's status is an event of its request
-- ---------------------------------------------------------------------------

-- Why a session event moved its request, for the audit.
CREATE FUNCTION kaigi_bilateral_why(p_event text, p_session bigint) RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT format(CASE p_event
	    WHEN 'session_cancel' THEN 'its session %s was cancelled'
	    WHEN 'session_replace' THEN 'its session %s was cancelled to be placed again'
	    ELSE 'its session %s was revived' END, p_session)
	    || coalesce(': ' || nullif(current_setting('kaigi.reason', true), ''), '')
$$;

-- sessions AFTER UPDATE of status (cancelled <-> not): the request of a
-- bilateral's session follows (cancel: cancelled, or accepted and unplaced
-- with kaigi.replace; revive: 409 unless accepted and unplaced), and the
-- live mirror follows the session.
CREATE FUNCTION kaigi_bilateral_session_status() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	v_bid	bigint;
	b	bilateral_requests;
	v_event	text := 'session_revive';
BEGIN
	SELECT bilateral_id INTO v_bid FROM bilateral_sessions WHERE session_id = NEW.id;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	SELECT * INTO b FROM bilateral_requests WHERE id = v_bid FOR UPDATE;
	IF NEW.status = 'cancelled' THEN
		v_event := CASE WHEN current_setting('kaigi.replace', true) = 'on'
		    THEN 'session_replace' ELSE 'session_cancel' END;
	END IF;
	-- Cancelling moves the request only while it is scheduled on this
	-- session (withdraw cancels the request first, then its session).
	IF v_event = 'session_revive' OR (b.status = 'scheduled' AND b.session_id = NEW.id) THEN
		PERFORM kaigi_bilateral_move(kaigi_bilateral_actor(), b, v_event, NEW.id,
		    kaigi_bilateral_why(v_event, NEW.id));
	END IF;
	UPDATE bilateral_sessions SET live = NEW.status <> 'cancelled'
	WHERE session_id = NEW.id;
	RETURN NULL;
END $$;

DROP TRIGGER sessions_bilateral_cancelled ON sessions;
DROP FUNCTION kaigi_bilateral_session_cancelled();

CREATE TRIGGER sessions_bilateral_status AFTER UPDATE ON sessions
    FOR EACH ROW WHEN ((OLD.status = 'cancelled') <> (NEW.status = 'cancelled'))
    EXECUTE FUNCTION kaigi_bilateral_session_status();

-- ---------------------------------------------------------------------------
-- The API's writes, along the table
-- ---------------------------------------------------------------------------

-- POST /bilaterals/{id}/accept|decline|withdraw. accept and decline are the
-- counterpart's (or the secretariat's), withdraw the requester's (or the
-- secretariat's): 403 for the other party. 409 (the table's reason) for an
-- event the state refuses. Withdrawing a scheduled request cancels its
-- session too (after the request, so the session trigger leaves it alone).
CREATE OR REPLACE FUNCTION kaigi_bilateral_transition(p_actor jsonb, p_id bigint,
    p_action text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	b	bilateral_requests := kaigi_bilateral_for_write(p_actor, p_id);
	v_own	bigint := CASE WHEN p_action = 'withdraw'
		    THEN b.requester_delegation_id ELSE b.counterpart_delegation_id END;
	v_after	jsonb;
BEGIN
	IF NOT kaigi_session_may_write(b.conference_id, p_actor)
	    AND (p_actor->>'delegation_id')::bigint IS DISTINCT FROM v_own THEN
		PERFORM kaigi_session_raise('KG403', format('only the %s or the secretariat may %s',
		    CASE WHEN p_action = 'withdraw' THEN 'requester' ELSE 'counterpart' END,
		    p_action));
	END IF;
	PERFORM kaigi_bilateral_context(p_actor);
	v_after := kaigi_bilateral_move(p_actor, b, p_action, NULL, NULL);
	IF v_after->>'status' = 'cancelled' AND b.session_id IS NOT NULL THEN
		UPDATE sessions SET status = 'cancelled'
		WHERE id = b.session_id AND status <> 'cancelled';
	END IF;
	RETURN v_after;
END $$;

-- POST /bilaterals/{id}/schedule at p_start in p_room: the secretariat; the
-- table decides whether the request's state may be scheduled (409).
-- Returns the session JSON with the request under "bilateral".
CREATE OR REPLACE FUNCTION kaigi_bilateral_schedule(p_actor jsonb, p_id bigint,
    p_start timestamptz, p_room bigint) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	b	bilateral_requests := kaigi_bilateral_for_write(p_actor, p_id);
	v_sid	bigint;
BEGIN
	IF NOT kaigi_session_may_write(b.conference_id, p_actor) THEN
		PERFORM kaigi_session_raise('KG403', 'only the secretariat places bilaterals');
	END IF;
	PERFORM kaigi_bilateral_next(b.status, 'schedule', b.id);
	v_sid := kaigi_bilateral_place(p_actor, b, p_start, p_room);
	RETURN kaigi_session_json(v_sid) || jsonb_build_object('bilateral',
	    kaigi_bilateral_json(p_id));
END $$;

-- The request of a bilateral's session, locked (NULL for other sessions).
-- Writers lock a request before its session, rooms and people (as
-- withdraw and schedule do), so that they cannot deadlock.
CREATE FUNCTION kaigi_bilateral_lock_of(p_session_id bigint) RETURNS bigint
LANGUAGE sql AS $$
	SELECT b.id FROM bilateral_sessions x JOIN bilateral_requests b ON b.id = x.bilateral_id
	WHERE x.session_id = p_session_id FOR UPDATE OF b
$$;

-- POST /sessions/{id}/cancel {replace?}: as kaigi_session_cancel; for a
-- bilateral's session the request is cancelled, or (p_replace) accepted and
-- unplaced; the answer carries the request under "bilateral" and "replace".
-- p_replace for any other session: 422.
CREATE FUNCTION kaigi_session_cancel_with(p_actor jsonb, p_id bigint,
    p_if_match int, p_replace boolean) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	v_bid	bigint := kaigi_bilateral_lock_of(p_id);
	v_out	jsonb;
BEGIN
	PERFORM kaigi_session_for_write(p_actor, p_id, p_if_match);
	IF p_replace AND v_bid IS NULL THEN
		PERFORM kaigi_session_raise('KG422', 'the request has invalid fields',
		    jsonb_build_object('errors', jsonb_build_array(kaigi_session_err('replace',
		    'only the session of a bilateral request can be cancelled for re-placing'))));
	END IF;
	PERFORM kaigi_bilateral_context(p_actor, p_replace);
	v_out := kaigi_session_cancel(p_actor, p_id, p_if_match);
	PERFORM kaigi_bilateral_context(p_actor);
	IF v_bid IS NOT NULL THEN
		v_out := v_out || jsonb_build_object('replace', p_replace,
		    'bilateral', kaigi_bilateral_json(v_bid));
	END IF;
	RETURN v_out;
END $$;

-- PATCH /sessions/{id}: kaigi_session_update with the caller named for the
-- request's audit. Un-cancelling a bilateral's session is an event of its
-- request: 409 unless the request is accepted and unplaced, said before
-- any clash (the trigger has the last word). A bilateral's session carries
-- its request under "bilateral".
CREATE FUNCTION kaigi_session_patch(p_actor jsonb, p_id bigint, p_if_match int,
    p_input jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	v_bid	bigint := kaigi_bilateral_lock_of(p_id);
	s	sessions := kaigi_session_for_write(p_actor, p_id, p_if_match);
	v_out	jsonb;
BEGIN
	IF v_bid IS NOT NULL AND s.status = 'cancelled'
	    AND coalesce(p_input->>'status', 'cancelled') <> 'cancelled' THEN
		PERFORM kaigi_bilateral_next(b.status, 'session_revive', b.id)
		FROM bilateral_requests b WHERE b.id = v_bid;
	END IF;
	PERFORM kaigi_bilateral_context(p_actor);
	v_out := kaigi_session_update(p_actor, p_id, p_if_match, p_input);
	IF v_bid IS NOT NULL THEN
		v_out := v_out || jsonb_build_object('bilateral', kaigi_bilateral_json(v_bid));
	END IF;
	RETURN v_out;
END $$;

-- ---------------------------------------------------------------------------
-- Slots: parties once accepted, figures for the secretariat only
-- ---------------------------------------------------------------------------

-- The requests to place: one (p_id, for slots: the secretariat's while
-- requested or accepted, a party's once accepted; 404 if the actor is not
-- its business, 409 otherwise) or every accepted one of the conference
-- (p_id NULL, its secretariat only).
CREATE OR REPLACE FUNCTION kaigi_bilateral_problem_requests(p_actor jsonb, p_slug text,
    p_id bigint) RETURNS SETOF bilateral_requests
LANGUAGE plpgsql STABLE AS $$
DECLARE
	b	bilateral_requests;
	c	bigint;
BEGIN
	IF p_id IS NOT NULL THEN
		SELECT * INTO b FROM bilateral_requests WHERE id = p_id;
		IF NOT FOUND OR NOT kaigi_bilateral_visible(b, p_actor) THEN
			PERFORM kaigi_session_raise('KG404', 'no such bilateral request');
		END IF;
		IF b.status NOT IN ('requested', 'accepted') THEN
			PERFORM kaigi_session_raise('KG409', format(
			    'a %s request cannot be placed', b.status),
			    jsonb_build_object('status', b.status));
		END IF;
		IF b.status <> 'accepted' AND NOT kaigi_session_may_write(b.conference_id, p_actor) THEN
			PERFORM kaigi_session_raise('KG409',
			    'slots are shown to the parties once the counterpart has accepted the request',
			    jsonb_build_object('status', b.status));
		END IF;
		RETURN NEXT b;
		RETURN;
	END IF;
	c := kaigi_session_conference(p_actor, p_slug);
	RETURN QUERY SELECT * FROM bilateral_requests
	WHERE conference_id = c AND status = 'accepted' AND session_id IS NULL
	ORDER BY id;
END $$;

-- The solver's problem (kaigi_bilateral_problem) with "secretariat": may
-- the actor see the figures and the secretariat's ranking of slots?
CREATE FUNCTION kaigi_bilateral_problem_for(p_actor jsonb, p_slug text, p_id bigint)
RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v	jsonb := kaigi_bilateral_problem(p_actor, p_slug, p_id);
BEGIN
	RETURN v || jsonb_build_object('secretariat',
	    kaigi_session_may_write((v->>'conference_id')::bigint, p_actor));
END $$;

-- Slots as actor p_actor may see them (kaigi_bilateral_slots_out): without
-- new_breaks and room_changes unless it is the secretariat.
CREATE FUNCTION kaigi_bilateral_slots_for(p_actor jsonb, p_id bigint, p_items jsonb)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN kaigi_session_may_write(b.conference_id, p_actor) THEN o
	    ELSE jsonb_build_object('items', coalesce((SELECT jsonb_agg(x - 'new_breaks'
		- 'room_changes' ORDER BY n) FROM jsonb_array_elements(o->'items')
		WITH ORDINALITY AS t (x, n)), '[]')) END
	FROM bilateral_requests b,
	    LATERAL kaigi_bilateral_slots_out(p_id, p_items) o
	WHERE b.id = p_id
$$;

-- ---------------------------------------------------------------------------
-- A plan locks its requests first
-- ---------------------------------------------------------------------------

-- Place each item of the plan [{bilateral_id, version, start, room_id}]:
-- 409 when a request changed since it was read (status or version). Every
-- request of the plan is locked first, in id order, before any room or
-- person: a writer holding one request (revive, schedule, withdraw) and
-- wanting a room the plan holds cannot deadlock with it.
CREATE OR REPLACE FUNCTION kaigi_bilateral_apply(p_actor jsonb, p_conference_id bigint,
    p_placed jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	x	jsonb;
	b	bilateral_requests;
BEGIN
	PERFORM 1 FROM bilateral_requests WHERE id IN (SELECT (e->>'bilateral_id')::bigint
	    FROM jsonb_array_elements(p_placed) e) ORDER BY id FOR UPDATE;
	FOR x IN SELECT * FROM jsonb_array_elements(p_placed) LOOP
		SELECT * INTO b FROM bilateral_requests
		WHERE id = (x->>'bilateral_id')::bigint AND conference_id = p_conference_id
		FOR UPDATE;
		IF NOT FOUND OR b.status <> 'accepted' OR b.session_id IS NOT NULL
		    OR b.version <> (x->>'version')::int THEN
			PERFORM kaigi_session_raise('KG409',
			    'a bilateral request changed while the plan was made',
			    jsonb_build_object('bilateral_id', x->'bilateral_id'));
		END IF;
		PERFORM kaigi_bilateral_place(p_actor, b,
		    to_timestamp((x->>'start')::double precision),
		    (x->>'room_id')::bigint);
	END LOOP;
END $$;
