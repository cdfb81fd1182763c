-- 710_import_undone_statistics.sql — an import that stores nothing (a dry
-- run, or one with a bad row) leaves the statistics as they were (issue
-- 21's imports; 660's ANALYZE during an import).
--
-- 660 ANALYZEs the tables an import has grown, after its 16th, 64th,
-- 256th, ... row. ANALYZE writes a table's size (pg_class.reltuples and
-- relpages) in place, outside the transaction, so undoing the import (the
-- dry run's sub-transaction, or the KG422 that stores nothing) kept the
-- size of the rows that were never stored: a dry run of 300 sessions into
-- an empty database left sessions at 256 rows to the planner, and a dry
-- run of a COP-sized import thousands, until autovacuum next analyzed the
-- table. The planner then chose its plans for a table of that size.
-- tests/integration/17-import-plans.t showed it.
--
-- Decision: an import of 16 rows or more (the first row 660 may ANALYZE
-- at) that stores nothing ANALYZEs again, once the rows are undone, the
-- tables 660 would (kaigi_import_analyze: pg_stat_xact_user_tables counts
-- the undone inserts too), and then answers or raises as before. The
-- sampling sees the undone rows as dead, so the size is what is stored.
--
-- Wraps (renamed, not copied): 080's kaigi_import (now
-- kaigi_import_without_restore).
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

ALTER FUNCTION kaigi_import(jsonb, text, text, jsonb, boolean)
    RENAME TO kaigi_import_without_restore;

-- 080's import, the statistics analyzed again when it stores nothing.
CREATE FUNCTION kaigi_import(p_actor jsonb, p_slug text, p_kind text,
    p_rows jsonb, p_dry_run boolean)
RETURNS jsonb LANGUAGE plpgsql SET jit = off AS $$
DECLARE
	res	jsonb;
	big	boolean := jsonb_typeof(p_rows) = 'array'
	    AND jsonb_array_length(p_rows) >= 16;
BEGIN
	BEGIN
		res := kaigi_import_without_restore(p_actor, p_slug, p_kind,
		    p_rows, p_dry_run);
	EXCEPTION WHEN OTHERS THEN
		IF big THEN
			PERFORM kaigi_import_analyze();
		END IF;
		RAISE;
	END;
	IF p_dry_run AND big THEN
		PERFORM kaigi_import_analyze();
	END IF;
	RETURN res;
END $$;
