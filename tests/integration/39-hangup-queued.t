#!/usr/bin/python3
# 39-hangup-queued.t — a request whose client hangs up while its query
# still waits for a pool connection is not carried out (server/db.c
# db_abandon, server/conn.c).
#
# Before, the query waited its turn and ran when a connection came free:
# under load, work for clients long gone (a wrk timeout, a phone that went
# into a tunnel) took connections from the clients still waiting, and a
# write the client never saw answered was made anyway (a client that tries
# again then makes it twice). Now the client's hang-up takes its queued
# work off the queue; work already running goes on (39-hangup.t).
#
#  * pool_size=1: a GET of the rooms waits on a lock this test holds, so
#    the one connection is taken. A POST of a venue and a GET of the session list
#    queue behind it; their clients hang up. /metrics counts the dropped
#    work (kaigi_db_abandoned_total 2) while the lock is still held.
#  * The lock goes: the GET is answered 200 (its work was running), the
#    venue was never created, nothing is left in flight, and a new request
#    is served at once.
#  * Work several requests wait for belongs to none of them: on a fresh
#    kaigid (the cursor key not yet loaded), two lists without a token wait
#    for the one key load queued behind a stuck connection; the first
#    one's client hangs up; nothing is dropped, and the second list is
#    answered 200 once the lock goes (with the load taken for the first
#    request's, it got 503).
#  * The same for a feed load: two GETs of the public feed on a fresh
#    kaigid (nothing cached) share one load queued behind a stuck
#    connection; the first one's client hangs up; the second gets the feed.
#  * kaigid exits 0 (no leak under the ASan build).
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, one  # noqa: E402

C = "/api/v1/conferences/" + SLUG


def gauge(s, name):
    """Value of kaigi_<name> in /metrics (None when kaigid does not report it)."""
    m = re.search(r"^kaigi_%s\{[^}]*\} (\S+)$" % name, s.request("GET", "/metrics").text, re.M)
    return float(m.group(1)) if m else None


