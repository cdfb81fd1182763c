-- 100_outbox.sql — change mail (issue 18): the outbox, written by a trigger
-- in the same transaction as the session change it reports, and the batches
-- kaigid's mail sender (server/outbox.c) closes, sends and marks.
--
-- A change that matters (time, room, status, title) leaves one outbox row
-- per participant who should hear of it: a participant with an e-mail who
-- has not opted out (participants.notify), who attends the session or
-- belongs to one of its party delegations, and whose participant feed shows
-- the session (kaigi_session_visible with the participant's feed actor: a
-- restricted session reaches only its attendees). The row keeps the session
-- as it was, for the summary ("from when to when").
--
-- Batches: once a participant's pending rows have been quiet for
-- notify_quiet_seconds, the sender gathers them into one batch (one
-- message, Message-ID from the batch id). A batch is sent under FOR UPDATE
-- SKIP LOCKED, so workers share the work and never send one twice at once;
-- it is marked sent only after the SMTP server's 250 (or the Maildir
-- rename). Delivery is at least once: a crash between the 250 and the mark
-- sends the batch again, with the same Message-ID.

ALTER TABLE participants ADD COLUMN notify boolean NOT NULL DEFAULT true;

CREATE TABLE outbox_batches (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	conference_id	bigint NOT NULL REFERENCES conferences ON DELETE CASCADE,
	participant_id	bigint NOT NULL REFERENCES participants ON DELETE CASCADE,
	created_at	timestamptz NOT NULL DEFAULT now(),
	attempts	int NOT NULL DEFAULT 0,
	next_attempt_at	timestamptz NOT NULL DEFAULT now(),
	sent_at		timestamptz,
	message_id	text,
	last_error	text
);
CREATE INDEX outbox_batches_due_idx ON outbox_batches (next_attempt_at)
    WHERE sent_at IS NULL;

CREATE TABLE outbox (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	conference_id	bigint NOT NULL REFERENCES conferences ON DELETE CASCADE,
	participant_id	bigint NOT NULL REFERENCES participants ON DELETE CASCADE,
	session_id	bigint NOT NULL,	-- no FK: the row outlives a deleted session
	change		text NOT NULL CHECK (change IN ('changed', 'cancelled')),
	was_start	timestamptz NOT NULL,
	was_end		timestamptz NOT NULL,
	was_room	text,
	was_title	text NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT clock_timestamp(),
	batch_id	bigint REFERENCES outbox_batches ON DELETE CASCADE
);
CREATE INDEX outbox_pending_idx ON outbox (participant_id) WHERE batch_id IS NULL;
CREATE INDEX outbox_batch_idx ON outbox (batch_id);

-- sessions AFTER UPDATE of what a mail reports: one outbox row per
-- participant concerned (see the top of this file).
CREATE FUNCTION kaigi_outbox_session() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO outbox (conference_id, participant_id, session_id, change,
	    was_start, was_end, was_room, was_title)
	SELECT NEW.conference_id, p.id, NEW.id,
	    CASE WHEN NEW.status = 'cancelled' THEN 'cancelled' ELSE 'changed' END,
	    OLD.starts_at, OLD.ends_at,
	    (SELECT r.name FROM rooms r WHERE r.id = OLD.room_id), OLD.title
	FROM participants p
	WHERE p.conference_id = NEW.conference_id
	    AND p.email IS NOT NULL AND p.notify
	    AND (EXISTS (SELECT 1 FROM session_attendees a
		    WHERE a.session_id = NEW.id AND a.participant_id = p.id)
		OR EXISTS (SELECT 1 FROM session_delegations sd
		    WHERE sd.session_id = NEW.id
			AND sd.delegation_id = p.delegation_id))
	    AND kaigi_session_visible(NEW.id, jsonb_build_object('role', 'feed',
		'conference_id', NEW.conference_id, 'participant_id', p.id));
	RETURN NULL;
END $$;

CREATE TRIGGER sessions_outbox AFTER UPDATE ON sessions FOR EACH ROW
    WHEN ((OLD.starts_at, OLD.ends_at, OLD.room_id, OLD.status, OLD.title)
	IS DISTINCT FROM (NEW.starts_at, NEW.ends_at, NEW.room_id, NEW.status,
	    NEW.title))
    EXECUTE FUNCTION kaigi_outbox_session();

