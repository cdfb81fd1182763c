#!/usr/bin/python3
# 38-listen-down.t — cached feeds while kaigid cannot LISTEN.
# Two kaigid (A and B) on one database. A caches a delegation feed and the
# public feed. Then A's LISTEN connection is lost and kept from coming back
# (the database refuses new connections; the pools keep theirs). Meanwhile,
# through B:
#  * the feed token is revoked: A answers 404 for it at once (it asked the
#    database whether the conference changed since it read the feed),
#    where it used to serve its cached copy;
#  * a public session is retitled: A's public feed shows it.
# An unchanged feed is still served from A's cache (no new rendering) after
# one cheap check. Once the database lets connections in again, A listens
# again and serves from its cache without asking.
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, one  # noqa: E402

PUBLIC = "/api/v1/conferences/%s/calendar.ics" % SLUG


def metric(s, name):
    m = re.search(r"^kaigi_%s\{[^}]*\} (\S+)$" % name, s.request("GET", "/metrics").text, re.M)
    return float(m.group(1)) if m else 0.0


def allow_connections(s, allow):
    s._admin('ALTER DATABASE "%s" ALLOW_CONNECTIONS %s' % (s.db_name, "true" if allow else "false"))


def listeners(db):
    with db.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND application_name = 'kaigid-notify'")
        return cur.fetchone()[0]


def kill_listeners(db):
    with db.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND application_name = 'kaigid-notify'")
        return cur.rowcount


def a_lost_listen(a, since):
    with open(a.log_path, "rb") as f:
        f.seek(since)
        # Any notify: line but the debug line of a notification received.
        return re.search(r"notify: (?!kaigi_changes: )", f.read().decode("utf-8", "replace")) is not None


def notified_up_to_here(a, db):
    """Send a marker NOTIFY (a conference that does not exist, so it drops
    nothing) and wait until A has handled it: notifications arrive in
    order, so every earlier one (the writes above) has been handled too."""
    marker = "999999999%d" % os.getpid()
    with db.cursor() as c:
        c.execute("SELECT pg_notify('kaigi_changes', %s)", (marker,))
    db.commit()
    line = "notify: kaigi_changes: %s" % marker
    return wait_until(lambda: line in open(a.log_path, encoding="utf-8", errors="replace").read(),
                      timeout=PATIENCE)


with Server(args=["--log-level", "debug"]) as a, Server(db_url=a.db_url) as b:
    sec = a.token("secretariat", conference=SLUG)
    db = a.db()
    sid = one(a, "SELECT id FROM sessions WHERE title = 'Internet Governance'")
    r = a.request("POST", "/api/v1/conferences/%s/feed-tokens" % SLUG, {"delegation": "IT"}, token=sec)
    is_(r.status, 201, "a feed token for Italy")
    feed, tid = "/feeds/%s.ics" % r.json["token"], r.json["id"]
    ok(wait_until(lambda: listeners(db) == 2, timeout=10), "A and B listen")
    ok(wait_until(lambda: metric(b, "db_connections_up") >= 2, timeout=10), "B's pool is up")
    ok(notified_up_to_here(a, db), "A has handled the token's NOTIFY before it caches the feeds")
    first = a.request("GET", feed)
    pub = a.request("GET", PUBLIC)
    ok(first.status == 200 and pub.status == 200, "A serves both feeds")
    hits = metric(a, "feed_cache_hits_total")
    ok(a.request("GET", feed).body == first.body and metric(a, "feed_cache_hits_total") == hits + 1,
       "A answers from its cache")

    mark = os.path.getsize(a.log_path)
    allow_connections(a, False)
    try:
        is_(kill_listeners(db), 2, "both LISTEN connections are cut")
        ok(wait_until(lambda: a_lost_listen(a, mark), timeout=10), "A knows its LISTEN is down")
        ok(wait_until(lambda: listeners(db) == 0, timeout=PATIENCE), "and it cannot come back")

        misses = metric(a, "feed_cache_misses_total")
        again = a.request("GET", PUBLIC)
        ok(again.status == 200 and again.body == pub.body, "unchanged public feed: same bytes")
        ok(metric(a, "feed_cache_misses_total") == misses and
           metric(a, "feed_cache_revalidations_total") >= 1,
           "served from A's cache after one check, not rendered again")
        diag("misses %s -> %s, revalidations %s, stale %s, hits %s" % (misses, metric(a, "feed_cache_misses_total"), metric(a, "feed_cache_revalidations_total"), metric(a, "feed_cache_stale_total"), metric(a, "feed_cache_hits_total")))

        r = b.request("DELETE", "/api/v1/feed-tokens/%d" % tid, token=sec)
        is_(r.status, 204, "the token is revoked through B")
        r = a.request("GET", feed)
        is_(r.status, 404, "A answers 404 for the revoked token at once, LISTEN down")

        v = b.request("GET", "/api/v1/sessions/%d" % sid, token=sec).json["version"]
        r = b.request("PATCH", "/api/v1/sessions/%d" % sid, {"title": "Internet Governance (moved)"},
                      token=sec, headers={"If-Match": '"%d"' % v})
        is_(r.status, 200, "a public session is retitled through B")
        r = a.request("GET", PUBLIC)
        ok(r.status == 200 and "Internet Governance (moved)" in r.text
           and r.headers["ETag"] != pub.headers["ETag"],
           "A's public feed shows it at once, with a new ETag")
    finally:
        allow_connections(a, True)

    ok(wait_until(lambda: listeners(db) == 2, timeout=20), "A and B listen again")
    ok(wait_until(lambda: "listening again" in a.log_tail(30), timeout=10), "A says so")
    a.request("GET", PUBLIC)
    checks = metric(a, "feed_cache_revalidations_total")
    hits = metric(a, "feed_cache_hits_total")
    a.request("GET", PUBLIC)
    ok(metric(a, "feed_cache_revalidations_total") == checks and
       metric(a, "feed_cache_hits_total") == hits + 1,
       "with LISTEN back, a cached feed is served without asking")
    is_(b.stop(drop=False), 0, "B exits 0")
    is_(a.stop(drop=False), 0, "A exits 0")
done_testing()