def raw(s, method, path, token, body=None):
    """A raw connection that has sent the request."""
    data = (body or "").encode()
    head = ("%s %s HTTP/1.1\r\nHost: kaigi\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (method, path, token, len(data)))
    c = socket.create_connection(("127.0.0.1", s.port), timeout=30)
    c.sendall(head.encode() + data)
    return c


def main(s):
    sec = s.token("secretariat", conference=SLUG)
    holder = s.db()
    holder.autocommit = False
    with holder.cursor() as cur:
        cur.execute("LOCK TABLE rooms IN ACCESS EXCLUSIVE MODE")
    first = raw(s, "GET", C + "/rooms", sec)
    ok(wait_lock_waiters(s, 1, table="rooms") is not None,
       "a GET of the rooms holds the one connection, waiting on a lock")
    post = raw(s, "POST", C + "/venues", sec, '{"name": "Venue of a gone client"}')
    listing = raw(s, "GET", C + "/sessions", sec)
    got, took = wait_for(lambda: gauge(s, "db_queue_length") == 2)
    ok(got, "the POST and the GET wait for a connection (%.1f s)" % took)
    post.close()
    listing.close()
    got, took = wait_for(lambda: gauge(s, "db_abandoned_total") == 2)
    ok(got, "their clients hang up: both queued queries are dropped while the lock is still held"
       " (%.1f s; kaigi_db_abandoned_total %r)" % (took, gauge(s, "db_abandoned_total")))
    is_(gauge(s, "db_queue_length"), 0, "and the queue is empty")

    holder.rollback()
    first.settimeout(10)
    answer = first.recv(4096).decode("utf-8", "replace")
    like(answer, r"^HTTP/1.1 200", "the GET of the rooms, already running, is answered 200")
    first.close()
    is_(one(s, "SELECT count(*) FROM venues WHERE name = 'Venue of a gone client'"), 0,
        "the venue of the client that hung up was never created")
    got, took = wait_for(lambda: gauge(s, "http_requests_in_flight") == 1)
    ok(got, "nothing is left in flight but /metrics itself (%.1f s)" % took)
    t0 = time.monotonic()
    r = s.request("GET", C + "/venues", token=sec)
    is_(r.status, 200, "a new request is served (%.2f s)" % (time.monotonic() - t0))
    is_(gauge(s, "db_abandoned_total"), 2.0, "and nothing else was dropped")


def shared(s):
    sec = s.token("secretariat", conference=SLUG)
    sid = one(s, "SELECT min(id) FROM sessions WHERE visibility = 'public'")
    holder = s.db()
    holder.autocommit = False
    with holder.cursor() as cur:
        cur.execute("LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE")
    first = raw(s, "GET", "/api/v1/sessions/%d" % sid, sec)
    ok(wait_lock_waiters(s, 1, table="sessions") is not None,
       "shared: a GET of a session holds the one connection, waiting on a lock")
    a = socket.create_connection(("127.0.0.1", s.port), timeout=30)
    a.sendall(("GET %s/sessions HTTP/1.1\r\nHost: kaigi\r\n\r\n" % C).encode())
    got, took = wait_for(lambda: gauge(s, "db_queue_length") == 1)
    ok(got, "shared: a list waits for the cursor key's load (%.1f s)" % took)
    b = socket.create_connection(("127.0.0.1", s.port), timeout=30)
    b.sendall(("GET %s/sessions HTTP/1.1\r\nHost: kaigi\r\n\r\n" % C).encode())
    wait_for(lambda: gauge(s, "http_requests_in_flight") == 4, timeout=5)
    is_(gauge(s, "db_queue_length"), 1.0, "shared: a second list waits for the same load")
    a.close()
    wait_for(lambda: gauge(s, "http_clients_gone_total") == 1)
    is_(gauge(s, "db_abandoned_total"), 0.0, "shared: the first list's client hangs up; the load is not dropped")
    holder.rollback()
    b.settimeout(10)
    like(read_head(b), r"^HTTP/1.1 200", "shared: the second list is answered 200")
    b.close()
    first.close()


def shared_feed(s):
    sec = s.token("secretariat", conference=SLUG)
    holder = s.db()
    holder.autocommit = False
    with holder.cursor() as cur:
        cur.execute("LOCK TABLE rooms IN ACCESS EXCLUSIVE MODE")
    first = raw(s, "GET", C + "/rooms", sec)
    ok(wait_lock_waiters(s, 1, table="rooms") is not None,
       "feed: a GET of the rooms holds the one connection, waiting on a lock")
    path = "/conferences/%s/calendar.ics" % SLUG
    a = socket.create_connection(("127.0.0.1", s.port), timeout=30)
    a.sendall(("GET %s HTTP/1.1\r\nHost: kaigi\r\n\r\n" % path).encode())
    got, took = wait_for(lambda: gauge(s, "db_queue_length") == 1)
    ok(got, "feed: the public feed's load waits for a connection (%.1f s)" % took)
    b = socket.create_connection(("127.0.0.1", s.port), timeout=30)
    b.sendall(("GET %s HTTP/1.1\r\nHost: kaigi\r\n\r\n" % path).encode())
    got, took = wait_for(lambda: gauge(s, "feed_cache_coalesced_total") == 1, timeout=5)
    ok(got, "feed: a second GET waits for the same load (%.1f s)" % took)
    is_(gauge(s, "db_queue_length"), 1.0, "feed: still one query queued")
    a.close()
    wait_for(lambda: gauge(s, "http_clients_gone_total") == 1)
    is_(gauge(s, "db_abandoned_total"), 0.0, "feed: the first GET's client hangs up; the load is not dropped")
    holder.rollback()
    b.settimeout(10)
    like(read_head(b), r"^HTTP/1.1 200", "feed: the second GET is answered 200")
    b.close()
    first.close()


def read_head(c):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = c.recv(65536)
        if not chunk:
            break
        data += chunk
    return data.decode("utf-8", "replace")


ARGS = ("--set", "pool_size=1", "--set", "db_wait_ms=60000", "--set", "statement_timeout_ms=0")
with Server(args=ARGS) as s:
    main(s)
    is_(s.stop(), 0, "kaigid exits 0")
with Server(args=ARGS) as s:
    shared(s)
    is_(s.stop(), 0, "kaigid exits 0")
with Server(args=ARGS) as s:
    shared_feed(s)
    is_(s.stop(), 0, "kaigid exits 0")
done_testing()