-- Gather every participant's pending rows quiet for p_quiet seconds into a
-- new batch each; one sender at a time (the others skip). Returns how many.
CREATE FUNCTION kaigi_outbox_close(p_quiet int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
	n	int;
BEGIN
	IF NOT pg_try_advisory_xact_lock(hashtext('kaigi_outbox_close')) THEN
		RETURN 0;
	END IF;
	WITH ready AS (
		SELECT conference_id, participant_id FROM outbox
		WHERE batch_id IS NULL
		GROUP BY conference_id, participant_id
		HAVING max(created_at) <= clock_timestamp() - make_interval(secs => p_quiet)
	), b AS (
		INSERT INTO outbox_batches (conference_id, participant_id)
		SELECT conference_id, participant_id FROM ready
		RETURNING id, participant_id
	)
	UPDATE outbox o SET batch_id = b.id FROM b
	WHERE o.participant_id = b.participant_id AND o.batch_id IS NULL;
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END $$;

-- The next batch due, locked for this transaction (others skip it):
-- batch, attempts, participant's name and e-mail, conference id, title
-- and time zone.
CREATE FUNCTION kaigi_outbox_next()
RETURNS TABLE (batch_id bigint, attempts int, name text, email text,
    conference_id bigint, conference text, timezone text)
LANGUAGE sql AS $$
	SELECT b.id, b.attempts, p.name, p.email, c.id, c.title, c.timezone
	FROM outbox_batches b
	JOIN participants p ON p.id = b.participant_id
	JOIN conferences c ON c.id = b.conference_id
	WHERE b.sent_at IS NULL AND b.next_attempt_at <= now()
	ORDER BY b.next_attempt_at, b.id
	LIMIT 1
	FOR UPDATE OF b SKIP LOCKED
$$;

-- The sessions of batch p_batch_id as the participant's feed shows them
-- now (the feed's row, so UID and SEQUENCE are the feed's), each with how
-- it was before the batch's first change (epoch seconds). Visibility is
-- asked again here: a session the participant may no longer see (made
-- restricted, attendee removed, deleted) is left out of the message.
CREATE FUNCTION kaigi_outbox_events(p_batch_id bigint)
RETURNS TABLE (id bigint, kind text, title text, description text,
    room text, venue text, starts_at bigint, ends_at bigint, status text,
    sequence int, created_at bigint, updated_at bigint,
    was_start bigint, was_end bigint, was_room text, was_title text)
LANGUAGE sql STABLE AS $$
	SELECT f.id, f.kind, f.title, f.description, f.room, f.venue,
	    f.starts_at, f.ends_at, f.status, f.sequence, f.created_at,
	    f.updated_at, kaigi_epoch(w.was_start), kaigi_epoch(w.was_end),
	    w.was_room, w.was_title
	FROM outbox_batches b
	JOIN LATERAL (SELECT DISTINCT ON (o.session_id) o.*
	    FROM outbox o WHERE o.batch_id = b.id
	    ORDER BY o.session_id, o.id) w ON true
	JOIN LATERAL kaigi_feed_rows(b.conference_id, '',
	    jsonb_build_object('role', 'feed', 'conference_id', b.conference_id,
		'participant_id', b.participant_id), NULL) f ON f.id = w.session_id
	WHERE b.id = p_batch_id
	ORDER BY f.starts_at, f.id
$$;

-- Batch p_batch_id was delivered as p_message_id.
CREATE FUNCTION kaigi_outbox_sent(p_batch_id bigint, p_message_id text)
RETURNS void LANGUAGE sql AS $$
	UPDATE outbox_batches SET sent_at = now(), message_id = p_message_id,
	    attempts = attempts + 1, last_error = NULL
	WHERE id = p_batch_id
$$;

-- Batch p_batch_id failed (p_error): try again after 2^attempts seconds
-- (at most p_max_backoff).
CREATE FUNCTION kaigi_outbox_failed(p_batch_id bigint, p_error text,
    p_max_backoff int)
RETURNS void LANGUAGE sql AS $$
	UPDATE outbox_batches SET attempts = attempts + 1, last_error = p_error,
	    next_attempt_at = now() + make_interval(secs =>
		least(p_max_backoff, power(2, least(attempts, 20))))
	WHERE id = p_batch_id
$$;
