#!/usr/bin/python3
"""93-balancer.t — several kaigid behind haproxy (issue 21, section 5).

Two kaigid on one database, on separate ports as if on two hosts, behind
haproxy started from config/haproxy.cfg as shipped (its addresses come from
the environment variables that file reads).

 * Coherence: 1,000 writes (a public session's title, PATCH), alternately
   through one instance and the other. After each, the OTHER instance's
   public feed is read again and again until it carries the new title; the
   time from the write's acknowledgement to the first answer that has it
   is recorded (p99 < 100 ms asserted, p50 and p99 printed), and so is the
   arrival of the change on the other instance's change stream (SSE). Under
   the ASan build (a few times slower) 300 writes, printed, not held to the
   bound: make test runs this file with the release build as well, and
   the ASan build went past it with one core busy elsewhere (p99 107 ms).
 * SIGKILL: four clients write through haproxy without pause, each its own
   session, each write a new title. One instance is SIGKILLed, supervisor
   and workers at once, as if its host died. What must hold:
     - the clients see no error: every write is answered 2xx. haproxy sends
       a request that finds the instance gone (connection refused) to the
       other one, and most requests the instance dies with too (retry-on
       empty-response, redispatch). Not all (measured with haproxy
       2.6.12): a request whose connection is reset, or closed, in the
       instant of the death it does not send again; it closes the
       client's kept-alive connection without an answer (HTTP lets a
       client take that as "send it again": RFC 9112, 9.3.1), or answers
       502 on a fresh one. These clients then send the write again (setting
       a title is idempotent), at most twice. So the one write each client
       had under way when the instance died may be left to the client to
       repeat, none other; any other failure fails the test;
     - no acknowledged write is lost: every acknowledged title is in the
       audit log, which is written in the same transaction as the change
       (so it was committed), and each session's final title is the last
       one its client was acknowledged;
     - nothing was applied out of order or from nowhere: the titles in the
       audit log are the client's, in the client's order (a write replayed
       may appear twice in a row, never after a later one);
     - the kill hit writes under way (so it was hidden, not merely
       avoided), and haproxy took the instance out (a refused or reset
       connection marks it DOWN at once; /readyz health checks would
       within 2 s).
"""
import http.client
import json
import os
import signal
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from lbtest import Haproxy  # noqa: E402

SLUG = "g7-digital-2023"
FEED = "/conferences/%s/calendar.ics" % SLUG
CHANGES = "/api/v1/conferences/%s/changes" % SLUG
BOUND_P99 = 0.100           # the promise: p99 within 100 ms
TAG = "%x" % (os.getpid() & 0xffff)


def sanitized(pid):
    """Is process pid built with AddressSanitizer (make asan)?"""
    try:
        with open("/proc/%d/maps" % pid) as f:
            return "libasan" in f.read()
    except OSError:
        return False


def pct(values, p):
    """The p-th percentile (nearest rank) of values."""
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(round(p / 100.0 * len(v) + 0.5)) - 1))]


class Client:
    """One keep-alive HTTP connection to 127.0.0.1:port, opened again after
    a failure."""

    def __init__(self, port, timeout=30):
        self.port, self.timeout, self.conn = port, timeout, None
        self.answered = 0           # answers received on the current connection

    def request(self, method, path, body=None, token=None):
        hdrs = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        if token:
            hdrs["Authorization"] = "Bearer " + token
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            self.answered = 0
        try:
            self.conn.request(method, path, body=data, headers=hdrs)
            r = self.conn.getresponse()
            out = r.status, r.read()
            self.answered += 1
            if r.will_close:
                self.close()
            return out
        except (OSError, http.client.HTTPException):
            self.close()
            raise

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Changes:
    """The change stream of one instance (anonymous: public sessions), read
    on a thread; the arrival time of each event is kept, in order. (An
    event carries the session as it is when the stream reads it, not as the
    change left it, so events are matched to writes by their order.)"""

    def __init__(self, port):
        self.events = []            # (monotonic arrival, session_id, change)
        self.lock = threading.Lock()
        self.sock = socket.create_connection(("127.0.0.1", port), 10)
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: kaigi\r\nAccept: text/event-stream\r\n\r\n"
                           % CHANGES).encode())
        self.file = self.sock.makefile("rb")
        self.status = self.file.readline().split()[1]
        while self.file.readline() not in (b"\r\n", b"\n", b""):
            pass                    # headers
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        data = None
        try:
            for line in self.file:
                line = line.rstrip(b"\r\n")
                if line.startswith(b"data:"):
                    data = line[5:].strip()
                elif line == b"" and data is not None:
                    t = time.monotonic()
                    try:
                        ev = json.loads(data) or {}
                    except ValueError:
                        ev = {}
                    with self.lock:
                        self.events.append((t, ev.get("session_id"), ev.get("change")))
                    data = None
        except (OSError, ValueError):
            pass

    def of(self, sid):
        """Arrival times of the events of session sid, in order."""
        with self.lock:
            return [t for t, s, _ in self.events if s == sid]

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def unfolded(body):
    """A feed's text with its folded lines joined again (RFC 5545 3.1)."""
    return body.replace(b"\r\n ", b"").replace(b"\r\n\t", b"")


