-- 210_release_languages.sql — releases carry the titles and descriptions
-- in other languages (issue 18 × issue 17), and the mail sender's per-
-- message queries no longer grow with the conference (issue 18's load
-- figure, scripts/bench/mail-load).
--
-- Languages: release_sessions gets `titles` and `descriptions` (150's
-- jsonb {tag: text}), copied by kaigi_release_copy. Everything that shows a
-- release in another language reads them from the release, never from the
-- draft sessions: kaigi_feed_lang (feeds' ?lang=), kaigi_programme_lang
-- (programme.pdf?lang=), kaigi_release_session_json (the page's data and
-- GET /sessions/{id} in release mode, with `titles`/`descriptions` as the
-- draft's JSON has them). Before this, a release-mode ?lang=ja feed showed
-- the draft's Japanese title (a draft retitle in Japanese was published
-- at once) and the page none. kaigi_release_diff reports `retitled` when
-- the title changed in any language; each side of the change list carries
-- `titles`. Releases made before this migration get the sessions' titles
-- of now (what their ?lang= feeds showed until now).
--
-- Mail: kaigi_outbox_next picked the next batch after joining and sorting
-- every due batch (53 ms with 20,000 due), and kaigi_outbox_events built the
-- participant's whole feed, whose Last-Modified (kaigi_feed_changed) scans
-- every participant of the conference (13 ms), for each message. Now the
-- next batch is one index probe (outbox_batches_next_idx) and the events
-- are the batch's own sessions, by the feed's rules: in live mode the
-- draft row if the participant may see it (020's kaigi_session_visible),
-- in release mode the last release's row (130's kaigi_release_visible).
--
-- Replaced here: kaigi_release_copy, kaigi_release_side, kaigi_release_diff
-- (130), kaigi_release_session_json (130), kaigi_feed_lang (150; and a new
-- kaigi_feed_lang(row, lang, actor) for the room feed, whose caller may
-- see the draft), kaigi_programme_lang (150), kaigi_outbox_next,
-- kaigi_outbox_events and kaigi_outbox_sent (100; now PL/pgSQL, whose
-- plans the sender's connection keeps, where a LANGUAGE sql function that
-- is not inlined is planned at every call), and 130's kaigi_outbox_close
-- (quiet counted from when the closer first saw a row: outbox.seen_at).

ALTER TABLE release_sessions
    ADD COLUMN titles jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN descriptions jsonb NOT NULL DEFAULT '{}';
UPDATE release_sessions rs SET titles = s.titles, descriptions = s.descriptions
FROM sessions s WHERE s.id = rs.session_id;

-- 130's copy, plus titles and descriptions.
CREATE OR REPLACE FUNCTION kaigi_release_copy(p_cid bigint, p_rid bigint)
RETURNS void LANGUAGE sql AS $$
	INSERT INTO release_sessions (release_id, session_id, conference_id,
	    kind, title, description, room_id, room, venue, starts_at, ends_at,
	    status, visibility, sequence, created_at, updated_at, titles,
	    descriptions)
	SELECT p_rid, s.id, s.conference_id, s.kind, s.title, s.description,
	    s.room_id, r.name, v.name, s.starts_at, s.ends_at, s.status,
	    s.visibility, s.sequence, s.created_at, s.updated_at, s.titles,
	    s.descriptions
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

-- 130's session JSON of a release's row, plus titles and descriptions (and
-- 190's protocol order of its delegations).
CREATE OR REPLACE FUNCTION kaigi_release_session_json(rs release_sessions,
    c conferences)
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
	    'titles', rs.titles, 'descriptions', rs.descriptions,
	    'attendees', coalesce((SELECT jsonb_agg(jsonb_build_object('id', p.id,
		'name', p.name, 'role', p.role, 'delegation', d.code) ORDER BY p.id)
		FROM release_attendees a JOIN participants p ON p.id = a.participant_id
		JOIN delegations d ON d.id = a.delegation_id
		WHERE a.release_id = rs.release_id AND a.session_id = rs.session_id),
		'[]'::jsonb),
	    'delegations', coalesce((SELECT jsonb_agg(d.code ORDER BY kaigi_delegation_rank(d.id), d.code)
		FROM release_delegations sd JOIN delegations d ON d.id = sd.delegation_id
		WHERE sd.release_id = rs.release_id AND sd.session_id = rs.session_id),
		'[]'::jsonb),
	    'created_at', kaigi_session_ts(rs.created_at, c.timezone),
	    'updated_at', kaigi_session_ts(rs.updated_at, c.timezone))
$$;

-- 130's side of a change, plus titles.
CREATE OR REPLACE FUNCTION kaigi_release_side(rs release_sessions, tz text)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN rs.session_id IS NOT NULL THEN jsonb_build_object(
	    'start', kaigi_ts(rs.starts_at, tz), 'end', kaigi_ts(rs.ends_at, tz),
	    'room', rs.room, 'title', rs.title, 'titles', rs.titles,
	    'status', rs.status) END
$$;

-- 130's diff; retitled when the title changed in any language.
CREATE OR REPLACE FUNCTION kaigi_release_diff(p_before bigint, p_after bigint,
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
	    (4, 'retitled', j.is AND j.was AND ((j.a).title, (j.a).titles)
		IS DISTINCT FROM ((j.b).title, (j.b).titles)),
	    (5, 'cancelled', j.was AND NOT j.is)) x(o, change, yes)
	WHERE x.yes
	ORDER BY coalesce((j.b).starts_at, (j.a).starts_at), j.id, x.o
$$;

-- A feed row's title and description in language p_lang (150's contract)
-- for a reader p_actor: in release mode (kaigi_release_mode) the texts of
-- the last release's row, else the draft session's.
CREATE FUNCTION kaigi_feed_lang(f kaigi_feed_row, p_lang text, p_actor jsonb,
    OUT title text, OUT description text, OUT title_lang text,
    OUT description_lang text, OUT lang_ok boolean, OUT languages text)
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN p_lang <> c.languages[1] AND t.titles ? p_lang
		THEN t.titles->>p_lang ELSE f.title END,
	    CASE WHEN p_lang <> c.languages[1] AND t.descriptions ? p_lang
		THEN t.descriptions->>p_lang ELSE f.description END,
	    CASE WHEN f.reserved OR f.id IS NULL THEN NULL
		WHEN p_lang <> c.languages[1] AND t.titles ? p_lang THEN p_lang
		ELSE c.languages[1] END,
	    CASE WHEN f.reserved OR f.id IS NULL THEN NULL
		WHEN p_lang <> c.languages[1] AND t.descriptions ? p_lang THEN p_lang
		ELSE c.languages[1] END,
	    p_lang = ANY (c.languages), array_to_string(c.languages, ', ')
	FROM conferences c
	LEFT JOIN LATERAL (
		SELECT rs.titles, rs.descriptions FROM release_sessions rs
		WHERE kaigi_release_mode(c, p_actor)
		    AND rs.release_id = (kaigi_release_last(c.id)).id
		    AND rs.session_id = f.id
		UNION ALL
		SELECT s.titles, s.descriptions FROM sessions s
		WHERE NOT kaigi_release_mode(c, p_actor) AND s.id = f.id
	) t ON true
	WHERE c.id = f.conference_id
