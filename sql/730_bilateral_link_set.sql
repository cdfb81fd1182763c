-- 730_bilateral_link_set.sql — a request is linked to its session once per
-- statement, as a set, without reading the links table once per request
-- (issue 21: the schedule's write at COP size; issue 20's plan write).
--
-- 050's row trigger kaigi_bilateral_requests_link inserted the request's
-- bilateral_sessions row, then looked it up by (session_id, bilateral_id)
-- to refuse a session of another request. PL/pgSQL planned that lookup
-- while the table was empty (a new conference, or right after its
-- bilaterals were cleared) as a sequential scan, and kept the plan while a
-- plan's write (290: one UPDATE of every placed request) filled the table:
-- the n-th request read the n - 1 links before it. At COP size
-- (scripts/bench/solver --via-api -n 20000 -R 300 -D 12) the write of
-- 19,111 placements took 18.9 s, 7.6 s of it in this trigger: 19,111
-- scans of bilateral_sessions, 182.6 million rows read, over the 15 s the
-- solver leaves for the write (33.9 s for the whole answer).
-- tests/integration/58-plan-link-set.t counts it: 400 scans and 80,200
-- rows for 400 placements.
--
-- Decisions:
--  1. Statement triggers with the transition tables (AFTER INSERT, AFTER
--     UPDATE) replace the row trigger: the statement's rows that point at
--     a session, and for an UPDATE only those whose session_id changed
--     (an unchanged one was linked when it was set), are inserted into
--     bilateral_sessions in one statement (ON CONFLICT DO NOTHING, as
--     050).
--  2. Every such row inserted is linked to its own session. Only when
--     fewer were inserted than there were rows (a session of another
--     request or conference, or of the same request again) are the rows
--     checked one by one, and the first one, in id order, whose session is
--     not its own is refused with 050's error (23503,
--     bilateral_sessions_request_check). The set path never reads the
--     links table; the rare path reads one row per request by its key.
--  3. Their statements are planned at each call (EXECUTE), for the rows
--     at hand. A static statement over the transition tables has no
--     parameters, so PL/pgSQL plans it once per connection, for the rows
--     of its first call: a connection whose first UPDATE touched one
--     request kept a nested loop joining the old rows to the new, and the
--     plan's UPDATE of 19,111 requests then rescanned 19,111 old rows for
--     each (the bench's POST /schedule: a 503 at the write's statement
--     timeout). The test shows each transition table read once.
--  4. The statement triggers run after the statement's row triggers, not
--     among them: no row trigger on bilateral_requests reads
--     bilateral_sessions (the interpreters' and the deferred checks do not
--     need the link before the statement ends; 050's commit-time check
--     still holds the links and the requests equal).
--
-- Replaces: 050's trigger bilateral_requests_link and its function
-- kaigi_bilateral_requests_link (dropped). New: kaigi_bilateral_link,
-- kaigi_bilateral_link_inserted, kaigi_bilateral_link_updated and their
-- triggers bilateral_requests_link_insert, bilateral_requests_link_update.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

DROP TRIGGER bilateral_requests_link ON bilateral_requests;
DROP FUNCTION kaigi_bilateral_requests_link();

-- Decisions 1 and 2 for the requests reqs, which now point at sessions.
CREATE FUNCTION kaigi_bilateral_link(reqs bilateral_requests[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	got	int;
	r	record;
BEGIN
	IF coalesce(cardinality(reqs), 0) = 0 THEN
		RETURN;
	END IF;
	EXECUTE $q$WITH ins AS (
		INSERT INTO bilateral_sessions (session_id, bilateral_id, live)
		SELECT s.id, n.id, s.status <> 'cancelled'
		FROM unnest($1) n JOIN sessions s ON s.id = n.session_id
		    AND s.conference_id = n.conference_id
		ORDER BY s.id
		ON CONFLICT (session_id) DO NOTHING
		RETURNING 1)
	    SELECT count(*) FROM ins$q$ INTO got USING reqs;
	IF got = cardinality(reqs) THEN
		RETURN;
	END IF;
	FOR r IN SELECT n.id, n.session_id FROM unnest(reqs) n ORDER BY n.id LOOP
		IF NOT EXISTS (SELECT 1 FROM bilateral_sessions x
		    WHERE x.session_id = r.session_id AND x.bilateral_id = r.id) THEN
			RAISE EXCEPTION 'session % belongs to another bilateral request or conference',
			    r.session_id USING ERRCODE = 'foreign_key_violation',
			    CONSTRAINT = 'bilateral_sessions_request_check';
		END IF;
	END LOOP;
END $$;

-- bilateral_requests AFTER INSERT (per statement): the new requests that
-- point at a session.
CREATE FUNCTION kaigi_bilateral_link_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM kaigi_bilateral_link(ARRAY(SELECT n::bilateral_requests FROM new_requests n
	    WHERE n.session_id IS NOT NULL ORDER BY n.id));
	RETURN NULL;
END $$;

CREATE TRIGGER bilateral_requests_link_insert AFTER INSERT ON bilateral_requests
    REFERENCING NEW TABLE AS new_requests
    FOR EACH STATEMENT EXECUTE FUNCTION kaigi_bilateral_link_inserted();

-- bilateral_requests AFTER UPDATE (per statement): the requests whose
-- session_id changed to a session.
CREATE FUNCTION kaigi_bilateral_link_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	reqs	bilateral_requests[];
BEGIN
	EXECUTE $q$SELECT array_agg(n::bilateral_requests ORDER BY n.id)
	    FROM new_requests n JOIN old_requests o ON o.id = n.id
	    WHERE n.session_id IS NOT NULL
		AND n.session_id IS DISTINCT FROM o.session_id$q$ INTO reqs;
	PERFORM kaigi_bilateral_link(reqs);
	RETURN NULL;
END $$;

CREATE TRIGGER bilateral_requests_link_update AFTER UPDATE ON bilateral_requests
    REFERENCING OLD TABLE AS old_requests NEW TABLE AS new_requests
    FOR EACH STATEMENT EXECUTE FUNCTION kaigi_bilateral_link_updated();
