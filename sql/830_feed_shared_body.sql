-- 830_feed_shared_body.sql — a personal feed read as the programme every
-- feed token of its conference shares, plus the few sessions its own keys
-- add (issue 21: "cold personal feed under 20 ms at COP size"; "render
-- each session's VEVENT once per audience and keep those fragments").
--
-- At COP size a personal feed is 4,500 public and conference sessions and
-- a handful of its own. kaigi_feed_token read all 4,500 for every token:
-- 26-28 ms of rows, and 2.3 MB through libpq. Now kaigid keeps the shared
-- part once per conference (server/feed-shared.c, read by
-- kaigi_feed_shared) and asks per token only kaigi_feed_token_own: the
-- sessions its delegation or participant keys add, whose visibility is
-- neither public nor conference (those are in the shared part already).
--
-- Both answers say whether the other side's snapshot shows the same
-- conference (kaigi_feed_shared_fresh): the shared part read under a
-- snapshot a that the token's read, under b, contains (every transaction
-- a saw committed, b sees committed) and no change of the conference
-- committed in between (kaigi_feed_fresh). kaigid assembles a feed only
-- from two such reads, so a personal feed is always the state of one
-- snapshot, whatever LISTEN says and whichever server each read ran on.
--
-- The visibility rule stays in one place: kaigi_sessions_seen (370) and
-- kaigi_release_sessions_seen (650) are now the shared lookup plus
-- kaigi_sessions_seen_own / kaigi_release_sessions_seen_own, the rest of
-- their former bodies unchanged. 22-visible-set.t and
-- 22-release-visible-set.t hold them equal to the rule;
-- 44-feed-shared.t holds every assembled feed equal to the whole one.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- 370's lookups by the actor's own keys (delegation, person): the
-- sessions it sees beyond the public and conference ones (an id may come
-- twice, and one of those may come too).
CREATE FUNCTION kaigi_sessions_seen_own(p_conference_id bigint, p_actor jsonb)
RETURNS SETOF bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_cid	bigint := (p_actor->>'conference_id')::bigint;
	v_did	bigint := (p_actor->>'delegation_id')::bigint;
	v_pid	bigint := (p_actor->>'participant_id')::bigint;
	v_ours	boolean := coalesce(v_cid = p_conference_id, false);
BEGIN
	IF v_ours AND v_did IS NOT NULL THEN
		RETURN QUERY SELECT sd.session_id FROM session_delegations sd
		    JOIN sessions s ON s.id = sd.session_id
		    WHERE sd.delegation_id = v_did
			AND s.conference_id = p_conference_id;
		-- from the delegation's members, not from every attendance
		RETURN QUERY WITH m AS MATERIALIZED (SELECT p.id FROM participants p
			WHERE p.delegation_id = v_did)
		    SELECT a.session_id FROM m
		    JOIN session_attendees a ON a.participant_id = m.id
		    JOIN sessions s ON s.id = a.session_id
		    WHERE s.conference_id = p_conference_id;
	END IF;
	IF v_ours AND v_pid IS NOT NULL THEN
		RETURN QUERY SELECT a.session_id FROM session_attendees a
		    JOIN sessions s ON s.id = a.session_id
		    WHERE a.participant_id = v_pid
			AND s.conference_id = p_conference_id;
	END IF;
	IF v_did IS NOT NULL THEN
		RETURN QUERY SELECT g.session_id FROM registrations g
		    JOIN participants p ON p.id = g.participant_id
		    JOIN sessions s ON s.id = g.session_id
		    WHERE p.delegation_id = v_did AND g.status = 'confirmed'
			AND g.conference_id = v_cid
			AND s.conference_id = p_conference_id;
	END IF;
	IF v_pid IS NOT NULL THEN
		RETURN QUERY SELECT g.session_id FROM registrations g
		    JOIN sessions s ON s.id = g.session_id
		    WHERE g.participant_id = v_pid AND g.status = 'confirmed'
			AND g.conference_id = v_cid
			AND s.conference_id = p_conference_id;
		RETURN QUERY SELECT i.session_id FROM session_interpreters i
		    JOIN participants p ON p.id = i.participant_id
		    JOIN sessions s ON s.id = i.session_id
		    WHERE i.participant_id = v_pid AND p.conference_id = v_cid
			AND s.conference_id = p_conference_id;
	END IF;
END $$;

-- 370's rule: all to an admin and the secretariat, else the shared
-- lookup and the actor's own.
CREATE OR REPLACE FUNCTION kaigi_sessions_seen(p_conference_id bigint,
    p_actor jsonb)
RETURNS SETOF bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_role	text := p_actor->>'role';
	v_ours	boolean := coalesce((p_actor->>'conference_id')::bigint
	    = p_conference_id, false);
