-- 160_webhooks.sql — webhooks (issue 18 item 4): a conference's other
-- systems are told of each session change by a signed JSON POST.
--
-- A webhook belongs to one conference and its secretariat. Its secret is
-- stored as given (the sender must sign with it, so a hash would not do);
-- it is never returned after creation, never logged, never audited.
--
-- Each row of session_changes (the change stream's log, written in the
-- transaction of the change) leaves one delivery per matching hook of the
-- same conference (session.created|moved|updated|cancelled|deleted), and
-- each bilateral request created or changed one (bilateral.changed, once
-- per request and transaction): deferred triggers, so the delivery is
-- written at the COMMIT of that transaction, with the body as the session
-- or request stands then (attendees and parties added after the change row
-- included), and never if the transaction rolls back. The body is fixed once written, so retries
-- send (and sign) the same bytes. Another conference's changes never reach
-- a hook; the secretariat sees restricted sessions of its own conference,
-- so the body carries them whole.
--
-- kaigid's webhook sender (server/webhook.c) takes the next due delivery
-- under FOR UPDATE SKIP LOCKED, and only a hook's oldest pending one
-- (ordering per hook, so per conference); a delivery that failed
-- webhook_max_attempts times is marked failed and the next one goes.

CREATE TABLE webhooks (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	conference_id	bigint NOT NULL REFERENCES conferences ON DELETE CASCADE,
	url		text NOT NULL CHECK (url ~ '^https?://'),
	secret		text NOT NULL,
	events		text[],		-- NULL: every kind
	created_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_conference_idx ON webhooks (conference_id);

CREATE TABLE webhook_deliveries (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	webhook_id	bigint NOT NULL REFERENCES webhooks ON DELETE CASCADE,
	change_id	bigint,		-- session_changes.id (session.*)
	session_id	bigint,		-- session.*
	bilateral_id	bigint,		-- bilateral.changed
	event		text NOT NULL,
	xact		xid8 NOT NULL DEFAULT pg_current_xact_id(),
	body		text NOT NULL,
	status		text NOT NULL DEFAULT 'pending'
	    CHECK (status IN ('pending', 'delivered', 'failed')),
	attempts	int NOT NULL DEFAULT 0,
	response_code	int,
	last_error	text,
	created_at	timestamptz NOT NULL DEFAULT clock_timestamp(),
	next_attempt_at	timestamptz NOT NULL DEFAULT now(),
	last_attempt_at	timestamptz,
	delivered_at	timestamptz
);
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries
    (webhook_id, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_hook_idx ON webhook_deliveries (webhook_id, id);

-- The change kinds a hook may ask for (POST's events).
CREATE FUNCTION kaigi_webhook_kinds() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT ARRAY['session.created', 'session.moved', 'session.updated',
	    'session.cancelled', 'session.deleted', 'bilateral.changed']
$$;

-- session_changes AFTER INSERT (deferred to COMMIT): one delivery per hook
-- of the change's conference that asked for its kind.
CREATE FUNCTION kaigi_webhook_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	v_event	text := 'session.' || NEW.change;
	v_body	text;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM webhooks w
	    WHERE w.conference_id = NEW.conference_id
		AND (w.events IS NULL OR v_event = ANY (w.events))) THEN
		RETURN NULL;
	END IF;
	SELECT jsonb_build_object('event', v_event, 'change_id', NEW.id,
	    'conference', c.slug, 'session_id', NEW.session_id,
	    'at', kaigi_ts(NEW.at, c.timezone),
	    'session', kaigi_session_json(NEW.session_id))::text
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

CREATE CONSTRAINT TRIGGER session_changes_webhooks
    AFTER INSERT ON session_changes DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION kaigi_webhook_enqueue();

-- bilateral_requests AFTER INSERT OR UPDATE (deferred to COMMIT): one
-- bilateral.changed delivery per hook that asked for it, once per request
-- and transaction.
CREATE FUNCTION kaigi_webhook_enqueue_bilateral() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	v_body	text;
BEGIN
	SELECT jsonb_build_object('event', 'bilateral.changed',
	    'conference', c.slug, 'bilateral_id', NEW.id,
	    'at', kaigi_ts(now(), c.timezone),
	    'bilateral', kaigi_bilateral_json(NEW.id))::text
	INTO v_body FROM conferences c WHERE c.id = NEW.conference_id;
	INSERT INTO webhook_deliveries (webhook_id, bilateral_id, event, body)
	SELECT w.id, NEW.id, 'bilateral.changed', v_body
	FROM webhooks w
	WHERE w.conference_id = NEW.conference_id
	    AND (w.events IS NULL OR 'bilateral.changed' = ANY (w.events))
	    AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d
		WHERE d.webhook_id = w.id AND d.bilateral_id = NEW.id
		    AND d.xact = pg_current_xact_id())
	ORDER BY w.id;
	RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER bilateral_requests_webhooks
    AFTER INSERT OR UPDATE ON bilateral_requests DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION kaigi_webhook_enqueue_bilateral();

-- The API's webhook object (never the secret).
CREATE FUNCTION kaigi_webhook_json(w webhooks) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', w.id, 'conference', c.slug,
	    'url', w.url, 'events', to_jsonb(coalesce(w.events, kaigi_webhook_kinds())),
	    'created_at', kaigi_ts(w.created_at, c.timezone))
	FROM conferences c WHERE c.id = w.conference_id
