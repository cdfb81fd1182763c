-- 030_feeds.sql — what the iCalendar feeds and the change stream read.
--
-- Each feed is ONE query (one of the kaigi_feed_* functions below) returning
-- the rows the renderer needs: the calendar's own columns repeated on every
-- row, then one session per row; a feed without sessions is one row whose
-- session columns are NULL; no row at all means "no such feed" (unknown
-- conference, room or token, or a revoked token), which kaigid answers 404.
--
-- Who sees what is decided only by kaigi_session_visible() of
-- 020_sessions.sql (the one visibility rule), called with an actor:
--   public feed           {"role": "none"}                      -> public
--   delegation token      {"role": "feed", conference, delegation}
--                                   -> public + conference + restricted party
--   participant token     {"role": "feed", conference, participant}
--                                   -> public + conference + restricted attended
--   room feed             the caller (anonymous or API token); sessions it
--                         may not see are flagged reserved (busy only).
-- Cancelled sessions are included (STATUS:CANCELLED).
--
-- Instants are epoch seconds (bigint); kaigid renders them with libical.
-- changed is the latest change of anything a feed of the conference shows
-- (the conference, its rooms, venues, delegations, participants, sessions and
-- the change log, which also sees deleted sessions): Last-Modified.

-- Epoch seconds of an instant.
CREATE FUNCTION kaigi_epoch(ts timestamptz) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
	SELECT floor(extract(epoch FROM ts))::bigint
$$;

-- Latest change of anything a feed of conference p_conference_id shows.
CREATE FUNCTION kaigi_feed_changed(p_conference_id bigint) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT kaigi_epoch(greatest(
	    (SELECT updated_at FROM conferences WHERE id = p_conference_id),
	    (SELECT max(updated_at) FROM sessions WHERE conference_id = p_conference_id),
	    (SELECT max(at) FROM session_changes WHERE conference_id = p_conference_id),
	    (SELECT max(updated_at) FROM rooms WHERE conference_id = p_conference_id),
	    (SELECT max(updated_at) FROM venues WHERE conference_id = p_conference_id),
	    (SELECT max(updated_at) FROM delegations WHERE conference_id = p_conference_id),
	    (SELECT max(updated_at) FROM participants WHERE conference_id = p_conference_id)))
$$;

-- One row of a feed.
CREATE TYPE kaigi_feed_row AS (conference_id bigint, name text, timezone text,
    changed bigint, id bigint, kind text, title text, description text,
    room text, venue text, starts_at bigint, ends_at bigint, status text,
    sequence int, created_at bigint, updated_at bigint, reserved boolean);

-- The rows of a feed: calendar columns, then the sessions of conference
-- p_conference_id that p_actor may see (all of room p_room_id's if it is
-- not NULL, those it may not see flagged reserved).
CREATE FUNCTION kaigi_feed_rows(p_conference_id bigint, p_name text,
    p_actor jsonb, p_room_id bigint)
RETURNS SETOF kaigi_feed_row
LANGUAGE sql STABLE AS $$
	SELECT c.id, p_name, c.timezone, ch.changed,
	    s.id, s.kind, s.title, s.description, r.name, v.name,
	    kaigi_epoch(s.starts_at), kaigi_epoch(s.ends_at), s.status, s.sequence,
	    kaigi_epoch(s.created_at), kaigi_epoch(s.updated_at), s.reserved
	FROM conferences c
	CROSS JOIN LATERAL (SELECT kaigi_feed_changed(c.id) AS changed
	    OFFSET 0) ch	-- OFFSET 0: evaluated once, not per row
	LEFT JOIN LATERAL (
		-- public first: visible to all by the rule, and it spares the
		-- per-row call for most sessions of most feeds
		SELECT s.*, NOT (s.visibility = 'public'
		    OR kaigi_session_visible(s.id, p_actor)) AS reserved
		FROM sessions s
		WHERE s.conference_id = c.id
		    AND (p_room_id IS NULL OR s.room_id = p_room_id)
	) s ON p_room_id IS NOT NULL OR NOT s.reserved
	LEFT JOIN rooms r ON r.id = s.room_id
	LEFT JOIN venues v ON v.id = r.venue_id
	WHERE c.id = p_conference_id
$$;

-- GET /conferences/{slug}/calendar.ics: the public sessions.
CREATE FUNCTION kaigi_feed_public(p_slug text)
RETURNS SETOF kaigi_feed_row
LANGUAGE sql STABLE AS $$
	SELECT f.* FROM conferences c,
	    kaigi_feed_rows(c.id, c.title, '{"role": "none"}'::jsonb, NULL) f
	WHERE c.slug = p_slug
