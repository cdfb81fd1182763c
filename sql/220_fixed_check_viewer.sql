-- 220_fixed_check_viewer.sql — a fixed start's 409 names the unavailable
-- attendee only to a caller who may see that person's diary.
--
-- kaigi_bilateral_fixed_check (140_fixed_after.sql) put "participant_id"
-- into the detail of its "unavailability" 409 for any caller, so a
-- liaison fixing a start learnt which of the counterpart's people was
-- away then. The check cannot see the caller, so the statements that may
-- reach it name their caller first: kaigi_as(actor) sets kaigi.actor for
-- the transaction (as kaigi_bilateral_context does) and returns the
-- actor, so it wraps the actor argument and runs before the function
-- body. The detail names the participant only when kaigi_bilateral_actor()
-- may write the conference or is a liaison of the participant's
-- delegation; with no caller named, it names nobody.

-- Name p_actor as the transaction's caller; p_actor itself.
CREATE FUNCTION kaigi_as(p_actor jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	PERFORM set_config('kaigi.actor', coalesce(p_actor::text, ''), true);
	RETURN p_actor;
END $$;

-- May the transaction's caller see participant p's unavailability?
CREATE FUNCTION kaigi_diary_visible(p_pid bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT coalesce(kaigi_session_may_write(p.conference_id, a)
	    OR (a->>'role' = 'liaison'
		AND (a->>'conference_id')::bigint = p.conference_id
		AND (a->>'delegation_id')::bigint = p.delegation_id), false)
	FROM participants p, kaigi_bilateral_actor() a
	WHERE p.id = p_pid
$$;

-- As in 140_fixed_after.sql; the unavailable attendee named only to a
-- caller who may see their diary.
CREATE OR REPLACE FUNCTION kaigi_bilateral_fixed_check(b bilateral_requests) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences;
	w	record;
	v_end	timestamptz := b.fixed_start + make_interval(mins => b.duration_minutes);
	d	date;
	v_pid	bigint;
BEGIN
	SELECT * INTO c FROM conferences WHERE id = b.conference_id;
	SELECT * INTO w FROM kaigi_bilateral_window(b);
	d := (b.fixed_start AT TIME ZONE c.timezone)::date;
	IF b.fixed_start < w.earliest OR v_end > w.latest THEN
		PERFORM kaigi_bilateral_order_raise(b.id, 'window', format(
		    'the fixed start leaves the meeting outside the request''s window (%s to %s)',
		    kaigi_ts(w.earliest, c.timezone), kaigi_ts(w.latest, c.timezone)));
	ELSIF d NOT BETWEEN c.start_date AND c.end_date
	    OR b.fixed_start < (d + c.day_start) AT TIME ZONE c.timezone
	    OR v_end > (d + c.day_end) AT TIME ZONE c.timezone THEN
		PERFORM kaigi_bilateral_order_raise(b.id, 'day_hours', format(
		    'the fixed start leaves the meeting outside one day''s hours (%s to %s)',
		    c.day_start, c.day_end));
	END IF;
	SELECT u.participant_id INTO v_pid FROM unavailability u
	WHERE u.participant_id = ANY (kaigi_bilateral_people(b))
	    AND u.during && tstzrange(b.fixed_start, v_end)
	ORDER BY kaigi_diary_visible(u.participant_id) DESC LIMIT 1;
	IF FOUND THEN
		PERFORM kaigi_bilateral_order_raise(b.id, 'unavailability',
		    'a required attendee is unavailable at the fixed start',
		    CASE WHEN kaigi_diary_visible(v_pid)
		    THEN jsonb_build_object('participant_id', v_pid) ELSE '{}' END);
	END IF;
END $$;
