-- 130_releases.sql — schedule releases (issue 18, item 1).
--
-- conferences.publish: 'live' (the default: feeds, page and PDF show the
-- sessions as they are) or 'release' (they show the last release; the
-- secretariat's own views show the draft, i.e. the sessions table).
--
-- A release is a copy of what every audience may see: release_sessions
-- holds the session columns the feeds, the page and the PDF read (room and
-- venue names included), release_attendees / release_delegations the links
-- the visibility rule needs. kaigi_release_visible() is the rule of
-- kaigi_session_visible() (020) applied to a release's rows, so an audience
-- sees in a release exactly what its feed showed when it was published.
--
-- Feeds (kaigi_feed_rows, replaced here) read the last release in release
-- mode for every actor that may not write the conference's sessions
-- (nothing before the first release); `changed` is then the release's
-- instant, so a draft edit changes neither the bytes nor the ETag, and a
-- new release does (its row fires NOTIFY and the feed log).
--
-- Mail (100_outbox.sql) in release mode: kaigi_outbox_close leaves the
-- conference's pending rows alone; publishing a release closes them into one
-- batch per participant, dropping rows whose session the participant sees
-- unchanged between the two releases; the mail's events are the feed rows,
-- so the release's.

ALTER TABLE conferences ADD COLUMN publish text NOT NULL DEFAULT 'live'
    CONSTRAINT conferences_publish_check CHECK (publish IN ('live', 'release'));

CREATE TABLE releases (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	conference_id	bigint NOT NULL REFERENCES conferences ON DELETE CASCADE,
	n		int NOT NULL CHECK (n > 0),
	name		text NOT NULL DEFAULT '',
	comment		text NOT NULL DEFAULT '',
	created_at	timestamptz NOT NULL DEFAULT now(),
	created_by_token_id bigint,
	UNIQUE (conference_id, n)
);

CREATE TABLE release_sessions (
	release_id	bigint NOT NULL REFERENCES releases ON DELETE CASCADE,
	session_id	bigint NOT NULL,	-- no FK: a release outlives a deleted session
	conference_id	bigint NOT NULL,
	kind		text NOT NULL,
	title		text NOT NULL,
	description	text NOT NULL,
	room_id		bigint,
	room		text,
	venue		text,
	starts_at	timestamptz NOT NULL,
	ends_at		timestamptz NOT NULL,
	status		text NOT NULL,
	visibility	text NOT NULL,
	sequence	int NOT NULL,
	created_at	timestamptz NOT NULL,
	updated_at	timestamptz NOT NULL,
	PRIMARY KEY (release_id, session_id)
);

CREATE TABLE release_attendees (
	release_id	bigint NOT NULL REFERENCES releases ON DELETE CASCADE,
	session_id	bigint NOT NULL,
	participant_id	bigint NOT NULL,
	delegation_id	bigint NOT NULL,	-- the participant's, at release time
	PRIMARY KEY (release_id, session_id, participant_id)
);

CREATE TABLE release_delegations (
	release_id	bigint NOT NULL REFERENCES releases ON DELETE CASCADE,
	session_id	bigint NOT NULL,
	delegation_id	bigint NOT NULL,
	PRIMARY KEY (release_id, session_id, delegation_id)
);

-- A release changes what the feeds show: NOTIFY and the feed log.
CREATE TRIGGER releases_notify AFTER INSERT OR UPDATE OR DELETE ON releases
    FOR EACH ROW EXECUTE FUNCTION kaigi_notify_conference();
CREATE TRIGGER releases_feed_log AFTER INSERT OR UPDATE OR DELETE ON releases
    FOR EACH ROW EXECUTE FUNCTION kaigi_feed_log();

-- The last release of conference p_cid (NULL before the first).
CREATE FUNCTION kaigi_release_last(p_cid bigint) RETURNS releases
LANGUAGE sql STABLE AS $$
	SELECT * FROM releases WHERE conference_id = p_cid ORDER BY n DESC LIMIT 1
$$;

-- Does p_actor see the release's session rs? (kaigi_session_visible's rule
-- on the release's rows.)
CREATE FUNCTION kaigi_release_visible(rs release_sessions, p_actor jsonb)
RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT CASE
	    WHEN p_actor->>'role' = 'admin' THEN true
	    WHEN rs.visibility = 'public' THEN true
	    WHEN (p_actor->>'conference_id')::bigint IS DISTINCT FROM rs.conference_id
		THEN false
	    WHEN rs.visibility = 'conference' THEN true
	    WHEN p_actor->>'role' = 'secretariat' THEN true
	    ELSE EXISTS (SELECT 1 FROM release_delegations d
		WHERE d.release_id = rs.release_id AND d.session_id = rs.session_id
		    AND d.delegation_id = (p_actor->>'delegation_id')::bigint)
		OR EXISTS (SELECT 1 FROM release_attendees a
		    WHERE a.release_id = rs.release_id AND a.session_id = rs.session_id
			AND (a.delegation_id = (p_actor->>'delegation_id')::bigint
			    OR a.participant_id = (p_actor->>'participant_id')::bigint))
	    END
$$;

-- Does conference c show p_actor its last release rather than the draft?
CREATE FUNCTION kaigi_release_mode(c conferences, p_actor jsonb)
RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT c.publish = 'release' AND NOT kaigi_session_may_write(c.id, p_actor)
$$;

-- The rows of release p_release_id that p_actor sees (all of room p_room_id's
-- if it is not NULL, the others flagged reserved), as feed rows.
CREATE FUNCTION kaigi_release_feed_rows(c conferences, p_name text,
    p_actor jsonb, p_room_id bigint, p_release_id bigint)
RETURNS SETOF kaigi_feed_row
LANGUAGE sql STABLE AS $$
	SELECT c.id, p_name, c.timezone,
	    kaigi_epoch(coalesce((SELECT created_at FROM releases
		WHERE id = p_release_id), c.created_at)),
	    s.session_id, s.kind, s.title, s.description, s.room, s.venue,
	    kaigi_epoch(s.starts_at), kaigi_epoch(s.ends_at), s.status, s.sequence,
	    kaigi_epoch(s.created_at), kaigi_epoch(s.updated_at), s.reserved
	FROM (SELECT 1) one
	LEFT JOIN LATERAL (
		SELECT rs.*, NOT kaigi_release_visible(rs, p_actor) AS reserved
		FROM release_sessions rs
		WHERE rs.release_id = p_release_id
		    AND (p_room_id IS NULL OR rs.room_id = p_room_id)
	) s ON p_room_id IS NOT NULL OR NOT s.reserved
$$;

ALTER FUNCTION kaigi_feed_rows(bigint, text, jsonb, bigint)
    RENAME TO kaigi_feed_rows_draft;

-- The rows of a feed (030's contract): the draft, or in release mode for
-- an actor that may not write, the last release's.
CREATE FUNCTION kaigi_feed_rows(p_conference_id bigint, p_name text,
    p_actor jsonb, p_room_id bigint)
RETURNS SETOF kaigi_feed_row
LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences;
BEGIN
	SELECT * INTO c FROM conferences WHERE id = p_conference_id;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	IF kaigi_release_mode(c, p_actor) THEN
		RETURN QUERY SELECT * FROM kaigi_release_feed_rows(c, p_name,
		    p_actor, p_room_id, (kaigi_release_last(c.id)).id);
	ELSE
		RETURN QUERY SELECT * FROM kaigi_feed_rows_draft(p_conference_id,
		    p_name, p_actor, p_room_id);
	END IF;
END $$;

-- ---------------------------------------------------------------------------
-- The API: publish, create, list
-- ---------------------------------------------------------------------------

-- The conference JSON, now with publish.
CREATE OR REPLACE FUNCTION kaigi_conference_json(c conferences)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object('id', c.id, 'slug', c.slug, 'title', c.title,
	    'timezone', c.timezone, 'time_zone', c.timezone,
	    'start_date', c.start_date::text, 'end_date', c.end_date::text,
	    'location', c.location, 'changeover_minutes', c.changeover_minutes,
	    'day_start', to_char(c.day_start, 'HH24:MI'),
	    'day_end', to_char(c.day_end, 'HH24:MI'),
	    'publish', c.publish,
	    'archived', c.archived_at IS NOT NULL,
	    'archived_at', kaigi_ts(c.archived_at, c.timezone),
	    'version', c.version,
	    'created_at', kaigi_ts(c.created_at, c.timezone),
	    'updated_at', kaigi_ts(c.updated_at, c.timezone))
$$;

-- PATCH /conferences/{slug} with publish (the decoder has checked it is
-- live or release): set it, audited, then the other fields as before.
ALTER FUNCTION kaigi_conference_patch(jsonb, text, jsonb, text)
    RENAME TO kaigi_conference_patch_fields;
CREATE FUNCTION kaigi_conference_patch(p_actor jsonb, p_slug text, p_in jsonb,
    p_if_match text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	c	conferences;
	n	conferences;
BEGIN
	IF NOT p_in ? 'publish' THEN
		RETURN kaigi_conference_patch_fields(p_actor, p_slug, p_in, p_if_match);
	END IF;
	c := kaigi_core_conference(p_slug, true);
	PERFORM kaigi_core_need_secretariat(p_actor, c.id);
	PERFORM kaigi_core_check_version(p_if_match, c.version);
	IF p_in->>'publish' NOT IN ('live', 'release') THEN
		PERFORM kaigi_core_invalid('publish', 'must be one of: live, release');
	END IF;
	IF c.publish <> p_in->>'publish' THEN
		UPDATE conferences SET publish = p_in->>'publish' WHERE id = c.id
		    RETURNING * INTO n;
		PERFORM kaigi_core_audit(p_actor, c.id, 'update', 'conference', c.id,
		    jsonb_build_object('publish', c.publish),
		    jsonb_build_object('publish', n.publish));
		p_if_match := NULL;	-- checked above; the version has moved
	END IF;
	RETURN kaigi_conference_patch_fields(p_actor, p_slug, p_in - 'publish',
	    p_if_match);
END $$;

-- The API's release object.
CREATE FUNCTION kaigi_release_json(r releases, tz text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('n', r.n, 'name', r.name, 'comment', r.comment,
	    'created_at', kaigi_ts(r.created_at, tz),
	    'sessions', (SELECT count(*) FROM release_sessions s
		WHERE s.release_id = r.id))
$$;

-- Copy the sessions of conference p_cid and their links into release p_rid.
CREATE FUNCTION kaigi_release_copy(p_cid bigint, p_rid bigint)
RETURNS void LANGUAGE sql AS $$
	INSERT INTO release_sessions (release_id, session_id, conference_id,
	    kind, title, description, room_id, room, venue, starts_at, ends_at,
	    status, visibility, sequence, created_at, updated_at)
	SELECT p_rid, s.id, s.conference_id, s.kind, s.title, s.description,
	    s.room_id, r.name, v.name, s.starts_at, s.ends_at, s.status,
	    s.visibility, s.sequence, s.created_at, s.updated_at
	FROM sessions s
	LEFT JOIN rooms r ON r.id = s.room_id
	LEFT JOIN venues v ON v.id = r.venue_id
	WHERE s.conference_id = p_cid;
	INSERT INTO release_attendees (release_id, session_id, participant_id,
	    delegation_id)
	SELECT p_rid, a.session_id, a.participant_id, p.delegation_id
	FROM session_attendees a
	JOIN sessions s ON s.id = a.session_id
	JOIN participants p ON p.id = a.participant_id
	WHERE s.conference_id = p_cid;
	INSERT INTO release_delegations (release_id, session_id, delegation_id)
	SELECT p_rid, d.session_id, d.delegation_id
	FROM session_delegations d JOIN sessions s ON s.id = d.session_id
	WHERE s.conference_id = p_cid;
$$;

-- POST /conferences/{slug}/releases {name?, comment?} (secretariat): the
-- current sessions become release n + 1; the conference's pending mail is
-- closed into batches (kaigi_release_close_mail). KG409 in live mode.
CREATE FUNCTION kaigi_release_create(p_actor jsonb, p_in jsonb, p_slug text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	c	conferences := kaigi_core_conference(p_slug, true);
	r	releases;
BEGIN
	PERFORM kaigi_core_need_secretariat(p_actor, c.id);
	IF c.publish <> 'release' THEN
		RAISE EXCEPTION USING ERRCODE = 'KG409',
		    MESSAGE = 'the conference publishes live: PATCH it with publish "release" first (publish: live, release)',
		    DETAIL = '{"errors":[{"field":"publish","message":"must be release to publish releases"}]}';
	END IF;
	INSERT INTO releases (conference_id, n, name, comment, created_by_token_id)
	VALUES (c.id, coalesce((SELECT max(n) FROM releases
		WHERE conference_id = c.id), 0) + 1,
	    coalesce(p_in->>'name', ''), coalesce(p_in->>'comment', ''),
	    (p_actor->>'token_id')::bigint)
	RETURNING * INTO r;
	PERFORM kaigi_release_copy(c.id, r.id);
	PERFORM kaigi_release_close_mail(c.id, r);
	PERFORM kaigi_core_audit(p_actor, c.id, 'create', 'release', r.id, NULL,
	    kaigi_release_json(r, c.timezone));
	RETURN kaigi_release_json(r, c.timezone);
END $$;

-- GET /conferences/{slug}/releases: {items, next}, by n. Anyone who may
-- know the conference may list them (names, comments, counts).
CREATE FUNCTION kaigi_release_list(p_slug text, p_limit int, p_after bigint)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences := kaigi_core_conference(p_slug);
BEGIN
	RETURN (SELECT kaigi_core_page(
	    array_agg(kaigi_release_json(x, c.timezone)::json ORDER BY x.n),
	    array_agg(x.n::bigint ORDER BY x.n), p_limit)
	FROM (SELECT * FROM releases r WHERE r.conference_id = c.id
	    AND r.n > coalesce(p_after, 0) ORDER BY r.n LIMIT p_limit + 1) x);
END $$;

-- ---------------------------------------------------------------------------
-- Changes between releases
-- ---------------------------------------------------------------------------

-- Release rs as the change list shows one side: {start, end, room, title}.
CREATE FUNCTION kaigi_release_side(rs release_sessions, tz text)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN rs.session_id IS NOT NULL THEN jsonb_build_object(
	    'start', kaigi_ts(rs.starts_at, tz), 'end', kaigi_ts(rs.ends_at, tz),
	    'room', rs.room, 'title', rs.title, 'status', rs.status) END
$$;

-- What p_actor sees change from release p_before (NULL: nothing) to
-- p_after: one row per (session, change), change one of added, moved,
-- re-roomed, cancelled, retitled.
CREATE FUNCTION kaigi_release_diff(p_before bigint, p_after bigint,
    p_actor jsonb)
RETURNS TABLE (session_id bigint, change text, a release_sessions,
    b release_sessions)
LANGUAGE sql STABLE AS $$
	WITH a AS (SELECT rs FROM release_sessions rs WHERE rs.release_id = p_before
		AND kaigi_release_visible(rs, p_actor)),
	    b AS (SELECT rs FROM release_sessions rs WHERE rs.release_id = p_after
		AND kaigi_release_visible(rs, p_actor)),
	    j AS (SELECT coalesce((b.rs).session_id, (a.rs).session_id) AS id,
		a.rs AS a, b.rs AS b,
		(a.rs).session_id IS NOT NULL AND (a.rs).status <> 'cancelled' AS was,
		(b.rs).session_id IS NOT NULL AND (b.rs).status <> 'cancelled' AS is
		FROM a FULL JOIN b ON (a.rs).session_id = (b.rs).session_id)
	SELECT j.id, x.change, j.a, j.b FROM j
	CROSS JOIN LATERAL (VALUES
	    (1, 'added', j.is AND NOT j.was),
	    (2, 'moved', j.is AND j.was AND ((j.a).starts_at, (j.a).ends_at)
		IS DISTINCT FROM ((j.b).starts_at, (j.b).ends_at)),
	    (3, 're-roomed', j.is AND j.was AND (j.a).room_id IS DISTINCT FROM (j.b).room_id),
	    (4, 'retitled', j.is AND j.was AND (j.a).title IS DISTINCT FROM (j.b).title),
	    (5, 'cancelled', j.was AND NOT j.is)) x(o, change, yes)
	WHERE x.yes
	ORDER BY coalesce((j.b).starts_at, (j.a).starts_at), j.id, x.o
$$;

-- GET /conferences/{slug}/releases/{n}/changes[?delegation=|participant=]:
-- {n, audience, items: [{session_id, change, title, before, after}]} as
-- that audience sees the two releases (kaigi_programme_reader decides whose:
-- the secretariat anyone's, a liaison its own delegation's, anyone else
-- the public's). KG404 unknown conference, release or audience.
CREATE FUNCTION kaigi_release_changes(p_actor jsonb, p_slug text, p_n int,
    p_delegation text, p_participant text)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences := kaigi_core_conference(p_slug);
	r1	releases;
	r0	releases;
	rd	jsonb;
BEGIN
	SELECT * INTO r1 FROM releases WHERE conference_id = c.id AND n = p_n;
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'KG404', MESSAGE = 'no such release';
	END IF;
	SELECT * INTO r0 FROM releases WHERE conference_id = c.id AND n = p_n - 1;
	rd := kaigi_programme_reader(p_actor, c, p_delegation, p_participant);
	RETURN jsonb_build_object('n', r1.n, 'audience',
	    rd - 'actor' - 'delegation_id',
	    'items', coalesce((SELECT jsonb_agg(jsonb_build_object(
		'session_id', d.session_id, 'change', d.change,
		'title', coalesce((d.b).title, (d.a).title),
		'before', kaigi_release_side(d.a, c.timezone),
		'after', kaigi_release_side(d.b, c.timezone)))
	    FROM kaigi_release_diff(r0.id, r1.id, rd->'actor') d), '[]'::jsonb));
END $$;

-- ---------------------------------------------------------------------------
-- Mail: a batch per release
-- ---------------------------------------------------------------------------

-- What a mail reports of session p_sid in release p_rid as participant
-- p_pid's feed shows it (time, room, status, title), NULL when it does not.
CREATE FUNCTION kaigi_release_seen(p_rid bigint, p_sid bigint, p_pid bigint)
RETURNS text LANGUAGE sql STABLE AS $$
	SELECT row(rs.starts_at, rs.ends_at, rs.room_id, rs.status, rs.title)::text
	FROM release_sessions rs
	WHERE rs.release_id = p_rid AND rs.session_id = p_sid
	    AND kaigi_release_visible(rs, jsonb_build_object('role', 'feed',
		'conference_id', rs.conference_id, 'participant_id', p_pid))
$$;

-- Release r of conference p_cid closes its pending mail: rows whose session
-- the participant sees the same in both releases (or before the first
-- release, when nothing was shown) are dropped; the rest become one batch
-- per participant.
CREATE FUNCTION kaigi_release_close_mail(p_cid bigint, r releases)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	prev	bigint := (SELECT id FROM releases WHERE conference_id = p_cid
	    AND n = r.n - 1);
BEGIN
	DELETE FROM outbox o WHERE o.conference_id = p_cid AND o.batch_id IS NULL
	    AND (prev IS NULL OR kaigi_release_seen(prev, o.session_id, o.participant_id)
		IS NOT DISTINCT FROM kaigi_release_seen(r.id, o.session_id,
		    o.participant_id));
	WITH b AS (
		INSERT INTO outbox_batches (conference_id, participant_id)
		SELECT DISTINCT p_cid, participant_id FROM outbox
		WHERE conference_id = p_cid AND batch_id IS NULL
		RETURNING id, participant_id
	)
	UPDATE outbox o SET batch_id = b.id FROM b
	WHERE o.participant_id = b.participant_id AND o.batch_id IS NULL;
END $$;

-- 100's kaigi_outbox_close, leaving conferences in release mode alone
-- (their batches are closed by their releases).
CREATE OR REPLACE FUNCTION kaigi_outbox_close(p_quiet int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
	n	int;
BEGIN
	IF NOT pg_try_advisory_xact_lock(hashtext('kaigi_outbox_close')) THEN
		RETURN 0;
	END IF;
	WITH ready AS (
		SELECT o.conference_id, o.participant_id FROM outbox o
		JOIN conferences c ON c.id = o.conference_id AND c.publish = 'live'
		WHERE o.batch_id IS NULL
		GROUP BY o.conference_id, o.participant_id
		HAVING max(o.created_at) <= clock_timestamp() - make_interval(secs => p_quiet)
	), b AS (
		INSERT INTO outbox_batches (conference_id, participant_id)
		SELECT conference_id, participant_id FROM ready
		RETURNING id, participant_id
	)
	UPDATE outbox o SET batch_id = b.id FROM b
	WHERE o.participant_id = b.participant_id AND o.batch_id IS NULL;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END $$;

-- ---------------------------------------------------------------------------
-- The page's data (the session list) and the printed programme
-- ---------------------------------------------------------------------------

-- The API's session object of a release's row (kaigi_session_json's shape;
-- version is the session's sequence + 1 at release time is unknown: null).
CREATE FUNCTION kaigi_release_session_json(rs release_sessions, c conferences)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object(
	    'id', rs.session_id, 'conference', c.slug, 'kind', rs.kind,
	    'title', rs.title, 'description', rs.description,
	    'room_id', rs.room_id, 'room', rs.room,
	    'venue_id', (SELECT venue_id FROM rooms WHERE id = rs.room_id),
	    'venue', rs.venue,
	    'start', kaigi_session_ts(rs.starts_at, c.timezone),
	    'end', kaigi_session_ts(rs.ends_at, c.timezone),
	    'duration_minutes', (extract(epoch FROM rs.ends_at - rs.starts_at) / 60)::int,
	    'status', rs.status, 'visibility', rs.visibility,
	    'sequence', rs.sequence, 'version', NULL,
	    'attendees', coalesce((SELECT jsonb_agg(jsonb_build_object('id', p.id,
		'name', p.name, 'role', p.role, 'delegation', d.code) ORDER BY p.id)
		FROM release_attendees a JOIN participants p ON p.id = a.participant_id
		JOIN delegations d ON d.id = a.delegation_id
		WHERE a.release_id = rs.release_id AND a.session_id = rs.session_id),
		'[]'::jsonb),
	    'delegations', coalesce((SELECT jsonb_agg(d.code ORDER BY d.code)
		FROM release_delegations sd JOIN delegations d ON d.id = sd.delegation_id
		WHERE sd.release_id = rs.release_id AND sd.session_id = rs.session_id),
		'[]'::jsonb),
	    'created_at', kaigi_session_ts(rs.created_at, c.timezone),
	    'updated_at', kaigi_session_ts(rs.updated_at, c.timezone))
$$;

-- kaigi_sessions_page (060) on the last release of c: same filters, order
-- and positions.
CREATE FUNCTION kaigi_release_sessions_page(p_actor jsonb, c conferences,
    p_filter jsonb, p_limit int, p_after text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	WITH prev AS (
		SELECT timestamptz 'epoch' + split_part(p_after, ':', 1)::bigint
			* interval '1 microsecond' AS starts_at,
		    split_part(p_after, ':', 2)::bigint AS id
		WHERE p_after <> '0'
	),
	page AS (
		SELECT rs, rs.session_id AS id, rs.starts_at
		FROM release_sessions rs
		WHERE rs.release_id = (kaigi_release_last(c.id)).id
		    AND (NOT EXISTS (SELECT 1 FROM prev) OR (rs.starts_at, rs.session_id)
			> (SELECT starts_at, id FROM prev))
		    AND (p_filter->>'from' IS NULL
			OR rs.ends_at > (p_filter->>'from')::timestamptz)
		    AND (p_filter->>'to' IS NULL
			OR rs.starts_at < (p_filter->>'to')::timestamptz)
		    AND (p_filter->>'kind' IS NULL OR rs.kind = p_filter->>'kind')
		    AND (p_filter->>'room_id' IS NULL
			OR rs.room_id = (p_filter->>'room_id')::bigint)
		    AND (p_filter->>'delegation' IS NULL OR EXISTS (
			SELECT 1 FROM delegations d WHERE d.conference_id = c.id
			    AND d.code = p_filter->>'delegation'
			    AND (EXISTS (SELECT 1 FROM release_delegations sd
				WHERE sd.release_id = rs.release_id
				    AND sd.session_id = rs.session_id
				    AND sd.delegation_id = d.id)
			    OR EXISTS (SELECT 1 FROM release_attendees a
				WHERE a.release_id = rs.release_id
				    AND a.session_id = rs.session_id
				    AND a.delegation_id = d.id))))
		    AND kaigi_release_visible(rs, p_actor)
		ORDER BY rs.starts_at, rs.session_id
		LIMIT p_limit + 1
	),
	numbered AS (SELECT rs, id, starts_at,
	    row_number() OVER (ORDER BY starts_at, id) AS n FROM page)
	SELECT jsonb_build_object(
	    'items', coalesce((SELECT jsonb_agg(kaigi_release_session_json(rs, c)
		ORDER BY n) FROM numbered WHERE n <= p_limit), '[]'::jsonb),
	    'next', (SELECT to_jsonb(kaigi_session_position(starts_at, id))
		FROM numbered WHERE n = p_limit
		AND EXISTS (SELECT 1 FROM numbered WHERE n > p_limit)))
$$;

ALTER FUNCTION kaigi_sessions_page(jsonb, text, jsonb, int, text)
    RENAME TO kaigi_sessions_page_draft;

-- GET /conferences/{slug}/sessions: the draft, or in release mode for a
-- caller that may not write, the last release.
CREATE FUNCTION kaigi_sessions_page(p_actor jsonb, p_slug text, p_filter jsonb,
    p_limit int, p_after text) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences;
BEGIN
	SELECT * INTO c FROM conferences WHERE slug = p_slug;
	IF FOUND AND kaigi_release_mode(c, p_actor) THEN
		RETURN kaigi_release_sessions_page(p_actor, c, p_filter, p_limit,
		    p_after);
	END IF;
	RETURN kaigi_sessions_page_draft(p_actor, p_slug, p_filter, p_limit,
	    p_after);
END $$;

-- kaigi_programme_item (086) for a release's row.
CREATE FUNCTION kaigi_release_programme_item(rs release_sessions, tz text,
    p_did bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', rs.session_id, 'kind', rs.kind,
	    'title', rs.title, 'status', rs.status, 'visibility', rs.visibility,
	    'start', kaigi_programme_clock(rs.starts_at, tz,
		(rs.starts_at AT TIME ZONE tz)::date),
	    'end', kaigi_programme_clock(rs.ends_at, tz,
		(rs.starts_at AT TIME ZONE tz)::date),
	    'room', rs.room, 'venue', rs.venue,
	    'attendees', coalesce((SELECT jsonb_agg(jsonb_build_object(
		'name', p.name, 'role', p.role) ORDER BY
		array_position(ARRAY['head', 'deputy', 'member', 'staff'], p.role),
		p.name, p.id)
		FROM release_attendees a JOIN participants p ON p.id = a.participant_id
		WHERE a.release_id = rs.release_id AND a.session_id = rs.session_id
		    AND a.delegation_id = p_did), '[]'::jsonb),
	    'delegations', coalesce((SELECT jsonb_agg(d.code ORDER BY d.code)
		FROM release_delegations sd JOIN delegations d ON d.id = sd.delegation_id
		WHERE sd.release_id = rs.release_id AND sd.session_id = rs.session_id),
		'[]'::jsonb))
$$;

-- kaigi_programme_days (086) of release p_rid (NULL: no days).
CREATE FUNCTION kaigi_release_programme_days(p_rid bigint, p_reader_actor jsonb,
    tz text, p_did bigint)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	WITH seen AS (
		SELECT rs, (rs.starts_at AT TIME ZONE tz)::date AS day
		FROM release_sessions rs
		WHERE rs.release_id = p_rid AND rs.status <> 'cancelled'
		    AND kaigi_release_visible(rs, p_reader_actor)
	)
	SELECT coalesce(jsonb_agg(jsonb_build_object('date', day::text,
	    'label', to_char(day, 'FMDay FMDD FMMonth YYYY'), 'items', items)
	    ORDER BY day), '[]'::jsonb)
	FROM (SELECT day, jsonb_agg(kaigi_release_programme_item(rs, tz, p_did)
		ORDER BY (rs).starts_at, (rs).ends_at, (rs).session_id) AS items
	    FROM seen GROUP BY day) per_day
$$;

-- GET /conferences/{slug}/programme.pdf (086's, same document): in release
-- mode a caller that may not write gets the last release's sessions.
CREATE OR REPLACE FUNCTION kaigi_programme(p_actor jsonb, p_slug text,
    p_delegation text, p_participant text, p_tz text)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences := kaigi_core_conference(p_slug);
	tz	text := coalesce(p_tz, c.timezone);
	rd	jsonb;
	days	jsonb;
	first	timestamptz;
BEGIN
	IF NOT kaigi_valid_timezone(tz) THEN
		PERFORM kaigi_core_invalid('tz',
		    'must be an IANA time zone name, such as Asia/Tokyo or Europe/Paris');
	END IF;
	rd := kaigi_programme_reader(p_actor, c, p_delegation, p_participant);
	IF kaigi_release_mode(c, p_actor) THEN
		days := kaigi_release_programme_days((kaigi_release_last(c.id)).id,
		    rd->'actor', tz, (rd->>'delegation_id')::bigint);
	ELSE
		days := kaigi_programme_days(c.id, rd->'actor', tz,
		    (rd->>'delegation_id')::bigint);
	END IF;
	first := c.start_date::timestamp AT TIME ZONE c.timezone;
	RETURN jsonb_build_object('conference', c.title, 'slug', c.slug,
	    'location', c.location, 'start_date', c.start_date::text,
	    'end_date', c.end_date::text,
	    'dates', kaigi_programme_dates(c.start_date, c.end_date),
	    'timezone', tz, 'conference_timezone', c.timezone,
	    'utc_offset', 'UTC' || substr(kaigi_ts(first, tz), 20),
	    'reader', rd - 'actor' - 'delegation_id',
	    'days', days,
	    'sessions', (SELECT coalesce(sum(jsonb_array_length(d->'items')), 0)
		FROM jsonb_array_elements(days) d),
	    'printed_at', to_char(now() AT TIME ZONE tz, 'YYYY-MM-DD HH24:MI'));
END $$;

-- The change stream (030's kaigi_changes_since): in release mode a caller
-- that may not write sees no draft change (each event carries the session
-- as it is now, i.e. the draft); the secretariat's stream is unchanged.
CREATE OR REPLACE FUNCTION kaigi_changes_since(p_conference_id bigint,
    p_after_id bigint, p_actor jsonb, p_limit int)
RETURNS TABLE (id bigint, change text, visible boolean, event text)
LANGUAGE sql STABLE AS $$
	SELECT x.id, x.change, x.visible, CASE WHEN x.visible THEN
	    jsonb_build_object('id', x.id, 'change', x.change,
		'session_id', x.session_id, 'at', kaigi_ts(x.at, x.timezone),
		'session', kaigi_session_json(x.session_id))::text END
	FROM (
		SELECT ch.id, ch.change, ch.session_id, ch.at, c.timezone,
		    CASE WHEN kaigi_release_mode(c, p_actor) THEN false
			WHEN s.id IS NULL
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

-- GET /sessions/{id} (020's kaigi_session_get): in release mode a caller
-- that may not write gets the session as the last release shows it (its
-- version null: there is no draft version to match), or nothing (404) when
-- the release does not show it to the caller.
CREATE OR REPLACE FUNCTION kaigi_session_get(p_actor jsonb, p_id bigint)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences;
BEGIN
	SELECT * INTO c FROM conferences WHERE id = coalesce(
	    (SELECT conference_id FROM sessions WHERE id = p_id),
	    (SELECT conference_id FROM release_sessions WHERE session_id = p_id
		LIMIT 1));
	IF FOUND AND kaigi_release_mode(c, p_actor) THEN
		RETURN (SELECT kaigi_release_session_json(rs, c)
		    FROM release_sessions rs
		    WHERE rs.release_id = (kaigi_release_last(c.id)).id
			AND rs.session_id = p_id AND kaigi_release_visible(rs, p_actor));
	END IF;
	RETURN (SELECT kaigi_session_json(p_id)
	    WHERE kaigi_session_visible(p_id, p_actor));
END $$;
