-- 960_outbox_claim_by_key.sql — a sender's claim reads and marks its 32
-- batches by their keys, whatever the planner knows of outbox and
-- outbox_batches: the claim, its events and its mark each do work that
-- grows with the claim, not with every row ever queued (issue 18,
-- scripts/bench/mail-load).
--
-- 640's kaigi_outbox_mail_events (called once per claim of 32 batches)
-- joined the claim's ids to outbox_batches and, for the batches' cancelled,
-- uninvited and hidden sessions (its "gone" part), joined the batches to
-- outbox on the change's kind. Both are joins whose side is the whole
-- table, so the planner may hash it: with statistics taken while the
-- closer was batching, mail-load's claims each read all 40,000 outbox
-- rows by a sequential scan (33 ms a call in kaigid, 625 calls: the
-- largest of the sender's database costs per message), and the batches'
-- join reads every batch ever made once the table is small enough for a
-- hash to look cheaper. Both tables keep every row ever queued, so a
-- claim's cost grew with the conference's history.
--
-- Now the batches are read by `id = ANY (p_batch_ids)` (the claim's order
-- from array_position) and the outbox rows once, by `batch_id = ANY
-- (p_batch_ids)` into a materialised set that both the first-row part
-- (w) and the gone part read. The claim's three statements are then
-- planned with sequential scans priced out (as 890's look-ups), and the
-- claim with bitmap scans too, so that it reads the due batches in its
-- index's order: with the statistics of a small table (a new
-- installation's, before autovacuum's first look at a wave), a scan of
-- every batch still looked cheaper than 32 probes of a key. Same rows,
-- same order. tests/integration/48-mail-claim-keys-plan.t counts the rows
-- each statement's plans handle, with such statistics and after ANALYZE
-- (old, 10,000 batches: claim 20,322, events 30,865, mark 10,097).
--
-- Replaces (CREATE OR REPLACE, same signature): 640's
-- kaigi_outbox_mail_events. Sets: enable_seqscan off on it and on 270's
-- kaigi_outbox_claim and kaigi_outbox_done, enable_bitmapscan off on the
-- claim.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

CREATE OR REPLACE FUNCTION kaigi_outbox_mail_events(p_batch_ids bigint[])
RETURNS TABLE (batch_id bigint, id bigint, kind text, title text,
    description text, room text, venue text, starts_at bigint, ends_at bigint,
    status text, sequence int, created_at bigint, updated_at bigint,
    was_start bigint, was_end bigint, was_room text, was_title text,
    change text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN QUERY WITH b AS (
		SELECT ob.id AS bid, array_position(p_batch_ids, ob.id) AS ord,
		    c AS conf,
		    jsonb_build_object('role', 'feed', 'conference_id', c.id,
			'participant_id', ob.participant_id) AS actor
		FROM outbox_batches ob
		JOIN conferences c ON c.id = ob.conference_id
		WHERE ob.id = ANY (p_batch_ids)
	), m AS (
		SELECT b.*, CASE WHEN kaigi_release_mode(b.conf, b.actor)
		    THEN coalesce((kaigi_release_last((b.conf).id)).id, 0) END AS rid
		FROM b
	), mine AS MATERIALIZED (
		SELECT o.* FROM outbox o WHERE o.batch_id = ANY (p_batch_ids)
	), w AS (
		SELECT DISTINCT ON (o.batch_id, o.session_id) o.*
		FROM mine o
		ORDER BY o.batch_id, o.session_id, o.id
	), f AS (
		SELECT m.bid, m.ord, s.id, s.kind, s.title, s.description,
		    r.name AS room, v.name AS venue, s.starts_at, s.ends_at, s.status,
		    s.sequence, s.created_at, s.updated_at, w.was_start, w.was_end,
		    w.was_room, w.was_title, w.change
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
		    w.was_room, w.was_title, w.change
		FROM m JOIN w ON w.batch_id = m.bid
		JOIN release_sessions rs
		    ON rs.release_id = m.rid AND rs.session_id = w.session_id
		WHERE m.rid IS NOT NULL AND kaigi_release_visible(rs, m.actor)
	), gone AS (
		SELECT DISTINCT ON (o.batch_id, o.session_id) m.bid, m.ord,
		    o.session_id AS id, o.was_kind AS kind, o.was_title AS title,
		    NULL::text AS description, o.was_room AS room,
		    o.was_venue AS venue, o.was_start AS starts_at,
		    o.was_end AS ends_at, 'cancelled'::text AS status,
		    o.was_sequence AS sequence, o.created_at, o.created_at AS updated_at,
		    o.was_start, o.was_end, o.was_room, o.was_title,
		    o.change
		FROM m JOIN mine o ON o.batch_id = m.bid
		    AND o.change IN ('removed', 'uninvited', 'hidden')
		WHERE NOT EXISTS (SELECT 1 FROM f WHERE f.bid = m.bid
		    AND f.id = o.session_id)
		ORDER BY o.batch_id, o.session_id, o.id DESC
	), e AS (
		SELECT f.*, CASE WHEN f.change IN ('removed', 'uninvited', 'hidden') THEN 'changed'
		    ELSE f.change END AS verb FROM f
		UNION ALL
		SELECT gone.*, gone.change FROM gone
	)
	SELECT e.bid, e.id, e.kind, e.title, e.description, e.room, e.venue,
	    kaigi_epoch(e.starts_at), kaigi_epoch(e.ends_at), e.status, e.sequence,
	    kaigi_epoch(e.created_at), kaigi_epoch(e.updated_at),
	    kaigi_epoch(e.was_start), kaigi_epoch(e.was_end), e.was_room,
	    e.was_title, e.verb
	FROM e
	ORDER BY e.ord, kaigi_epoch(e.starts_at), e.id;
END $$;

-- Each of its reads is by a key (the batches' and the rows' ids, the
-- sessions', rooms', venues' and release rows' keys).
ALTER FUNCTION kaigi_outbox_mail_events(bigint[]) SET enable_seqscan = off;

-- The claim's other two statements are key look-ups too: 270's
-- kaigi_outbox_claim reads the due batches in the order of 210's index on
-- (next_attempt_at, id) (940) and kaigi_outbox_done updates batches by id.
-- With the statistics of a small outbox_batches, the claim read and sorted
-- every due batch to keep 32 and the mark scanned every batch to update
-- 32.
ALTER FUNCTION kaigi_outbox_claim(int) SET enable_seqscan = off;
ALTER FUNCTION kaigi_outbox_claim(int) SET enable_bitmapscan = off;
ALTER FUNCTION kaigi_outbox_done(bigint[], text[], bigint[], text[], int)
    SET enable_seqscan = off;
