#!/usr/bin/python3
"""58-feed-own-key.t — a personal feed's own read looks its sessions up
by key, never through a hash of every session of the conference
(sql/840_feed_own_lean.sql).

At COP size a token with 38 sessions of its own read the conference's
12,000 by a sequential scan: the own set comes from a PL/pgSQL function
(estimated at 1,000 rows) and 830's SQL function was planned generically,
so its join was a hash of all sessions: 10 of the read's 14 ms.

Here, read from the plan rather than timed: a conference of its own (12
days, 30 rooms with 8 sessions a day each: 2,880, all public but one
room's 96, restricted and attended by one participant), the tables
analyzed, and that participant's feed token. kaigi_feed_token_own runs
under auto_explain, past PL/pgSQL's first plans: the statement that reads
the own rows must read sessions by key only, and its rows must be the 96.
The same for a delegation's token (its member's attendances), and for a
token with none (one row, the calendar's, no session).
"""
import hashlib
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from planlib import conference, explained, heads, q  # noqa: E402

SLUG = "feed-own-key"


def setup(s):
    cur = s.db().cursor()
    cid = conference(cur, SLUG, 12)
    venue = q(cur, "INSERT INTO venues (conference_id, name) VALUES (%s, 'Hall') RETURNING id", cid)[0][0]
    q(cur, """INSERT INTO rooms (conference_id, venue_id, name, capacity)
        SELECT %s, %s, 'R' || i, 10 FROM generate_series(1, 30) i""", cid, venue)
    q(cur, """INSERT INTO sessions (conference_id, kind, title, room_id, starts_at, ends_at, visibility)
        SELECT %s, 'other', 'S ' || r.id || ' ' || d || ' ' || h, r.id,
            timestamptz '2026-06-01T09:00:00+09:00' + make_interval(days => d, hours => h),
            timestamptz '2026-06-01T09:40:00+09:00' + make_interval(days => d, hours => h),
            CASE WHEN r.id = (SELECT min(id) FROM rooms WHERE conference_id = %s)
                THEN 'restricted' ELSE 'public' END
        FROM rooms r, generate_series(0, 11) d, generate_series(0, 7) h
        WHERE r.conference_id = %s""", cid, cid, cid)
    dels, hs = heads(cur, cid, 2)
    q(cur, """INSERT INTO session_attendees (session_id, participant_id)
        SELECT id, %s FROM sessions WHERE conference_id = %s AND visibility = 'restricted'""", hs[0], cid)
    toks = {}
    for what, col, ref in (("participant", "participant_id", hs[0]), ("delegation", "delegation_id", dels[0]),
                           ("other", "participant_id", hs[1])):
        h = hashlib.sha256(("tok-" + what).encode()).hexdigest()
        q(cur, "INSERT INTO feed_tokens (conference_id, %s, token_hash) VALUES (%%s, %%s, %%s)" % col,
          cid, ref, h)
        toks[what] = h
    for table in ("sessions", "rooms", "session_attendees", "participants", "feed_tokens"):
        q(cur, "ANALYZE " + table)
    return cid, toks


def main(s):
    cid, toks = setup(s)
    want = sorted(r[0] for r in rows(s, "SELECT id FROM sessions WHERE conference_id = %s"
                                        " AND visibility = 'restricted'", cid))
    for what, n in (("participant", 96), ("delegation", 96), ("other", 0)):
        conn = s.db()
        conn.autocommit = False
        for _ in range(6):	# past PL/pgSQL's custom plans, to the one it keeps
            out, notices = explained(conn, "SELECT (f).id FROM kaigi_feed_token_own(%s) f", toks[what])
        conn.rollback()
        mine = [p for p in notices if "Query Text:" in p and "kaigi_feed_rows_own" in p]
        ok(mine, "%s: the own rows' statement ran, its plan reported" % what)
        rows_plan = [p for p in notices if "kaigi_sessions_seen_own" in p and "Query Text:" in p]
        bad = [ln.strip() for p in rows_plan for ln in p.splitlines()
               if "Seq Scan on sessions" in ln or "Bitmap Heap Scan on sessions" in ln]
        ok(rows_plan and not bad, "%s: its plan reads sessions by key only (%d scans: %s)"
           % (what, len(bad), bad))
        ids = sorted(r[0] for r in out if r[0] is not None)
        is_(ids, want if n else [], "%s: its own rows are the %d restricted sessions" % (what, n))
        is_(len(out), max(n, 1), "%s: and one row when there is none (the calendar's)" % what)


with Server(demo=False) as s:
    main(s)
done_testing()
