#!/usr/bin/python3
"""58-plan-link-set.t — writing a plan links each request to its session
without reading the links table once per request
(sql/730_bilateral_link_set.sql).

At COP size (scripts/bench/solver --via-api -n 20000 -R 300 -D 12) the
plan's write of 19,111 placements took 18.9 s, 7.6 s of it in 050's row
trigger kaigi_bilateral_requests_link: bilateral_sessions was read
sequentially once per request (19,111 scans, 182.6 million rows), its plan
made while the table was empty and kept while the write filled it.

Here, counted rather than timed: a conference of its own (40 delegations
with a head each, 20 bilateral rooms, 3 days) with 400 accepted requests;
the auto-scheduler's dry run gives the plan, and the plan is written in
one transaction as kaigid writes it (kaigi_bilateral_plan). The write must
read fewer than 4,000 rows of bilateral_sessions sequentially
(pg_stat_xact_user_tables; a scan per request reads 80,000), every request
is scheduled with its own session linked, and a request pointed at
another request's session is still refused (23503, the constraint named),
with nothing stored.

The triggers' statements are planned for the rows at hand: the
connection updates one request first (the plans a pooled connection keeps),
then writes the plan; auto_explain (notices) shows every scan of a
transition table ran once (a join planned for one row and kept was a
nested loop that rescanned the old rows for every new one: at COP size,
the bench's POST /schedule was a 503 at the write's statement timeout).
"""
import os
import sys

import psycopg2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from planlib import accept_all, conference, dry_run, hall, heads, plan_of, q, write_explained  # noqa: E402

SLUG = "plan-link"
D = 40


def setup(s):
    cur = s.db().cursor()
    cid = conference(cur, SLUG)
    hall(cur, cid, 20)
    dels, _ = heads(cur, cid, D)
    n = accept_all(cur, cid, dels, 400)
    q(cur, "ANALYZE bilateral_sessions")
    return cid, n


def main(s):
    cid, n = setup(s)
    placed = dry_run(s, SLUG, n)
    conn = s.db()
    conn.autocommit = False
    cur = conn.cursor()
    # The connection's first UPDATE of one request plans the trigger's
    # statements (as a pooled connection of kaigid's would have), then the
    # plan's UPDATE of them all runs with auto_explain reporting each plan.
    q(cur, "UPDATE bilateral_requests SET priority = priority WHERE id = %s", placed[0]["bilateral_id"])
    notices = write_explained(conn, cid, SLUG, plan_of(cur, cid, placed))
    scans = [ln.strip() for t in notices for ln in t.splitlines() if "Named Tuplestore Scan" in ln]
    rescanned = [x for x in scans if "loops=" in x and "loops=1)" not in x]
    ok(scans and not rescanned, "the statement triggers read each transition table once (%d scans, %d rescanned:"
       " a join planned for one row and kept is a nested loop over %d)" % (len(scans), len(rescanned), len(placed)))
    for x in rescanned:
        diag(x)
    scans, read = q(cur, "SELECT seq_scan, seq_tup_read FROM pg_stat_xact_user_tables"
                         " WHERE relname = 'bilateral_sessions'")[0]
    conn.commit()
    diag("bilateral_sessions read sequentially by the write: %d scans, %d rows" % (scans, read))
    ok(read < 4000, "writing %d placements read %d rows of bilateral_sessions sequentially, under 4,000"
       " (a scan per request reads about %d)" % (len(placed), read, len(placed) * len(placed) // 2))
    linked = q(cur, """SELECT count(*) FROM bilateral_requests b JOIN bilateral_sessions x
        ON x.session_id = b.session_id AND x.bilateral_id = b.id AND x.live
        WHERE b.conference_id = %s AND b.status = 'scheduled'""", cid)[0][0]
    is_(linked, len(placed), "every placed request is scheduled and linked to its own session")
    conn.commit()

    a, b = q(cur, "SELECT id, session_id FROM bilateral_requests WHERE conference_id = %s"
                  " AND session_id IS NOT NULL ORDER BY id LIMIT 2", cid)
    try:
        q(cur, "UPDATE bilateral_requests SET session_id = %s WHERE id = %s", b[1], a[0])
        code = None
    except psycopg2.Error as e:
        code = (e.pgcode, e.diag.constraint_name)
    conn.rollback()
    is_(code, ("23503", "bilateral_sessions_request_check"),
        "a request pointed at another request's session: refused, the constraint named")
    is_(q(cur, "SELECT session_id FROM bilateral_requests WHERE id = %s", a[0])[0][0], a[1], "nothing stored")
    conn.commit()


with Server(demo=False) as s:
    main(s)
done_testing()
