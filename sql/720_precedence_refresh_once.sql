-- 720_precedence_refresh_once.sql — the protocol order is rewritten once
-- per conference at COMMIT, not once per delegation changed (issue 17,
-- item 4; the delegations import at COP size).
--
-- 190 keeps the ranks in delegation_ranks and rewrites a conference's
-- ranks from a deferred row trigger on delegations (and one on
-- conferences, for the rule). Each row changed fires it at COMMIT, and
-- each firing rewrote every rank of the conference: an import of 200
-- delegations rewrote 200 ranks 200 times (2.5 s at COP size), the same
-- ranks each time after the first.
--
-- Decision: kaigi_precedence_refresh, which both of 190's triggers call,
-- skips the rewrite when the same transaction has already rewritten that
-- conference's ranks and nothing they depend on has changed since: the
-- transaction's count of inserted, updated and deleted delegation rows and
-- of updated conference rows (pg_stat_xact_user_tables, which only grows)
-- is kept in a transaction-local setting per conference at each rewrite.
-- A change after a rewrite (after SET CONSTRAINTS ALL IMMEDIATE, say)
-- moves the count, so the next firing rewrites again. A rewrite in a
-- sub-transaction that was undone takes its setting with it. With
-- track_counts off there is no count to go by, and every call rewrites.
--
-- Wraps (renamed, not copied): 190's kaigi_precedence_refresh (now
-- kaigi_precedence_rewrite). tests/integration/48-protocol-order-once.t.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

ALTER FUNCTION kaigi_precedence_refresh(bigint) RENAME TO kaigi_precedence_rewrite;

-- 190's rewrite of conference p_cid's ranks, unless this transaction did
-- it with the delegations and conferences as they are (decision).
CREATE FUNCTION kaigi_precedence_refresh(p_cid bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	k	text := 'kaigi.precedence_at_' || p_cid;
	m	text := (SELECT sum(x.n_tup_ins + x.n_tup_upd + x.n_tup_del)::text
	    FROM pg_stat_xact_user_tables x
	    WHERE x.relid IN ('delegations'::regclass, 'conferences'::regclass)
		AND current_setting('track_counts') = 'on');
BEGIN
	IF m IS NOT NULL AND current_setting(k, true) = m THEN
		RETURN;
	END IF;
	PERFORM kaigi_precedence_rewrite(p_cid);
	IF m IS NOT NULL THEN
		PERFORM set_config(k, m, true);
	END IF;
END $$;
