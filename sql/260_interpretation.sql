-- 260_interpretation.sql — interpretation as a schedulable resource (issue
-- 17, item 2).
--
-- rooms.booths: interpretation booths (0 by default). sessions and
-- bilateral_requests.interpretation: the language pairs a meeting needs
-- ({ja-en}; a pair matches its reverse). participants of role
-- 'interpreter' with language_pairs. conferences.interpretation_rules
-- {long_minutes (40), per_pair_long (2), per_pair (1), daily_minutes
-- (360)}: interpreters per pair for a meeting longer than long_minutes,
-- else per_pair; interpreting minutes per interpreter per local day.
--
-- session_interpreters: who interprets which pair of a session, given
-- ("interpreters" on create/PATCH, auto false) or picked (auto true). An
-- interpreter is a busy person like any other: session_busy_people lists
-- them, so the busy table and its exclusion constraint forbid
-- double-booking them, with changeover, and /conflicts sees them.
--
-- The sessions triggers sessions_z_interpretation (INSERT, after 001's
-- sessions_after) and sessions_a_interpretation (UPDATE, before it) fit a non-cancelled session needing pairs on
-- every insert and every change of its time, room, status or pairs,
-- whatever wrote it (the API, moves, repairs, the scheduler): booths ≤ its
-- room's (else KG409 naming the room), given interpreters free and under
-- the daily cap (else KG409 naming them), picked ones that no longer fit
-- dropped, and enough free qualified interpreters under the cap picked for
-- each pair, fewest minutes that day first (else KG409 naming the pair).
-- A bilateral request's pairs reach its session when it is linked. Moves
-- of repairs and time-zone shifts (deferred constraints) are fitted
-- leniently: picked interpreters re-picked, nothing refused here.
--
-- The create functions take the new fields through the transaction-local
-- setting kaigi.interp ({"key": "new"|"<id>", field: value}) read by
-- BEFORE triggers, so that their own INSERT (and a session's UPDATE)
-- writes them: one version, one audit row. A PATCH that only changes a new
-- field of a room, participant, request or conference is written after
-- the earlier PATCH (which would see nothing to do).
--
-- Wraps (renamed, not copied): 180's kaigi_session_json, kaigi_session_create,
-- kaigi_session_update (now *_without_interpretation); 010/070's
-- kaigi_room_json, kaigi_room_create, kaigi_room_patch,
-- kaigi_participant_json, kaigi_participant_create, kaigi_participant_patch;
-- 250's kaigi_bilateral_json, kaigi_bilateral_create, kaigi_bilateral_patch;
-- 190's kaigi_conference_json, kaigi_conference_patch; 150's
-- kaigi_conference_create; 180's kaigi_session_visible (an interpreter sees
-- the sessions they interpret, in their own feed too); 240's
-- kaigi_conference_conflicts_of and 110's kaigi_conference_conflicts.
-- 140's kaigi_bilateral_problem (the auto-scheduler's and the slots'
-- problem: a request needing pairs has its planned team of interpreters
-- among its people, and rooms with too few booths are left out; the team
-- is then preferred when the placed session's interpreters are picked).
-- Replaces: 240's view session_busy_people (plus interpreters).
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

ALTER TABLE rooms ADD COLUMN booths int NOT NULL DEFAULT 0
    CONSTRAINT rooms_booths_check CHECK (booths BETWEEN 0 AND 50);

ALTER TABLE participants DROP CONSTRAINT participants_role_check,
    ADD CONSTRAINT participants_role_check
	CHECK (role IN ('head', 'deputy', 'member', 'staff', 'interpreter')),
    ADD COLUMN language_pairs text[] NOT NULL DEFAULT '{}'
	CONSTRAINT participants_language_pairs_check
	CHECK (cardinality(language_pairs) <= 20);

ALTER TABLE sessions ADD COLUMN interpretation text[] NOT NULL DEFAULT '{}'
    CONSTRAINT sessions_interpretation_check
    CHECK (cardinality(interpretation) <= 20);

ALTER TABLE bilateral_requests ADD COLUMN interpretation text[] NOT NULL DEFAULT '{}'
    CONSTRAINT bilateral_requests_interpretation_check
    CHECK (cardinality(interpretation) <= 20);

ALTER TABLE conferences ADD COLUMN interpretation_rules jsonb NOT NULL DEFAULT '{}'
    CONSTRAINT conferences_interpretation_rules_check
    CHECK (jsonb_typeof(interpretation_rules) = 'object');

CREATE TABLE session_interpreters (
	session_id		bigint NOT NULL REFERENCES sessions ON DELETE CASCADE,
	participant_id		bigint NOT NULL REFERENCES participants ON DELETE CASCADE,
	pair			text NOT NULL,
	auto			boolean NOT NULL DEFAULT true,
	PRIMARY KEY (session_id, participant_id)
);
CREATE INDEX session_interpreters_participant_idx
    ON session_interpreters (participant_id);

-- Who is busy for which session: 240's attendees (or representatives),
-- and the session's interpreters.
CREATE OR REPLACE VIEW session_busy_people AS
	SELECT DISTINCT a.session_id,
	    kaigi_attendance_person(a.mode, a.participant_id, a.represented_by)
		AS participant_id
	FROM session_attendees a
	UNION
	SELECT i.session_id, i.participant_id FROM session_interpreters i;

-- ---------------------------------------------------------------------------
-- Pairs and rules
-- ---------------------------------------------------------------------------

