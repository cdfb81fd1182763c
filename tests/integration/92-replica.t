#!/usr/bin/python3
"""92-replica.t — feeds read from a real streaming standby never go stale
(issue 21, item 4: replica_url, server/replica.c, scripts/pg replica).

A cluster of the test's own gets a standby from `scripts/pg replica start`
(pg_basebackup -R, streaming). Two kaigid (A and B, as if on two hosts)
read feeds from it. Then the standby's replay is paused
(pg_wal_replay_pause) and a session is moved on the primary through A:
the standby still has the old time (checked in SQL), yet neither kaigid
serves the old feed once it knows of the move: A at once (its own write),
B once the NOTIFY reached it. Both waited replica_wait_ms for the standby,
then read the primary (replica_fallbacks_total); B read nothing from the
paused standby meanwhile. Replay resumed, a second move reaches the
standby, and reads return to it (replica_reads_total grows, no fallback).
"""
import datetime
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, events, metric  # noqa: E402

import psycopg2  # noqa: E402

PUBLIC = "/conferences/%s/calendar.ics" % SLUG
WAIT_MS = 1000


def replica(pg, port, *args):
    """scripts/pg replica ARGS on the test's cluster; its stdout."""
    env = dict(os.environ, KAIGI_PG_DIR=pg.pg_dir, KAIGI_PG_PORT=str(pg.port),
               KAIGI_PG_REPLICA_PORT=str(port), KAIGI_PG_FAST="1")
    for k in ("KAIGI_DATABASE_URL", "DATABASE_URL"):
        env.pop(k, None)
    p = subprocess.run([os.path.join(TOP, "scripts", "pg"), "replica"] + list(args), env=env,
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError("scripts/pg replica %s: %s" % (" ".join(args), p.stderr.decode()))
    return p.stdout.decode().strip()


def sql(url, query, *args):
    """One value from url (autocommit)."""
    c = psycopg2.connect(url)
    try:
        c.autocommit = True
        with c.cursor() as cur:
            cur.execute(query, args)
            row = cur.fetchone()
            return row[0] if row else None
    finally:
        c.close()


def dtstart(s, sid):
    """DTSTART of session sid in the public feed as s serves it now (UTC, ISO)."""
    r = s.request("GET", PUBLIC)
    for uid, ev in events(r.body).items():
        if uid.startswith("session-%d@" % sid):
            return ev.decoded("DTSTART").astimezone(datetime.timezone.utc).isoformat()
    return None


def standby_start(rurl, sid):
    """starts_at of session sid as the standby has it (UTC, ISO)."""
    return sql(rurl, "SELECT starts_at FROM sessions WHERE id = %s",
               sid).astimezone(datetime.timezone.utc).isoformat()


def move(s, tok, sid, start, end):
    """Move session sid through s; the answer's status."""
    v = s.request("GET", "/api/v1/sessions/%d" % sid, token=tok).json["version"]
    return s.request("PATCH", "/api/v1/sessions/%d" % sid, {"start": start, "end": end},
                     token=tok, headers={"If-Match": '"%d"' % v}).status


def counters(s):
    return metric(s, "replica_reads_total"), metric(s, "replica_fallbacks_total")


def main(pg, url, rurl, a, b):
    sid = int(sql(url, "SELECT min(id) FROM sessions WHERE visibility = 'public'"))
    tok = a.token("secretariat", conference=SLUG)
    before = dtstart(b, sid)
    is_(dtstart(a, sid), before, "A and B serve the same feed")
    ok(counters(a)[0] >= 1 and counters(b)[0] >= 1,
       "both read the feed from the standby (replica_reads_total %s, %s)"
       % (counters(a)[0], counters(b)[0]))
    ok(sql(rurl, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'kaigid'") > 0,
       "kaigid holds connections to the standby")
    is_(sql(rurl, "SELECT pg_is_in_recovery()"), True, "it is a standby")
    is_(a.request("GET", "/readyz").json.get("replicas"), {"configured": 1, "up": 1},
        "/readyz counts the standby, up")

    sql(rurl, "SELECT pg_wal_replay_pause()")
    ok(wait_until(lambda: sql(rurl, "SELECT pg_get_wal_replay_pause_state()") == "paused", PATIENCE),
       "the standby's replay is paused")
    reads_b = counters(b)[0]
    is_(move(a, tok, sid, "2023-04-28T21:00:00+09:00", "2023-04-28T21:30:00+09:00"), 200,
        "session %d moved to 21:00 through A" % sid)
    moved = "2023-04-28T12:00:00+00:00"
    is_(standby_start(rurl, sid), before, "the paused standby still has the old time")
    t0 = time.monotonic()
    is_(dtstart(a, sid), moved, "A serves the move at once (its own write), not the standby's copy")
    ok(time.monotonic() - t0 >= WAIT_MS / 1000.0 * 0.9,
       "A waited replica_wait_ms for the standby first")
    ok(counters(a)[1] >= 1, "then A read the primary (replica_fallbacks_total %s)" % counters(a)[1])
    got, waited = wait_for(lambda: dtstart(b, sid) == moved)
    ok(got, "B serves the move once it heard of it (%.2f s)" % waited)
    is_([dtstart(b, sid), dtstart(a, sid)], [moved, moved], "and neither serves the old feed again")
    ok(counters(b)[1] >= 1, "B fell back to the primary (replica_fallbacks_total %s)" % counters(b)[1])
    is_(counters(b)[0], reads_b, "B read nothing from the paused standby after the move")
    is_(standby_start(rurl, sid), before, "the standby is still behind")

    sql(rurl, "SELECT pg_wal_replay_resume()")
    again = "2023-04-28T12:30:00+00:00"
    is_(move(a, tok, sid, "2023-04-28T21:30:00+09:00", "2023-04-28T22:00:00+09:00"), 200,
        "replay resumed; moved again, to 21:30")
    ok(wait_until(lambda: standby_start(rurl, sid) == again, PATIENCE), "the standby has replayed it")
    ra, fa = counters(a)
    rb, fb = counters(b)
    got, waited = wait_for(lambda: dtstart(b, sid) == again)
    ok(got, "B serves the second move (%.2f s)" % waited)
    is_(dtstart(a, sid), again, "so does A")
    ok(counters(a)[0] > ra and counters(b)[0] > rb, "reads returned to the standby")
    is_([counters(a)[1], counters(b)[1]], [fa, fb], "with no fallback to the primary")


with Cluster() as pg:
    url = pg.create("kaigi", demo=True)
    rport = free_port()
    replica(pg, rport, "start")
    rurl = replica(pg, rport, "url")
    like(rurl, r"^postgresql://kaigi@127\.0\.0\.1:%d/kaigi$" % rport, "scripts/pg replica url")
    args = ("--set", "replica_url=" + rurl, "--set", "replica_wait_ms=%d" % WAIT_MS)
    try:
        with Server(db_url=url, args=args) as a, Server(db_url=url, args=args) as b:
            main(pg, url, rurl, a, b)
    finally:
        replica(pg, rport, "destroy")
done_testing()