$$;

-- GET /conferences/{slug}/rooms/{id}/calendar.ics: one room's sessions as
-- p_actor (the caller) may see them; the others only as reserved.
CREATE FUNCTION kaigi_feed_room(p_slug text, p_room_id bigint, p_actor jsonb)
RETURNS SETOF kaigi_feed_row
LANGUAGE sql STABLE AS $$
	SELECT f.* FROM conferences c JOIN rooms r ON r.conference_id = c.id,
	    kaigi_feed_rows(c.id, c.title || ' — ' || r.name, p_actor, r.id) f
	WHERE c.slug = p_slug AND r.id = p_room_id
$$;

-- GET /feeds/{token}.ics, by the token's hash: a valid (not revoked) feed
-- token's delegation or participant feed.
CREATE FUNCTION kaigi_feed_token(p_token_hash text)
RETURNS SETOF kaigi_feed_row
LANGUAGE sql STABLE AS $$
	SELECT f.* FROM feed_tokens t
	JOIN conferences c ON c.id = t.conference_id
	LEFT JOIN delegations d ON d.id = t.delegation_id
	LEFT JOIN participants p ON p.id = t.participant_id,
	    kaigi_feed_rows(c.id, c.title || ' — ' || coalesce(d.name, p.name),
		jsonb_build_object('role', 'feed', 'conference_id', c.id,
		    'delegation_id', t.delegation_id,
		    'participant_id', t.participant_id), NULL) f
	WHERE t.token_hash = p_token_hash AND t.revoked_at IS NULL
$$;

-- ---------------------------------------------------------------------------
-- Feed tokens (the raw token never reaches the database: only its hash)
-- ---------------------------------------------------------------------------

