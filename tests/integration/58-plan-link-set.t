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
import collections
import datetime
import json
import os
import sys

import psycopg2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "plan-link"
D = 40


def q(cur, sql, *args):
    cur.execute(sql, args)
    return cur.fetchall() if cur.description else None


def setup(s):
    cur = s.db().cursor()
    cid = q(cur, "INSERT INTO conferences (slug, title, timezone, start_date, end_date)"
                 " VALUES (%s, 'Plan link', 'Asia/Tokyo', '2026-06-01', '2026-06-03') RETURNING id", SLUG)[0][0]
    venue = q(cur, "INSERT INTO venues (conference_id, name) VALUES (%s, 'Hall') RETURNING id", cid)[0][0]
    for i in range(20):
        q(cur, "INSERT INTO rooms (conference_id, venue_id, name, capacity, kind)"
               " VALUES (%s, %s, %s, 10, 'bilateral')", cid, venue, "R%02d" % i)
    dels = []
    for i in range(D):
        d = q(cur, "INSERT INTO delegations (conference_id, code, name) VALUES (%s, %s, %s) RETURNING id",
              cid, "D%02d" % i, "Delegation %02d" % i)[0][0]
        q(cur, "INSERT INTO participants (conference_id, delegation_id, name, role)"
               " VALUES (%s, %s, %s, 'head')", cid, d, "Head %02d" % i)
        dels.append(d)
    pairs = [(dels[a], dels[b]) for a in range(D) for b in range(a + 1, D)][:400]
    for a, b in pairs:
        q(cur, "INSERT INTO bilateral_requests (conference_id, requester_delegation_id,"
               " counterpart_delegation_id, duration_minutes, status) VALUES (%s, %s, %s, 30, 'accepted')",
          cid, a, b)
    q(cur, "ANALYZE bilateral_sessions")
    return cid, len(pairs)


def main(s):
    cid, n = setup(s)
    sec = s.token("secretariat", conference=SLUG)
    r = s.request("POST", "/api/v1/conferences/%s/schedule" % SLUG, {"dry_run": True, "time_limit_ms": 3000},
                  token=sec)
    placed = r.json.get("placed", []) if r.status == 200 else []
    ok(len(placed) >= n * 9 // 10, "the dry run places %d of %d requests" % (len(placed), n))
    conn = s.db()
    conn.autocommit = False
    cur = conn.cursor()
    actor = json.dumps({"role": "secretariat", "conference_id": cid, "token_id": None})
    # The connection's first UPDATE of one request plans the trigger's
    # statements (as a pooled connection of kaigid's would have), then the
    # plan's UPDATE of them all runs with auto_explain reporting each plan.
    q(cur, "UPDATE bilateral_requests SET priority = priority WHERE id = %s", placed[0]["bilateral_id"])
    version = dict(q(cur, "SELECT id, version FROM bilateral_requests WHERE conference_id = %s", cid))
    plan = {"placed": [{"bilateral_id": p["bilateral_id"], "room_id": p["room_id"],
                        "start": int(datetime.datetime.fromisoformat(p["start"]).timestamp()),
                        "version": version[p["bilateral_id"]]} for p in placed], "unplaced": [], "stats": {}}
    q(cur, "LOAD 'auto_explain'")
    for k, v in (("log_min_duration", "0"), ("log_nested_statements", "on"), ("log_analyze", "on"),
                 ("log_timing", "off"), ("log_level", "notice")):
        q(cur, "SET LOCAL auto_explain.%s = %s" % (k, v))
    conn.notices = collections.deque()	# every notice (psycopg2's list keeps 50)
    q(cur, "SELECT kaigi_bilateral_plan(%s::jsonb, %s, %s::jsonb, false)", actor, SLUG, json.dumps(plan))
    scans = [ln.strip() for n in conn.notices for ln in n.splitlines() if "Named Tuplestore Scan" in ln]
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
