#!/usr/bin/python3
"""48-mail-release-close-plan.t — a release closes its pending mail in work
that grows with the pending rows, not with their square, whatever the
planner expects of them (sql/980_release_close_mail_set.sql).

A release compares what each participant saw of each pending row's
session in the release before and in the new one: two sets of the
conference's pending rows, joined by the row. In a new installation's
statistics (outbox never analysed) the planner expects almost no pending
row and joined the two sides by a nested loop, reading one side again for
each row of the other: a plenary of 20,000 moved once, then released,
took 54 s. 980 has the closer's joins hashed.

Counted rather than timed: a conference of its own in release mode, N
participants attend a plenary, released, moved, released again under
auto_explain; the rows every plan node handled are added up (bound: 100
per pending row). The result is checked too: one batch per participant
with its row. SHOW_PLANS=1 prints the plans.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from planlib import conference, explained, move, plan_rows, plenary, q  # noqa: E402

SLUG = "release-close-plan"
N = 1500
DELEGATIONS = 20


def main(s):
    cur = s.db().cursor()
    cid = conference(cur, SLUG)
    sid = plenary(cur, cid, N, DELEGATIONS)
    q(cur, "UPDATE conferences SET publish = 'release' WHERE id = %s", cid)
    actor = json.dumps({"role": "secretariat", "conference_id": cid, "token_id": None})
    q(cur, "SELECT kaigi_release_create(%s::jsonb, '{}', %s)", actor, SLUG)
    move(cur, sid)
    pending = q(cur, "SELECT count(*) FROM outbox WHERE conference_id = %s AND batch_id IS NULL", cid)[0][0]
    is_(pending, N, "the move left a pending row for each participant")
    conn = s.db()
    conn.autocommit = False
    out, notices = explained(conn, "SELECT kaigi_release_create(%s::jsonb, '{}', %s)", actor, SLUG)
    conn.commit()
    is_(out[0][0]["n"], 2, "the release published is the second")
    work = plan_rows(notices)
    ok(0 < work <= 100 * pending,
       "the release's plans handled %d rows for %d pending rows (bound %d; a read of one side"
       " per row of the other is %d)" % (work, pending, 100 * pending, pending * pending))
    rows = q(cur, """SELECT count(DISTINCT b.id), count(*), bool_and(b.participant_id = o.participant_id)
        FROM outbox o JOIN outbox_batches b ON b.id = o.batch_id WHERE o.conference_id = %s""", cid)[0]
    is_(list(rows), [N, N, True], "one batch per participant, holding its row")


with Server(demo=False) as s:
    main(s)
done_testing()
