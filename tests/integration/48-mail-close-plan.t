#!/usr/bin/python3
"""48-mail-close-plan.t — the change-mail closer's work grows with the
pending rows, not with batches x rows, whatever the planner estimates
(sql/930_outbox_close_keyed.sql).

scripts/bench/mail-load (a plenary of 20,000 participants moved twice)
queued its 40,000 outbox rows in 0.6 s, then kaigi_outbox_close ran for
140 s: on a fresh installation, conferences has never been analysed, the
planner took 0.5 % of the pending rows as its estimate, and the UPDATE
joined the new batches to the pending rows (both CTEs) by a nested loop
that read every pending row again for each batch.

Here, counted rather than timed: a conference of its own in an empty
database (as a new secretariat's), N participants with an e-mail in 20
delegations, a plenary every delegation attends moved twice (2 x N
outbox rows). kaigid's sender is kept out by the closer's advisory lock,
held by this test's transaction; the close runs under auto_explain, and
the rows every plan node handled (rows x loops) are added up. The old
closer handled 2 x N x N of them; the bound is 100 per pending row
(most of the new closer's are the foreign keys' checks, a few per row).
The result must be the same: one batch per participant holding both of
its rows.

Then a second wave, as a secretariat's next change: the first wave's
batches marked sent, outbox analysed (as autovacuum does: every row has
a batch), the plenary moved once more and closed the same way. With those
statistics the planner expected one pending row, put the pending rows
outside the join and read the CTE of new batches again for each of them
(sql/970_outbox_close_hashed.sql; mail-load's later waves closed 43-45 s
after the change). SHOW_PLANS=1 prints the plans.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from planlib import conference, explained, move, plan_rows, plenary, q  # noqa: E402

SLUG = "close-plan"
N = 1500
DELEGATIONS = 20


def setup(s):
    cur = s.db().cursor()
    cid = conference(cur, SLUG)
    sid = plenary(cur, cid, N, DELEGATIONS)
    move(cur, sid)
    move(cur, sid)
    return cid, sid


def close_wave(s, cid, moves, wave):
    """Close the wave's pending rows (moves per participant) under
    auto_explain, with kaigid's sender held off by the closer's lock."""
    pending = q(s.db().cursor(), "SELECT count(*) FROM outbox WHERE conference_id = %s"
                                 " AND batch_id IS NULL", cid)[0][0]
    is_(pending, moves * N, "%s: %d pending rows per participant" % (wave, moves))
    # the wave's batches: those made from here on (kaigid's sender may send
    # them as soon as they are committed)
    last = q(s.db().cursor(), "SELECT coalesce(max(id), 0) FROM outbox_batches")[0][0]
    conn = s.db()
    conn.autocommit = False
    cur = conn.cursor()
    q(cur, "SELECT pg_advisory_xact_lock(hashtext('kaigi_outbox_close'))")
    out, notices = explained(conn, "SELECT kaigi_outbox_close(0)")
    conn.commit()
    is_(out[0][0], moves * N, "%s: the closer batched every pending row" % wave)
    work = plan_rows(notices)
    ok(0 < work <= 100 * pending,
       "%s: the closer's plans handled %d rows for %d pending rows (bound %d; a read of"
       " the pending rows per batch is %d)" % (wave, work, pending, 100 * pending, pending * N))
    rows = q(s.db().cursor(), """SELECT count(DISTINCT b.id), count(*),
        count(DISTINCT b.participant_id), bool_and(b.participant_id = o.participant_id)
        FROM outbox o JOIN outbox_batches b ON b.id = o.batch_id
        WHERE o.conference_id = %s AND b.id > %s""", cid, last)[0]
    is_(list(rows), [N, moves * N, N, True],
        "%s: one batch per participant, holding its rows and only its own" % wave)


def main(s):
    cid, sid = setup(s)
    close_wave(s, cid, 2, "the first wave")
    cur = s.db().cursor()
    q(cur, "UPDATE outbox_batches SET sent_at = now() WHERE conference_id = %s", cid)
    q(cur, "ANALYZE outbox, outbox_batches")	# as autovacuum does after a wave: every row batched
    move(cur, sid)
    close_wave(s, cid, 1, "a second wave, after the first was sent and analysed")


with Server(demo=False) as s:
    main(s)
done_testing()
