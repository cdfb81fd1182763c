#!/usr/bin/python3
"""48-mail-restricted-plan.t — a change of a restricted session writes its
mail rows in work that grows with the people concerned, not with their
square, whatever the planner expects (sql/991_outbox_session_viewers.sql).

Among the people concerned by a change (attendees, members of party
delegations, confirmed registrants), a restricted session's mail goes to
those whose own feed shows it. 600's trigger asked kaigi_session_visible
per person, and each call looked through the session's attendees; 640's
set of viewers, with a new installation's statistics, compared every
attendee with every participant. A restricted session of 1,500 listed
attendees given a room took 3.4 s and 5,648,270 plan rows.

Counted rather than timed, in one uncommitted transaction (kaigid's
sender never sees it): N participants in 20 party delegations of a
restricted plenary, every other one listed as an attendee; the plenary is
retitled under auto_explain with track_functions on. Its plans must
handle at most 100 rows per participant, the rule must not be asked per
person, and the rows must be the attendees' only (the other members of
the party delegations do not see it in their own feeds).
SHOW_PLANS=1 prints the plans.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from planlib import conference, explained, plan_rows, plenary, q  # noqa: E402

N = 1500
DELEGATIONS = 20


def main(s):
    conn = s.db()
    conn.autocommit = False
    cur = conn.cursor()
    cid = conference(cur, "restricted-plan")
    sid = plenary(cur, cid, N, DELEGATIONS)
    q(cur, "UPDATE sessions SET visibility = 'restricted' WHERE id = %s", sid)
    q(cur, """INSERT INTO session_attendees (session_id, participant_id)
        SELECT %s, id FROM participants WHERE conference_id = %s AND mod(id, 2) = 0""", sid, cid)
    want = sorted(r[0] for r in q(cur, "SELECT participant_id FROM session_attendees WHERE session_id = %s", sid))
    before = q(cur, "SELECT coalesce(max(id), 0) FROM outbox")[0][0]
    q(cur, "SET LOCAL track_functions = 'all'")
    _, notices = explained(conn, "UPDATE sessions SET title = 'Plenary (revised)' WHERE id = %s", sid)
    work = plan_rows(notices)
    ok(0 < work <= 100 * N, "the change's plans handled %d rows for %d participants (bound %d;"
       " every attendee against every participant is %d)" % (work, N, 100 * N, N * N // 2))
    calls = q(cur, """SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions
        WHERE funcname = 'kaigi_session_visible'""")[0][0]
    is_(calls, 0, "the rule was asked for no single person")
    got = q(cur, "SELECT participant_id, change FROM outbox WHERE session_id = %s AND id > %s"
                 " ORDER BY participant_id", sid, before)
    is_([r[0] for r in got], want, "a row for each attendee (%d), none for the delegations' other"
        " members, who do not see it" % len(want))
    is_({r[1] for r in got}, {"changed"}, "each a change")
    conn.rollback()


with Server(demo=False) as s:
    main(s)
done_testing()