def public_sessions(s, n):
    """n public, not cancelled sessions of the demo conference."""
    return [r[0] for r in rows(
        s, "SELECT s.id FROM sessions s JOIN conferences c ON c.id = s.conference_id"
           " WHERE c.slug = %s AND s.visibility = 'public' AND s.status <> 'cancelled'"
           " ORDER BY s.id LIMIT %s", SLUG, n)]


def coherence(a, b, sec, writes, timed):
    """Writes alternately through a and b; the other's feed and change
    stream are watched for each (the p99 bound asserted when timed)."""
    sid = public_sessions(a, 1)[0]
    path = "/api/v1/sessions/%d" % sid
    ra, rb = a.request("GET", FEED), b.request("GET", FEED)
    ok(ra.status == rb.status == 200 and ra.body == rb.body and
       ra.headers.get("ETag") == rb.headers.get("ETag"),
       "both instances serve the public feed with the same bytes and ETag")
    clients = {a.port: Client(a.port), b.port: Client(b.port)}
    streams = {a.port: Changes(a.port), b.port: Changes(b.port)}
    is_([streams[a.port].status, streams[b.port].status], [b"200", b"200"],
        "a change stream is open on each instance")
    feed_delay, acks, polls, failed = [], [], 0, []
    t_start = time.monotonic()
    for i in range(writes):
        writer, reader = (a, b) if i % 2 == 0 else (b, a)
        title = "Coherence %s %d" % (TAG, i)
        st, body = clients[writer.port].request("PATCH", path, {"title": title}, token=sec)
        t_ack = time.monotonic()
        if st != 200:
            failed.append((i, st, body[:200]))
            continue
        acks.append((reader.port, t_ack))
        want = title.encode()
        deadline = t_ack + PATIENCE
        seen = None
        while time.monotonic() < deadline:
            st, body = clients[reader.port].request("GET", FEED)
            polls += 1
            if st == 200 and want in unfolded(body):
                seen = time.monotonic()
                break
        if seen is None:
            failed.append((i, "feed of %s never showed %r" % (reader.url, title)))
            continue
        feed_delay.append(seen - t_ack)
    elapsed = time.monotonic() - t_start
    is_(failed[:5], [], "%d writes acknowledged and each seen in the other instance's feed" % writes)
    # Change streams: one event per write on each instance's stream; the
    # i-th event of the session is the i-th write's.
    arrived, _ = wait_for(lambda: all(len(st.of(sid)) >= len(acks) for st in streams.values()))
    counts = [len(st.of(sid)) for st in streams.values()]
    is_(counts, [len(acks)] * 2, "each instance's change stream had one event per write")
    stream_delay = []
    for i, (port, t_ack) in enumerate(acks):
        got = streams[port].of(sid)
        stream_delay.append(max(0.0, got[i] - t_ack) if i < len(got) else float("inf"))
    for s in streams.values():
        s.close()
    for c in clients.values():
        c.close()
    if not feed_delay:
        return
    p50, p99, worst = pct(feed_delay, 50), pct(feed_delay, 99), max(feed_delay)
    s50, s99 = pct(stream_delay, 50), pct(stream_delay, 99)
    diag("coherence over %d writes (%.1f s, %d feed reads): feed p50 %.1f ms, p99 %.1f ms, "
         "max %.1f ms; change stream p50 %.1f ms, p99 %.1f ms"
         % (len(feed_delay), elapsed, polls, p50 * 1000, p99 * 1000, worst * 1000,
            s50 * 1000, s99 * 1000))
    if timed:
        ok(p99 < BOUND_P99, "a write is in the other instance's feed within %.0f ms at p99 "
           "(p50 %.1f ms, p99 %.1f ms)" % (BOUND_P99 * 1000, p50 * 1000, p99 * 1000))
        ok(s99 < BOUND_P99, "and on its change stream within %.0f ms at p99 (p50 %.1f ms, "
           "p99 %.1f ms)" % (BOUND_P99 * 1000, s50 * 1000, s99 * 1000))
    else:
        note("ASan build: the 100 ms bound is asserted by the release build's run (make test"
             " runs this file with both), not by code a few times slower")


