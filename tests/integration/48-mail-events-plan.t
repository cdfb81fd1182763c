#!/usr/bin/python3
"""48-mail-events-plan.t — the events of a sender's claim are read from the
claim's own outbox rows, not from the whole outbox, whatever the planner
knows of the table (sql/960_outbox_events_own_rows.sql).

kaigi_outbox_mail_events (once per claim of 32 batches) finds a batch's
cancelled, uninvited and hidden sessions (its "gone" part) by joining the
claim's batches to outbox on the change's kind. On a plenary of 20,000
participants moved twice (scripts/bench/mail-load) that join was a hash
join over a sequential scan of all 40,000 rows, for every claim: 625
claims, 33 ms a call in kaigid, the largest of the sender's costs per
message. The outbox keeps every row ever queued, so the cost grew with
the conference's history, not with the claim.

Here, counted rather than timed: a conference of its own in an empty
database, N participants attending a plenary moved twice (2 x N outbox
rows), the rows batched by the closer (its advisory lock, so kaigid's
sender waits), the statistics autovacuum takes afterwards, then the
events of 32 batches under auto_explain: the rows every plan node
handled (rows x loops, and the rows their filters removed) are added up,
with the statistics of the empty outbox (as autovacuum may have left
them) and again after ANALYZE. The old read handled more than the N
batches (a sequential scan of them); the bound is 2,000 (about thirty
nodes of 32 to 64 rows).
The events must be the claim's own: one per batch, the plenary, changed.
SHOW_PLANS=1 prints the plans.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from planlib import conference, explained, plan_rows, plenary, q  # noqa: E402

SLUG = "events-plan"
N = 10000
DELEGATIONS = 20
CLAIM = 32


def setup(s):
    cur = s.db().cursor()
    cid = conference(cur, SLUG)
    sid = plenary(cur, cid, N, DELEGATIONS)
    q(cur, "ANALYZE outbox")     # empty, as autovacuum may have seen it
    q(cur, "ANALYZE outbox_batches")
    for _ in range(2):
        q(cur, "UPDATE sessions SET starts_at = starts_at + interval '30 minutes',"
               " ends_at = ends_at + interval '30 minutes' WHERE id = %s", sid)
    return cid, sid


def close(s):
    conn = s.db()
    conn.autocommit = False
    cur = conn.cursor()
    q(cur, "SELECT pg_advisory_xact_lock(hashtext('kaigi_outbox_close'))")
    n = q(cur, "SELECT kaigi_outbox_close(0)")[0][0]
    conn.commit()
    return n


def check(s, cid, sid, ids, when):
    conn = s.db()
    conn.autocommit = False
    out, notices = explained(conn, "SELECT batch_id, id, change FROM"
                                   " kaigi_outbox_mail_events(%s::bigint[])", ids)
    conn.rollback()
    is_([list(r) for r in out], [[b, sid, "changed"] for b in ids],
        "%s: one event per batch, in the claim's order: the plenary, changed" % when)
    work = plan_rows(notices)
    if os.environ.get("SHOW_PLANS"):
        diag("".join(notices))
    ok(0 < work <= 2000, "%s: the events' plans handled %d rows for a claim of %d batches"
       " (bound 2,000; the outbox holds %d rows, its batches %d)" % (when, work, CLAIM, 2 * N, N))


def main(s):
    cid, sid = setup(s)
    is_(close(s), 2 * N, "the closer batched both moves of every participant")
    cur = s.db().cursor()
    ids = [r[0] for r in q(cur, "SELECT id FROM outbox_batches WHERE conference_id = %s"
                                " ORDER BY id LIMIT %s OFFSET %s", cid, CLAIM, N // 2)]
    is_(len(ids), CLAIM, "a claim's worth of batches")
    check(s, cid, sid, ids, "statistics of the empty outbox")
    q(cur, "ANALYZE outbox")
    q(cur, "ANALYZE outbox_batches")
    check(s, cid, sid, ids, "statistics of the batched outbox")


with Server(demo=False) as s:
    main(s)
done_testing()
