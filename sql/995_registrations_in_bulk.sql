-- 995_registrations_in_bulk.sql — a statement that confirms many
-- registrations checks each session's seats once, not once per row, and
-- queues their mail without asking the visibility rule what the
-- registration already answers (issue 21 at conference size, issue 18: a
-- registrations sheet imported, or many confirmed at once).
--
-- 180's registrations_capacity ran kaigi_registration_fits for every
-- confirmed row a statement inserted or updated, and each call counted the
-- session's confirmed registrations again: a statement confirming n
-- registrations of one session counted about n²/2 rows. In the test
-- cluster, 1,000, 2,000 and 4,000 confirmed in one INSERT took 0.62, 1.50
-- and 3.64 s (20,000 would pass kaigid's statement timeout).
--
-- The check now runs once per statement, over the transition table: each
-- session that gained or kept a confirmed row is checked once, in id order
-- (so two statements lock sessions in the same order). The rows are all
-- written when it runs, as they were when the row triggers ran at the end
-- of the statement: same count, same error (KG409 naming the session).
-- A trigger with a transition table can have one event only, hence two.
--
-- Then 420's kaigi_outbox_registration, per confirmed row, asked
-- kaigi_outbox_view for the session as the registrant sees it, and the
-- view asked kaigi_session_visible (or, in release mode,
-- kaigi_release_visible): 0.4 of the 0.5 ms each row then cost. Both rules
-- answer yes for a participant holding a confirmed registration of the
-- session (180's and 410's clause, for a registration of the session's
-- conference, which every writer of registrations takes from the session),
-- and the trigger runs only for such a row, after it is written. So the
-- view is asked with p_registered true for a confirmation as for a
-- deletion: the same session row (the draft's, or the last release's, or
-- none when that release does not hold it), without the rule.
--
-- tests/integration/47-registrations-bulk.t confirms 2,000 registrations
-- of one session in one statement and counts the calls of both.
--
-- Replaced here: trigger registrations_capacity (180),
-- kaigi_outbox_registration (420).
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

DROP TRIGGER registrations_capacity ON registrations;
DROP FUNCTION kaigi_registrations_capacity();

CREATE FUNCTION kaigi_registrations_capacity() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM kaigi_registration_fits(g.session_id)
	FROM (SELECT DISTINCT n.session_id FROM kaigi_registrations_new n
	    WHERE n.status = 'confirmed') g
	ORDER BY g.session_id;
	RETURN NULL;
END $$;

CREATE TRIGGER registrations_capacity_insert AFTER INSERT ON registrations
    REFERENCING NEW TABLE AS kaigi_registrations_new
    FOR EACH STATEMENT EXECUTE FUNCTION kaigi_registrations_capacity();

CREATE TRIGGER registrations_capacity_update AFTER UPDATE ON registrations
    REFERENCING NEW TABLE AS kaigi_registrations_new
    FOR EACH STATEMENT EXECUTE FUNCTION kaigi_registrations_capacity();

CREATE OR REPLACE FUNCTION kaigi_outbox_registration() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	g	registrations := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
	v	record;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM participants p WHERE p.id = g.participant_id
	    AND p.email IS NOT NULL AND p.notify) THEN
		RETURN NULL;
	END IF;
	IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM kaigi_outbox_view(
	    g.session_id, g.participant_id)) THEN
		RETURN NULL;	-- still in their view: their feed is unchanged
	END IF;
	-- Registered: the deleted row was confirmed, the new one is (the
	-- triggers' WHEN), so the rule would say yes.
	SELECT * INTO v FROM kaigi_outbox_view(g.session_id, g.participant_id, true);
	IF v.title IS NULL THEN
		RETURN NULL;	-- not in their view (release mode: not released)
	END IF;
	INSERT INTO outbox (conference_id, participant_id, session_id, change,
	    was_start, was_end, was_room, was_title, was_kind, was_venue,
	    was_sequence)
	VALUES (g.conference_id, g.participant_id, g.session_id,
	    CASE WHEN TG_OP = 'DELETE' THEN 'removed' ELSE 'confirmed' END,
	    v.starts_at, v.ends_at, v.room, v.title, v.kind, v.venue, v.sequence);
	RETURN NULL;
END $$;
