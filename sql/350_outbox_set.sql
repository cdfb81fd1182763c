-- 350_outbox_set.sql — the change mail's outbox rows written as a set
-- (issue 18: "all messages queued within 10 s" for a plenary of 20,000).
--
-- 100's trigger asked kaigi_session_visible once per participant
-- concerned: on a quiet machine a plenary all 20,000 participants attend
-- took 6.4 s to move, all of it in those 20,000 calls (pg_stat_user_
-- functions: 0.3 ms each, the 180 and 260 wrappers and the 020 rule).
-- For a public or conference session the question has one answer for
-- every participant of its conference (020's rule: public is seen by
-- everyone, conference by any actor of its conference, and the later
-- wrappers only add viewers), so it is not asked there; a restricted or
-- confidential session, with its few parties, still asks per participant.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- sessions AFTER UPDATE of what a mail reports: one outbox row per
-- participant concerned who may see the session (100's rule).
CREATE OR REPLACE FUNCTION kaigi_outbox_session() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	v_everyone boolean := NEW.visibility IN ('public', 'conference');
BEGIN
	INSERT INTO outbox (conference_id, participant_id, session_id, change,
	    was_start, was_end, was_room, was_title)
	SELECT NEW.conference_id, p.id, NEW.id,
	    CASE WHEN NEW.status = 'cancelled' THEN 'cancelled' ELSE 'changed' END,
	    OLD.starts_at, OLD.ends_at,
	    (SELECT r.name FROM rooms r WHERE r.id = OLD.room_id), OLD.title
	FROM participants p
	WHERE p.conference_id = NEW.conference_id
	    AND p.email IS NOT NULL AND p.notify
	    AND (p.id IN (SELECT a.participant_id FROM session_attendees a
		    WHERE a.session_id = NEW.id)
		OR p.delegation_id IN (SELECT sd.delegation_id
		    FROM session_delegations sd WHERE sd.session_id = NEW.id))
	    AND (v_everyone OR kaigi_session_visible(NEW.id,
		jsonb_build_object('role', 'feed', 'conference_id',
		    NEW.conference_id, 'participant_id', p.id)));
	RETURN NULL;
END $$;
