#!/usr/bin/python3
"""48-mail-shown-plan.t — a session shown again finds each concerned
participant's last outbox row of it by key: work that grows with the
participants, not with their square, whatever the planner expects
(sql/990_outbox_shown_by_key.sql).

A session made restricted leaves each participant who no longer sees it a
'hidden' row (a CANCEL); made public again, the trigger finds, for each
participant concerned, whether its last row of the session is such a
CANCEL: a pending one is dropped (live mode), a sent one gets a 'shown'
row (an invitation again). 700 took the last row of every participant and
kept those IN the concerned set; with a new installation's statistics
that IN was a nested-loop semi join, every row against every concerned
participant: 2,273,302 plan rows for a plenary of 1,500.

Counted rather than timed, in one uncommitted transaction (kaigid's
sender never sees it): N participants attend a plenary; it is made
restricted (N 'hidden' rows) and public again under auto_explain (the
pending CANCELs dropped, nothing added), then restricted again, those rows
marked sent as a sender would, and public again (N 'shown' rows). Each
show's plans must handle at most 100 rows per participant.
SHOW_PLANS=1 prints the plans.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from planlib import conference, explained, plan_rows, plenary, q  # noqa: E402

N = 1500
DELEGATIONS = 20


def rows_of(cur, sid):
    return dict(q(cur, """SELECT change || CASE WHEN batch_id IS NULL THEN ' pending' ELSE ' sent' END,
        count(*) FROM outbox WHERE session_id = %s GROUP BY 1""", sid))


def show(conn, sid, what):
    _, notices = explained(conn, "UPDATE sessions SET visibility = 'public' WHERE id = %s", sid)
    work = plan_rows(notices)
    ok(0 < work <= 100 * N, "%s: the show's plans handled %d rows for %d participants (bound %d;"
       " every row against every participant is %d)" % (what, work, N, 100 * N, N * N))


def main(s):
    conn = s.db()
    conn.autocommit = False
    cur = conn.cursor()
    sid = plenary(cur, conference(cur, "shown-plan"), N, DELEGATIONS)
    q(cur, "UPDATE sessions SET visibility = 'restricted' WHERE id = %s", sid)
    is_(rows_of(cur, sid), {"hidden pending": N}, "made restricted: a pending CANCEL for each participant")
    show(conn, sid, "shown while the CANCELs are pending")
    is_(rows_of(cur, sid), {}, "the pending CANCELs are dropped, nothing is added")
    q(cur, "UPDATE sessions SET visibility = 'restricted' WHERE id = %s", sid)
    q(cur, """WITH b AS (INSERT INTO outbox_batches (conference_id, participant_id, sent_at)
            SELECT conference_id, participant_id, now() FROM outbox WHERE session_id = %s
            RETURNING id, participant_id)
        UPDATE outbox o SET batch_id = b.id FROM b
        WHERE o.participant_id = b.participant_id AND o.session_id = %s""", sid, sid)
    show(conn, sid, "shown after the CANCELs were sent")
    is_(rows_of(cur, sid), {"hidden sent": N, "shown pending": N},
        "each participant who was sent a CANCEL gets a 'shown' row")
    conn.rollback()


with Server(demo=False) as s:
    main(s)
done_testing()
