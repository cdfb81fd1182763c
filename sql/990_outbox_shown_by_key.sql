-- 990_outbox_shown_by_key.sql — a session shown again (restricted or
-- confidential made public or conference) finds each concerned
-- participant's last outbox row of it by key, not by comparing every such
-- row with every concerned participant (issue 18: change mail at
-- conference size).
--
-- 700's kaigi_outbox_cancelled_for took the last outbox row of the session
-- for every participant (DISTINCT ON over the session's rows), then kept
-- those whose participant is IN the concerned set. With a new
-- installation's statistics (a few rows expected on each side) the planner
-- made that IN a nested-loop semi join over the materialised concerned
-- set: a plenary of 1,500 participants hidden then shown again handled
-- 2,273,302 plan rows, 1,124,250 of them comparisons the join threw away;
-- at 20,000 participants it is 200 million.
--
-- Now the concerned participants drive: for each, its last row of the
-- session is one probe of outbox_session_idx (session_id, participant_id,
-- id) from the end (LATERAL … ORDER BY id DESC LIMIT 1), whatever the
-- statistics. The same rows: a participant's last row of the session, for
-- the concerned participants, when it is a CANCEL of it (700's decision
-- 1); kaigi_outbox_concerned gives each participant once.
-- tests/integration/48-mail-shown-plan.t counts the show's plan rows and
-- checks its mail rows.
--
-- Replaced (CREATE OR REPLACE, same signature): 700's
-- kaigi_outbox_cancelled_for.
--
-- Applied by kaigid --migrate inside one transaction: no BEGIN/COMMIT here.

CREATE OR REPLACE FUNCTION kaigi_outbox_cancelled_for(p_sid bigint)
RETURNS SETOF outbox LANGUAGE sql STABLE AS $$
	SELECT l.* FROM kaigi_outbox_concerned(p_sid) c
	CROSS JOIN LATERAL (SELECT o.* FROM outbox o
	    WHERE o.session_id = p_sid AND o.participant_id = c.participant_id
	    ORDER BY o.id DESC LIMIT 1) l
	WHERE l.change IN ('hidden', 'uninvited', 'removed')
$$;
