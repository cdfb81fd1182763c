-- 790_plan_travel_fenced.sql — a plan's travel check looks up each
-- person's other sessions by index, whatever the statistics say (issue 17's
-- and issue 21's auto-scheduler through the API).
--
-- 290's kaigi_bilateral_plan_travel (step 5 of writing a plan) fenced its
-- lookup of each person's busy rows (OFFSET 0), but joined their sessions
-- and rooms outside the fence. When the statistics counted few sessions
-- (the conference's bilaterals cleared and the tables analyzed, then a new
-- schedule), the planner joined every placement to every session of the
-- table first (the sessions the plan had just inserted among them), then
-- asked the travel matrix for each pair, and the busy rows last: on the
-- planted 2,000 with interpreters (scripts/bench/solver --via-api -I 20),
-- 4.0 million pairs and 2.7 million travel lookups, 17.2 s; through kaigid
-- the schedule was a 503 at the write's statement timeout, nothing stored.
--
-- Now the sessions and their rooms are joined inside the fence: each
-- person's neighbouring sessions come from busy's index and sessions' and
-- rooms' keys, and no plan can pair a placement with sessions it does not
-- touch. Same rule, same answer (280's). tests/integration/58-plan-travel.t
-- reads the plan through auto_explain.
--
-- Replaced here: kaigi_bilateral_plan_travel (290).
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

CREATE OR REPLACE FUNCTION kaigi_bilateral_plan_travel(p_conference_id bigint,
    p_rows kaigi_plan_row[]) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
	trip	interval := (SELECT make_interval(mins => coalesce(max(t.minutes), 0))
		    FROM travel_times t WHERE t.conference_id = p_conference_id);
BEGIN
	RETURN trip > interval '0' AND EXISTS (SELECT 1 FROM unnest(p_rows) r
	    JOIN rooms rn ON rn.id = r.room_id, unnest(r.who) w,
	    LATERAL (SELECT s.starts_at, s.ends_at, rs.venue_id FROM busy x
		JOIN sessions s ON s.id = x.session_id
		JOIN rooms rs ON rs.id = s.room_id
		WHERE x.participant_id = w AND s.id <> r.session_id
		    AND x.during && tstzrange(r.starts_at - trip, r.ends_at + trip, '[)')
		OFFSET 0) b	-- (each person's by the index, never all sessions)
	    CROSS JOIN LATERAL (SELECT coalesce(
		(SELECT t.minutes FROM travel_times t WHERE t.from_venue_id = b.venue_id
		    AND t.to_venue_id = rn.venue_id),
		(SELECT t.minutes FROM travel_times t WHERE t.from_venue_id = rn.venue_id
		    AND t.to_venue_id = b.venue_id), 0) AS there,
		coalesce(
		(SELECT t.minutes FROM travel_times t WHERE t.from_venue_id = rn.venue_id
		    AND t.to_venue_id = b.venue_id),
		(SELECT t.minutes FROM travel_times t WHERE t.from_venue_id = b.venue_id
		    AND t.to_venue_id = rn.venue_id), 0) AS back) m
	    WHERE b.venue_id <> rn.venue_id
		AND tstzrange(b.starts_at, b.ends_at + make_interval(mins => m.there), '[)')
		    && tstzrange(r.starts_at, r.ends_at + make_interval(mins => m.back), '[)'));
END $$;