-- A pair's key: its two languages in order ("en-ja" for ja-en and en-ja).
CREATE FUNCTION kaigi_interp_key(p text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT least(split_part(p, '-', 1), split_part(p, '-', 2)) || '-'
	    || greatest(split_part(p, '-', 1), split_part(p, '-', 2))
$$;

-- Does an interpreter with pairs p_pairs interpret pair p?
CREATE FUNCTION kaigi_interp_knows(p_pairs text[], p text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT EXISTS (SELECT 1 FROM unnest(p_pairs) x
	    WHERE kaigi_interp_key(x) = kaigi_interp_key(p))
$$;

-- A conference's rules, the defaults filled in.
CREATE FUNCTION kaigi_interp_rules(p_cid bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('long_minutes', 40, 'per_pair_long', 2,
	    'per_pair', 1, 'daily_minutes', 360) || c.interpretation_rules
	FROM conferences c WHERE c.id = p_cid
$$;

-- Interpreters a pair needs for a meeting of p_minutes.
CREATE FUNCTION kaigi_interp_needed(p_cid bigint, p_minutes int) RETURNS int
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN p_minutes > (r->>'long_minutes')::int
	    THEN (r->>'per_pair_long')::int ELSE (r->>'per_pair')::int END
	FROM kaigi_interp_rules(p_cid) r
$$;

-- The text array of a JSON array of pairs (lowercase), NULL when absent.
CREATE FUNCTION kaigi_interp_array(p jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN jsonb_typeof(p) = 'array' THEN ARRAY(
	    SELECT lower(x) FROM jsonb_array_elements_text(p) WITH ORDINALITY AS e(x, i)
	    ORDER BY i) WHEN jsonb_typeof(p) = 'null' THEN '{}'::text[] END
$$;

-- KG422 unless every pair of p_pairs is two different languages of
-- conference p_cid, and no pair is listed twice.
CREATE FUNCTION kaigi_interp_check_pairs(p_cid bigint, p_field text, p_pairs text[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	langs	text[] := (SELECT languages FROM conferences WHERE id = p_cid);
	p	text;
BEGIN
	FOREACH p IN ARRAY coalesce(p_pairs, '{}') LOOP
		IF p !~ '^[a-z]{2,3}-[a-z]{2,3}$'
		    OR split_part(p, '-', 1) = split_part(p, '-', 2) THEN
			PERFORM kaigi_core_invalid(p_field, format(
			    '%s: write two different languages, as ja-en', p));
		END IF;
		IF NOT (split_part(p, '-', 1) = ANY (langs))
		    OR NOT (split_part(p, '-', 2) = ANY (langs)) THEN
			PERFORM kaigi_core_invalid(p_field, format(
			    '%s: both languages must be among the conference''s: %s',
			    p, array_to_string(langs, ', ')));
		END IF;
	END LOOP;
	IF (SELECT count(DISTINCT kaigi_interp_key(x)) FROM unnest(p_pairs) x)
	    <> cardinality(coalesce(p_pairs, '{}')) THEN
		PERFORM kaigi_core_invalid(p_field, 'a pair is listed twice');
	END IF;
END $$;

-- ---------------------------------------------------------------------------
-- The new fields on the way in (kaigi.interp) and out (the JSON)
-- ---------------------------------------------------------------------------

-- The input of the create or change of row key p_key ("new" or an id), or NULL.
CREATE FUNCTION kaigi_interp_input(p_key text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT j FROM (SELECT nullif(current_setting('kaigi.interp', true), '')::jsonb
	    AS j) x WHERE j->>'key' = p_key
$$;

-- Set kaigi.interp to p_in's members p_fields for row p_key; returns p_in
-- without them (the earlier functions' input).
CREATE FUNCTION kaigi_interp_begin(p_key text, p_in jsonb, p_fields text[])
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	j	jsonb := jsonb_build_object('key', p_key);
	f	text;
BEGIN
	FOREACH f IN ARRAY p_fields LOOP
		IF p_in ? f THEN
			j := j || jsonb_build_object(f, p_in->f);
		END IF;
	END LOOP;
	PERFORM set_config('kaigi.interp', j::text, true);
	RETURN p_in - p_fields;
END $$;

CREATE FUNCTION kaigi_interp_end() RETURNS void
LANGUAGE sql AS $$
	SELECT set_config('kaigi.interp', '', true)
$$;

-- BEFORE INSERT/UPDATE of rooms, participants, sessions, bilateral
-- requests and conferences: the new fields the API asked for.
CREATE FUNCTION kaigi_interp_fields_input() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	j	jsonb := kaigi_interp_input(CASE WHEN TG_OP = 'INSERT' THEN 'new'
		    ELSE NEW.id::text END);
BEGIN
	IF j IS NULL THEN
		RETURN NEW;
	END IF;
	IF TG_TABLE_NAME = 'rooms' AND j ? 'booths' THEN
		NEW.booths := (j->>'booths')::int;
	ELSIF TG_TABLE_NAME = 'participants' AND j ? 'language_pairs' THEN
		NEW.language_pairs := kaigi_interp_array(j->'language_pairs');
	ELSIF TG_TABLE_NAME IN ('sessions', 'bilateral_requests')
	    AND j ? 'interpretation' THEN
		NEW.interpretation := kaigi_interp_array(j->'interpretation');
		PERFORM kaigi_interp_check_pairs(NEW.conference_id, 'interpretation',
		    NEW.interpretation);
	ELSIF TG_TABLE_NAME = 'conferences' AND j ? 'interpretation_rules' THEN
		NEW.interpretation_rules := jsonb_strip_nulls(coalesce(
		    j->'interpretation_rules', '{}'));
	END IF;
	RETURN NEW;
END $$;

CREATE TRIGGER rooms_interp_input BEFORE INSERT ON rooms
    FOR EACH ROW EXECUTE FUNCTION kaigi_interp_fields_input();
CREATE TRIGGER participants_interp_input BEFORE INSERT ON participants
    FOR EACH ROW EXECUTE FUNCTION kaigi_interp_fields_input();
CREATE TRIGGER sessions_interp_input BEFORE INSERT OR UPDATE ON sessions
    FOR EACH ROW EXECUTE FUNCTION kaigi_interp_fields_input();
CREATE TRIGGER bilateral_requests_interp_input BEFORE INSERT ON bilateral_requests
    FOR EACH ROW EXECUTE FUNCTION kaigi_interp_fields_input();
CREATE TRIGGER conferences_interp_input BEFORE INSERT ON conferences
    FOR EACH ROW EXECUTE FUNCTION kaigi_interp_fields_input();

ALTER FUNCTION kaigi_room_json(rooms, text) RENAME TO kaigi_room_json_without_booths;
CREATE FUNCTION kaigi_room_json(r rooms, p_slug text) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT (kaigi_room_json_without_booths(r, p_slug)::jsonb
	    || jsonb_build_object('booths', r.booths))::json
$$;

ALTER FUNCTION kaigi_participant_json(participants, text)
    RENAME TO kaigi_participant_json_without_pairs;
CREATE FUNCTION kaigi_participant_json(p participants, p_slug text) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT (kaigi_participant_json_without_pairs(p, p_slug)::jsonb
	    || jsonb_build_object('language_pairs', to_jsonb(p.language_pairs)))::json
$$;

ALTER FUNCTION kaigi_conference_json(conferences)
    RENAME TO kaigi_conference_json_without_rules;
CREATE FUNCTION kaigi_conference_json(c conferences) RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT (kaigi_conference_json_without_rules(c)::jsonb
	    || jsonb_build_object('interpretation_rules', jsonb_build_object(
		'long_minutes', 40, 'per_pair_long', 2, 'per_pair', 1,
		'daily_minutes', 360) || c.interpretation_rules))::json
$$;

ALTER FUNCTION kaigi_bilateral_json(bigint)
    RENAME TO kaigi_bilateral_json_without_interpretation;
CREATE FUNCTION kaigi_bilateral_json(p_id bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT kaigi_bilateral_json_without_interpretation(p_id)
	    || jsonb_build_object('interpretation', to_jsonb(b.interpretation))
	FROM bilateral_requests b WHERE b.id = p_id
$$;

-- A session's interpreters, by pair then name.
CREATE FUNCTION kaigi_interp_session_interpreters(p_sid bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object('id', p.id, 'name', p.name,
	    'pair', i.pair, 'auto', i.auto) ORDER BY i.pair, p.name, p.id), '[]')
	FROM session_interpreters i JOIN participants p ON p.id = i.participant_id
	WHERE i.session_id = p_sid
$$;

ALTER FUNCTION kaigi_session_json(bigint)
    RENAME TO kaigi_session_json_without_interpretation;
CREATE FUNCTION kaigi_session_json(p_session_id bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN kaigi_session_json_without_interpretation(p_session_id)
	    || jsonb_build_object('interpretation', (SELECT to_jsonb(interpretation)
		FROM sessions WHERE id = p_session_id),
		'interpreters', kaigi_interp_session_interpreters(p_session_id));
END $$;

-- ---------------------------------------------------------------------------
-- Interpreters busy like attendees
-- ---------------------------------------------------------------------------

-- session_interpreters AFTER INSERT/UPDATE/DELETE: the interpreter's busy
-- row (kept while the session still makes them busy), touch the session.
CREATE FUNCTION kaigi_interpreters_after() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		DELETE FROM busy b WHERE b.session_id = OLD.session_id
		    AND b.participant_id = OLD.participant_id
		    AND NOT EXISTS (SELECT 1 FROM session_busy_people x
			WHERE x.session_id = OLD.session_id
			    AND x.participant_id = OLD.participant_id);
		PERFORM kaigi_session_touch(OLD.session_id);
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		INSERT INTO busy (conference_id, participant_id, session_id, during)
		SELECT s.conference_id, NEW.participant_id, s.id,
		    kaigi_busy_range(s.conference_id, s.starts_at, s.ends_at)
		FROM sessions s
		WHERE s.id = NEW.session_id AND s.status <> 'cancelled'
		ON CONFLICT ON CONSTRAINT busy_session_participant_key DO NOTHING;
		PERFORM kaigi_session_touch(NEW.session_id);
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER session_interpreters_after
    AFTER INSERT OR UPDATE OR DELETE ON session_interpreters
    FOR EACH ROW EXECUTE FUNCTION kaigi_interpreters_after();

-- Is participant p_pid busy (another session, changeover, unavailability)
-- during session s as it is now?
CREATE FUNCTION kaigi_interp_busy(s sessions, p_pid bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT EXISTS (SELECT 1 FROM busy b WHERE b.participant_id = p_pid
	    AND b.session_id IS DISTINCT FROM s.id
	    AND b.during && kaigi_busy_range(s.conference_id, s.starts_at, s.ends_at))
$$;

-- Minutes participant p_pid interprets on session s's local day, s included.
CREATE FUNCTION kaigi_interp_day_minutes(s sessions, p_pid bigint) RETURNS int
LANGUAGE sql STABLE AS $$
	SELECT (extract(epoch FROM s.ends_at - s.starts_at) / 60)::int
	    + coalesce((SELECT sum(extract(epoch FROM x.ends_at - x.starts_at) / 60)
		FROM session_interpreters i JOIN sessions x ON x.id = i.session_id
		WHERE i.participant_id = p_pid AND x.id <> s.id
		    AND x.status <> 'cancelled'
		    AND (x.starts_at AT TIME ZONE c.timezone)::date
			= (s.starts_at AT TIME ZONE c.timezone)::date), 0)::int
	FROM conferences c WHERE c.id = s.conference_id
$$;

-- KG409 unless room r (if any) has a booth for each pair of session s.
CREATE FUNCTION kaigi_interp_check_booths(s sessions) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	r	rooms;
BEGIN
	SELECT * INTO r FROM rooms WHERE id = s.room_id;
	IF FOUND AND r.booths < cardinality(s.interpretation) THEN
		PERFORM kaigi_session_raise('KG409', format(
		    'room %s (%s) has %s interpretation booth(s); the session needs %s (%s)',
		    r.id, r.name, r.booths, cardinality(s.interpretation),
		    array_to_string(s.interpretation, ', ')),
		    jsonb_build_object('room_id', r.id, 'booths', r.booths,
			'needed', cardinality(s.interpretation),
			'interpretation', to_jsonb(s.interpretation)));
	END IF;
END $$;

-- KG409 naming each of interpreters p_ids busy during session s: the
-- clashing times only (the sessions may be hidden from the caller).
CREATE FUNCTION kaigi_interp_raise_clash(s sessions, p_ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	k	jsonb;
BEGIN
	SELECT jsonb_agg(jsonb_build_object('resource', 'participant',
	    'participant_id', p.id, 'name', p.name, 'role', 'interpreter',
	    'start', kaigi_ts(lower(b.during), c.timezone),
	    'end', kaigi_ts(upper(b.during), c.timezone)) ORDER BY p.id, b.during)
	INTO k
	FROM participants p
	JOIN busy b ON b.participant_id = p.id AND b.session_id IS DISTINCT FROM s.id
	    AND b.during && kaigi_busy_range(s.conference_id, s.starts_at, s.ends_at)
	JOIN conferences c ON c.id = s.conference_id
	WHERE p.id = ANY (p_ids);
	IF k IS NOT NULL THEN
		PERFORM kaigi_session_raise('KG409', format(
		    'the session would double-book interpreter(s) %s',
		    (SELECT string_agg(DISTINCT e->>'name', ', ')
			FROM jsonb_array_elements(k) e)), jsonb_build_object('conflicts', k));
	END IF;
END $$;

-- The given interpreters of kaigi.interp for session s (row p_key): each
-- an interpreter of the conference for one of its pairs (else KG422); they
-- replace those of the session, with the first of its pairs they know.
CREATE FUNCTION kaigi_interp_given(s sessions, p_key text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	j	jsonb := kaigi_interp_input(p_key);
	v_id	bigint;
	p	participants;
BEGIN
	IF j IS NULL OR NOT j ? 'interpreters' THEN
		RETURN;
	END IF;
	DELETE FROM session_interpreters WHERE session_id = s.id;
	FOR v_id IN SELECT DISTINCT x::bigint
	    FROM jsonb_array_elements_text(coalesce(j->'interpreters', '[]')) x LOOP
		SELECT * INTO p FROM participants WHERE id = v_id
		    AND conference_id = s.conference_id AND role = 'interpreter';
		IF NOT FOUND THEN
			PERFORM kaigi_core_invalid('interpreters', format(
			    '%s is not an interpreter of this conference', v_id));
		END IF;
		PERFORM kaigi_interp_raise_clash(s, ARRAY[p.id]);
		INSERT INTO session_interpreters (session_id, participant_id, pair, auto)
		SELECT s.id, p.id, x, false FROM unnest(s.interpretation) x
		WHERE kaigi_interp_knows(p.language_pairs, x) LIMIT 1;
		IF NOT FOUND THEN
			PERFORM kaigi_core_invalid('interpreters', format(
			    '%s (%s) interprets none of the session''s pairs (%s)',
			    p.id, p.name, array_to_string(s.interpretation, ', ')));
		END IF;
	END LOOP;
END $$;

-- Picked interpreters of session s who are busy then or would pass the
-- daily cap are dropped. When strict, KG409 naming each given interpreter
-- who is busy then or would pass the cap.
CREATE FUNCTION kaigi_interp_check_assigned(s sessions, p_strict boolean)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	cap	int := (kaigi_interp_rules(s.conference_id)->>'daily_minutes')::int;
	v	record;
BEGIN
	DELETE FROM session_interpreters i WHERE i.session_id = s.id AND i.auto
	    AND (kaigi_interp_busy(s, i.participant_id)
		OR kaigi_interp_day_minutes(s, i.participant_id) > cap);
	IF NOT p_strict THEN
		RETURN;
	END IF;
	PERFORM kaigi_interp_raise_clash(s, ARRAY(SELECT participant_id
	    FROM session_interpreters WHERE session_id = s.id));
	FOR v IN SELECT p.id, p.name, kaigi_interp_day_minutes(s, p.id) AS m
	    FROM session_interpreters x JOIN participants p ON p.id = x.participant_id
	    WHERE x.session_id = s.id ORDER BY p.id LOOP
		IF v.m > cap THEN
			PERFORM kaigi_session_raise('KG409', format(
			    'interpreter %s (%s) would interpret %s minutes that day; '
			    'the cap is %s', v.id, v.name, v.m, cap),
			    jsonb_build_object('participant_id', v.id, 'minutes', v.m,
				'daily_minutes', cap));
		END IF;
	END LOOP;
END $$;

-- Pick free qualified interpreters under the cap for each pair of session
-- s that has fewer than it needs, a bilateral's planned team first (see
-- kaigi_interp_preferred), then fewest minutes that day; when
-- strict, KG409 naming the first pair left short.
CREATE FUNCTION kaigi_interp_pick(s sessions, p_strict boolean) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	cap	int := (kaigi_interp_rules(s.conference_id)->>'daily_minutes')::int;
	need	int := kaigi_interp_needed(s.conference_id,
		    (extract(epoch FROM s.ends_at - s.starts_at) / 60)::int);
	pr	text;
	have	int;
	v_id	bigint;
	team	bigint[];
BEGIN
	FOREACH pr IN ARRAY s.interpretation LOOP
		SELECT count(*) INTO have FROM session_interpreters
		WHERE session_id = s.id AND pair = pr;
		team := coalesce((SELECT kaigi_interp_preferred(b) FROM bilateral_requests b
		    WHERE b.session_id = s.id LIMIT 1), '{}');
		WHILE have < need LOOP
			SELECT p.id INTO v_id FROM participants p
			WHERE p.conference_id = s.conference_id
			    AND p.role = 'interpreter'
			    AND kaigi_interp_knows(p.language_pairs, pr)
			    AND NOT EXISTS (SELECT 1 FROM session_interpreters x
				WHERE x.session_id = s.id AND x.participant_id = p.id)
			    AND NOT kaigi_interp_busy(s, p.id)
			    AND kaigi_interp_day_minutes(s, p.id) <= cap
			ORDER BY p.id = ANY (team) DESC,
			    kaigi_interp_day_minutes(s, p.id), p.id
			LIMIT 1 FOR UPDATE OF p;
			IF NOT FOUND AND NOT p_strict THEN
				EXIT;	-- shown by /conflicts
			ELSIF NOT FOUND THEN
				PERFORM kaigi_session_raise('KG409', format(
				    'not enough free interpreters for %s: the session '
				    'needs %s, %s could be assigned', pr, need, have),
				    jsonb_build_object('pair', pr, 'needed', need,
					'assigned', have, 'missing', jsonb_build_array(pr)));
			END IF;
			INSERT INTO session_interpreters (session_id, participant_id, pair)
			VALUES (s.id, v_id, pr);
			have := have + 1;
		END LOOP;
	END LOOP;
END $$;

-- sessions AFTER INSERT/UPDATE (see the triggers' order below): fit the
-- session's interpretation (see the top of this file). Strict — refusing
-- with 409 — for a new session, a create or PATCH through the API, and a
-- bilateral request's pairs reaching its session; lenient for the moves of
-- repairs and time-zone shifts, which may pass through states that clash
-- until their deferred constraints are checked: there the busy table's
-- constraint decides, and /conflicts shows a pair left short.
CREATE FUNCTION kaigi_sessions_interpretation() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	s	sessions := NEW;
	k	text := CASE WHEN TG_OP = 'INSERT' THEN 'new' ELSE s.id::text END;
	v_strict	boolean := TG_OP = 'INSERT' OR kaigi_interp_input(k) IS NOT NULL
		    OR coalesce(current_setting('kaigi.interp_strict', true), '') = 'on';
BEGIN
	PERFORM kaigi_interp_given(s, k);
	DELETE FROM session_interpreters i WHERE i.session_id = s.id
	    AND NOT (i.pair = ANY (s.interpretation));
	IF s.status = 'cancelled' OR cardinality(s.interpretation) = 0 THEN
		RETURN NULL;
	END IF;
	IF v_strict THEN
		PERFORM kaigi_interp_check_booths(s);
	END IF;
	PERFORM kaigi_interp_check_assigned(s, v_strict);
	PERFORM kaigi_interp_pick(s, v_strict);
	RETURN NULL;
END $$;

-- After sessions_after on INSERT (the session's "created" change is then
-- recorded, so its interpreters do not touch it: version 1), before it on
-- UPDATE (picked interpreters re-picked before the busy rows move).
CREATE TRIGGER sessions_z_interpretation AFTER INSERT ON sessions
    FOR EACH ROW WHEN (cardinality(NEW.interpretation) > 0
	OR current_setting('kaigi.interp', true) <> '')
    EXECUTE FUNCTION kaigi_sessions_interpretation();
CREATE TRIGGER sessions_a_interpretation AFTER UPDATE OF starts_at,
    ends_at, room_id, status, interpretation ON sessions
    FOR EACH ROW WHEN (cardinality(NEW.interpretation) > 0
	OR current_setting('kaigi.interp', true) <> '')
    EXECUTE FUNCTION kaigi_sessions_interpretation();

-- sessions AFTER UPDATE of pairs to none: its interpreters go.
CREATE FUNCTION kaigi_sessions_interpretation_none() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM session_interpreters WHERE session_id = NEW.id;
	RETURN NULL;
END $$;

CREATE TRIGGER sessions_a_interpretation_none AFTER UPDATE OF interpretation
    ON sessions FOR EACH ROW
    WHEN (cardinality(NEW.interpretation) = 0 AND cardinality(OLD.interpretation) > 0)
    EXECUTE FUNCTION kaigi_sessions_interpretation_none();

-- A room losing booths: KG409 while a live session in it needs more.
CREATE FUNCTION kaigi_rooms_booths_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	n	int;
BEGIN
	SELECT count(*) INTO n FROM sessions s WHERE s.room_id = NEW.id
	    AND s.status <> 'cancelled' AND cardinality(s.interpretation) > NEW.booths;
	IF n > 0 THEN
		PERFORM kaigi_session_raise('KG409', format(
		    'room %s (%s) would have %s booth(s); %s session(s) in it need more',
		    NEW.id, NEW.name, NEW.booths, n),
		    jsonb_build_object('room_id', NEW.id, 'sessions', n));
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER rooms_booths_check AFTER UPDATE OF booths ON rooms
    FOR EACH ROW WHEN (NEW.booths < OLD.booths)
    EXECUTE FUNCTION kaigi_rooms_booths_check();

-- A bilateral request linked to a session (or its pairs changed while
-- linked) gives the session its pairs.
CREATE FUNCTION kaigi_bilateral_interpretation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('kaigi.interp_strict', 'on', true);
	UPDATE sessions SET interpretation = NEW.interpretation
	WHERE id = NEW.session_id AND interpretation IS DISTINCT FROM NEW.interpretation;
	PERFORM set_config('kaigi.interp_strict', '', true);
	RETURN NULL;
END $$;

CREATE TRIGGER bilateral_requests_interpretation
    AFTER INSERT OR UPDATE OF session_id, interpretation ON bilateral_requests
    FOR EACH ROW WHEN (NEW.session_id IS NOT NULL
	AND cardinality(NEW.interpretation) > 0)
    EXECUTE FUNCTION kaigi_bilateral_interpretation();

-- ---------------------------------------------------------------------------
-- The API: the new fields through the existing create, PATCH and GET
-- ---------------------------------------------------------------------------

ALTER FUNCTION kaigi_session_create(jsonb, text, jsonb)
    RENAME TO kaigi_session_create_without_interpretation;

-- POST /conferences/{slug}/sessions, with interpretation and interpreters.
CREATE FUNCTION kaigi_session_create(p_actor jsonb, p_slug text, p_input jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	v_out	jsonb;
BEGIN
	IF NOT (p_input ? 'interpretation' OR p_input ? 'interpreters') THEN
		RETURN kaigi_session_create_without_interpretation(p_actor, p_slug, p_input);
	END IF;
	v_out := kaigi_session_create_without_interpretation(p_actor, p_slug,
	    kaigi_interp_begin('new', p_input, ARRAY['interpretation', 'interpreters']));
	PERFORM kaigi_interp_end();
	RETURN v_out;
END $$;

ALTER FUNCTION kaigi_session_update(jsonb, bigint, int, jsonb)
    RENAME TO kaigi_session_update_without_interpretation;

-- PATCH /sessions/{id}, with interpretation and interpreters; its fit is
-- strict (kaigi.interp names the session) even when it changes neither.
CREATE FUNCTION kaigi_session_update(p_actor jsonb, p_id bigint,
    p_if_match int, p_input jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	v_out	jsonb;
BEGIN
	v_out := kaigi_session_update_without_interpretation(p_actor, p_id,
	    p_if_match, kaigi_interp_begin(p_id::text, p_input,
		ARRAY['interpretation', 'interpreters']));
	PERFORM kaigi_interp_end();
	RETURN v_out;
END $$;

ALTER FUNCTION kaigi_room_create(jsonb, text, jsonb)
    RENAME TO kaigi_room_create_without_booths;

-- POST /conferences/{slug}/rooms, with booths.
CREATE FUNCTION kaigi_room_create(p_actor jsonb, p_slug text, p_in jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	j	json;
BEGIN
	j := kaigi_room_create_without_booths(p_actor, p_slug,
	    kaigi_interp_begin('new', p_in, ARRAY['booths']));
	PERFORM kaigi_interp_end();
	RETURN j;
END $$;

ALTER FUNCTION kaigi_room_patch(jsonb, text, jsonb, text)
    RENAME TO kaigi_room_patch_without_booths;

-- PATCH /rooms/{id}, with booths (fewer: 409 while sessions need them).
CREATE FUNCTION kaigi_room_patch(p_actor jsonb, p_id text, p_in jsonb,
    p_if_match text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	j	json := kaigi_room_patch_without_booths(p_actor, p_id,
		    p_in - 'booths', p_if_match);
	r	rooms;
	n	rooms;
BEGIN
	SELECT * INTO r FROM rooms WHERE id = p_id::bigint;
	IF NOT p_in ? 'booths' OR r.booths = (p_in->>'booths')::int THEN
		RETURN j;
	END IF;
	UPDATE rooms SET booths = (p_in->>'booths')::int WHERE id = r.id
	    RETURNING * INTO n;
	j := kaigi_room_json(n, kaigi_setup_slug(r.conference_id));
	PERFORM kaigi_core_audit(p_actor, r.conference_id, 'update', 'room', r.id,
	    kaigi_room_json(r, kaigi_setup_slug(r.conference_id))::jsonb, j::jsonb);
	RETURN j;
END $$;

ALTER FUNCTION kaigi_participant_create(jsonb, text, jsonb)
    RENAME TO kaigi_participant_create_without_pairs;

-- POST /conferences/{slug}/participants, with language_pairs.
CREATE FUNCTION kaigi_participant_create(p_actor jsonb, p_slug text, p_in jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	j	json;
BEGIN
	j := kaigi_participant_create_without_pairs(p_actor, p_slug,
	    kaigi_interp_begin('new', p_in, ARRAY['language_pairs']));
	PERFORM kaigi_interp_end();
	RETURN j;
END $$;

ALTER FUNCTION kaigi_participant_patch(jsonb, text, jsonb, text)
    RENAME TO kaigi_participant_patch_without_pairs;

-- PATCH /participants/{id}, with language_pairs.
CREATE FUNCTION kaigi_participant_patch(p_actor jsonb, p_id text, p_in jsonb,
    p_if_match text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	j	json := kaigi_participant_patch_without_pairs(p_actor, p_id,
		    p_in - 'language_pairs', p_if_match);
	p	participants;
	n	participants;
	v	text[] := kaigi_interp_array(p_in->'language_pairs');
BEGIN
	SELECT * INTO p FROM participants WHERE id = p_id::bigint;
	IF NOT p_in ? 'language_pairs' OR p.language_pairs = v THEN
		RETURN j;
	END IF;
	UPDATE participants SET language_pairs = v WHERE id = p.id
	    RETURNING * INTO n;
	j := kaigi_participant_json(n, kaigi_setup_slug(p.conference_id));
	PERFORM kaigi_core_audit(p_actor, p.conference_id, 'update', 'participant',
	    p.id, kaigi_participant_json(p, kaigi_setup_slug(p.conference_id))::jsonb,
	    j::jsonb);
	RETURN j;
END $$;

ALTER FUNCTION kaigi_bilateral_create(jsonb, text, jsonb)
    RENAME TO kaigi_bilateral_create_without_interpretation;

-- POST /conferences/{slug}/bilaterals, with interpretation.
CREATE FUNCTION kaigi_bilateral_create(p_actor jsonb, p_slug text, p_input jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	j	jsonb;
BEGIN
	j := kaigi_bilateral_create_without_interpretation(p_actor, p_slug,
	    kaigi_interp_begin('new', p_input, ARRAY['interpretation']));
	PERFORM kaigi_interp_end();
	RETURN j;
END $$;

ALTER FUNCTION kaigi_bilateral_patch(jsonb, text, jsonb, text)
    RENAME TO kaigi_bilateral_patch_without_interpretation;

-- PATCH /bilaterals/{id}, with interpretation (a requested or accepted
-- request's, as the earlier PATCH allows).
CREATE FUNCTION kaigi_bilateral_patch(p_actor jsonb, p_id text, p_in jsonb,
    p_if_match text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	j	jsonb := kaigi_bilateral_patch_without_interpretation(p_actor, p_id,
		    p_in - 'interpretation', p_if_match);
	b	bilateral_requests;
	v	text[] := kaigi_interp_array(p_in->'interpretation');
BEGIN
	SELECT * INTO b FROM bilateral_requests WHERE id = p_id::bigint;
	IF NOT p_in ? 'interpretation' OR b.interpretation = v THEN
		RETURN j;
	END IF;
	PERFORM kaigi_interp_check_pairs(b.conference_id, 'interpretation', v);
	UPDATE bilateral_requests SET interpretation = v WHERE id = b.id;
	PERFORM kaigi_bilateral_audit(p_actor, b.conference_id, 'update', b.id,
	    j, kaigi_setup_bilateral_json(b.id));
	RETURN kaigi_setup_bilateral_json(b.id);
END $$;

ALTER FUNCTION kaigi_conference_create(jsonb, jsonb)
    RENAME TO kaigi_conference_create_without_rules;

-- POST /conferences, with interpretation_rules.
CREATE FUNCTION kaigi_conference_create(p_actor jsonb, p_in jsonb)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	j	json;
BEGIN
	j := kaigi_conference_create_without_rules(p_actor,
	    kaigi_interp_begin('new', p_in, ARRAY['interpretation_rules']));
	PERFORM kaigi_interp_end();
	RETURN j;
END $$;

ALTER FUNCTION kaigi_conference_patch(jsonb, text, jsonb, text)
    RENAME TO kaigi_conference_patch_without_rules;

-- PATCH /conferences/{slug}, with interpretation_rules (the members given
-- replace the stored ones; null: the defaults).
CREATE FUNCTION kaigi_conference_patch(p_actor jsonb, p_slug text, p_in jsonb,
    p_if_match text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	j	json := kaigi_conference_patch_without_rules(p_actor, p_slug,
		    p_in - 'interpretation_rules', p_if_match);
	c	conferences;
	n	conferences;
	v	jsonb;
BEGIN
	IF NOT p_in ? 'interpretation_rules' THEN
		RETURN j;
	END IF;
	SELECT * INTO c FROM conferences WHERE slug = p_slug FOR UPDATE;
	v := jsonb_strip_nulls(c.interpretation_rules
	    || coalesce(nullif(p_in->'interpretation_rules', 'null'), '{}'));
	IF jsonb_typeof(p_in->'interpretation_rules') = 'null' THEN
		v := '{}';
	END IF;
	IF v = c.interpretation_rules THEN
		RETURN j;
	END IF;
	UPDATE conferences SET interpretation_rules = v WHERE id = c.id
	    RETURNING * INTO n;
	j := kaigi_conference_json(n);
	PERFORM kaigi_core_audit(p_actor, c.id, 'update', 'conference', c.id,
	    kaigi_conference_json(c)::jsonb, j::jsonb);
	RETURN j;
END $$;

-- ---------------------------------------------------------------------------
-- Who sees it: the interpreters (their own feeds), the secretariat
-- (/conflicts)
-- ---------------------------------------------------------------------------

ALTER FUNCTION kaigi_session_visible(bigint, jsonb)
    RENAME TO kaigi_session_visible_without_interpreters;

-- May actor see session p_session_id? The earlier rule, or the actor is an
-- interpreter of it (their own participant feed). Not their delegation:
-- an interpreter's delegation is no party to the meetings they interpret
-- (a confidential one stays hidden from its liaison).
CREATE FUNCTION kaigi_session_visible(p_session_id bigint, p_actor jsonb)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT kaigi_session_visible_without_interpreters(p_session_id, p_actor)
	    OR (p_actor ? 'participant_id' AND EXISTS (SELECT 1
		FROM session_interpreters i JOIN participants p ON p.id = i.participant_id
		WHERE i.session_id = p_session_id
		    AND p.conference_id = (p_actor->>'conference_id')::bigint
		    AND p.id = (p_actor->>'participant_id')::bigint))
$$;

ALTER FUNCTION kaigi_conference_conflicts_of(bigint)
    RENAME TO kaigi_conference_conflicts_of_without_interpretation;

-- 240's rules broken (interpreters among the busy people), plus
-- "interpretation": a live session short of interpreters for a pair, or of
-- booths in its room, or an interpreter over the daily cap.
CREATE FUNCTION kaigi_conference_conflicts_of(p_conference_id bigint)
RETURNS TABLE (rule text, session_id bigint, other_session_id bigint,
    room_id bigint, participant_id bigint, unavailability_id bigint, detail text)
LANGUAGE sql STABLE AS $$
	WITH s AS (SELECT x.* FROM sessions x
	    WHERE x.conference_id = p_conference_id AND x.status <> 'cancelled'
		AND cardinality(x.interpretation) > 0)
	SELECT * FROM kaigi_conference_conflicts_of_without_interpretation(p_conference_id)
	UNION ALL
	SELECT 'interpretation', s.id, NULL, NULL, NULL, NULL,
	    format('%s of %s interpreter(s) for %s', n.n,
		kaigi_interp_needed(s.conference_id,
		    (extract(epoch FROM s.ends_at - s.starts_at) / 60)::int), pr)
	FROM s CROSS JOIN unnest(s.interpretation) pr
	CROSS JOIN LATERAL (SELECT count(*) AS n FROM session_interpreters i
	    WHERE i.session_id = s.id AND i.pair = pr) n
	WHERE n.n < kaigi_interp_needed(s.conference_id,
	    (extract(epoch FROM s.ends_at - s.starts_at) / 60)::int)
	UNION ALL
	SELECT 'interpretation', s.id, NULL, r.id, NULL, NULL,
	    format('the room has %s booth(s) for %s pair(s)', r.booths,
		cardinality(s.interpretation))
	FROM s JOIN rooms r ON r.id = s.room_id
	WHERE r.booths < cardinality(s.interpretation)
	UNION ALL
	SELECT 'interpretation', s.id, NULL, NULL, i.participant_id, NULL,
	    format('the interpreter would interpret %s minutes that day; the cap is %s',
		kaigi_interp_day_minutes(s, i.participant_id),
		kaigi_interp_rules(s.conference_id)->>'daily_minutes')
	FROM sessions s JOIN session_interpreters i ON i.session_id = s.id
	WHERE s.conference_id = p_conference_id AND s.status <> 'cancelled'
	    AND kaigi_interp_day_minutes(s, i.participant_id)
		> (kaigi_interp_rules(s.conference_id)->>'daily_minutes')::int
$$;

ALTER FUNCTION kaigi_conference_conflicts(jsonb, text)
    RENAME TO kaigi_conference_conflicts_without_interpreters;

-- GET /conferences/{slug}/conflicts, plus "interpreters": every assignment
-- of a live session, by session.
CREATE FUNCTION kaigi_conference_conflicts(p_actor jsonb, p_slug text)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT kaigi_conference_conflicts_without_interpreters(p_actor, p_slug)
	    || jsonb_build_object('interpreters', coalesce((SELECT jsonb_agg(
		jsonb_build_object('session_id', s.id, 'title', s.title,
		    'start', kaigi_ts(s.starts_at, c.timezone),
		    'end', kaigi_ts(s.ends_at, c.timezone), 'pair', i.pair,
		    'participant_id', p.id, 'name', p.name, 'auto', i.auto)
		ORDER BY s.starts_at, s.id, i.pair, p.id)
		FROM conferences c JOIN sessions s ON s.conference_id = c.id
		JOIN session_interpreters i ON i.session_id = s.id
		JOIN participants p ON p.id = i.participant_id
		WHERE c.slug = p_slug AND s.status <> 'cancelled'), '[]'))
$$;

-- ---------------------------------------------------------------------------
-- The auto-scheduler and the slots: interpreters and booths scarce
-- ---------------------------------------------------------------------------

-- The team request r would have: for each pair it needs, the interpreters
-- of the pair by id taken round-robin by the request's rank among the
-- conference's requests needing the pair (by id, any status: stable while
-- a plan is applied), as many as the pair needs (or there are).
CREATE FUNCTION kaigi_interp_preferred(r bilateral_requests) RETURNS bigint[]
LANGUAGE plpgsql STABLE AS $$
DECLARE
	pr	text;
	ids	bigint[];
	k	int;
	n	int;
	j	int;
	team	bigint[] := '{}';
BEGIN
	FOREACH pr IN ARRAY r.interpretation LOOP
		ids := ARRAY(SELECT p.id FROM participants p
		    WHERE p.conference_id = r.conference_id AND p.role = 'interpreter'
			AND kaigi_interp_knows(p.language_pairs, pr) ORDER BY p.id);
		CONTINUE WHEN cardinality(ids) = 0;
		SELECT count(*) INTO k FROM bilateral_requests o
		WHERE o.conference_id = r.conference_id AND o.id < r.id
		    AND kaigi_interp_knows(o.interpretation, pr);
		n := least(kaigi_interp_needed(r.conference_id, r.duration_minutes),
		    cardinality(ids));
		FOR j IN 0 .. n - 1 LOOP
			team := team || ids[1 + ((k * n + j) % cardinality(ids))];
		END LOOP;
	END LOOP;
	RETURN ARRAY(SELECT DISTINCT x FROM unnest(team) x ORDER BY x);
END $$;

ALTER FUNCTION kaigi_bilateral_problem(jsonb, text, bigint)
    RENAME TO kaigi_bilateral_problem_without_interpreters;

-- The solver's problem (140's), interpreters and booths scarce: a request
-- needing pairs has its team (kaigi_interp_preferred) among its people, so
-- that no plan double-books them; when a request needs pairs, rooms with
-- fewer booths than the most any needs are left out.
CREATE FUNCTION kaigi_bilateral_problem(p_actor jsonb, p_slug text, p_id bigint)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
	v	jsonb := kaigi_bilateral_problem_without_interpreters(p_actor, p_slug, p_id);
	c	bigint := (v->>'conference_id')::bigint;
	most	int;
	extra	bigint[];
	lo	timestamptz;
	hi	timestamptz;
	people	jsonb;
BEGIN
	SELECT max(cardinality(b.interpretation)) INTO most
	FROM jsonb_array_elements(v->'requests') e
	JOIN bilateral_requests b ON b.id = (e->>'id')::bigint;
	IF coalesce(most, 0) = 0 THEN
		RETURN v;
	END IF;
	extra := ARRAY(SELECT DISTINCT x FROM jsonb_array_elements(v->'requests') e
	    JOIN bilateral_requests b ON b.id = (e->>'id')::bigint,
	    unnest(kaigi_interp_preferred(b)) x
	    WHERE NOT EXISTS (SELECT 1 FROM jsonb_array_elements(v->'people') p
		WHERE (p->>'id')::bigint = x) ORDER BY x);
	SELECT k.first_start - interval '1 day', k.last_end + interval '1 day'
	INTO lo, hi FROM kaigi_bilateral_bounds(c) k;
	people := v->'people' || kaigi_bilateral_problem_people(c,
	    (v->>'origin')::bigint, lo, hi, extra);
	RETURN v || jsonb_build_object('people', people,
	    'rooms', coalesce((SELECT jsonb_agg(r ORDER BY n)
		FROM jsonb_array_elements(v->'rooms') WITH ORDINALITY AS t (r, n)
		JOIN rooms x ON x.id = (r->>'id')::bigint WHERE x.booths >= most), '[]'),
	    'requests', (SELECT jsonb_agg(e || jsonb_build_object('people',
		(SELECT jsonb_agg(DISTINCT i) FROM (
		    SELECT jsonb_array_elements(e->'people') AS i
		    UNION ALL
		    SELECT to_jsonb(n - 1) FROM jsonb_array_elements(people)
			WITH ORDINALITY AS p (o, n)
		    WHERE (o->>'id')::bigint = ANY (tm.team)) y))
		ORDER BY t.n)
		FROM jsonb_array_elements(v->'requests') WITH ORDINALITY AS t (e, n)
		JOIN bilateral_requests b ON b.id = (e->>'id')::bigint
		CROSS JOIN LATERAL (SELECT kaigi_interp_preferred(b) AS team OFFSET 0) tm));
END $$;