BEGIN
	IF v_role = 'admin' OR (v_ours AND v_role = 'secretariat') THEN
		RETURN QUERY SELECT s.id FROM sessions s
		    WHERE s.conference_id = p_conference_id;
		RETURN;
	END IF;
	RETURN QUERY SELECT s.id FROM sessions s
	    WHERE s.conference_id = p_conference_id AND (s.visibility = 'public'
		OR (v_ours AND s.visibility = 'conference'));
	RETURN QUERY SELECT x FROM kaigi_sessions_seen_own(p_conference_id,
	    p_actor) x;
END $$;

-- 650's lookups by the actor's own keys, as kaigi_sessions_seen_own.
CREATE FUNCTION kaigi_release_sessions_seen_own(p_rid bigint, p_actor jsonb)
RETURNS SETOF bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_cid	bigint := (p_actor->>'conference_id')::bigint;
	v_did	bigint := (p_actor->>'delegation_id')::bigint;
	v_pid	bigint := (p_actor->>'participant_id')::bigint;
	v_conf	bigint := (SELECT conference_id FROM releases WHERE id = p_rid);
BEGIN
	IF NOT coalesce(v_cid = v_conf, false) THEN
		RETURN;
	END IF;
	IF v_did IS NOT NULL THEN
		RETURN QUERY SELECT d.session_id FROM release_delegations d
		    WHERE d.release_id = p_rid AND d.delegation_id = v_did;
		RETURN QUERY SELECT a.session_id FROM release_attendees a
		    WHERE a.release_id = p_rid AND a.delegation_id = v_did;
		RETURN QUERY SELECT g.session_id FROM registrations g
		    JOIN participants p ON p.id = g.participant_id
		    JOIN release_sessions rs ON rs.release_id = p_rid
			AND rs.session_id = g.session_id
		    WHERE p.delegation_id = v_did AND g.status = 'confirmed'
			AND g.conference_id = v_conf;
	END IF;
	IF v_pid IS NOT NULL THEN
		RETURN QUERY SELECT a.session_id FROM release_attendees a
		    WHERE a.release_id = p_rid AND a.participant_id = v_pid;
		RETURN QUERY SELECT i.session_id FROM release_interpreters i
		    WHERE i.release_id = p_rid AND i.participant_id = v_pid;
		RETURN QUERY SELECT g.session_id FROM registrations g
		    JOIN release_sessions rs ON rs.release_id = p_rid
			AND rs.session_id = g.session_id
		    WHERE g.participant_id = v_pid AND g.status = 'confirmed'
			AND g.conference_id = v_conf;
	END IF;
END $$;

-- 650's rule, as kaigi_sessions_seen.
CREATE OR REPLACE FUNCTION kaigi_release_sessions_seen(p_rid bigint,
    p_actor jsonb)
RETURNS SETOF bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_role	text := p_actor->>'role';
	v_conf	bigint := (SELECT conference_id FROM releases WHERE id = p_rid);
	v_ours	boolean := coalesce((p_actor->>'conference_id')::bigint
	    = v_conf, false);
BEGIN
	IF v_role = 'admin' OR (v_ours AND v_role = 'secretariat') THEN
		RETURN QUERY SELECT rs.session_id FROM release_sessions rs
		    WHERE rs.release_id = p_rid;
		RETURN;
	END IF;
	RETURN QUERY SELECT rs.session_id FROM release_sessions rs
	    WHERE rs.release_id = p_rid AND (rs.visibility = 'public'
		OR (v_ours AND rs.visibility = 'conference'));
	RETURN QUERY SELECT x FROM kaigi_release_sessions_seen_own(p_rid,
	    p_actor) x;
END $$;

-- The draft's feed rows of the sessions p_actor sees by its own keys
-- that are neither public nor conference; one row without a session
-- when there is none (030's shape: the calendar's columns).
CREATE FUNCTION kaigi_feed_rows_own(c conferences, p_name text, p_actor jsonb)
RETURNS SETOF kaigi_feed_row
LANGUAGE sql STABLE AS $$
	WITH own AS MATERIALIZED (SELECT DISTINCT x
	    FROM kaigi_sessions_seen_own(c.id, p_actor) x)
	SELECT c.id, p_name, c.timezone, ch.changed,
	    s.id, s.kind, s.title, s.description, r.name, v.name,
	    kaigi_epoch(s.starts_at), kaigi_epoch(s.ends_at), s.status, s.sequence,
	    kaigi_epoch(s.created_at), kaigi_epoch(s.updated_at), s.reserved
	FROM (SELECT kaigi_feed_changed(c.id) AS changed OFFSET 0) ch
	LEFT JOIN LATERAL (
		SELECT s.*, false AS reserved FROM own
		JOIN sessions s ON s.id = own.x
		WHERE s.conference_id = c.id
		    AND s.visibility NOT IN ('public', 'conference')
	) s ON true
	LEFT JOIN rooms r ON r.id = s.room_id
	LEFT JOIN venues v ON v.id = r.venue_id