$$;

-- POST /conferences/{slug}/webhooks (secretariat): p_in {url, secret,
-- events?} already checked by the API (server/api-webhook.c).
CREATE FUNCTION kaigi_webhook_create(p_actor jsonb, p_slug text, p_in jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	c	conferences := kaigi_core_conference(p_slug);
	w	webhooks;
	v_ev	text[];
BEGIN
	PERFORM kaigi_core_need_secretariat(p_actor, c.id);
	IF p_in ? 'events' THEN
		v_ev := ARRAY(SELECT DISTINCT e FROM jsonb_array_elements_text(p_in->'events') e ORDER BY e);
		IF NOT v_ev <@ kaigi_webhook_kinds() OR cardinality(v_ev) = 0 THEN
			PERFORM kaigi_session_raise('KG422', 'unknown event kind',
			    jsonb_build_object('errors', jsonb_build_array(
				kaigi_session_err('events', 'must be some of ' ||
				    array_to_string(kaigi_webhook_kinds(), ', ')))));
		END IF;
	END IF;
	INSERT INTO webhooks (conference_id, url, secret, events)
	VALUES (c.id, p_in->>'url', p_in->>'secret', v_ev)
	RETURNING * INTO w;
	PERFORM kaigi_core_audit(p_actor, c.id, 'create', 'webhook', w.id, NULL,
	    kaigi_webhook_json(w));
	RETURN kaigi_webhook_json(w);
END $$;

-- GET /conferences/{slug}/webhooks (secretariat): {items}, oldest first.
CREATE FUNCTION kaigi_webhook_list(p_actor jsonb, p_slug text)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	conferences := kaigi_core_conference(p_slug);
BEGIN
	PERFORM kaigi_core_need_secretariat(p_actor, c.id);
	RETURN jsonb_build_object('items', coalesce((SELECT
	    jsonb_agg(kaigi_webhook_json(w) ORDER BY w.id)
	    FROM webhooks w WHERE w.conference_id = c.id), '[]'::jsonb));
END $$;

-- The hook p_id if the actor is its conference's secretariat, else KG404.
CREATE FUNCTION kaigi_webhook_for(p_actor jsonb, p_id bigint, p_lock boolean)
RETURNS webhooks LANGUAGE plpgsql AS $$
DECLARE
	w	webhooks;
BEGIN
	IF p_lock THEN
		SELECT * INTO w FROM webhooks WHERE id = p_id FOR UPDATE;
	ELSE
		SELECT * INTO w FROM webhooks WHERE id = p_id;
	END IF;
	IF w.id IS NULL OR NOT kaigi_core_is_secretariat(p_actor, w.conference_id) THEN
		PERFORM kaigi_session_raise('KG404', 'no such webhook');
	END IF;
	RETURN w;
END $$;

-- DELETE /webhooks/{id}: the hook and its deliveries (pending ones are
-- never sent).
CREATE FUNCTION kaigi_webhook_delete(p_actor jsonb, p_id bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	w	webhooks := kaigi_webhook_for(p_actor, p_id, true);
BEGIN
	PERFORM kaigi_core_audit(p_actor, w.conference_id, 'delete', 'webhook',
	    w.id, kaigi_webhook_json(w), NULL);
	DELETE FROM webhooks WHERE id = w.id;
END $$;

-- GET /webhooks/{id}/deliveries: the hook's delivery log, oldest first
-- (the last p_limit).
CREATE FUNCTION kaigi_webhook_deliveries(p_actor jsonb, p_id bigint, p_limit int)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	w	webhooks := kaigi_webhook_for(p_actor, p_id, false);
	tz	text := (SELECT timezone FROM conferences WHERE id = w.conference_id);
BEGIN
	RETURN jsonb_build_object('items', coalesce((SELECT jsonb_agg(
	    jsonb_build_object('id', d.id, 'event', d.event,
		'change_id', d.change_id, 'session_id', d.session_id,
		'bilateral_id', d.bilateral_id,
		'status', d.status, 'attempts', d.attempts,
		'response_code', d.response_code, 'last_error', d.last_error,
		'created_at', kaigi_ts(d.created_at, tz),
		'last_attempt_at', kaigi_ts(d.last_attempt_at, tz),
		'next_attempt_at', CASE WHEN d.status = 'pending'
		    THEN kaigi_ts(d.next_attempt_at, tz) END,
		'delivered_at', kaigi_ts(d.delivered_at, tz)) ORDER BY d.id)
	    FROM (SELECT * FROM webhook_deliveries WHERE webhook_id = w.id
		ORDER BY id DESC LIMIT p_limit) d), '[]'::jsonb));
END $$;

-- The next delivery due, locked for this transaction (others skip it):
-- only the oldest pending delivery of its hook, so a hook's deliveries go
-- out in order. id, url, secret, body, attempts, event.
CREATE FUNCTION kaigi_webhook_next()
RETURNS TABLE (delivery_id bigint, url text, secret text, body text,
    attempts int, event text)
LANGUAGE sql AS $$
	SELECT d.id, w.url, w.secret, d.body, d.attempts, d.event
	FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
	WHERE d.status = 'pending' AND d.next_attempt_at <= now()
	    AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e
		WHERE e.webhook_id = d.webhook_id AND e.status = 'pending'
		    AND e.id < d.id)
	ORDER BY d.next_attempt_at, d.id
	LIMIT 1
	FOR UPDATE OF d SKIP LOCKED
$$;

-- Delivery p_id was answered 2xx (p_code).
CREATE FUNCTION kaigi_webhook_sent(p_id bigint, p_code int)
RETURNS void LANGUAGE sql AS $$
	UPDATE webhook_deliveries SET status = 'delivered',
	    attempts = attempts + 1, response_code = p_code, last_error = NULL,
	    last_attempt_at = now(), delivered_at = now()
	WHERE id = p_id
$$;

-- Delivery p_id failed (p_code: the answer's status, NULL when none came):
-- again after 2^attempts seconds (at most p_max_backoff), or failed for
-- good after p_max_attempts.
CREATE FUNCTION kaigi_webhook_failed(p_id bigint, p_code int, p_error text,
    p_max_backoff int, p_max_attempts int)
RETURNS void LANGUAGE sql AS $$
	UPDATE webhook_deliveries SET attempts = attempts + 1,
	    response_code = p_code, last_error = p_error,
	    last_attempt_at = now(),
	    status = CASE WHEN attempts + 1 >= p_max_attempts
		THEN 'failed' ELSE 'pending' END,
	    next_attempt_at = now() + make_interval(secs =>
		least(p_max_backoff, power(2, least(attempts, 20))))
	WHERE id = p_id
$$;
