-- 003_timezone_names.sql — fast time-zone validation.
--
-- pg_timezone_names reads every zone file on each call (~50 ms), which made
-- each participant insert with a time zone cost that much. The names are
-- copied once into timezone_names (an index lookup); a name missing there
-- (the server's tzdata was updated since) is still looked up in
-- pg_timezone_names, and remembered by nothing: it is just slower.

CREATE TABLE timezone_names (
	name			text PRIMARY KEY
);
INSERT INTO timezone_names (name)
SELECT DISTINCT name FROM pg_timezone_names;

-- True when tz is an IANA zone name PostgreSQL knows (not an abbreviation).
CREATE OR REPLACE FUNCTION kaigi_valid_timezone(tz text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT tz IS NOT NULL AND tz <> ''
	    AND (EXISTS (SELECT 1 FROM timezone_names WHERE name = tz)
		OR EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = tz))
$$;
