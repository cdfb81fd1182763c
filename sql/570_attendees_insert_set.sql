-- 570_attendees_insert_set.sql — an INSERT into session_attendees does its
-- trigger's work once per statement, as a set (issue 21: the auto-scheduler
-- at COP size).
--
-- 240's kaigi_attendees_after ran per row: the attendance guard, the busy
-- row and a touch of the session, three statements for each attendee.
-- Writing an auto-schedule's plan at 100 times the Takasaki meeting (5,335
-- bilaterals, 64,070 attendees: a deputy-level meeting has every deputy of
-- both delegations) spent 2.8 of its 5.6 s there (track_functions).
--
-- Now an INSERT runs kaigi_attendees_inserted once, over its transition
-- table: the same guard (the first row that breaks it raises 240's error,
-- through 240's own function), the same busy rows (each attendance's busy
-- person, kaigi_attendance_person; the same range, kaigi_busy_range; the
-- exclusion constraints of busy refuse a clash as before), and the same
-- touch, once per session. UPDATE and DELETE keep 240's row trigger.
-- tests/integration/58-attendees-set.t holds both paths to the same rows
-- and errors.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

CREATE FUNCTION kaigi_attendees_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	a	session_attendees;
BEGIN
	SELECT n.* INTO a FROM new_attendees n
	WHERE NOT EXISTS (SELECT 1 FROM sessions s JOIN participants p
		ON p.conference_id = s.conference_id
		WHERE s.id = n.session_id AND p.id = n.participant_id)
	    OR (n.represented_by IS NOT NULL AND NOT EXISTS (SELECT 1
		FROM participants p JOIN participants r
		ON r.delegation_id = p.delegation_id
		WHERE p.id = n.participant_id AND r.id = n.represented_by))
	LIMIT 1;
	IF FOUND THEN
		PERFORM kaigi_attendance_guard(a);	-- raises its error
	END IF;
	INSERT INTO busy (conference_id, participant_id, session_id, during)
	SELECT s.conference_id, kaigi_attendance_person(n.mode,
	    n.participant_id, n.represented_by), s.id,
	    kaigi_busy_range(s.conference_id, s.starts_at, s.ends_at)
	FROM new_attendees n JOIN sessions s ON s.id = n.session_id
	WHERE s.status <> 'cancelled'
	ON CONFLICT ON CONSTRAINT busy_session_participant_key DO NOTHING;
	PERFORM kaigi_session_touch(x.session_id)
	FROM (SELECT DISTINCT session_id FROM new_attendees) x;
	RETURN NULL;
END $$;

DROP TRIGGER session_attendees_after ON session_attendees;
CREATE TRIGGER session_attendees_after AFTER UPDATE OR DELETE ON session_attendees
    FOR EACH ROW EXECUTE FUNCTION kaigi_attendees_after();
CREATE TRIGGER session_attendees_inserted AFTER INSERT ON session_attendees
    REFERENCING NEW TABLE AS new_attendees
    FOR EACH STATEMENT EXECUTE FUNCTION kaigi_attendees_inserted();
