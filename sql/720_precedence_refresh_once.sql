-- 720_precedence_refresh_once.sql — the protocol order is rewritten once
-- per conference at COMMIT, not once per delegation changed (issue 17,
-- item 4; the delegations import at COP size).
--
-- 190 keeps the ranks in delegation_ranks and rewrites a conference's
-- ranks from a deferred row trigger on delegations. Each row changed fires
-- it at COMMIT, and each firing rewrote every rank of the conference: an
-- import of 200 delegations rewrote 200 ranks 200 times (about 2 s at COP
-- size), the same ranks each time after the first.
--
-- Decision: the trigger skips the rewrite when the same transaction has
-- already rewritten that conference's ranks and no delegation has changed
-- since: the transaction's count of inserted, updated and deleted
-- delegation rows (pg_stat_xact_user_tables, which only grows) is kept in
-- a transaction-local setting per conference at each rewrite. A change
-- after a rewrite (after SET CONSTRAINTS ALL IMMEDIATE, say) moves the
-- count, so the next firing rewrites again. A rewrite in a sub-transaction
-- that was undone takes its setting with it. The conference's rule change
-- (190's conferences trigger) still always rewrites, and so does every
-- firing when track_counts is off (no count to go by).
--
-- Replaces (CREATE OR REPLACE, same signature): 190's
-- kaigi_precedence_delegation_changed. New: kaigi_precedence_refresh_once.
-- tests/integration/48-protocol-order-once.t.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- 190's kaigi_precedence_refresh of conference p_cid unless this
-- transaction did it with the delegations as they are (decision).
CREATE FUNCTION kaigi_precedence_refresh_once(p_cid bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	k	text := 'kaigi.precedence_at_' || p_cid;
	m	text := (SELECT (x.n_tup_ins + x.n_tup_upd + x.n_tup_del)::text
	    FROM pg_stat_xact_user_tables x
	    WHERE x.relid = 'delegations'::regclass
		AND current_setting('track_counts') = 'on');
BEGIN
	IF m IS NOT NULL AND current_setting(k, true) = m THEN
		RETURN;
	END IF;
	PERFORM kaigi_precedence_refresh(p_cid);
	IF m IS NOT NULL THEN
		PERFORM set_config(k, m, true);
	END IF;
END $$;

CREATE OR REPLACE FUNCTION kaigi_precedence_delegation_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP <> 'INSERT' THEN
		PERFORM kaigi_precedence_refresh_once(OLD.conference_id);
	END IF;
	IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT'
	    OR NEW.conference_id <> OLD.conference_id) THEN
		PERFORM kaigi_precedence_refresh_once(NEW.conference_id);
	END IF;
	RETURN NULL;
END $$;
