-- 660_import_plans.sql — an import refreshes the statistics of the tables
-- it fills as it goes, so that its lookups stay index lookups (issue 21:
-- the import API at COP size, 1,514 s against 16.7 s by COPY).
--
-- An import is one transaction, a row at a time (080). Every row looks up
-- the kind it imports by its natural key ("the session with this ref in
-- this conference": 080's kaigi_import_session_find, _session_ref,
-- _bilateral_find, 250's ref check of a new request). The planner chose
-- the index from the statistics of before the import: for a new
-- conference, tables without its rows, where any index on conference_id
-- costs the same, so it walked the conference's rows by
-- (conference_id, updated_at) or (conference_id, status) and filtered on
-- the ref. PL/pgSQL kept that plan for every later row, over a table the
-- import itself kept filling: the n-th row read the n - 1 before it. At
-- COP size (scripts/bench/cop --scale 1, quiet machine) the bilaterals'
-- lookup took 126 s of their 175 s, the sessions' 14 s of 25 s. Planning
-- each call afresh (plan_cache_mode = force_custom_plan, tried) helped only
-- in part (the requests 175 -> 34 s, every other query planned again too):
-- a fresh plan still saw statistics saying the table was empty, and still
-- chose the wrong index. tests/integration/17-import-plans.t
-- counts the rows an import of 600 sessions and 600 requests into a new
-- conference reads from sessions and bilateral_requests: 588,450 and
-- 903,886 before this file.
--
-- Decision: after its 16th, 64th, 256th, ... row (each 4 times the one
-- before, up to 65,536) an import ANALYZEs each table it has inserted into that grew by more than half
-- of what its statistics say (pg_stat_xact_user_tables: this
-- transaction's own counts; ANALYZE samples the transaction's own new
-- rows). That invalidates the cached plans, and the next row plans
-- with the table's real size: from a few hundred rows on, the unique
-- (conference_id, ref) index. Each ANALYZE samples at most 30,000 rows,
-- so the work stays linear in the import; a large table a small import
-- adds to (the audit log of a running conference) is left alone.
--
-- Replaced: kaigi_import_row (510's is renamed
-- kaigi_import_row_without_statistics and called first).
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- ANALYZE the tables this transaction grew by more than half (decision).
CREATE FUNCTION kaigi_import_analyze() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	t	regclass;
BEGIN
	FOR t IN SELECT x.relid::regclass FROM pg_stat_xact_user_tables x
	    JOIN pg_class k ON k.oid = x.relid
	    WHERE x.n_tup_ins > 0.5 * greatest(k.reltuples, 0)
	    ORDER BY x.relid LOOP
		EXECUTE format('ANALYZE %s', t);
	END LOOP;
END $$;

ALTER FUNCTION kaigi_import_row(jsonb, conferences, text, jsonb)
    RENAME TO kaigi_import_row_without_statistics;

-- 510's one row, then the statistics at the rows of the decision (counted
-- per kind and transaction; a row that failed is not counted, its
-- subtransaction undone with the count).
CREATE FUNCTION kaigi_import_row(p_actor jsonb, c conferences, p_kind text,
    r jsonb, OUT how text, OUT id bigint)
LANGUAGE plpgsql AS $$
DECLARE
	k	text := 'kaigi.import_rows_' || p_kind;
	n	int := coalesce(nullif(current_setting(k, true), ''), '0')::int + 1;
BEGIN
	SELECT * INTO how, id
	FROM kaigi_import_row_without_statistics(p_actor, c, p_kind, r);
	PERFORM set_config(k, n::text, true);
	IF n IN (16, 64, 256, 1024, 4096, 16384, 65536) THEN
		PERFORM kaigi_import_analyze();
	END IF;
END $$;
