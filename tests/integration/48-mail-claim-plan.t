#!/usr/bin/python3
"""48-mail-claim-plan.t — a sender's claim of 32 due batches reads about
32 rows, however many are due and whatever the planner knew of the table
when the connection planned it (sql/940_outbox_claim_ordered.sql).

kaigi_outbox_claim takes the due batches in (next_attempt_at, id) order,
LIMIT 32, FOR UPDATE SKIP LOCKED. Two partial indexes could serve it: 100's
on next_attempt_at alone and 210's on (next_attempt_at, id). A plan made
while few batches were due (the sender asks every second from its start,
and after a wave is sent the statistics say nearly none are) expects one
row, takes the smaller index and sorts what it returns: at the next wave
every claim read and sorted every due batch (20,000: 16-35 ms a claim,
625 claims) to keep 32.

Here, counted rather than timed: a conference of its own in an empty
database, a first wave of N batches already sent and the statistics
autovacuum takes after it, one connection that claims seven times while
nothing is due (PL/pgSQL's plan is then the generic one), then a second
wave of N batches made due in its own transaction (so kaigid's senders
cannot see them) and a claim under auto_explain: the rows every plan node
handled (rows x loops) are added up. The old plan handled more than N; the
bound is 1,000 (about ten nodes of 32 rows). The claim must still take the
32 first batches in order. SHOW_PLANS=1 prints the plans.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from planlib import conference, explained, plan_rows, q  # noqa: E402

SLUG = "claim-plan"
N = 5000
LIMIT = 32


def setup(s):
    cur = s.db().cursor()
    cid = conference(cur, SLUG)
    d = q(cur, "INSERT INTO delegations (conference_id, code, name) VALUES (%s, 'D', 'D')"
               " RETURNING id", cid)[0][0]
    q(cur, """INSERT INTO participants (conference_id, delegation_id, name, email)
        SELECT %s, %s, 'Person ' || i, 'p' || i || '@example.org'
        FROM generate_series(1, %s) i""", cid, d, N)
    return cid


def main(s):
    cid = setup(s)
    conn = s.db()
    conn.autocommit = True
    cur = conn.cursor()
    # A first wave, sent, and the statistics autovacuum takes after it.
    q(cur, """INSERT INTO outbox_batches (conference_id, participant_id, sent_at)
        SELECT %s, id, now() FROM participants WHERE conference_id = %s""", cid, cid)
    q(cur, "ANALYZE outbox_batches")
    for _ in range(7):
        q(cur, "SELECT count(*) FROM kaigi_outbox_claim(%s)", LIMIT)
    conn.autocommit = False
    cur = conn.cursor()
    q(cur, """INSERT INTO outbox_batches (conference_id, participant_id, next_attempt_at)
        SELECT %s, id, now() - interval '1 hour' + id * interval '1 ms'
        FROM participants WHERE conference_id = %s""", cid, cid)
    want = [r[0] for r in q(cur, "SELECT id FROM outbox_batches WHERE conference_id = %s"
                                 " ORDER BY next_attempt_at, id LIMIT %s", cid, LIMIT)]
    out, notices = explained(conn, "SELECT batch_id FROM kaigi_outbox_claim(%s)", LIMIT)
    conn.rollback()
    is_([r[0] for r in out], want, "the claim takes the %d first due batches, in order" % LIMIT)
    work = plan_rows(notices)
    ok(0 < work <= 1000, "the claim's plan handled %d rows for %d due batches (bound 1,000)"
       % (work, N))


with Server(demo=False) as s:
    main(s)
done_testing()
