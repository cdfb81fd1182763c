#!/usr/bin/python3
"""94-pgbouncer.t — kaigid's query pool through PgBouncer in transaction
mode (issue 21, section 5), the LISTEN connection straight to PostgreSQL.

PgBouncer runs from config/pgbouncer.ini as shipped, only its addresses,
files and authentication replaced (tests/lib/lbtest.py). Two kaigid, as if
on two hosts, have database_url = PgBouncer and listen_url = PostgreSQL.

 * The pool really is shared: PgBouncer pools in transaction mode, serves
   more kaigid connections than it opens on PostgreSQL, and the LISTEN
   connections are not among its server connections.
 * Real flows through it: a session created through one instance, moved
   (with repair) through the other, the public feed and the change stream
   of the instance that did not write show each change, heard by NOTIFY
   (its invalidation count rises; the cache has no expiry, so nothing else
   would renew the feed); an auto-schedule places the two open requests;
   an import of 200 participants (one transaction: a transaction-local
   statement timeout and a temporary table ON COMMIT DROP).
 * Session state: kaigid sets statement_timeout and jit = off once per
   connection; in transaction mode that would reach one server connection
   only. config/pgbouncer.ini's connect_query sets both on every server
   connection PgBouncer opens: each of them, however many, has kaigid's
   10 s and no JIT, also after PgBouncer replaced them all (RECONNECT).
 * Nothing in kaigid's log says a statement failed.
 * listen_url through PgBouncer (the mistake): LISTEN succeeds there but
   hears nothing. kaigid finds out (its probe NOTIFY never comes back),
   says so in its log and in /readyz ("listen": "down"), and caches no
   feed, so it never serves one stale: a change made through another
   instance is in its very next answer.
"""
import os
import re
import sys
import threading

import psycopg2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from lbtest import PgBouncer  # noqa: E402

SLUG = "g7-digital-2023"
FEED = "/conferences/%s/calendar.ics" % SLUG
SESSIONS = "/api/v1/conferences/%s/sessions" % SLUG
TAG = "%x" % (os.getpid() & 0xffff)


def metric(s, name):
    """kaigi_<name> summed over its labels (one worker answers /metrics)."""
    r = s.request("GET", "/metrics")
    return sum(float(v) for v in re.findall(r"^kaigi_%s(?:\{[^}]*\})? (\S+)$" % name, r.text, re.M))


def unfolded(body):
    return body.replace(b"\r\n ", b"").replace(b"\r\n\t", b"")


def feed_has(s, text):
    """s's public feed, once it contains text (None if it never does)."""
    want = text.encode()
    got, _ = wait_for(lambda: (lambda r: r if r.status == 200 and want in unfolded(r.body) else None)(
        s.request("GET", FEED)), interval=0.01)
    return got


def cached(s):
    """Read the public feed twice: the second answer is a cache hit."""
    s.request("GET", FEED)
    hits = metric(s, "feed_cache_hits_total")
    s.request("GET", FEED)
    return metric(s, "feed_cache_hits_total") == hits + 1


def server_timeouts(pgb, n):
    """statement_timeout of n server connections at once: n clients of
    PgBouncer each in a transaction (so each holds its own)."""
    conns = [psycopg2.connect(pgb.url()) for _ in range(n)]
    try:
        out = []
        for c in conns:
            with c.cursor() as cur:
                cur.execute("SELECT pg_backend_pid(), current_setting('statement_timeout')"
                            " || ' jit=' || current_setting('jit')")
                out.append(cur.fetchone())
        return out
    finally:
        for c in conns:
            c.rollback()
            c.close()


