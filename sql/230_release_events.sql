-- 230_release_events.sql — the change stream announces a release.
--
-- In release mode a caller that may not write sees no draft change on the
-- stream (130_releases.sql), so a delegate's open page learnt of a new
-- release only when reloaded. Now each release adds a row to
-- session_changes with change 'released' (session_id NULL; "release" in
-- the event is its number), announced like any change. Everyone who may
-- follow the conference's stream sees it: it says only that a release
-- was published, and the page reloads what it shows. Webhooks get it as
-- "release.created" (listed in kaigi_webhook_kinds, so a hook's events
-- may name it).

ALTER TABLE session_changes ALTER COLUMN session_id DROP NOT NULL,
    DROP CONSTRAINT session_changes_change_check,
    ADD CONSTRAINT session_changes_change_check CHECK (change IN ('created',
	'moved', 'updated', 'cancelled', 'deleted', 'released')),
    ADD COLUMN release_n int,
    ADD CONSTRAINT session_changes_release_check
	CHECK ((change = 'released') = (release_n IS NOT NULL AND session_id IS NULL));

-- releases AFTER INSERT: the stream's row, announced.
CREATE FUNCTION kaigi_release_announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO session_changes (conference_id, session_id, change, release_n)
	VALUES (NEW.conference_id, NULL, 'released', NEW.n);
	PERFORM pg_notify('kaigi_changes', NEW.conference_id::text);
	RETURN NULL;
END $$;

CREATE TRIGGER releases_announce AFTER INSERT ON releases
    FOR EACH ROW EXECUTE FUNCTION kaigi_release_announce();

-- As in 130_releases.sql, and a release's row visible to every caller.
CREATE OR REPLACE FUNCTION kaigi_changes_since(p_conference_id bigint,
    p_after_id bigint, p_actor jsonb, p_limit int)
RETURNS TABLE (id bigint, change text, visible boolean, event text)
LANGUAGE sql STABLE AS $$
	SELECT x.id, x.change, x.visible, CASE WHEN x.visible AND x.release_n IS NOT NULL THEN
	    jsonb_build_object('id', x.id, 'change', x.change, 'session_id', NULL,
		'release', x.release_n, 'at', kaigi_ts(x.at, x.timezone),
		'session', NULL)::text
	    WHEN x.visible THEN
	    jsonb_build_object('id', x.id, 'change', x.change,
		'session_id', x.session_id, 'at', kaigi_ts(x.at, x.timezone),
		'session', kaigi_session_json(x.session_id))::text END
	FROM (
		SELECT ch.id, ch.change, ch.session_id, ch.release_n, ch.at, c.timezone,
		    CASE WHEN ch.release_n IS NOT NULL THEN true
			WHEN kaigi_release_mode(c, p_actor) THEN false
			WHEN s.id IS NULL
			THEN kaigi_session_may_write(ch.conference_id, p_actor)
			ELSE s.visibility = 'public'
			    OR kaigi_session_visible(s.id, p_actor) END AS visible
		FROM session_changes ch
		JOIN conferences c ON c.id = ch.conference_id
		LEFT JOIN sessions s ON s.id = ch.session_id
		WHERE ch.conference_id = p_conference_id AND ch.id > p_after_id
		ORDER BY ch.id
		LIMIT p_limit
	) x
	ORDER BY x.id
$$;

-- The kinds a webhook may ask for (160_webhooks.sql), with release.created.
CREATE OR REPLACE FUNCTION kaigi_webhook_kinds() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT ARRAY['session.created', 'session.moved', 'session.updated',
	    'session.cancelled', 'session.deleted', 'bilateral.changed',
	    'release.created']
$$;

-- As in 160_webhooks.sql; a release's row is "release.created" with the
-- release's number, name and comment instead of a session.
CREATE OR REPLACE FUNCTION kaigi_webhook_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	v_event	text := CASE WHEN NEW.change = 'released' THEN 'release.created'
		    ELSE 'session.' || NEW.change END;
	v_body	text;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM webhooks w
	    WHERE w.conference_id = NEW.conference_id
		AND (w.events IS NULL OR v_event = ANY (w.events))) THEN
		RETURN NULL;
	END IF;
	SELECT jsonb_build_object('event', v_event, 'change_id', NEW.id,
	    'conference', c.slug, 'at', kaigi_ts(NEW.at, c.timezone))
	    || CASE WHEN NEW.release_n IS NULL THEN jsonb_build_object(
		'session_id', NEW.session_id,
		'session', kaigi_session_json(NEW.session_id))
	    ELSE (SELECT jsonb_build_object('release', r.n, 'name', r.name,
		'comment', r.comment) FROM releases r
		WHERE r.conference_id = NEW.conference_id AND r.n = NEW.release_n) END
	INTO v_body FROM conferences c WHERE c.id = NEW.conference_id;
	INSERT INTO webhook_deliveries (webhook_id, change_id, session_id,
	    event, body)
	SELECT w.id, NEW.id, NEW.session_id, v_event, v_body
	FROM webhooks w
	WHERE w.conference_id = NEW.conference_id
	    AND (w.events IS NULL OR v_event = ANY (w.events))
	ORDER BY w.id;
	RETURN NULL;
END $$;
