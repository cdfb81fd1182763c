-- 300_outbox_events_set.sql — a claim's events in one set-based query
-- (issue 18's load figure: "the sender keeps pace with the SMTP sink").
--
-- 270's kaigi_outbox_events_of looped over the claim's batches and ran
-- 210's kaigi_outbox_events for each: four statements per batch inside
-- PL/pgSQL (the batch's conference, its actor, the release mode, the rows),
-- so the senders' database backends still did per-message work. Now one
-- query reads the events of every batch of the claim: the same rows, by
-- the same rules, in the same order (the array's order, then each batch's
-- sessions by start and id), each led by its batch's id:
--   - a batch's sessions are its outbox rows' (the first row of each
--     session: how it was before the batch's first change);
--   - in live mode the draft's row, if the batch's participant may see it
--     now (kaigi_session_visible with that participant's feed actor: the
--     actor is the batch's, never shared between batches); in release mode
--     the last release's row, by kaigi_release_visible;
--   - a session the participant may no longer see (made restricted or
--     confidential, attendee removed, deleted) is left out of that
--     participant's message only.
--
-- Replaced here: 270's kaigi_outbox_events_of (same signature and columns).
-- 210's kaigi_outbox_events stays (a batch at a time) as it was.

CREATE OR REPLACE FUNCTION kaigi_outbox_events_of(p_batch_ids bigint[])
RETURNS TABLE (batch_id bigint, id bigint, kind text, title text,
    description text, room text, venue text, starts_at bigint, ends_at bigint,
    status text, sequence int, created_at bigint, updated_at bigint,
    was_start bigint, was_end bigint, was_room text, was_title text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN QUERY WITH b AS (
		SELECT ob.id AS bid, i.ord, c AS conf,
		    jsonb_build_object('role', 'feed', 'conference_id', c.id,
			'participant_id', ob.participant_id) AS actor
		FROM unnest(p_batch_ids) WITH ORDINALITY AS i(id, ord)
		JOIN outbox_batches ob ON ob.id = i.id
		JOIN conferences c ON c.id = ob.conference_id
	), m AS (
		SELECT b.*, CASE WHEN kaigi_release_mode(b.conf, b.actor)
		    THEN coalesce((kaigi_release_last((b.conf).id)).id, 0) END AS rid
		FROM b
	), w AS (
		SELECT DISTINCT ON (o.batch_id, o.session_id) o.*
		FROM outbox o WHERE o.batch_id = ANY (p_batch_ids)
		ORDER BY o.batch_id, o.session_id, o.id
	), f AS (
		SELECT m.bid, m.ord, s.id, s.kind, s.title, s.description,
		    r.name AS room, v.name AS venue, s.starts_at, s.ends_at, s.status,
		    s.sequence, s.created_at, s.updated_at, w.was_start, w.was_end,
		    w.was_room, w.was_title
		FROM m JOIN w ON w.batch_id = m.bid
		JOIN sessions s ON s.id = w.session_id
		LEFT JOIN rooms r ON r.id = s.room_id
		LEFT JOIN venues v ON v.id = r.venue_id
		WHERE m.rid IS NULL AND s.conference_id = (m.conf).id
		    AND (s.visibility = 'public' OR kaigi_session_visible(s.id, m.actor))
		UNION ALL
		SELECT m.bid, m.ord, rs.session_id, rs.kind, rs.title, rs.description,
		    rs.room, rs.venue, rs.starts_at, rs.ends_at, rs.status,
		    rs.sequence, rs.created_at, rs.updated_at, w.was_start, w.was_end,
		    w.was_room, w.was_title
		FROM m JOIN w ON w.batch_id = m.bid
		JOIN release_sessions rs
		    ON rs.release_id = m.rid AND rs.session_id = w.session_id
		WHERE m.rid IS NOT NULL AND kaigi_release_visible(rs, m.actor)
	)
	SELECT f.bid, f.id, f.kind, f.title, f.description, f.room, f.venue,
	    kaigi_epoch(f.starts_at), kaigi_epoch(f.ends_at), f.status, f.sequence,
	    kaigi_epoch(f.created_at), kaigi_epoch(f.updated_at),
	    kaigi_epoch(f.was_start), kaigi_epoch(f.was_end), f.was_room,
	    f.was_title
	FROM f
	ORDER BY f.ord, kaigi_epoch(f.starts_at), f.id;
END $$;
