#!/usr/bin/python3
# 39-hangup.t — clients that hang up while kaigid works for them.
#  * Mid-query: GETs and a POST wait on a table lock held by this test; their
#    clients close the connection. While the lock is still held, /metrics
#    shows their connections closed (kaigi_http_connections: only the
#    /metrics request's own; kaigi_http_clients_gone_total: 5 more); the
#    requests stay in flight until their queries answer; when the lock goes,
#    each late answer is dropped ("client gone" in the log) and nothing is
#    left in flight (kaigi_http_requests_in_flight).
#  * Mid-stream: a change stream (SSE) whose client hangs up leaves the count
#    of streams (kaigi_change_streams) at once, long before the next
#    keep-alive (15 s) would have found the dead socket; 30 streams opened
#    and dropped leave none behind.
#  * A stream whose client hangs up while its first query waits: no zombie
#    stream is counted once the query answers.
#  * A pipelined second request is still answered (a request with more
#    bytes behind it is not taken for a hang-up).
#  * kaigid exits 0 (no leak: LeakSanitizer in the ASan build), no sanitizer
#    report in its log.
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG  # noqa: E402

CHANGES = "/api/v1/conferences/%s/changes" % SLUG


def gauge(s, name):
    """Value of kaigi_<name> in /metrics (None when kaigid does not report it)."""
    m = re.search(r"^kaigi_%s\{[^}]*\} (\S+)$" % name, s.request("GET", "/metrics").text, re.M)
    return float(m.group(1)) if m else None


def counts(s):
    """(connections, requests in flight, change streams), /metrics's own included."""
    return (gauge(s, "http_connections"), gauge(s, "http_requests_in_flight"),
            gauge(s, "change_streams"))


def raw(s, text):
    """A raw connection that has sent text."""
    c = socket.create_connection(("127.0.0.1", s.port), timeout=30)
    c.sendall(text.encode())
    return c


def get(path):
    return "GET %s HTTP/1.1\r\nHost: kaigi\r\n\r\n" % path


