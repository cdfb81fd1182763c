#!/usr/bin/python3
# 34-changes.t — GET /conferences/{slug}/changes (Server-Sent Events) over
# real HTTP: a connected client receives `moved` when a session moves, with
# the session_changes id; a cancel arrives as `cancelled`; reconnecting with
# Last-Event-ID gives only later events; an anonymous stream (and Italy's)
# never receives the Japan–Canada bilateral's changes while Japan's does;
# keep-alive comments; 404/400; SIGTERM ends open streams and kaigid exits 0.
import http.client
import json
import os
import queue
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, one  # noqa: E402

PATH = "/api/v1/conferences/%s/changes" % SLUG


class Stream:
    """An SSE client on its own thread: .status, .headers, .events (queue), .comments."""

    def __init__(self, s, token=None, last_id=None, path=PATH):
        hdrs = {"Accept": "text/event-stream"}
        if token:
            hdrs["Authorization"] = "Bearer " + token
        if last_id is not None:
            hdrs["Last-Event-ID"] = str(last_id)
        self.conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
        self.conn.request("GET", path, headers=hdrs)
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.headers = dict((k.lower(), v) for k, v in self.resp.getheaders())
        self.events = queue.Queue()
        self.comments = 0
        self.ended = threading.Event()
        if self.status == 200:
            threading.Thread(target=self._read, daemon=True).start()
        else:
            self.body = self.resp.read()

    def _read(self):
        ev = {}
        try:
            while True:
                line = self.resp.readline()
                if not line:
                    break
                line = line.decode().rstrip("\r\n")
                if line == "":
                    if "data" in ev:
                        self.events.put(ev)
                    ev = {}
                elif line.startswith(":"):
                    self.comments += 1
                else:
                    k, _, v = line.partition(":")
                    ev[k] = v[1:] if v.startswith(" ") else v
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            pass
        self.ended.set()

    def get(self, timeout=3.0):
        """Next event {id, event, data (parsed)} or None."""
        try:
            ev = self.events.get(timeout=timeout)
        except queue.Empty:
            return None
        ev["data"] = json.loads(ev["data"])
        return ev

    def close(self):
        self.conn.close()


def move(s, sid, start, end):
    with s.db().cursor() as cur:
        cur.execute("UPDATE sessions SET starts_at = %s, ends_at = %s WHERE id = %s", (start, end, sid))
    return one(s, "SELECT max(id) FROM session_changes WHERE session_id = %s", sid)


def main(s):
    press = one(s, "SELECT id FROM sessions WHERE title = 'Press conference of the chair'")
    bil = one(s, "SELECT id FROM sessions WHERE title = 'Bilateral meeting: Japan – Canada'")
    jp = s.token("liaison", conference=SLUG, delegation="JP")
    it = s.token("liaison", conference=SLUG, delegation="IT")
    sec = s.token("secretariat", conference=SLUG)
    anon, jps, its = Stream(s), Stream(s, jp), Stream(s, it)
    is_(anon.status, 200, "anonymous stream: 200")
    like(anon.headers.get("content-type", ""), r"^text/event-stream", "text/event-stream")
    time.sleep(0.3)
    cid = move(s, press, "2023-04-30 16:30+09", "2023-04-30 17:10+09")
    e = anon.get()
    ok(e is not None and e.get("event") == "moved", "anonymous: a `moved` event when a session moves")
    if e is None:
        return
    is_(int(e["id"]), cid, "the event id is the session_changes id")
    ok(e["data"]["session_id"] == press and e["data"]["session"]["start"] == "2023-04-30T16:30:00+09:00",
       "data: the session, with its new start")
    bcid = move(s, bil, "2023-04-29 19:15+09", "2023-04-29 19:45+09")
    e = jps.get()
    ok(e is not None and int(e["id"]) == cid, "Japan's liaison: the press move first")
    e = jps.get()
    ok(e is not None and e["event"] == "moved" and int(e["id"]) == bcid,
       "Japan's liaison: the Japan–Canada move")
    r = s.request("POST", "/api/v1/sessions/%d/cancel" % press, token=sec)
    if r.status == 404:
        with s.db().cursor() as cur:
            cur.execute("UPDATE sessions SET status = 'cancelled' WHERE id = %s", (press,))
    ccid = one(s, "SELECT max(id) FROM session_changes WHERE session_id = %s", press)
    e = anon.get()
    ok(e is not None and e["event"] == "cancelled" and int(e["id"]) == ccid,
       "anonymous: next comes the cancel, not the bilateral's move")
    ok(anon.get(timeout=1.0) is None, "anonymous stream: nothing of the restricted session")
    got = [its.get(), its.get(), its.get(timeout=1.0)]
    is_([int(x["id"]) if x else None for x in got], [cid, ccid, None],
        "Italy's liaison: the press move and cancel, not the Japan–Canada move")
    for st in (anon, jps, its):
        st.close()
    re1 = Stream(s, last_id=cid)
    e = re1.get()
    ok(e is not None and int(e["id"]) == ccid and re1.get(timeout=1.0) is None,
       "reconnect with Last-Event-ID: only later events (the cancel)")
    re1.close()
    re2 = Stream(s, jp, last_id=cid)
    ids = [int(x["id"]) for x in (re2.get(), re2.get()) if x]
    is_(ids, [bcid, ccid], "Japan resumes: the bilateral move and the cancel, in order")
    re2.close()
    return cid


def errors_and_keepalive(s):
    is_(Stream(s, path="/api/v1/conferences/nope/changes").status, 404, "unknown conference: 404")
    is_(Stream(s, last_id="abc").status, 400, "malformed Last-Event-ID: 400")
    st = Stream(s)
    time.sleep(1.0)
    ok(st.comments >= 2, "keep-alive comments (%d in 1 s at 300 ms)" % st.comments)
    n = s.request("GET", "/metrics")
    ok(n.status == 200, "other requests are served meanwhile")
    return st


with Server(env={"KAIGI_SSE_KEEPALIVE_MS": "300"}) as s:
    main(s)
    open_stream = errors_and_keepalive(s)
    time.sleep(0.2)
    log = open(s.log_path, "rb").read().decode("utf-8", "replace")
    like(log, r"access GET /api/v1/conferences/%s/changes 200 \d+ \d+us \(stream, client gone\)" % SLUG,
         "a closed stream is logged when the client goes")
    t0 = time.monotonic()
    is_(s.stop(), 0, "SIGTERM with an open stream: kaigid exits 0")
    ok(time.monotonic() - t0 < 5 and open_stream.ended.wait(2), "... promptly, and the stream ends")
done_testing()
