#!/usr/bin/python3
"""58-plan-write-cost.t — what writing a plan costs per bilateral stays
flat as the conference grows (sql/400_hot_json_plans.sql).

The planted benchmark through the API (scripts/bench/solver --via-api)
spent 9 of its 11.5 s writing the plan of 2,000 bilaterals. Three
mechanisms, each counted here rather than timed:

- the commit-time check of a request's sessions (050) kept, per
  connection, the plan it was given while the conference was small: a
  sequential scan of every session, once per request and per link. The
  connection here warms the check up on the demo's 18 sessions, then the
  conference grows by 1,500 sessions, and 20 more checks must not scan
  the sessions table (pg_stat_xact_user_tables.seq_scan);
- the bilateral webhook trigger (160) built the request's JSON at every
  change with no webhook to send it to (pg_stat_xact_user_functions:
  kaigi_bilateral_json calls), and still builds it once when there is one;
- the pieces of the session JSON called once per attendee and per session
  (kaigi_attendance_json, kaigi_interp_session_interpreters) were LANGUAGE
  sql functions that read tables, so not inlinable: parsed and planned
  again at each call from PL/pgSQL. They must be PL/pgSQL, which keeps the
  plan per connection.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403



def check_scans(conn, bid, n):
    """Call the commit-time check n times in one transaction on conn (one
    connection throughout, as a pooled one of kaigid's): how often the
    sessions table was read sequentially."""
    with conn.cursor() as cur:
        cur.execute("BEGIN")
        for _ in range(n):
            cur.execute("SELECT kaigi_bilateral_check_sessions(%s)", (bid,))
        cur.execute("SELECT coalesce(sum(seq_scan), 0) FROM pg_stat_xact_user_tables"
                    " WHERE relname = 'sessions'")
        got = cur.fetchone()[0]
        cur.execute("COMMIT")
    return got


def grow(s, cid, n):
    """n more sessions in the conference (no room, no attendee)."""
    with s.db().cursor() as cur:
        cur.execute("""INSERT INTO sessions (conference_id, kind, title, starts_at, ends_at,
                visibility)
            SELECT %s, 'other', 'Filler ' || i, timestamptz '2023-05-01 09:00+09' + i * interval '1 minute',
                timestamptz '2023-05-01 09:30+09' + i * interval '1 minute', 'public'
            FROM generate_series(1, %s) i""", (cid, n))


def bilateral_json_calls(s, bid):
    """Update request bid (no change of value) in one transaction, its
    deferred triggers fired before the count: kaigi_bilateral_json calls."""
    conn = s.db()
    conn.autocommit = False
    with conn.cursor() as cur:
        cur.execute("SET LOCAL track_functions = 'all'")
        cur.execute("UPDATE bilateral_requests SET priority = priority WHERE id = %s", (bid,))
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute("""SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions
            WHERE funcname = 'kaigi_bilateral_json'""")
        calls = cur.fetchone()[0]
    conn.commit()
    conn.close()
    return calls


def main(s):
    conn = s.db()
    conn.autocommit = True
    bid = one(s, "SELECT id FROM bilateral_requests WHERE status = 'scheduled' ORDER BY id LIMIT 1")
    cid = one(s, "SELECT conference_id FROM bilateral_requests WHERE id = %s", bid)
    small = one(s, "SELECT count(*) FROM sessions")
    ok(bid is not None and small < 50, "a scheduled request, %d sessions in all" % small)
    check_scans(conn, bid, 12)		# the connection keeps a plan for a small conference
    grow(s, cid, 1500)
    is_(check_scans(conn, bid, 20), 0,
        "grown to %d sessions: 20 checks of a request's sessions read none sequentially"
        % one(s, "SELECT count(*) FROM sessions"))
    is_(bilateral_json_calls(s, bid), 0, "a request changed, no webhook: its JSON is not built")
    with s.db().cursor() as cur:
        cur.execute("INSERT INTO webhooks (conference_id, url, secret) VALUES (%s,"
                    " 'http://127.0.0.1:9/hook', 'x')", (cid,))
    is_(bilateral_json_calls(s, bid), 1, "with a webhook: built once")
    is_(one(s, "SELECT count(*) FROM webhook_deliveries WHERE bilateral_id = %s", bid), 1,
        "… and its delivery queued")
    for f in ("kaigi_attendance_json", "kaigi_interp_session_interpreters"):
        is_(one(s, "SELECT l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang"
                   " WHERE p.proname = %s", f), "plpgsql",
            "%s keeps its plan per connection (PL/pgSQL)" % f)
    conn.close()


with Server() as srv:
    main(srv)
done_testing()