$$;

-- 150's kaigi_feed_lang(row, lang), for the public and the token feeds:
-- their readers never write, so a release-mode conference shows them its
-- last release.
CREATE OR REPLACE FUNCTION kaigi_feed_lang(f kaigi_feed_row, p_lang text,
    OUT title text, OUT description text, OUT title_lang text,
    OUT description_lang text, OUT lang_ok boolean, OUT languages text)
LANGUAGE sql STABLE AS $$
	SELECT * FROM kaigi_feed_lang(f, p_lang, '{"role": "none"}'::jsonb)
$$;

-- 150's programme.pdf?lang=, with the titles of the release when the
-- document is the release's (kaigi_release_mode for p_actor).
CREATE OR REPLACE FUNCTION kaigi_programme_lang(p_actor jsonb, p_slug text,
    p_delegation text, p_participant text, p_tz text, p_lang text)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences := kaigi_core_conference(p_slug);
	doc	jsonb := kaigi_programme(p_actor, p_slug, p_delegation,
		    p_participant, p_tz);
	rid	bigint;
BEGIN
	IF p_lang IS NULL THEN
		RETURN doc;
	END IF;
	IF p_lang <> ALL (c.languages) THEN
		PERFORM kaigi_session_raise('KG400',
		    'lang must be one of the conference''s languages: '
		    || array_to_string(c.languages, ', '),
		    jsonb_build_object('choices', to_jsonb(c.languages)));
	END IF;
	IF kaigi_release_mode(c, p_actor) THEN
		rid := (kaigi_release_last(c.id)).id;
	END IF;
	RETURN jsonb_set(doc, '{days}', (SELECT coalesce(jsonb_agg(
	    jsonb_set(d, '{items}', (SELECT coalesce(jsonb_agg(
		CASE WHEN p_lang <> c.languages[1] AND t.titles ? p_lang
		    THEN jsonb_set(i, '{title}', t.titles->p_lang) ELSE i END
		ORDER BY o), '[]'::jsonb)
		FROM jsonb_array_elements(d->'items') WITH ORDINALITY AS x(i, o)
		LEFT JOIN LATERAL (
			SELECT rs.titles FROM release_sessions rs
			WHERE rid IS NOT NULL AND rs.release_id = rid
			    AND rs.session_id = (i->>'id')::bigint
			UNION ALL
			SELECT s.titles FROM sessions s
			WHERE rid IS NULL AND s.id = (i->>'id')::bigint
		) t ON true))
	    ORDER BY n), '[]'::jsonb)
	    FROM jsonb_array_elements(doc->'days') WITH ORDINALITY AS y(d, n)))
	    || jsonb_build_object('lang', p_lang);