$$;

-- The same of release p_rid (130's rows and clock).
CREATE FUNCTION kaigi_release_feed_rows_own(c conferences, p_name text,
    p_actor jsonb, p_rid bigint)
RETURNS SETOF kaigi_feed_row
LANGUAGE sql STABLE AS $$
	WITH own AS MATERIALIZED (SELECT DISTINCT x
	    FROM kaigi_release_sessions_seen_own(p_rid, p_actor) x)
	SELECT c.id, p_name, c.timezone,
	    kaigi_epoch(coalesce((SELECT created_at FROM releases
		WHERE id = p_rid), c.created_at)),
	    s.session_id, s.kind, s.title, s.description, s.room, s.venue,
	    kaigi_epoch(s.starts_at), kaigi_epoch(s.ends_at), s.status, s.sequence,
	    kaigi_epoch(s.created_at), kaigi_epoch(s.updated_at), s.reserved
	FROM (SELECT 1) one
	LEFT JOIN LATERAL (
		SELECT rs.*, false AS reserved FROM own
		JOIN release_sessions rs ON rs.release_id = p_rid
		    AND rs.session_id = own.x
		WHERE rs.visibility NOT IN ('public', 'conference')
	) s ON true
$$;

-- The actor of a feed token (030's), as kaigi_feed_token builds it.
CREATE FUNCTION kaigi_feed_token_actor(t feed_tokens)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_build_object('role', 'feed', 'conference_id',
	    t.conference_id, 'delegation_id', t.delegation_id,
	    'participant_id', t.participant_id)
$$;

-- GET /feeds/{token}.ics without the shared part: kaigi_feed_token's rows
-- minus kaigi_feed_shared's, the draft's or in release mode the last
-- release's (130's choice). No row: no such feed.
CREATE FUNCTION kaigi_feed_token_own(p_token_hash text)
RETURNS SETOF kaigi_feed_row
LANGUAGE plpgsql STABLE AS $$
DECLARE
	t	feed_tokens;
	c	conferences;
	v_name	text;
BEGIN
	SELECT * INTO t FROM feed_tokens
	WHERE token_hash = p_token_hash AND revoked_at IS NULL;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	SELECT * INTO c FROM conferences WHERE id = t.conference_id;
	v_name := c.title || ' — ' || coalesce(
	    (SELECT name FROM delegations WHERE id = t.delegation_id),
	    (SELECT name FROM participants WHERE id = t.participant_id));
	IF kaigi_release_mode(c, kaigi_feed_token_actor(t)) THEN
		RETURN QUERY SELECT * FROM kaigi_release_feed_rows_own(c, v_name,
		    kaigi_feed_token_actor(t), (kaigi_release_last(c.id)).id);
	ELSE
		RETURN QUERY SELECT * FROM kaigi_feed_rows_own(c, v_name,
		    kaigi_feed_token_actor(t));
	END IF;
END $$;

-- The part of conference p_cid's personal feeds that every feed token of
-- it sees: its public and conference sessions (kaigi_feed_rows for a
-- token without delegation or participant).
CREATE FUNCTION kaigi_feed_shared(p_cid bigint)
RETURNS SETOF kaigi_feed_row
LANGUAGE sql STABLE AS $$
	SELECT f.* FROM conferences c, kaigi_feed_rows(c.id, c.title,
	    jsonb_build_object('role', 'feed', 'conference_id', c.id), NULL) f
	WHERE c.id = p_cid
$$;

-- Does snapshot b see committed every transaction that a sees committed?
-- (Sufficient, not necessary: false also when a's xmax is beyond b's.)
CREATE FUNCTION kaigi_snapshot_within(a pg_snapshot, b pg_snapshot)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
	SELECT pg_snapshot_xmax(a) <= pg_snapshot_xmax(b)
	    AND NOT EXISTS (SELECT 1 FROM pg_snapshot_xip(b) x
		WHERE pg_visible_in_snapshot(x, a))
$$;

-- Does this statement's snapshot show conference p_cid as the snapshot
-- that p_snapshots (a JSON object: conference id to pg_snapshot text)
-- holds for it? NULL when it holds none.
CREATE FUNCTION kaigi_feed_shared_fresh(p_cid bigint, p_snapshots jsonb)
RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT kaigi_snapshot_within(s.snap, pg_current_snapshot())
	    AND kaigi_feed_fresh(p_cid, s.snap)
	FROM (SELECT (p_snapshots->>(p_cid::text))::pg_snapshot AS snap) s
	WHERE s.snap IS NOT NULL
$$;
