#!/usr/bin/python3
"""22-session-visible-by-key.t — whether one actor sees one session is
answered by key lookups, however many attendees and registrants the
session has (sql/992_session_visible_by_key.sql).

020's rule looked for an attendee who is the actor's participant OR of the
actor's delegation, and 180's the same over confirmed registrations: each
call read every attendee (registrant) with its participant. The triggers
of attendance and registrations ask the rule once per row, so bulk
changes grew with the square of the attendees.

Counted rather than timed, in one uncommitted transaction: a restricted
session with N listed attendees (10 delegations) and N confirmed
registrants (10 others), and an outsider in a delegation of its own. The rule is asked, under
auto_explain, for an attendee's feed, a registrant's feed, an outsider's
feed, an attending delegation's liaison, a registrants' delegation's
liaison and the outsider's delegation's liaison: each answer must be the
expected one, and each call's plans must handle at most 20 rows plus two
per member of the actor's delegation (150 for a liaison), not a read of
the session's attendees or registrants.
SHOW_PLANS=1 prints the plans.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from planlib import conference, explained, plan_rows, q  # noqa: E402

N = 1500


def setup(cur, cid):
    dels = [q(cur, "INSERT INTO delegations (conference_id, code, name) VALUES (%s, %s, %s) RETURNING id",
              cid, "D%02d" % i, "Delegation %02d" % i)[0][0] for i in range(21)]
    q(cur, """INSERT INTO participants (conference_id, delegation_id, name)
        SELECT %s, (%s::bigint[])[1 + i %% 10], 'Attendee ' || i FROM generate_series(1, %s) i""",
      cid, dels, N)
    q(cur, """INSERT INTO participants (conference_id, delegation_id, name)
        SELECT %s, (%s::bigint[])[11 + i %% 10], 'Registrant ' || i FROM generate_series(1, %s) i""",
      cid, dels, N)
    sid = q(cur, "INSERT INTO sessions (conference_id, kind, title, starts_at, ends_at, visibility)"
                 " VALUES (%s, 'side_event', 'Side', '2026-06-01 09:00+09', '2026-06-01 10:00+09',"
                 " 'restricted') RETURNING id", cid)[0][0]
    q(cur, """INSERT INTO session_attendees (session_id, participant_id)
        SELECT %s, id FROM participants WHERE conference_id = %s AND name LIKE 'Attendee %%'""", sid, cid)
    q(cur, """INSERT INTO registrations (conference_id, session_id, participant_id, status, confirmed_at)
        SELECT %s, %s, id, 'confirmed', now() FROM participants
        WHERE conference_id = %s AND name LIKE 'Registrant %%'""", cid, sid, cid)
    return dels, sid


def main(s):
    conn = s.db()
    conn.autocommit = False
    cur = conn.cursor()
    cid = conference(cur, "visible-by-key")
    dels, sid = setup(cur, cid)
    outsider = q(cur, "INSERT INTO participants (conference_id, delegation_id, name) VALUES (%s, %s,"
                      " 'Outsider') RETURNING id", cid, dels[20])[0][0]
    attendee = q(cur, "SELECT max(participant_id) FROM session_attendees WHERE session_id = %s", sid)[0][0]
    registrant = q(cur, "SELECT max(participant_id) FROM registrations WHERE session_id = %s", sid)[0][0]
    cases = [("an attendee's feed", {"role": "feed", "participant_id": attendee}, True),
             ("a registrant's feed", {"role": "feed", "participant_id": registrant}, True),
             ("an outsider's feed", {"role": "feed", "participant_id": outsider}, False),
             ("an attending delegation's liaison", {"role": "liaison", "delegation_id": dels[3]}, True),
             ("a registrants' delegation's liaison", {"role": "liaison", "delegation_id": dels[13]}, True),
             ("the outsider's delegation's liaison", {"role": "liaison", "delegation_id": dels[20]}, False)]
    for name, actor, want in cases:
        actor["conference_id"] = cid
        out, notices = explained(conn, "SELECT kaigi_session_visible(%s, %s::jsonb)", sid, json.dumps(actor))
        is_(out[0][0], want, "%s: %s" % (name, "sees it" if want else "does not see it"))
        work = plan_rows(notices)
        members = q(cur, "SELECT count(*) FROM participants WHERE delegation_id = %s",
                    actor.get("delegation_id"))[0][0]
        ok(work <= 20 + 2 * members, "%s: the rule's plans handled %d rows (bound %d: two per member of"
           " the actor's delegation, %d; the session has %d attendees and %d registrants)"
           % (name, work, 20 + 2 * members, members, N, N))
    conn.rollback()


with Server(demo=False) as s:
    main(s)
done_testing()
