-- 650_release_visible_set.sql — which sessions of a release an actor may
-- see, asked once per feed, page or change list as a set instead of once
-- per session (issue 21: "the feed query made set-based: no per-row
-- visibility function call", for release mode too; 370 did the draft).
--
-- In release mode every reader that is not the secretariat reads the last
-- release, and 130's kaigi_release_feed_rows, kaigi_release_sessions_page
-- and 210's kaigi_release_diff asked kaigi_release_visible (410's rule,
-- not inlinable: it has subqueries) for every row of the release: on the
-- planted COP (19,231 sessions) 0.31 s for a liaison's page of 1,000, and
-- the same per personal feed. kaigi_release_sessions_seen gives the same
-- answer for a whole release in one statement per key of the actor, each
-- an index lookup (the indexes below: the primary keys lead with the
-- session, so a lookup by person or delegation read the whole release).
-- tests/integration/22-release-visible-set.t holds the set equal to the
-- rule for every kind of actor, every session and two releases, and shows
-- that reading a release feed, page or change list calls the rule for no
-- session: a clause added to one of the two alone fails it.
--
-- Replaced (CREATE OR REPLACE, same signatures): 130's
-- kaigi_release_feed_rows, 210's kaigi_release_diff. The session list
-- (130's kaigi_release_sessions_page) takes the set in 680, where its page
-- is rewritten once with its JSON. kaigi_release_visible stays the rule,
-- for single rows (the outbox, 590's existence check).
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

CREATE INDEX release_attendees_person_idx
    ON release_attendees (release_id, participant_id);
CREATE INDEX release_attendees_delegation_idx
    ON release_attendees (release_id, delegation_id);
CREATE INDEX release_delegations_delegation_idx
    ON release_delegations (release_id, delegation_id);
CREATE INDEX release_interpreters_person_idx
    ON release_interpreters (release_id, participant_id);

-- The ids of the sessions of release p_rid that p_actor may see (an id may
-- come twice), by kaigi_release_visible's rule (410): admin all; public
-- to everyone; to an actor of the release's conference its conference
-- sessions, and to its secretariat all; a party delegation's (listed, or
-- of an attendee at release time) to its liaison and feed; an attendee's
-- and an interpreter's to its participant feed; a confirmed registration's
-- (now) to the participant's and its delegation's. PL/pgSQL so that only
-- the lookups the actor's keys call for run (370's reason).
CREATE FUNCTION kaigi_release_sessions_seen(p_rid bigint, p_actor jsonb)
RETURNS SETOF bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_role	text := p_actor->>'role';
	v_cid	bigint := (p_actor->>'conference_id')::bigint;
	v_did	bigint := (p_actor->>'delegation_id')::bigint;
	v_pid	bigint := (p_actor->>'participant_id')::bigint;
	v_conf	bigint := (SELECT conference_id FROM releases WHERE id = p_rid);
	v_ours	boolean := coalesce(v_cid = v_conf, false);
BEGIN
	IF v_role = 'admin' OR (v_ours AND v_role = 'secretariat') THEN
		RETURN QUERY SELECT rs.session_id FROM release_sessions rs
		    WHERE rs.release_id = p_rid;
		RETURN;
	END IF;
	RETURN QUERY SELECT rs.session_id FROM release_sessions rs
	    WHERE rs.release_id = p_rid AND (rs.visibility = 'public'
		OR (v_ours AND rs.visibility = 'conference'));
	IF NOT v_ours THEN
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

-- 130's: the sessions the actor may not see flagged by one look at the
-- set, asked once (the CTE).
CREATE OR REPLACE FUNCTION kaigi_release_feed_rows(c conferences, p_name text,
    p_actor jsonb, p_room_id bigint, p_release_id bigint)
RETURNS SETOF kaigi_feed_row
LANGUAGE sql STABLE AS $$
	WITH seen AS MATERIALIZED (SELECT x
	    FROM kaigi_release_sessions_seen(p_release_id, p_actor) x)
	SELECT c.id, p_name, c.timezone,
	    kaigi_epoch(coalesce((SELECT created_at FROM releases
		WHERE id = p_release_id), c.created_at)),
	    s.session_id, s.kind, s.title, s.description, s.room, s.venue,
	    kaigi_epoch(s.starts_at), kaigi_epoch(s.ends_at), s.status, s.sequence,
	    kaigi_epoch(s.created_at), kaigi_epoch(s.updated_at), s.reserved
	FROM (SELECT 1) one
	LEFT JOIN LATERAL (
		SELECT rs.*, rs.session_id NOT IN (SELECT x FROM seen) AS reserved
		FROM release_sessions rs
		WHERE rs.release_id = p_release_id
		    AND (p_room_id IS NULL OR rs.room_id = p_room_id)
	) s ON p_room_id IS NOT NULL OR NOT s.reserved
$$;

-- 210's, each release's side read from its set by the primary key.
CREATE OR REPLACE FUNCTION kaigi_release_diff(p_before bigint, p_after bigint,
    p_actor jsonb)
RETURNS TABLE (session_id bigint, change text, a release_sessions,
    b release_sessions)
LANGUAGE sql STABLE AS $$
	WITH sa AS MATERIALIZED (SELECT DISTINCT x AS id
		FROM kaigi_release_sessions_seen(p_before, p_actor) x),
	    sb AS MATERIALIZED (SELECT DISTINCT x AS id
		FROM kaigi_release_sessions_seen(p_after, p_actor) x),
	    a AS (SELECT rs FROM sa JOIN release_sessions rs
		ON rs.release_id = p_before AND rs.session_id = sa.id),
	    b AS (SELECT rs FROM sb JOIN release_sessions rs
		ON rs.release_id = p_after AND rs.session_id = sb.id),
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
