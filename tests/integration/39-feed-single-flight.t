#!/usr/bin/python3
"""39-feed-single-flight.t — concurrent misses of one feed wait for one load
(server/feed-flight.c).

After a change every reader of a popular feed misses at once. Each miss
used to run the feed's query: scripts/bench/mail-load saw seven identical
queries of the public feed at once in one worker, each slower for the
others (0.35 to 2 s). Here the feed's query is held up by a lock while
twelve clients ask for the feed: one query must wait in PostgreSQL, the
other eleven requests must wait for it (kaigi_feed_cache_coalesced_total),
and once the lock goes all twelve get the same bytes from that one load.
A request heard after a change of the feed's conference does not join a
load that began before it: it starts its own.
"""
import os
import re
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, one  # noqa: E402

CLIENTS = 12
PATH = "/conferences/%s/calendar.ics" % SLUG


def metric(s, name):
    r = s.request("GET", "/metrics")
    return sum(float(v) for v in re.findall(r"^kaigi_%s\{[^}]*\} (\S+)$" % name, r.text, re.M))


def waiting_feed_queries(s, fn="kaigi_feed_public"):
    """Feed queries (of function fn) waiting for a lock in PostgreSQL."""
    return one(s, """SELECT count(*) FROM pg_stat_activity
        WHERE wait_event_type = 'Lock' AND query LIKE %s""", "%" + fn + "%")


def fetch_path(s, path, n=1):
    """n concurrent GETs of path, started: (threads, responses once joined)."""
    out = [None] * n

    def get(i):
        out[i] = s.request("GET", path, timeout=PATIENCE + 30)
    threads = [threading.Thread(target=get, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    return threads, out


def fetch_all(s, n):
    return fetch_path(s, PATH, n)


def main(s):
    misses = metric(s, "feed_cache_misses_total")
    lock = s.db()
    lock.autocommit = False
    lock.cursor().execute("LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE")
    threads, out = fetch_all(s, CLIENTS)
    ok(wait_until(lambda: metric(s, "feed_cache_coalesced_total") >= CLIENTS - 1, PATIENCE),
       "%d requests wait for the load in flight" % (CLIENTS - 1))
    is_(waiting_feed_queries(s), 1, "one feed query waits in PostgreSQL")
    lock.rollback()
    for t in threads:
        t.join()
    is_(sorted(set(r.status for r in out)), [200], "every client got a 200")
    is_(len(set(r.body for r in out)), 1, "the same bytes")
    is_(metric(s, "feed_cache_misses_total"), misses + 1, "from one load")

    # Held up again, the feed's conference changed meanwhile: a request
    # heard after the change starts its own load, never joins the older one.
    tok = s.feed_token(SLUG, delegation="JP")
    path = "/feeds/%s.ics" % tok
    pid = one(s, "SELECT min(p.id) FROM participants p JOIN delegations d ON d.id = p.delegation_id"
                 " WHERE d.code = 'JP'")
    coalesced = metric(s, "feed_cache_coalesced_total")
    lock.cursor().execute("LOCK TABLE venues IN ACCESS EXCLUSIVE MODE")
    first = fetch_path(s, path)
    ok(wait_until(lambda: waiting_feed_queries(s, "kaigi_feed_token") == 1, PATIENCE),
       "a load of a delegation's feed waits")
    heard = metric(s, "feed_cache_invalidations_total")
    with s.db().cursor() as cur:
        cur.execute("UPDATE participants SET name = name || ' Jr.' WHERE id = %s", (pid,))
    ok(wait_until(lambda: metric(s, "feed_cache_invalidations_total") > heard, PATIENCE),
       "the change is heard")
    second = fetch_path(s, path)
    ok(wait_until(lambda: waiting_feed_queries(s, "kaigi_feed_token") == 2, PATIENCE),
       "a request after it starts a load of its own")
    lock.rollback()
    first[0][0].join()
    second[0][0].join()
    is_([first[1][0].status, second[1][0].status], [200, 200], "both answered")
    is_(metric(s, "feed_cache_coalesced_total"), coalesced, "neither waited for the other")

with Server() as s:
    main(s)
done_testing()
