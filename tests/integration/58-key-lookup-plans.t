#!/usr/bin/python3
"""58-key-lookup-plans.t — the per-request functions that look rows up by
key keep doing so after the tables grow under a plan they made while the
tables were small (sql/890_key_lookup_plans.sql).

On the planted COP (scripts/bench/solver --via-api -n 20000 -R 300 -D 12,
with GET .../slots asked before the schedule) the schedule's write took
79.5 s instead of 10: track_functions gave 68.9 s to 38,600 calls of
kaigi_bilateral_check_sessions, the deferred check run at COMMIT for every
request and link the plan wrote, and sessions had been read sequentially
82,593 times (1.56 billion rows). Reading the requests back (20 pages of
GET /bilaterals) spent 19.6 s in 20,573 calls of kaigi_bilateral_json.
Both are PL/pgSQL: the connection had planned their statements while
sessions held the plenaries only (a page, where a sequential scan costs
less than the key's index), kept that plan, and ran it against 19,000
sessions.

Here, counted rather than timed: a conference of its own with three
plenaries (sessions analysed while small), 400 accepted requests; the
connection that will write the plan first runs both functions more than
five times (PL/pgSQL's cached plan is then the generic one), then writes
the auto-scheduler's plan in one transaction as kaigid does, fires the
deferred checks (SET CONSTRAINTS ALL IMMEDIATE) and builds every request's
object, counting the rows of sessions read sequentially by each step
(pg_stat_xact_user_tables). A scan per call reads about 400 rows; the
bound is a tenth of one per call.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from planlib import accept_all, conference, dry_run, hall, heads, plan_of, q, write_explained  # noqa: E402

SLUG = "key-plans"
D = 40


def setup(s):
    cur = s.db().cursor()
    cid = conference(cur, SLUG)
    hall(cur, cid, 20)
    for d in range(1, 4):
        q(cur, "INSERT INTO sessions (conference_id, kind, title, starts_at, ends_at)"
               " VALUES (%s, 'plenary', %s, %s, %s)", cid, "Plenary %d" % d,
          "2026-06-%02d 09:00+09" % d, "2026-06-%02d 10:00+09" % d)
    dels, _ = heads(cur, cid, D)
    n = accept_all(cur, cid, dels, 400)
    q(cur, "ANALYZE sessions")
    q(cur, "ANALYZE bilateral_sessions")
    return cid, n


def seq_read(cur):
    return q(cur, "SELECT coalesce(sum(seq_tup_read), 0) FROM pg_stat_xact_user_tables"
                  " WHERE relname = 'sessions'")[0][0]


def warm(conn, cid):
    """Run both functions on this connection while sessions is small."""
    cur = conn.cursor()
    ids = [r[0] for r in q(cur, "SELECT id FROM bilateral_requests WHERE conference_id = %s"
                                " ORDER BY id LIMIT 8", cid)]
    for i in ids:
        q(cur, "UPDATE bilateral_requests SET priority = priority WHERE id = %s", i)
        conn.commit()	# the deferred check, at COMMIT
        q(cur, "SELECT kaigi_bilateral_json(%s)", i)
        conn.commit()
    return len(ids)


def main(s):
    cid, n = setup(s)
    placed = dry_run(s, SLUG, n)
    conn = s.db()
    conn.autocommit = False
    cur = conn.cursor()
    is_(warm(conn, cid), 8, "the writing connection ran both functions 8 times while sessions was small")
    write_explained(conn, cid, SLUG, plan_of(cur, cid, placed))
    before = seq_read(cur)
    q(cur, "SET CONSTRAINTS ALL IMMEDIATE")
    checks = seq_read(cur) - before
    sessions = q(cur, "SELECT count(*) FROM sessions WHERE conference_id = %s", cid)[0][0]
    ok(sessions >= len(placed), "the plan wrote %d sessions (%d placed)" % (sessions, len(placed)))
    ok(checks < len(placed) * 2 * sessions // 10,
       "the commit-time checks of %d placements read %d rows of sessions sequentially"
       " (two scans per check, two checks a placement: about %d)" % (len(placed), checks, len(placed) * 4 * sessions))
    before = seq_read(cur)
    objs = q(cur, "SELECT kaigi_bilateral_json(id) FROM bilateral_requests WHERE conference_id = %s"
                  " AND status = 'scheduled'", cid)
    built = seq_read(cur) - before
    is_(len(objs), len(placed), "one object per scheduled request")
    ok(all(o[0]["session_id"] is not None and o[0]["start"] for o in objs), "each with its session and start")
    ok(built < len(objs) * sessions // 10,
       "building %d requests' objects read %d rows of sessions sequentially (a scan per call reads about %d)"
       % (len(objs), built, len(objs) * sessions))
    conn.commit()
    is_(q(cur, "SELECT count(*) FROM bilateral_requests WHERE conference_id = %s AND status = 'scheduled'",
          cid)[0][0], len(placed), "the plan committed, every placement scheduled")
    conn.commit()


with Server(demo=False) as s:
    main(s)
done_testing()
