-- 910_export_participants_set.sql — the participants' export (CSV, and
-- the .xlsx sheet) built as one query, not two lists zipped by position.
--
-- 310 added language_pairs to 080's participant rows by building a second
-- list of the same participants (kaigi_export_interpretation) and zipping
-- the two, row by row, with 310's kaigi_export_zip, which checks each
-- row's name against the other's. On the COP bench's conference (100,000
-- participants), of the 2.8 s of SQL behind GET .../export/participants.csv
-- for the secretariat, kaigi_export_persons took 1.16 s, the second list
-- 0.45 s and the zip 1.08 s. kaigi_export_participants builds each row
-- whole, language_pairs beside 080's columns: the same objects in the same
-- order (by participant id), for the same actors (080's kaigi_export_may,
-- kaigi_export_people). tests/integration/18-export-rows-set.t
-- compares it with 310's zip for every actor and counts the calls.
--
-- Replaces (CREATE OR REPLACE, same signature): 510's kaigi_export. New:
-- kaigi_export_participants. The other kinds take 510's path unchanged.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- 080's participant rows with 310's language_pairs, as far as the actor
-- may list them, by id.
CREATE FUNCTION kaigi_export_participants(p_actor jsonb, c conferences)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(jsonb_build_object('ref', p.ref,
	    'delegation', d.code, 'name', p.name, 'title', p.title, 'role', p.role,
	    'email', p.email, 'timezone', p.timezone, 'language_pairs',
	    nullif(array_to_string(p.language_pairs, ';'), '')) ORDER BY p.id), '[]')
	FROM kaigi_export_people(p_actor, c.id) p
	JOIN delegations d ON d.id = p.delegation_id
$$;

-- GET /conferences/{slug}/export/{kind}.csv (510's), participants in one
-- query.
CREATE OR REPLACE FUNCTION kaigi_export(p_actor jsonb, p_slug text, p_kind text)
RETURNS jsonb LANGUAGE plpgsql STABLE SET jit = off AS $$
DECLARE
	c	conferences := kaigi_core_conference(p_slug);
BEGIN
	IF p_kind = 'registrations' THEN
		PERFORM kaigi_export_may_registrations(p_actor, c);
		RETURN kaigi_export_registrations(p_actor, c);
	ELSIF p_kind = 'participants' THEN
		PERFORM kaigi_export_may(p_actor, c, p_kind);
		RETURN kaigi_export_participants(p_actor, c);
	ELSIF p_kind = 'sessions' THEN
		RETURN kaigi_export_zip(kaigi_export_without_registrations(p_actor,
		    p_slug, p_kind), kaigi_export_capacity(p_actor, c), 'title');
	END IF;
	RETURN kaigi_export_without_registrations(p_actor, p_slug, p_kind);
END $$;
