#!/usr/bin/python3
"""21-conflicts-set.t — the conference's conflicts report (GET
/conferences/{slug}/conflicts) pads each session with the changeover in
the query, not with a call of kaigi_busy_range per pair of one person's
sessions (sql/870_conflicts_range_inline.sql: 369,379 calls and 5.2 s on
the COP bench's conference, now 2.5 s).

In one transaction with the double-booking constraints deferred (so that
the rules can be broken at all), one head of delegation gets 40 sessions
in a row (780 pairs), plus:
  * a session overlapping another of hers (participant);
  * one starting 5 minutes after another ends, changeover 10 (changeover);
  * one in her unavailability, and one ending 5 minutes before it
    (unavailability: the padding reaches into it);
  * one starting exactly at the end of the changeover (no conflict).
The report must name exactly those, and call kaigi_busy_range never.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from planlib import conference, heads, q  # noqa: E402


def session(cur, cid, title, start, end, who):
    sid = q(cur, "INSERT INTO sessions (conference_id, kind, title, starts_at, ends_at)"
                 " VALUES (%s, 'other', %s, %s, %s) RETURNING id", cid, title, start, end)[0][0]
    q(cur, "INSERT INTO session_attendees (session_id, participant_id) VALUES (%s, %s)", sid, who)
    return sid


def at(day, hh, mm):
    return "2026-06-%02d %02d:%02d+09" % (day, hh, mm)


def main(s):
    conn = s.db()
    conn.autocommit = False
    cur = conn.cursor()
    q(cur, "SET CONSTRAINTS ALL DEFERRED")
    cid = conference(cur, "conflicts-set", 3)
    _, (h,) = heads(cur, cid, 1)
    for i in range(40):	# day 2 from 08:00: 5 minutes each, 20 minutes apart
        session(cur, cid, "Row %d" % i, at(2, 8 + i * 20 // 60, i * 20 % 60),
                at(2, 8 + (i * 20 + 5) // 60, (i * 20 + 5) % 60), h)
    a = session(cur, cid, "A", at(1, 9, 0), at(1, 10, 0), h)
    b = session(cur, cid, "B overlaps A", at(1, 9, 30), at(1, 10, 30), h)
    c = session(cur, cid, "C in B's changeover", at(1, 10, 35), at(1, 11, 0), h)
    d = session(cur, cid, "D after C's changeover", at(1, 11, 10), at(1, 11, 30), h)
    u = q(cur, "INSERT INTO unavailability (participant_id, during, reason) VALUES"
               " (%s, tstzrange(%s, %s), 'Cabinet call') RETURNING id",
          h, at(3, 14, 0), at(3, 15, 0))[0][0]
    e = session(cur, cid, "E in the call", at(3, 14, 30), at(3, 14, 45), h)
    f = session(cur, cid, "F padded into the call", at(3, 13, 30), at(3, 13, 55), h)
    q(cur, "SET LOCAL track_functions = 'all'")
    got = sorted(q(cur, "SELECT rule, session_id, other_session_id, participant_id, unavailability_id"
                        " FROM kaigi_conference_conflicts_of(%s)", cid))
    calls = q(cur, "SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions"
                   " WHERE funcname = 'kaigi_busy_range'")[0][0]
    want = sorted([("participant", a, b, h, None), ("changeover", b, c, h, None),
                   ("unavailability", e, None, h, u), ("unavailability", f, None, h, u)])
    is_(got, want, "the conflicts: the overlap, the changeover, both in the unavailability; not D, not the row")
    is_(calls, 0, "kaigi_busy_range not called (it was once per pair of one person's sessions)")
    r = q(cur, "SELECT kaigi_conference_conflicts(%s::jsonb, 'conflicts-set')->'items'",
          '{"role": "admin"}')[0][0]
    is_(sorted(x.get("rule") for x in r), sorted(w[0] for w in want), "the API's report names the same rules")
    ok(d not in [x.get("session_id") for x in r] + [x.get("other_session_id") for x in r],
       "the session right after a changeover is not reported")
    conn.rollback()


with Server() as s:
    main(s)
done_testing()
