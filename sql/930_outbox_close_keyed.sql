-- 930_outbox_close_keyed.sql — the change-mail closer gives each pending
-- row its batch by the participant's key, whatever the planner believes
-- about the tables (issue 18: a plenary of 20,000 moved).
--
-- 420's kaigi_outbox_close gathered the pending rows in a CTE (due), made
-- a batch per quiet participant in another (b), then updated outbox FROM
-- b, due joined on participant_id: two CTE scans. The planner's estimate
-- of due comes from `c.publish = 'live'` on conferences, a table that a
-- fresh installation never analyses (autovacuum waits for 50 changed
-- rows; a secretariat has one conference): 0.5 % of the rows. Estimated
-- at 200 rows instead of 40,000, the join of b and due was a nested loop
-- that read all of due again for every batch: 20,000 x 40,000 rows.
-- scripts/bench/mail-load (20,000 participants, a plenary moved twice)
-- queued the mail in 0.6 s and then closed it 140 s later, the closer's
-- statement running all that time; at COP size (100,000) the same
-- quadratic read would take about an hour.
--
-- Now the batches are still made from one grouped read of the pending
-- rows, but the rows are given their batch by an UPDATE of outbox joined
-- to the new batches on outbox_pending_idx (participant_id, pending rows
-- only): a nested loop over the batches probes that index, and a hash
-- join reads outbox once, so no estimate makes the work grow with
-- batches x rows. Same rows, same batches, same result.
-- tests/integration/48-mail-close-plan.t counts the rows the closer's
-- plan handles (old: 2 x N x N for N participants).
--
-- Replaces (CREATE OR REPLACE, same signature): 420's kaigi_outbox_close.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

-- 420's kaigi_outbox_close: every participant's pending rows quiet for
-- p_quiet seconds (since written or first seen) into a batch each; of a
-- release-mode conference only the registration rows (decision 4), its
-- schedule changes being left to its releases.
CREATE OR REPLACE FUNCTION kaigi_outbox_close(p_quiet int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
	n	int;
BEGIN
	IF NOT pg_try_advisory_xact_lock(hashtext('kaigi_outbox_close')) THEN
		RETURN 0;
	END IF;
	UPDATE outbox SET seen_at = clock_timestamp()
	WHERE batch_id IS NULL AND seen_at IS NULL;
	WITH ready AS (
		SELECT o.conference_id, o.participant_id
		FROM outbox o
		JOIN conferences c ON c.id = o.conference_id
		WHERE o.batch_id IS NULL AND (c.publish = 'live'
		    OR o.change IN ('confirmed', 'removed'))
		GROUP BY o.conference_id, o.participant_id
		HAVING max(greatest(o.created_at, o.seen_at))
		    <= clock_timestamp() - make_interval(secs => p_quiet)
	), b AS (
		INSERT INTO outbox_batches (conference_id, participant_id)
		SELECT conference_id, participant_id FROM ready
		RETURNING id, participant_id
	)
	UPDATE outbox o SET batch_id = b.id
	FROM b, conferences c
	WHERE o.participant_id = b.participant_id AND o.batch_id IS NULL
	    AND c.id = o.conference_id
	    AND (c.publish = 'live' OR o.change IN ('confirmed', 'removed'));
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END $$;