-- Issue a feed token of conference p_slug for a delegation (by code or id)
-- or a participant, stored as p_token_hash. Allowed: admin, the conference's
-- secretariat, the liaison of that delegation (or of the participant's).
-- Returns {id, conference, delegation, participant_id, label, created_at}.
-- KG404 unknown conference, KG422 unknown delegation/participant, KG403 not
-- allowed.
CREATE FUNCTION kaigi_feed_token_create(p_actor jsonb, p_slug text,
    p_delegation text, p_participant_id bigint, p_label text, p_token_hash text)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	c	conferences;
	d_id	bigint;
	p_deleg	bigint;
	t	feed_tokens;
BEGIN
	SELECT * INTO c FROM conferences WHERE slug = p_slug;
	IF NOT FOUND THEN
		PERFORM kaigi_session_raise('KG404', 'no such conference');
	END IF;
	IF p_delegation IS NOT NULL THEN
		SELECT id INTO d_id FROM delegations WHERE conference_id = c.id
		    AND (code = p_delegation OR (p_delegation ~ '^[0-9]{1,18}$'
			AND id = p_delegation::bigint));
		IF d_id IS NULL THEN
			PERFORM kaigi_session_raise('KG422', 'no such delegation',
			    jsonb_build_object('errors', jsonb_build_array(
				kaigi_session_err('delegation', 'no such delegation in this conference'))));
		END IF;
		p_deleg := d_id;
	ELSE
		SELECT delegation_id INTO p_deleg FROM participants
		WHERE conference_id = c.id AND id = p_participant_id;
		IF p_deleg IS NULL THEN
			PERFORM kaigi_session_raise('KG422', 'no such participant',
			    jsonb_build_object('errors', jsonb_build_array(
				kaigi_session_err('participant_id', 'no such participant in this conference'))));
		END IF;
	END IF;
	IF NOT (kaigi_session_may_write(c.id, p_actor)
	    OR (p_actor->>'role' = 'liaison'
		AND (p_actor->>'conference_id')::bigint = c.id
		AND (p_actor->>'delegation_id')::bigint = p_deleg)) THEN
		PERFORM kaigi_session_raise('KG403',
		    'only the secretariat or the delegation''s liaison may issue this feed');
	END IF;
	INSERT INTO feed_tokens (conference_id, delegation_id, participant_id,
	    token_hash, label, created_by_token_id)
	VALUES (c.id, d_id, CASE WHEN d_id IS NULL THEN p_participant_id END,
	    p_token_hash, coalesce(p_label, ''), (p_actor->>'token_id')::bigint)
	RETURNING * INTO t;
	INSERT INTO audit_log (conference_id, token_id, role, action, entity,
	    entity_id, after)
	VALUES (c.id, (p_actor->>'token_id')::bigint, p_actor->>'role', 'create',
	    'feed_token', t.id, jsonb_build_object('delegation_id', t.delegation_id,
		'participant_id', t.participant_id, 'label', t.label));
	RETURN jsonb_build_object('id', t.id, 'conference', c.slug,
	    'delegation', (SELECT code FROM delegations WHERE id = t.delegation_id),
	    'participant_id', t.participant_id, 'label', t.label,
	    'created_at', kaigi_ts(t.created_at, c.timezone));
END $$;

-- Revoke feed token p_id. Allowed: admin, the secretariat of its conference,
-- the liaison of its delegation (or of its participant's). Anyone else, and
-- an unknown id: KG404. Revoking twice keeps the first revoked_at.
-- Returns the conference id.
CREATE FUNCTION kaigi_feed_token_revoke(p_actor jsonb, p_id bigint)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	t	feed_tokens;
	deleg	bigint;
BEGIN
	SELECT * INTO t FROM feed_tokens WHERE id = p_id FOR UPDATE;
	IF FOUND THEN
		deleg := coalesce(t.delegation_id, (SELECT delegation_id
		    FROM participants WHERE id = t.participant_id));
	END IF;
	IF t.id IS NULL OR NOT (kaigi_session_may_write(t.conference_id, p_actor)
	    OR (p_actor->>'role' = 'liaison'
		AND (p_actor->>'conference_id')::bigint = t.conference_id
		AND (p_actor->>'delegation_id')::bigint = deleg)) THEN
		PERFORM kaigi_session_raise('KG404', 'no such feed token');
	END IF;
	IF t.revoked_at IS NULL THEN
		UPDATE feed_tokens SET revoked_at = now() WHERE id = p_id;
		INSERT INTO audit_log (conference_id, token_id, role, action,
		    entity, entity_id)
		VALUES (t.conference_id, (p_actor->>'token_id')::bigint,
		    p_actor->>'role', 'revoke', 'feed_token', t.id);
	END IF;
	RETURN t.conference_id;
END $$;

-- ---------------------------------------------------------------------------
-- Change stream (GET /conferences/{slug}/changes, Server-Sent Events)
-- ---------------------------------------------------------------------------

-- Where a stream of conference p_slug starts: its id, and the latest change
-- id (a stream without Last-Event-ID sends only what comes after it).
CREATE FUNCTION kaigi_changes_head(p_slug text,
    OUT conference_id bigint, OUT last_id bigint)
RETURNS SETOF record
LANGUAGE sql STABLE AS $$
	SELECT c.id, coalesce((SELECT max(id) FROM session_changes
	    WHERE session_changes.conference_id = c.id), 0)
	FROM conferences c WHERE c.slug = p_slug
$$;

-- Up to p_limit changes of conference p_conference_id after change
-- p_after_id, in order, each with `visible` (may p_actor see its session?
-- deleted sessions: only the secretariat and admin) and the event's JSON
-- {id, change, session_id, at, session} (session: the API's object as it is
-- now, or null once deleted). Rows the actor may not see come back too,
-- with visible false and no JSON, so the stream can move past them.
CREATE FUNCTION kaigi_changes_since(p_conference_id bigint, p_after_id bigint,
    p_actor jsonb, p_limit int)
RETURNS TABLE (id bigint, change text, visible boolean, event text)
LANGUAGE sql STABLE AS $$
	SELECT x.id, x.change, x.visible, CASE WHEN x.visible THEN
	    jsonb_build_object('id', x.id, 'change', x.change,
		'session_id', x.session_id, 'at', kaigi_ts(x.at, x.timezone),
		'session', kaigi_session_json(x.session_id))::text END
	FROM (
		SELECT ch.id, ch.change, ch.session_id, ch.at, c.timezone,
		    CASE WHEN s.id IS NULL
			THEN kaigi_session_may_write(ch.conference_id, p_actor)
			ELSE s.visibility = 'public'
			    OR kaigi_session_visible(s.id, p_actor) END AS visible
		FROM session_changes ch
		JOIN conferences c ON c.id = ch.conference_id
		LEFT JOIN sessions s ON s.id = ch.session_id
		WHERE ch.conference_id = p_conference_id AND ch.id > p_after_id
		ORDER BY ch.id
		LIMIT p_limit
	) x
	ORDER BY x.id
$$;