class Writers:
    """Clients writing through the balancer without pause: client w retitles
    session sids[w] with "<tag> w<w> <step>", one step after another; every
    request is recorded as (step, title, status or None, error, t0, t1,
    replayed).

    A write that got no answer from kaigid is sent again: when the
    kept-alive connection closes without any answer (HTTP lets a client
    replay an idempotent request then: RFC 9112, 9.3.1), or when haproxy
    answers 502 itself (kaigid never does: the instance it chose died
    under the request). Setting a title is idempotent. At most two more
    tries (a replay may still reach the dying instance before haproxy has
    taken it out); each is recorded, and the test bounds them."""

    def __init__(self, port, token, sids):
        self.port, self.token, self.sids = port, token, sids
        self.done = threading.Event()
        self.lock = threading.Lock()
        self.log = [[] for _ in sids]
        self.threads = [threading.Thread(target=self._run, args=(w,), daemon=True)
                        for w in range(len(sids))]
        for t in self.threads:
            t.start()

    def title(self, w, step):
        return "Balanced %s w%d %d" % (TAG, w, step)

    def _run(self, w):
        c = Client(self.port)
        path = "/api/v1/sessions/%d" % self.sids[w]
        step = 0
        while not self.done.is_set():
            title = self.title(w, step)
            t0 = time.monotonic()
            status, err, replayed = None, None, []
            for attempt in (0, 1, 2):
                reused = c.conn is not None and c.answered > 0
                try:
                    status, _ = c.request("PATCH", path, {"title": title}, token=self.token)
                    if status == 502 and attempt < 2:
                        replayed.append("502")
                        continue
                    break
                except http.client.RemoteDisconnected as e:
                    err = repr(e)
                    if attempt < 2 and reused:
                        replayed.append("closed")
                        continue
                    break
                except (OSError, http.client.HTTPException) as e:
                    err = repr(e)
                    break
            with self.lock:
                self.log[w].append((step, title, status, None if status else err, t0,
                                    time.monotonic(), replayed))
            step += 1
        c.close()

    def acked_since(self, t):
        """Acknowledged writes of each client that it sent after t."""
        with self.lock:
            return [sum(1 for e in log if e[2] is not None and 200 <= e[2] < 300 and e[4] > t)
                    for log in self.log]

    def stop(self):
        self.done.set()
        for t in self.threads:
            t.join(60)
        return [list(x) for x in self.log]


def kill_tree(pid):
    """SIGKILL kaigid's supervisor and its workers at once, as a dying host
    would kill them. They are stopped first (SIGSTOP), so that none runs
    again in between: a worker would otherwise get its PR_SET_PDEATHSIG
    when the supervisor dies and start draining, and the supervisor would
    restart a worker killed before it."""
    pids = [pid] + worker_pids(pid)
    for p in pids:
        os.kill(p, signal.SIGSTOP)
    for p in pids:
        os.kill(p, signal.SIGKILL)
    return pids


def audit_titles(s, sid, since_id):
    """The titles a session was given, from the audit log, in commit order."""
    return [r[0] for r in rows(
        s, "SELECT after->>'title' FROM audit_log WHERE entity = 'session' AND entity_id = %s"
           " AND id > %s ORDER BY id", sid, since_id)]


