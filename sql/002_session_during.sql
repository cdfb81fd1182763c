-- 002_session_during.sql — sessions.during must not fail before the CHECK does.
--
-- In 001, during = tstzrange(starts_at, ends_at) raised SQLSTATE 22000 ("range
-- lower bound must be less than or equal to range upper bound") for a session
-- ending before it starts, before sessions_time_check could refuse it with
-- 23514. Now the range is empty in that case, and the CHECK answers 23514
-- (constraint sessions_time_check), which the API maps to 422.
-- PostgreSQL 15 cannot change a generation expression, so the column and the
-- exclusion constraint that uses it are re-created (same names).

ALTER TABLE sessions DROP CONSTRAINT sessions_room_no_overlap;
ALTER TABLE sessions DROP COLUMN during;
ALTER TABLE sessions ADD COLUMN during tstzrange
    GENERATED ALWAYS AS (tstzrange(starts_at, GREATEST(starts_at, ends_at), '[)')) STORED;
ALTER TABLE sessions ADD CONSTRAINT sessions_room_no_overlap EXCLUDE USING gist
    (room_id WITH =, during WITH &&)
    WHERE (status <> 'cancelled' AND room_id IS NOT NULL)
    DEFERRABLE INITIALLY IMMEDIATE;
