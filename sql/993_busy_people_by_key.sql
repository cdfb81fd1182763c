-- 993_busy_people_by_key.sql — whether someone is still busy for a session
-- is one probe of an index on (session, busy person), not a read of the
-- session's attendees (issue 18 at conference size: attendance changed in
-- bulk).
--
-- The triggers of attendance and interpreters (240, 260) drop a person's
-- busy row unless session_busy_people still has them for the session
-- (the attendee, or whom they are represented by). That view's lookup by
-- session and person had two indexes to combine: the primary key by
-- session alone and 240's index on the person. With a new installation's
-- statistics the planner ANDed their bitmaps, reading every attendee of
-- the session for each row: half of 1,500 attendees taken out in one
-- statement read 1,127,250 index entries. The index below holds both
-- keys, so each lookup is one probe.
-- tests/integration/48-attendance-bulk-plan.t counts the rows.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

CREATE INDEX session_attendees_session_person_idx ON session_attendees
    (session_id, kaigi_attendance_person(mode, participant_id, represented_by));
