-- 270_outbox_claims.sql — the mail sender takes batches by the claim, not
-- one by one (issue 18: "the sender keeps pace with the SMTP sink").
--
-- Before, each message cost five statements on the sender's connection
-- (BEGIN, kaigi_outbox_next, kaigi_outbox_events, kaigi_outbox_sent,
-- COMMIT), each a round trip waited for in turn; scripts/bench/mail-load
-- measured the sender at 0.17-0.22 of the sink's pace. Now a sender
-- (server/outbox.c) runs, per claim of up to p_limit batches:
--
--	BEGIN
--	kaigi_outbox_claim(p_limit)	the due batches, locked FOR UPDATE
--					SKIP LOCKED (other senders skip them)
--	kaigi_outbox_events_of(ids)	the events of all of them
--	... one SMTP delivery per batch, on one connection ...
--	kaigi_outbox_done(sent, message ids, failed, errors, max backoff)
--	COMMIT
--
-- Nothing else changes: a batch is marked sent only after the server's 250
-- (the mark is in kaigi_outbox_done, after the deliveries); a crash or a
-- lost connection before the COMMIT leaves every batch of the claim unsent,
-- so the ones that had their 250 are sent again with the same Message-ID
-- (at least once, at most one duplicate each per crash); a refused batch
-- gets 100's backoff (2^attempts s, at most p_max_backoff) while the
-- others of its claim are marked sent.
--
-- New functions only; kaigi_outbox_next, kaigi_outbox_events (210),
-- kaigi_outbox_sent (210) and kaigi_outbox_failed (100) stay as they were.

-- Up to p_limit due batches, oldest due first, locked for this transaction
-- (others skip them): the columns of kaigi_outbox_next.
CREATE FUNCTION kaigi_outbox_claim(p_limit int)
RETURNS TABLE (batch_id bigint, attempts int, name text, email text,
    conference_id bigint, conference text, timezone text)
LANGUAGE plpgsql AS $$
BEGIN
	RETURN QUERY WITH b AS (
		SELECT ob.id, ob.attempts, ob.participant_id, ob.conference_id,
		    ob.next_attempt_at
		FROM outbox_batches ob
		WHERE ob.sent_at IS NULL AND ob.next_attempt_at <= now()
		ORDER BY ob.next_attempt_at, ob.id
		LIMIT greatest(p_limit, 1)
		FOR UPDATE SKIP LOCKED
	)
	SELECT b.id, b.attempts, p.name, p.email, c.id, c.title, c.timezone
	FROM b
	JOIN participants p ON p.id = b.participant_id
	JOIN conferences c ON c.id = b.conference_id
	ORDER BY b.next_attempt_at, b.id;
END $$;

-- The rows of kaigi_outbox_events for each batch of p_batch_ids, in the
-- array's order, each led by its batch's id.
CREATE FUNCTION kaigi_outbox_events_of(p_batch_ids bigint[])
RETURNS TABLE (batch_id bigint, id bigint, kind text, title text,
    description text, room text, venue text, starts_at bigint, ends_at bigint,
    status text, sequence int, created_at bigint, updated_at bigint,
    was_start bigint, was_end bigint, was_room text, was_title text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	b	bigint;
BEGIN
	FOREACH b IN ARRAY p_batch_ids LOOP
		RETURN QUERY SELECT b, e.* FROM kaigi_outbox_events(b) e;
	END LOOP;
END $$;

-- The end of a claim: batches p_sent were delivered (each as the message
-- id at the same place in p_message_ids), batches p_failed were not (the
-- error at the same place in p_errors; tried again after 2^attempts s, at
-- most p_max_backoff, as 100's kaigi_outbox_failed). Times are this
-- statement's, after the deliveries (now() would be the claim's start):
-- every batch of a claim gets the same sent_at, and a backoff counts from
-- the mark.
CREATE FUNCTION kaigi_outbox_done(p_sent bigint[], p_message_ids text[],
    p_failed bigint[], p_errors text[], p_max_backoff int)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	UPDATE outbox_batches ob SET sent_at = statement_timestamp(),
	    message_id = s.mid,
	    attempts = ob.attempts + 1, last_error = NULL
	FROM unnest(p_sent, p_message_ids) AS s(id, mid)
	WHERE ob.id = s.id;
	UPDATE outbox_batches ob SET attempts = ob.attempts + 1,
	    last_error = f.err,
	    next_attempt_at = statement_timestamp() + make_interval(secs =>
		least(p_max_backoff, power(2, least(ob.attempts, 20))))
	FROM unnest(p_failed, p_errors) AS f(id, err)
	WHERE ob.id = f.id;
END $$;
