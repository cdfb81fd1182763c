-- 997_registration_session_by_title.sql — a registrations sheet finds the
-- session a row names by an index on its title, not by reading every
-- session of the conference (issue 21: the import API at COP size).
--
-- 510's kaigi_import_registration_session looks a row's session up by its
-- ref, else by its title in any case (lower(title) = lower(name)). No
-- index held the lowered title, so each row naming a session by title (as
-- a secretariat's sheet does) read all the conference's sessions: 0.56,
-- 1.03 and 1.90 ms a row at 2,500, 5,000 and 10,000 sessions (an import of
-- 2,000 rows 5.0, 5.8 and 7.7 s; 4.0, 3.9 and 3.9 s with the index). At
-- COP size, 25,000 sessions with the bilaterals, a sheet of 20,000 rows
-- would spend some 95 s on it alone, near the import's 120 s.
--
-- The index below holds (conference, lowered title). The function is
-- also planned with enable_seqscan off, as 890's look-ups are, so that no
-- statistics can make it read them all again (the test below passes with
-- the index alone too). tests/integration/17-import-registration-title.t
-- counts the sessions read.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

CREATE INDEX sessions_conference_title_idx ON sessions (conference_id, lower(title));

ALTER FUNCTION kaigi_import_registration_session(conferences, text) SET enable_seqscan = off;
