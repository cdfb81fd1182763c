-- 670_feed_lang_set.sql — a feed in another language (?lang=) reads its
-- sessions' texts once per feed, not once per row (issue 21: "the feed
-- query made set-based"; 210 and 150's ?lang=).
--
-- server/feed.c joined kaigi_feed_lang(row, lang[, actor]) to every row of
-- a feed: a PL/pgSQL-free SQL function, but with a FROM (the conference,
-- the release mode, the last release, the row's texts), so never inlined:
-- four lookups and two function calls a row. A personal feed at COP size
-- carries about 4,500 events.
--
-- Now the feed asks kaigi_feed_texts(conference, actor, ids) once for the
-- texts of all its sessions (the last release's rows in release mode for
-- a reader that may not write, else the draft's, as 210's rule), and
-- kaigi_feed_lang_pick, a SQL function of its arguments only (set-
-- returning so that the planner inlines it in the FROM), makes 210's
-- choice per row. kaigi_feed_lang stays for other callers.
-- tests/integration/43-languages-set.t: the ?lang= feeds equal
-- kaigi_feed_lang's choice row by row, in live and release mode, and
-- reading them calls kaigi_feed_lang for no row.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- The titles and descriptions of sessions p_ids of conference p_cid as a
-- reader p_actor's feed shows them: the last release's in release mode
-- (kaigi_release_mode), else the draft's. No row for a session the source
-- does not have (before the first release: none).
CREATE FUNCTION kaigi_feed_texts(p_cid bigint, p_actor jsonb, p_ids bigint[])
RETURNS TABLE (session_id bigint, titles jsonb, descriptions jsonb)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences;
BEGIN
	SELECT * INTO c FROM conferences WHERE id = p_cid;
	IF NOT FOUND THEN
		RETURN;
	END IF;
	IF kaigi_release_mode(c, p_actor) THEN
		RETURN QUERY SELECT rs.session_id, rs.titles, rs.descriptions
		FROM release_sessions rs
		WHERE rs.release_id = (kaigi_release_last(c.id)).id
		    AND rs.session_id = ANY (p_ids);
		RETURN;
	END IF;
	RETURN QUERY SELECT s.id, s.titles, s.descriptions FROM sessions s
	WHERE s.id = ANY (p_ids) AND s.conference_id = c.id;
END $$;

-- 210's kaigi_feed_lang choice for row f in language p_lang, given the
-- conference's languages and the row's texts (kaigi_feed_texts): the
-- title and description in p_lang when it is not the default and the
-- session has it, else the row's; their languages (NULL for a reserved
-- or empty row); whether p_lang is one of the conference's; the list.
CREATE FUNCTION kaigi_feed_lang_pick(f kaigi_feed_row, p_lang text,
    p_langs text[], p_titles jsonb, p_descriptions jsonb)
RETURNS TABLE (title text, description text, title_lang text,
    description_lang text, lang_ok boolean, languages text)
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN p_lang <> p_langs[1] AND p_titles ? p_lang
		THEN p_titles->>p_lang ELSE f.title END,
	    CASE WHEN p_lang <> p_langs[1] AND p_descriptions ? p_lang
		THEN p_descriptions->>p_lang ELSE f.description END,
	    CASE WHEN f.reserved OR f.id IS NULL THEN NULL
		WHEN p_lang <> p_langs[1] AND p_titles ? p_lang THEN p_lang
		ELSE p_langs[1] END,
	    CASE WHEN f.reserved OR f.id IS NULL THEN NULL
		WHEN p_lang <> p_langs[1] AND p_descriptions ? p_lang THEN p_lang
		ELSE p_langs[1] END,
	    p_lang = ANY (p_langs), array_to_string(p_langs, ', ')
$$;