END $$;

-- ---------------------------------------------------------------------------
-- Mail: per-message work independent of the conference's size
-- ---------------------------------------------------------------------------

CREATE INDEX outbox_batches_next_idx ON outbox_batches (next_attempt_at, id)
    WHERE sent_at IS NULL;

-- 100's kaigi_outbox_next: the batch is chosen (and locked) by the index
-- alone, then joined. PL/pgSQL so that the sender's connection plans it
-- once (a LANGUAGE sql function is planned at every call).
CREATE OR REPLACE FUNCTION kaigi_outbox_next()
RETURNS TABLE (batch_id bigint, attempts int, name text, email text,
    conference_id bigint, conference text, timezone text)
LANGUAGE plpgsql AS $$
BEGIN
	RETURN QUERY WITH b AS (
		SELECT ob.id, ob.attempts, ob.participant_id, ob.conference_id
		FROM outbox_batches ob
		WHERE ob.sent_at IS NULL AND ob.next_attempt_at <= now()
		ORDER BY ob.next_attempt_at, ob.id
		LIMIT 1
		FOR UPDATE SKIP LOCKED
	)
	SELECT b.id, b.attempts, p.name, p.email, c.id, c.title, c.timezone
	FROM b
	JOIN participants p ON p.id = b.participant_id
	JOIN conferences c ON c.id = b.conference_id;
END $$;