def load(s, token, n=16, each=10):
    """n clients at once, each reading the session list `each` times (so
    PgBouncer needs several server connections)."""
    def run():
        for _ in range(each):
            s.request("GET", SESSIONS + "?limit=50", token=token)
    ts = [threading.Thread(target=run) for _ in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def pooling(pgb, direct, k1, k2, sec):
    cfg = pgb.config()
    is_(cfg.get("pool_mode"), "transaction", "config/pgbouncer.ini pools in transaction mode")
    load(k1, sec)
    load(k2, sec)
    clients = [c for c in pgb.admin("SHOW CLIENTS") if c.get("database") == pgb.dbname]
    servers = [c for c in pgb.admin("SHOW SERVERS") if c.get("database") == pgb.dbname]
    ok(len(clients) >= 16 and len(servers) < len(clients),
       "PgBouncer serves %d kaigid connections with %d server connection(s)"
       % (len(clients), len(servers)))
    ports = {int(c["local_port"]) for c in servers if c.get("local_port")}
    listening = rows(direct, "SELECT client_port FROM pg_stat_activity"
                             " WHERE datname = current_database() AND query LIKE 'LISTEN%%'")
    ok(len(listening) == 2 and not ({p for (p,) in listening} & ports),
       "each kaigid LISTENs on its own connection to PostgreSQL, not through PgBouncer (%d)"
       % len(listening))


def setup_names():
    """The settings kaigid's pool connections set for their session
    (server/db.c's DB_SQL_SETUP), and those connect_query sets."""
    with open(os.path.join(TOP, "server", "db.c")) as f:
        m = re.search(r"DB_SQL_SETUP =\s*((?:\s*\"[^\"]*\")+)", f.read())
    with open(os.path.join(TOP, "config", "pgbouncer.ini")) as f:
        q = re.search(r"connect_query='([^']*)'", f.read())
    return (set(re.findall(r"set_config\('(\w+)'", m.group(1))) if m else set(),
            set(re.findall(r"SET (\w+)", q.group(1))) if q else set())


def timeouts(pgb, k1, sec):
    kaigid, bouncer = setup_names()
    ok(kaigid and kaigid <= bouncer,
       "connect_query sets every session setting kaigid's pools set (%s; it sets %s)"
       % (", ".join(sorted(kaigid)) or "none found", ", ".join(sorted(bouncer)) or "none"))
    got = server_timeouts(pgb, 8)
    is_(sorted({t for _, t in got}), ["10s jit=off"],
        "8 server connections at once: each has statement_timeout 10s and jit off (connect_query)")
    pgb.admin("RECONNECT")      # every server connection is replaced once it is free
    load(k1, sec, n=8, each=5)
    got2 = server_timeouts(pgb, 8)
    fresh = {p for p, _ in got2} - {p for p, _ in got}
    ok(fresh and sorted({t for _, t in got2}) == ["10s jit=off"],
       "after RECONNECT, the new server connections (%d) have it too" % len(fresh))


def flows(direct, k1, k2, sec):
    room = one(direct, "SELECT r.id FROM rooms r JOIN conferences c ON c.id = r.conference_id"
                       " WHERE c.slug = %s AND r.name = 'Bilateral Room B'", SLUG)
    # Create through k1; k2's cached feed and change stream must learn of it.
    ok(cached(k2), "k2 serves the public feed from its cache")
    inval = metric(k2, "feed_cache_invalidations_total")
    title = "Through PgBouncer %s" % TAG
    r = k1.request("POST", SESSIONS, {
        "kind": "other", "title": title, "room_id": room, "visibility": "public",
        "start": "2023-04-28T09:00:00+09:00", "end": "2023-04-28T10:00:00+09:00"}, token=sec)
    if not is_(r.status, 201, "a session created through k1 (PgBouncer)"):
        diag(r.text[:500])
        return
    sid = r.json["id"]
    ok(feed_has(k2, title), "k2's public feed shows it")
    ok(metric(k2, "feed_cache_invalidations_total") > inval,
       "k2 heard the change by NOTIFY on its listen_url connection")
    # Move it through k2 (with repair: one statement, constraints deferred).
    ok(cached(k1), "k1 serves the public feed from its cache")
    inval = metric(k1, "feed_cache_invalidations_total")
    r = k2.request("POST", "/api/v1/sessions/%d/move" % sid, {
        "start": "2023-04-28T10:30:00+09:00", "end": "2023-04-28T11:30:00+09:00",
        "repair": True}, token=sec)
    if not is_(r.status, 200, "moved through k2 (POST /sessions/{id}/move, repair)"):
        diag(r.text[:500])
    ok(feed_has(k1, "DTSTART;TZID=Asia/Tokyo:20230428T103000"),
       "k1's public feed shows the new time")
    ok(metric(k1, "feed_cache_invalidations_total") > inval, "k1 heard it by NOTIFY")
    is_(one(direct, "SELECT starts_at = '2023-04-28 10:30+09' FROM sessions WHERE id = %s", sid),
        True, "stored")
    # The auto-scheduler: places the two accepted open requests (a plan
    # written in one transaction).
    r = k1.request("POST", "/api/v1/conferences/%s/schedule" % SLUG, {}, token=sec)
    placed = (r.json or {}).get("placed") or []
    ok(r.status == 200 and len(placed) == 2 and all(p.get("session_id") for p in placed),
       "POST .../schedule through PgBouncer places the 2 open requests (%s)" % r.status)
    if placed and all(p.get("session_id") for p in placed):
        is_(one(direct, "SELECT count(*) FROM bilateral_requests WHERE status = 'scheduled'"
                        " AND session_id = ANY(%s)", [p["session_id"] for p in placed]), 2,
            "... and they are scheduled in the database")
    # An import: one transaction with a local statement timeout and a
    # temporary table ON COMMIT DROP (participants).
    csv = "ref,delegation,name,role,email\n" + "".join(
        "PGB%s-%03d,JP,Bouncer %s %d,member,pgb%s.%d@example.org\n" % (TAG, i, TAG, i, TAG, i)
        for i in range(200))
    for attempt in range(2):    # the second time: every row unchanged
        r = k2.request("POST", "/api/v1/conferences/%s/import?kind=participants" % SLUG,
                       raw=csv.encode(), token=sec, headers={"Content-Type": "text/csv"})
        key = "created" if attempt == 0 else "unchanged"
        is_((r.status, len((r.json or {}).get(key) or [])), (200, 200),
            "an import of 200 participants through PgBouncer: %s" % key)
    is_(one(direct, "SELECT count(*) FROM participants WHERE ref LIKE %s", "PGB%s-%%" % TAG), 200,
        "... stored once")


def deaf_listen(pgb, direct, k1, sec):
    """A third kaigid whose LISTEN goes through PgBouncer too."""
    sid = one(direct, "SELECT s.id FROM sessions s JOIN conferences c ON c.id = s.conference_id"
                      " WHERE c.slug = %s AND s.visibility = 'public' ORDER BY s.id LIMIT 1", SLUG)
    with Server(db_url=pgb.url()) as k3:
        said, _ = wait_for(lambda: "LISTEN hears no NOTIFY" in open(
            k3.log_path, encoding="utf-8", errors="replace").read(), timeout=20)
        ok(said, "k3 (listen_url through PgBouncer) logs that LISTEN hears nothing")
        r = k3.request("GET", "/readyz")
        is_((r.status, (r.json or {}).get("listen")), (200, "down"),
            "k3's /readyz: ready, listen down")
        is_((k1.request("GET", "/readyz").json or {}).get("listen"), "ok",
            "k1's /readyz (listen_url direct): listen ok")
        for i in range(3):
            k3.request("GET", FEED)         # would be cached, were LISTEN trusted
            title = "Heard or not %s %d" % (TAG, i)
            r = k1.request("PATCH", "/api/v1/sessions/%d" % sid, {"title": title}, token=sec)
            is_(r.status, 200, "title %d changed through k1" % i)
            ok(title.encode() in unfolded(k3.request("GET", FEED).body),
               "k3's next public feed has it (nothing stale kept)")


def main():
    pg_port = os.environ.get("KAIGI_TEST_PG_PORT") or bail("KAIGI_TEST_PG_PORT is not set")
    with Server() as direct:
        # Only its database is wanted (created from the demo template, and
        # dropped at the end); this kaigid would LISTEN too.
        is_(direct.stop_process(), 0, "the database is there (its direct kaigid stopped)")
        with PgBouncer(pg_port, direct.db_name) as pgb:
            args = ["--set", "listen_url=" + direct.db_url]
            with Server(db_url=pgb.url(), args=args) as k1, \
                    Server(db_url=pgb.url(), args=args) as k2:
                sec = k1.token("secretariat", conference=SLUG)      # the CLI through PgBouncer too
                pooling(pgb, direct, k1, k2, sec)
                timeouts(pgb, k1, sec)
                flows(direct, k1, k2, sec)
                deaf_listen(pgb, direct, k1, sec)
                for k in (k1, k2):
                    bad = [ln for ln in open(k.log_path, encoding="utf-8", errors="replace")
                           if re.search(r"\] (warn|error): ", ln)]
                    is_(bad[:5], [], "no warning or error in %s's log" % ("k1" if k is k1 else "k2"))
                is_([k2.stop(drop=False), k1.stop(drop=False)], [0, 0], "both exit 0 on SIGTERM")
            if failures():
                diag("PgBouncer's log:\n" + pgb.log_tail(20))


main()
done_testing()