def sigkill(a, b, sec):
    """One instance SIGKILLed under a write load through haproxy."""
    with Haproxy(["127.0.0.1:%d" % a.port, "127.0.0.1:%d" % b.port]) as lb:
        ok(lb.wait_servers("UP", timeout=PATIENCE),
           "haproxy (config/haproxy.cfg) sees both instances ready: %s" % lb.server_status())
        sids = public_sessions(a, 4)
        audit0 = one(a, "SELECT coalesce(max(id), 0) FROM audit_log")
        load = Writers(lb.port, sec, sids)
        t_start = time.monotonic()
        got, _ = wait_for(lambda: min(load.acked_since(t_start)) >= 20)
        ok(got, "%d clients write through haproxy (20 acknowledged writes each)" % len(sids))
        on_b = client_connections(b.proc.pid, b.port) + sum(
            client_connections(w, b.port) for w in worker_pids(b.proc.pid))
        t_kill = time.monotonic()
        killed = kill_tree(b.proc.pid)
        down = lb.wait_servers("DOWN", names=["kaigid2"], timeout=PATIENCE)
        t_down = time.monotonic() - t_kill
        ok(down, "haproxy marks the killed instance DOWN (after %.2f s)" % t_down)
        got, _ = wait_for(lambda: min(load.acked_since(t_kill)) >= 20)
        ok(got, "the clients go on writing after the kill (20 acknowledged writes each)")
        log = load.stop()
        b.stop_process()            # reap it (it was killed)
        stats = {r["svname"]: r for r in lb.stat() if r.get("pxname") == "kaigid"}
        retries = int(stats["BACKEND"].get("wretr") or 0)
        redisp = int(stats["BACKEND"].get("wredis") or 0)
        requests = sum(len(x) for x in log)
        bad = [(w, e[0], e[2], e[3]) for w, x in enumerate(log) for e in x
               if e[2] is None or not 200 <= e[2] < 300]
        replays = [(w, e[0], "+".join(e[6]), round(e[4] - t_kill, 3), round(e[5] - t_kill, 3))
                   for w, x in enumerate(log) for e in x if e[6]]
        diag("SIGKILL of pids %s (haproxy had %d connection(s) to it): %d writes in %.1f s; "
             "haproxy retried %d and redispatched %d, marked it DOWN after %.2f s; "
             "the clients sent %d write(s) again (client, step, why, start and end from the "
             "kill in s): %s"
             % (killed, on_b, requests, time.monotonic() - t_start, retries, redisp, t_down,
                len(replays), replays))
        is_(bad[:5], [], "the clients saw no error: all %d writes answered 2xx" % requests)
        per_client = {}
        for r in replays:
            per_client[r[0]] = per_client.get(r[0], 0) + 1
        ok(all(n == 1 for n in per_client.values()) and
           all(t0 <= t_down and t1 >= 0 for _, _, _, t0, t1 in replays),
           "haproxy hid the kill from every write but at most the one each client had under "
           "way when the instance died, which the client sent again (%d of %d)"
           % (len(replays), requests))
        ok(retries + redisp + len(replays) >= 1,
           "the kill hit writes under way, and they were sent again (by haproxy: %d retried, "
           "%d redispatched; by the clients: %d)" % (retries, redisp, len(replays)))
        # What the database holds.
        for w, sid in enumerate(sids):
            acked = [e[1] for e in log[w] if e[2] is not None and 200 <= e[2] < 300]
            sent = {e[1]: e[0] for e in log[w]}
            stored = audit_titles(a, sid, audit0)
            missing = [t for t in acked if t not in set(stored)]
            foreign = [t for t in stored if t not in sent]
            steps = [sent[t] for t in stored if t in sent]
            backwards = [(x, y) for x, y in zip(steps, steps[1:]) if y < x]
            final = one(a, "SELECT title FROM sessions WHERE id = %s", sid)
            last = acked[-1] if acked else None
            ok(acked and not missing and not foreign and not backwards and final == last,
               "client %d: its %d acknowledged writes are all committed (%d audit rows), in its "
               "order, and the session holds the last (%r)"
               % (w, len(acked), len(stored), last))
            if missing or foreign or backwards or final != last:
                diag("missing %s; not sent %s; out of order %s; final %r"
                     % (missing[:5], foreign[:5], backwards[:5], final))
        if failures():
            odd = [ln for ln in lb.log_lines() if " ---- " not in ln]
            diag("haproxy's log, other than clean answers:\n" + "\n".join(odd[-30:]))


def main():
    with Server() as a, Server(db_url=a.db_url) as b:
        asan = sanitized(a.proc.pid)
        writes = int(os.environ.get("KAIGI_TEST_COHERENCE_WRITES") or (300 if asan else 1000))
        if asan:
            note("ASan build: %d writes instead of 1,000" % writes)
        sec = a.token("secretariat", conference=SLUG)
        coherence(a, b, sec, writes, timed=not asan)
        sigkill(a, b, sec)
        is_(a.stop(drop=False), 0, "the surviving instance exits 0 on SIGTERM")


main()
done_testing()
