#!/usr/bin/python3
"""58-problem-people-key.t — a one-request problem reads its people's
sessions by key, never through a hash of every session of the conference
(sql/810_slots_problem_cost.sql).

On the planted COP (19,194 sessions) the people of a slots problem, two
heads with 221 busy rows, were joined to sessions by a hash built from a
sequential scan of all of them: planned with its parameters unknown, the
range test was thought to keep 1 % of the sessions. 13-14 ms of each
slots call; 3-5 ms by key.

Here, read from the plan rather than timed: a conference of its own (12
days, 30 rooms with 8 sessions of 40 minutes a day each: 2,880 sessions),
two heads who attend the 96 of one room each, the tables analyzed. The seven-argument
kaigi_bilateral_problem_people (the form of one-request problems, slots
and repairs) runs under auto_explain: its plan must read sessions by key
only, and its answer must be the five-argument form's (which the whole
conference's schedule uses) for the same span, one of the sessions left
out and a hypothetical one added.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from planlib import conference, explained, heads, q  # noqa: E402

SLUG = "problem-people-key"
LO, HI = "2026-05-31T00:00:00+09:00", "2026-06-13T00:00:00+09:00"


def setup(s):
    cur = s.db().cursor()
    cid = conference(cur, SLUG, 12)
    venue = q(cur, "INSERT INTO venues (conference_id, name) VALUES (%s, 'Hall') RETURNING id", cid)[0][0]
    q(cur, """INSERT INTO rooms (conference_id, venue_id, name, capacity, kind)
        SELECT %s, %s, 'R' || i, 10, 'bilateral' FROM generate_series(1, 30) i""", cid, venue)
    q(cur, """INSERT INTO sessions (conference_id, kind, title, room_id, starts_at, ends_at)
        SELECT %s, 'other', 'S ' || r.id || ' ' || d || ' ' || h, r.id,
            timestamptz '2026-06-01T09:00:00+09:00' + make_interval(days => d, hours => h),
            timestamptz '2026-06-01T09:40:00+09:00' + make_interval(days => d, hours => h)
        FROM rooms r, generate_series(0, 11) d, generate_series(0, 7) h
        WHERE r.conference_id = %s""", cid, cid)
    _, hs = heads(cur, cid, 2)
    for k, h in enumerate(hs):
        q(cur, """INSERT INTO session_attendees (session_id, participant_id)
            SELECT id, %s FROM sessions WHERE room_id = (SELECT id FROM rooms
                WHERE conference_id = %s ORDER BY id OFFSET %s LIMIT 1)""", h, cid, k)
    for table in ("sessions", "rooms", "session_attendees", "session_interpreters", "unavailability"):
        q(cur, "ANALYZE " + table)
    return cid, hs


def main(s):
    cid, hs = setup(s)
    o = one(s, "SELECT extract(epoch FROM timestamp '2026-06-01' AT TIME ZONE 'Asia/Tokyo')::bigint")
    skip = one(s, "SELECT min(s.id) FROM sessions s JOIN session_attendees a ON a.session_id = s.id"
                  " WHERE a.participant_id = %s", hs[0])
    extra = {"room_id": None, "start": "2026-06-05T20:00:00+09:00", "end": "2026-06-05T21:00:00+09:00",
             "people": [hs[1]]}
    conn = s.db()
    conn.autocommit = False
    for _ in range(6):	# past PL/pgSQL's custom plans, to the one it keeps
        out, notices = explained(conn, "SELECT kaigi_bilateral_problem_people(%s, %s, %s, %s, %s, %s, %s)",
                                 cid, o, LO, HI, hs, [skip], json.dumps(extra))
    conn.rollback()
    got = out[0][0]
    mine = [n for n in notices if "Query Text:" in n and "session_busy_people" in n]
    is_(len(mine), 1, "the people's statement ran once, its plan reported")
    bad = [ln.strip() for p in mine for ln in p.splitlines()
           if "Seq Scan on sessions" in ln or "Bitmap Heap Scan on sessions" in ln]
    ok(mine and not bad, "its plan reads sessions by key only (%d scans of sessions: %s)" % (len(bad), bad))
    busy = {p["id"]: len(p["busy"]) for p in got}
    is_(busy, {hs[0]: 95, hs[1]: 97}, "the heads' busy rows: 96 sessions each, one left out, one added")
    ref = one(s, "SELECT kaigi_bilateral_problem_people(%s, %s, %s, %s, %s)", cid, o, LO, HI, hs)
    want = {p["id"]: sorted(p["busy"]) for p in ref}
    lost = [b for b in want[hs[0]] if b not in sorted(x["busy"] for x in got if x["id"] == hs[0])[0]]
    is_(len(lost), 1, "the session left out is the one busy interval the first head loses")
    added = [b for b in sorted(x["busy"] for x in got if x["id"] == hs[1])[0] if b not in want[hs[1]]]
    is_(added, [[6960, 7020, -1]], "the hypothetical session is the second head's one more")


with Server(demo=False) as s:
    main(s)
done_testing()
