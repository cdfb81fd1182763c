-- 950_webhook_next_oldest.sql — the webhook sender finds each hook's
-- oldest pending delivery by the hook's index instead of testing every
-- pending delivery for an older one (issue 18, at issue 21's size).
--
-- 160's kaigi_webhook_next (called once per delivery) read every pending
-- delivery and, for each, probed for an older pending one of its hook
-- (the NOT EXISTS that keeps a hook's deliveries in order), then sorted
-- the survivors. An auto-schedule writes a session change per placement
-- and each change a delivery per hook: with 20,000 pending for one hook a
-- call took 75 ms (20,000 rows read, 20,000 probes) to return one, so a
-- COP schedule's deliveries took the sender about 12 minutes of database
-- time, quadratic in the backlog.
--
-- Now each hook's oldest pending delivery is one probe of
-- webhook_deliveries_pending_idx (webhook_id, id), hooks being few; the
-- earliest due of those is locked FOR UPDATE SKIP LOCKED. A hook whose
-- oldest is held by another sender is skipped, never served from its
-- second (order per hook kept, as before); the lock re-checks that the
-- row is still pending. Same rows, same order.
-- tests/integration/46-webhook-next-plan.t counts the rows a call's plan
-- handles (old: about 2 x N for N pending).
--
-- Replaces (CREATE OR REPLACE, same signature): 160's kaigi_webhook_next.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

CREATE OR REPLACE FUNCTION kaigi_webhook_next()
RETURNS TABLE (delivery_id bigint, url text, secret text, body text,
    attempts int, event text)
LANGUAGE sql AS $$
	SELECT d.id, w.url, w.secret, d.body, d.attempts, d.event
	FROM webhooks w
	CROSS JOIN LATERAL (SELECT e.id FROM webhook_deliveries e
	    WHERE e.webhook_id = w.id AND e.status = 'pending'
	    ORDER BY e.id LIMIT 1) o
	JOIN webhook_deliveries d ON d.id = o.id
	WHERE d.status = 'pending' AND d.next_attempt_at <= now()
	ORDER BY d.next_attempt_at, d.id
	LIMIT 1
	FOR UPDATE OF d SKIP LOCKED
$$;