def gone_lines(s, path):
    """Access log lines of path answered after the client left."""
    with open(s.log_path, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    return [l for l in text.splitlines() if " %s " % path in l and "client gone" in l]


def read_until(c, marker, timeout=10):
    """Bytes from c until marker (or timeout)."""
    data, deadline = b"", time.monotonic() + timeout
    c.settimeout(0.5)
    while marker not in data and time.monotonic() < deadline:
        try:
            chunk = c.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        data += chunk
    return data


def unread_bytes(port):
    """Bytes received but not yet read on kaigid's side of port (/proc/net/tcp)."""
    n = 0
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if int(fields[1].split(":")[1], 16) == port and fields[3] == "01":
                n += int(fields[4].split(":")[1], 16)
    return n


def locked(s):
    """A transaction of ours holding conferences in ACCESS EXCLUSIVE mode."""
    blocker = s.db()
    blocker.autocommit = False
    blocker.cursor().execute("LOCK TABLE conferences IN ACCESS EXCLUSIVE MODE")
    return blocker


def waiting_on_lock(s, n):
    """True once n statements of kaigid wait on our lock."""
    with s.db().cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock' AND application_name <> 'kaigid-notify'")
        return cur.fetchone()[0] >= n


def mid_query(s, sec):
    blocker = locked(s)
    body = '{"name": "Annex"}'
    gone = gauge(s, "http_clients_gone_total") or 0
    socks = [raw(s, get("/api/v1/conferences")) for _ in range(4)]
    socks.append(raw(s, "POST /api/v1/conferences/%s/venues HTTP/1.1\r\nHost: kaigi\r\n"
                        "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                        "Content-Length: %d\r\n\r\n%s" % (SLUG, sec, len(body), body)))
    ok(wait_until(lambda: waiting_on_lock(s, 5), timeout=20), "5 requests wait on the lock")
    is_(counts(s)[:2], (6.0, 6.0), "counted: 5 waiting connections and requests, plus /metrics")
    for c in socks:
        c.close()
    t0 = time.monotonic()
    # within 5 s: the statement timeout (10 s) would end the queries anyway
    got = wait_until(lambda: counts(s)[0] == 1.0, timeout=5)
    ok(got, "the clients hung up mid-query: their connections are closed while the lock is "
       "still held (%.0f ms; now %s)" % ((time.monotonic() - t0) * 1000, counts(s)))
    is_(gauge(s, "http_clients_gone_total"), gone + 5, "5 hang-ups counted")
    is_(counts(s)[1], 6.0, "the 5 requests stay in flight until their queries answer")
    blocker.rollback()
    ok(wait_until(lambda: len(gone_lines(s, "/api/v1/conferences")) == 4
                  and len(gone_lines(s, "/api/v1/conferences/%s/venues" % SLUG)) == 1, timeout=20),
       "once the lock goes, the 5 late answers are dropped (logged as client gone)")
    is_(counts(s)[:2], (1.0, 1.0), "nothing left in flight")


def mid_stream(s):
    c = raw(s, get(CHANGES))
    ok(b"retry: 2000" in read_until(c, b"retry: 2000"), "a change stream starts")
    is_(counts(s), (2.0, 2.0, 1.0), "one stream counted (plus /metrics)")
    c.close()
    t0 = time.monotonic()
    ok(wait_until(lambda: counts(s) == (1.0, 1.0, 0.0), timeout=5),
       "its client hangs up: the stream is gone within 5 s, not at the next 15 s keep-alive "
       "(%.0f ms; now %s)" % ((time.monotonic() - t0) * 1000, counts(s)))
    socks = []
    for _ in range(30):
        socks.append(raw(s, get(CHANGES)))
    ok(all(b"retry: 2000" in read_until(x, b"retry: 2000") for x in socks), "30 streams start")
    is_(gauge(s, "change_streams"), 30.0, "30 streams counted")
    for x in socks:
        x.close()
    ok(wait_until(lambda: counts(s) == (1.0, 1.0, 0.0), timeout=5),
       "all 30 hang up: none left counted toward the cap (now %s)" % (counts(s),))


def stream_mid_query(s):
    before = len(gone_lines(s, CHANGES))
    blocker = locked(s)
    c = raw(s, get(CHANGES))
    ok(wait_until(lambda: waiting_on_lock(s, 1), timeout=20), "a stream's first query waits")
    c.close()
    ok(wait_until(lambda: counts(s)[0] == 1.0, timeout=5),
       "its client hangs up: the connection is closed at once (now %s)" % (counts(s),))
    blocker.rollback()
    ok(wait_until(lambda: len(gone_lines(s, CHANGES)) == before + 1, timeout=20),
       "the query answers after the client left: logged as client gone")
    is_(counts(s), (1.0, 1.0, 0.0), "no zombie stream is counted")


def pipelined(s):
    blocker = locked(s)
    c = raw(s, get("/api/v1/conferences"))
    ok(wait_until(lambda: waiting_on_lock(s, 1), timeout=20), "a request waits")
    c.sendall(get("/healthz").encode())
    ok(wait_until(lambda: unread_bytes(s.port) > 0, timeout=10),
       "the pipelined request sits unread in kaigid's socket")
    blocker.rollback()
    data = read_until(c, b'{"status":"ok"}')
    ok(data.count(b"HTTP/1.1 200") == 2 and b'{"status":"ok"}' in data,
       "a request with a pipelined one behind it is answered, and so is the second")
    c.close()


with Server() as s:
    sec = s.token("secretariat", conference=SLUG)
    mid_query(s, sec)
    mid_stream(s)
    stream_mid_query(s)
    pipelined(s)
    is_(s.stop(drop=False), 0, "kaigid exits 0 (the ASan build: no leak)")
    log = open(s.log_path, "rb").read().decode("utf-8", "replace")
    ok("AddressSanitizer" not in log and "runtime error" not in log and "LeakSanitizer" not in log,
       "no sanitizer report in the log")
done_testing()
