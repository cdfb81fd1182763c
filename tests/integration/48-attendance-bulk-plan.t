#!/usr/bin/python3
"""48-attendance-bulk-plan.t — attendance changed in bulk costs a bounded
number of rows per attendee, not a read of the session's attendees each
(sql/993_busy_people_by_key.sql).

Taking an attendee out of a session drops their busy row unless they are
still busy for it (represented, or interpreting): a lookup of
session_busy_people by session and person. With a new installation's
statistics that lookup combined two indexes, reading every attendee of
the session for each row taken out: half of 1,500 attendees in one
statement, 1,127,250 index entries.

Counted rather than timed, in one uncommitted transaction: N participants
attend a restricted session; every other one is taken out in one
statement under auto_explain. Its plans must handle at most 100 rows per
attendee taken out, and exactly their busy rows must be gone.
SHOW_PLANS=1 prints the plans.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from planlib import conference, explained, plan_rows, plenary, q  # noqa: E402

N = 1500


def main(s):
    conn = s.db()
    conn.autocommit = False
    cur = conn.cursor()
    cid = conference(cur, "attendance-bulk")
    sid = plenary(cur, cid, N, 20)
    q(cur, "UPDATE sessions SET visibility = 'restricted' WHERE id = %s", sid)
    q(cur, "DELETE FROM session_delegations WHERE session_id = %s", sid)
    q(cur, """INSERT INTO session_attendees (session_id, participant_id)
        SELECT %s, id FROM participants WHERE conference_id = %s""", sid, cid)
    is_(q(cur, "SELECT count(*) FROM busy WHERE session_id = %s", sid)[0][0], N, "each attendee is busy")
    _, notices = explained(conn, "DELETE FROM session_attendees WHERE session_id = %s"
                                 " AND mod(participant_id, 2) = 0", sid)
    out = N // 2
    work = plan_rows(notices)
    ok(0 < work <= 100 * out, "taking %d attendees out handled %d plan rows (bound %d; a read of"
       " the session's attendees per row is %d)" % (out, work, 100 * out, out * N))
    left = sorted(r[0] for r in q(cur, "SELECT participant_id FROM busy WHERE session_id = %s", sid))
    is_(left, sorted(r[0] for r in q(cur, "SELECT participant_id FROM session_attendees"
                                          " WHERE session_id = %s", sid)),
        "the busy rows left are exactly the remaining attendees' (%d)" % (N - out))
    conn.rollback()


with Server(demo=False) as s:
    main(s)
done_testing()