-- 100's kaigi_outbox_events: the same rows (the participant feed's row of
-- each session of the batch that the participant sees now, with how it
-- was), read for the batch's sessions only: in live mode the draft's
-- (kaigi_feed_rows_draft's rule), in release mode the last release's
-- (kaigi_release_feed_rows'). PL/pgSQL, planned once per connection.
CREATE OR REPLACE FUNCTION kaigi_outbox_events(p_batch_id bigint)
RETURNS TABLE (id bigint, kind text, title text, description text,
    room text, venue text, starts_at bigint, ends_at bigint, status text,
    sequence int, created_at bigint, updated_at bigint,
    was_start bigint, was_end bigint, was_room text, was_title text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences;
	actor	jsonb;
	rid	bigint;
BEGIN
	SELECT cf.* INTO c FROM outbox_batches ob
	JOIN conferences cf ON cf.id = ob.conference_id WHERE ob.id = p_batch_id;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	actor := jsonb_build_object('role', 'feed', 'conference_id', c.id,
	    'participant_id', (SELECT ob.participant_id FROM outbox_batches ob
		WHERE ob.id = p_batch_id));
	IF kaigi_release_mode(c, actor) THEN
		rid := coalesce((kaigi_release_last(c.id)).id, 0);
	END IF;
	RETURN QUERY WITH w AS (
		SELECT DISTINCT ON (o.session_id) o.*
		FROM outbox o WHERE o.batch_id = p_batch_id
		ORDER BY o.session_id, o.id
	), f AS (
		SELECT s.id, s.kind, s.title, s.description, r.name AS room,
		    v.name AS venue, s.starts_at, s.ends_at, s.status, s.sequence,
		    s.created_at, s.updated_at
		FROM w JOIN sessions s ON s.id = w.session_id
		LEFT JOIN rooms r ON r.id = s.room_id
		LEFT JOIN venues v ON v.id = r.venue_id
		WHERE rid IS NULL AND s.conference_id = c.id
		    AND (s.visibility = 'public' OR kaigi_session_visible(s.id, actor))
		UNION ALL
		SELECT rs.session_id, rs.kind, rs.title, rs.description, rs.room,
		    rs.venue, rs.starts_at, rs.ends_at, rs.status, rs.sequence,
		    rs.created_at, rs.updated_at
		FROM w JOIN release_sessions rs
		    ON rs.release_id = rid AND rs.session_id = w.session_id
		WHERE rid IS NOT NULL AND kaigi_release_visible(rs, actor)
	)
	SELECT f.id, f.kind, f.title, f.description, f.room, f.venue,
	    kaigi_epoch(f.starts_at), kaigi_epoch(f.ends_at), f.status, f.sequence,
	    kaigi_epoch(f.created_at), kaigi_epoch(f.updated_at),
	    kaigi_epoch(w.was_start), kaigi_epoch(w.was_end), w.was_room, w.was_title
	FROM f JOIN w ON w.session_id = f.id
	ORDER BY kaigi_epoch(f.starts_at), f.id;
END $$;

-- 100's kaigi_outbox_sent, in PL/pgSQL (planned once per connection).
CREATE OR REPLACE FUNCTION kaigi_outbox_sent(p_batch_id bigint, p_message_id text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	UPDATE outbox_batches SET sent_at = now(), message_id = p_message_id,
	    attempts = attempts + 1, last_error = NULL
	WHERE id = p_batch_id;
END $$;

-- ---------------------------------------------------------------------------
-- Mail: quiet since the rows became visible, not since they were written
-- ---------------------------------------------------------------------------
--
-- outbox.created_at is the instant the trigger wrote the row, inside the
-- change's transaction; the closer sees the row only at COMMIT. A change
-- whose transaction runs long (a plenary of 20,000: 1–2 s) thus looked
-- quiet early, and a participant's two changes 2 s apart, with
-- notify_quiet_seconds 3, left in two messages (mail-load saw 2,495 extra).
-- The closer now stamps seen_at on the pending rows it sees for the first
-- time, before it decides, and a participant is quiet once no pending row
-- was seen (or written) in the last p_quiet seconds.
ALTER TABLE outbox ADD COLUMN seen_at timestamptz;

-- 130's kaigi_outbox_close (release-mode conferences left to their
-- releases), quiet counted from seen_at.
CREATE OR REPLACE FUNCTION kaigi_outbox_close(p_quiet int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
	n	int;
BEGIN
	IF NOT pg_try_advisory_xact_lock(hashtext('kaigi_outbox_close')) THEN
		RETURN 0;
	END IF;
	UPDATE outbox SET seen_at = clock_timestamp()
	WHERE batch_id IS NULL AND seen_at IS NULL;
	WITH ready AS (
		SELECT o.conference_id, o.participant_id FROM outbox o
		JOIN conferences c ON c.id = o.conference_id AND c.publish = 'live'
		WHERE o.batch_id IS NULL
		GROUP BY o.conference_id, o.participant_id
		HAVING max(greatest(o.created_at, o.seen_at))
		    <= clock_timestamp() - make_interval(secs => p_quiet)
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
