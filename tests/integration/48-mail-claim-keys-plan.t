#!/usr/bin/python3
"""48-mail-claim-keys-plan.t — a sender's claim (kaigi_outbox_claim), its
events (kaigi_outbox_mail_events) and its mark (kaigi_outbox_done) each do
work that grows with the claim's 32 batches, not with every batch and
outbox row ever queued, whatever the planner knows of outbox and
outbox_batches (sql/960_outbox_claim_by_key.sql).

The events joined the claim's ids to outbox_batches and its batches to
outbox for their cancelled and hidden sessions; on a plenary of 20,000
participants moved twice (scripts/bench/mail-load) that was a sequential
scan of all 40,000 outbox rows at each of 625 claims, 33 ms a call in
kaigid. With the statistics of a small table (as a new installation has
until autovacuum looks again), the claim read and sorted every due batch
and the mark scanned every batch. Both tables keep every row ever
queued, so each claim's cost grew with the conference's history.

Here, counted rather than timed: a conference of its own in an empty
database, N participants attending a plenary moved twice (2 x N outbox
rows), closed into N batches in this test's transaction (the closer's
advisory lock held and nothing committed, so kaigid's senders neither
close nor claim them), then a claim of 32, their events and their mark
as sent under auto_explain: the rows every plan node handled (rows x
loops, and the rows their filters removed) are added up, first with the
statistics of the empty tables, then after ANALYZE. The old statements
handled more than the N batches (a scan of them); the bound is 2,000 for
each (about thirty nodes of 32 to 64 rows). The results must be the
claim's own: the 32 first batches, one event each (the plenary,
changed), 32 batches marked. SHOW_PLANS=1 prints the plans.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from planlib import conference, explained, move, plan_rows, plenary, q  # noqa: E402

SLUG = "claim-keys-plan"
N = 10000
DELEGATIONS = 20
CLAIM = 32
BOUND = 2000


def setup(s):
    cur = s.db().cursor()
    cid = conference(cur, SLUG)
    q(cur, "ANALYZE outbox, outbox_batches")     # empty, as autovacuum may have seen them
    # and kept so until the test's own ANALYZE: an autovacuum in between (a
    # fresh-clone CI under load once analysed part of the rows: 2,849 for
    # the events) would test statistics of neither kind
    q(cur, "ALTER TABLE outbox SET (autovacuum_enabled = off)")
    q(cur, "ALTER TABLE outbox_batches SET (autovacuum_enabled = off)")
    sid = plenary(cur, cid, N, DELEGATIONS)
    move(cur, sid)
    move(cur, sid)
    return cid, sid


def bounded(notices, what, when):
    work = plan_rows(notices)
    ok(0 < work <= BOUND, "%s: the plans of %s handled %d rows for a claim of %d (bound %d;"
       " %d batches, %d outbox rows)" % (when, what, work, CLAIM, BOUND, N, 2 * N))


def check(conn, cur, sid, when):
    """The claim, its events and its mark, each under auto_explain, in a
    savepoint rolled back after (the batches stay due)."""
    q(cur, "SAVEPOINT claim")
    want = [r[0] for r in q(cur, "SELECT id FROM outbox_batches WHERE sent_at IS NULL"
                                 " ORDER BY next_attempt_at, id LIMIT %s", CLAIM)]
    out, notices = explained(conn, "SELECT batch_id FROM kaigi_outbox_claim(%s)", CLAIM)
    is_([r[0] for r in out], want, "%s: the claim takes the %d first due batches" % (when, CLAIM))
    bounded(notices, "the claim", when)
    out, notices = explained(conn, "SELECT batch_id, id, change FROM"
                                   " kaigi_outbox_mail_events(%s::bigint[])", want)
    is_([list(r) for r in out], [[b, sid, "changed"] for b in want],
        "%s: one event per batch, in the claim's order: the plenary, changed" % when)
    bounded(notices, "the events", when)
    _, notices = explained(conn, "SELECT kaigi_outbox_done(%s::bigint[], %s::text[],"
                                 " '{}'::bigint[], '{}'::text[], 3600)",
                           want, ["<m%d@kaigi>" % b for b in want])
    is_(q(cur, "SELECT count(*) FROM outbox_batches WHERE id = ANY (%s)"
               " AND sent_at IS NOT NULL", want)[0][0], CLAIM, "%s: the claim marked sent" % when)
    bounded(notices, "the mark", when)
    q(cur, "ROLLBACK TO SAVEPOINT claim")


def main(s):
    cid, sid = setup(s)
    conn = s.db()
    conn.autocommit = False
    cur = conn.cursor()
    q(cur, "SELECT pg_advisory_xact_lock(hashtext('kaigi_outbox_close'))")
    is_(q(cur, "SELECT kaigi_outbox_close(0)")[0][0], 2 * N,
        "the closer batched both moves of every participant")
    check(conn, cur, sid, "statistics of the empty tables")
    q(cur, "ANALYZE outbox, outbox_batches")
    check(conn, cur, sid, "statistics of the batched outbox")
    conn.rollback()


with Server(demo=False) as s:
    main(s)
done_testing()
