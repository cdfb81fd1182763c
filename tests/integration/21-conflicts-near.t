#!/usr/bin/python3
"""21-conflicts-near.t — the conflicts report (GET /conferences/{slug}/
conflicts) pairs a session only with the sessions of its person or room
that start up to one "width" before it (sql/998_conflicts_near.sql), not
with all of them: on a planted COP it read 4.7 million pairs.

In one transaction with the double-booking constraints deferred:
  1. a dense random conference (3 venues with travel times, changeover
     10, 400 sessions of 15 to 225 minutes, 1 to 3 of 20 people each,
     unavailability): the report's rows are exactly those of 870's
     report (its text, loaded as a temporary function, is the oracle),
     and every rule occurs;
  2. one person in 300 sessions in a row, all in one room, none in
     conflict: the rows the report's plans handle (auto_explain) stay
     below 30,000. Pairing them all, as 870 did, is 44,850 pairs for the
     person and as many for the room.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from planlib import conference, explained, heads, plan_rows, q  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
RULES = "rule, session_id, other_session_id, room_id, participant_id, unavailability_id, detail"


def oracle(cur):
    """870's report as pg_temp.conflicts_870(conference)."""
    with open(os.path.join(ROOT, "sql", "870_conflicts_range_inline.sql")) as f:
        text = f.read()
    body = text[text.index("CREATE OR REPLACE FUNCTION"):]
    body = re.sub(r"FUNCTION kaigi_conference_conflicts_of_without_interpretation",
                  "FUNCTION pg_temp.conflicts_870", body, count=1)
    cur.execute(body)	# no arguments: its format() strings keep their %s


def venues(cur, cid):
    vs = [q(cur, "INSERT INTO venues (conference_id, name) VALUES (%s, %s) RETURNING id",
            cid, "V%d" % i)[0][0] for i in range(3)]
    for a in vs:
        for b in vs:
            if a != b:
                q(cur, "INSERT INTO travel_times (conference_id, from_venue_id, to_venue_id, minutes)"
                       " VALUES (%s, %s, %s, %s)", cid, a, b, 15 + 10 * ((a + b) % 3))
    return [q(cur, "INSERT INTO rooms (conference_id, venue_id, name, capacity) VALUES (%s, %s, %s, 2)"
                   " RETURNING id", cid, vs[i % 3], "R%d" % i)[0][0] for i in range(6)]


def dense(cur):
    cid = conference(cur, "conflicts-near", 3)
    q(cur, "UPDATE conferences SET changeover_minutes = 10 WHERE id = %s", cid)
    rooms = venues(cur, cid)
    _, people = heads(cur, cid, 20)
    q(cur, "SELECT setseed(0.21)")
    q(cur, """INSERT INTO sessions (conference_id, kind, title, room_id, starts_at, ends_at)
        SELECT %s, 'other', 'S' || i, CASE WHEN random() < 0.8
            THEN (%s::bigint[])[1 + floor(random() * 6)::int] END, t, t + d
        FROM generate_series(1, 400) i,
        LATERAL (SELECT timestamptz '2026-06-01 08:00+09' + (i %% 3) * interval '1 day'
            + floor(random() * 144) * interval '5 minutes' AS t,
            (15 + floor(random() * 4) * 15 + CASE WHEN random() < 0.1 THEN 165 ELSE 0 END)
            * interval '1 minute' AS d) x""", cid, rooms)
    q(cur, """INSERT INTO session_attendees (session_id, participant_id)
        SELECT DISTINCT s.id, (%s::bigint[])[1 + floor(random() * 20)::int]
        FROM sessions s, generate_series(1, 3) k
        WHERE s.conference_id = %s AND (k = 1 OR random() < 0.4)""", people, cid)
    q(cur, """INSERT INTO unavailability (participant_id, during, reason)
        SELECT p, tstzrange(timestamptz '2026-06-02 12:00+09', timestamptz '2026-06-02 13:00+09'), 'Lunch'
        FROM unnest(%s::bigint[]) p LIMIT 5""", people)
    return cid


def main(s):
    conn = s.db()
    conn.autocommit = False
    cur = conn.cursor()
    q(cur, "SET CONSTRAINTS ALL DEFERRED")
    oracle(cur)
    cid = dense(cur)
    got = sorted(q(cur, "SELECT %s FROM kaigi_conference_conflicts_of_without_interpretation(%%s)" % RULES, cid),
                 key=repr)
    want = sorted(q(cur, "SELECT %s FROM pg_temp.conflicts_870(%%s)" % RULES, cid), key=repr)
    is_(len(got), len(want), "as many conflicts as 870's report (%d)" % len(want))
    ok(got == want, "the same conflicts, row for row")
    rules = set(r[0] for r in want)
    is_(sorted(rules), ["capacity", "changeover", "participant", "room", "travel", "unavailability"],
        "the dense conference breaks each of the six rules but the dates")
    diag("dense: %d conflicts, %s" % (len(want), ", ".join(
        "%s %d" % (k, sum(1 for r in want if r[0] == k)) for k in sorted(rules))))

    one = conference(cur, "conflicts-row", 10)
    room = venues(cur, one)[0]
    _, (h,) = heads(cur, one, 1)
    q(cur, """INSERT INTO sessions (conference_id, kind, title, room_id, starts_at, ends_at)
        SELECT %s, 'other', 'Row ' || i, %s, t, t + interval '5 minutes'
        FROM generate_series(0, 299) i,
        LATERAL (SELECT timestamptz '2026-06-01 08:00+09' + (i / 30) * interval '1 day'
            + (i %% 30) * interval '20 minutes' AS t) x""", one, room)
    q(cur, "INSERT INTO session_attendees (session_id, participant_id)"
           " SELECT id, %s FROM sessions WHERE conference_id = %s", h, one)
    rows, notices = explained(conn, "SELECT count(*) FROM kaigi_conference_conflicts_of_without_interpretation(%s)",
                              one)
    is_(rows[0][0], 0, "300 sessions 20 minutes apart, changeover 10: no conflict")
    handled = plan_rows(notices)
    ok(handled < 30000, "the report's plans handled %d rows for 300 sessions (under 30,000; "
       "pairing them all is 89,700)" % handled)
    conn.rollback()


with Server() as s:
    main(s)
done_testing()
