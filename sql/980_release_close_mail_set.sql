-- 980_release_close_mail_set.sql — a release closes its pending mail by
-- asking what each participant saw as one set per release, not by calling
-- the rule twice per pending row (issue 18: "all messages are queued within
-- 10 s of the change", in release mode, where the change is the release).
--
-- A release drops the pending rows whose session the participant sees the
-- same in the release before and in the new one (700's closer) and the
-- 'uninvited'/'hidden' rows of sessions the new release still shows them
-- (640's). Both asked kaigi_release_seen (130's: the session's row in a
-- release if the participant's feed may see it, by 410's rule) for every
-- pending row, a SQL function with a FROM (never inlined) that calls the
-- rule, another: two executor start-ups per call. A plenary of 20,000
-- moved once in release mode made 20,000 pending rows and 40,000 calls;
-- publishing the next release took 9.6 s (13.5 s for the one after).
--
-- kaigi_release_outbox_seen(release, conference) gives kaigi_release_seen's
-- answer for every pending row of the conference in one statement: the
-- release's row of the session joined once, and 410's rule for the feed of
-- one participant of the release's own conference written as its cases
-- come out for that actor (public and conference sessions are seen; other
-- ones by an attendee, an interpreter or a confirmed registration of the
-- participant; the delegation's clauses have no delegation to match).
-- tests/integration/22-release-visible-set.t holds it equal to
-- kaigi_release_seen for every participant and session of two releases,
-- and shows that publishing a release with pending mail calls neither
-- kaigi_release_seen nor the rule.
--
-- Replaced (CREATE OR REPLACE, same signatures): 640's
-- kaigi_release_close_mail, 700's kaigi_release_close_mail_580.
-- kaigi_release_seen stays, the rule per row (the test's oracle).
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- (outbox row, kaigi_release_seen(p_rid, its session, its participant))
-- for each pending outbox row of conference p_cid.
CREATE FUNCTION kaigi_release_outbox_seen(p_rid bigint, p_cid bigint)
RETURNS TABLE (id bigint, seen text)
LANGUAGE sql STABLE AS $$
	SELECT o.id, CASE WHEN rs.session_id IS NOT NULL AND (
		rs.visibility IN ('public', 'conference')
		OR EXISTS (SELECT 1 FROM release_attendees a
		    WHERE a.release_id = p_rid AND a.session_id = o.session_id
			AND a.participant_id = o.participant_id)
		OR EXISTS (SELECT 1 FROM release_interpreters i
		    WHERE i.release_id = p_rid AND i.session_id = o.session_id
			AND i.participant_id = o.participant_id)
		OR EXISTS (SELECT 1 FROM registrations g
		    WHERE g.session_id = o.session_id
			AND g.participant_id = o.participant_id
			AND g.status = 'confirmed'
			AND g.conference_id = rs.conference_id))
	    THEN row(rs.starts_at, rs.ends_at, rs.room_id, rs.status,
		rs.title)::text END
	FROM outbox o
	LEFT JOIN release_sessions rs ON rs.release_id = p_rid
	    AND rs.session_id = o.session_id
	WHERE o.conference_id = p_cid AND o.batch_id IS NULL
$$;

-- 640's: the 'uninvited' and 'hidden' rows of sessions the new release
-- shows the participant are dropped, asked as one set.
CREATE OR REPLACE FUNCTION kaigi_release_close_mail(p_cid bigint, r releases)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM outbox o USING kaigi_release_outbox_seen(r.id, p_cid) n
	WHERE o.id = n.id AND o.change IN ('uninvited', 'hidden')
	    AND n.seen IS NOT NULL;
	PERFORM kaigi_release_close_mail_580(p_cid, r);
END $$;

-- 700's: the rows of sessions the participant sees the same in both
-- releases are dropped (all of them before the first release), the two
-- sides asked as one set each; the rest become one batch per participant.
CREATE OR REPLACE FUNCTION kaigi_release_close_mail_580(p_cid bigint, r releases)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	prev	bigint := (SELECT id FROM releases WHERE conference_id = p_cid
	    AND n = r.n - 1);
BEGIN
	WITH a AS MATERIALIZED (SELECT * FROM kaigi_release_outbox_seen(prev, p_cid)),
	    b AS MATERIALIZED (SELECT * FROM kaigi_release_outbox_seen(r.id, p_cid))
	DELETE FROM outbox o USING a JOIN b ON b.id = a.id
	WHERE o.id = a.id
	    AND o.change IN ('changed', 'cancelled', 'invited', 'shown')
	    AND (prev IS NULL OR a.seen IS NOT DISTINCT FROM b.seen);
	WITH b AS (
		INSERT INTO outbox_batches (conference_id, participant_id)
		SELECT DISTINCT p_cid, participant_id FROM outbox
		WHERE conference_id = p_cid AND batch_id IS NULL
		RETURNING id, participant_id
	)
	UPDATE outbox o SET batch_id = b.id FROM b
	WHERE o.participant_id = b.participant_id AND o.batch_id IS NULL;
END $$;

-- Each side's set is the conference's pending rows; whatever the planner
-- expects of them (nothing, in a new installation's statistics), the sides
-- and outbox are joined by hash, never by a loop over one side per row of
-- the other (20,000 x 20,000 comparisons for the plenary above).
ALTER FUNCTION kaigi_release_close_mail(bigint, releases) SET enable_nestloop = off;
ALTER FUNCTION kaigi_release_close_mail_580(bigint, releases) SET enable_nestloop = off;
