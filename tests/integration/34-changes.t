#!/usr/bin/python3
# 34-changes.t — GET /conferences/{slug}/changes (Server-Sent Events) over
# real HTTP: a connected client receives `moved` when a session moves, with
# the session_changes id; a cancel (through the API) arrives as `cancelled`;
# reconnecting with Last-Event-ID gives only later events; an anonymous
# stream (and Italy's) never receives the Japan–Canada bilateral's changes
# while Japan's does; keep-alive comments; 404/400; SIGTERM ends open streams
# and kaigid exits 0.
#
# Nothing is timed: each stream is read up to a positive marker (a public
# change made after the ones checked), so "never receives" means "not before
# the marker", however slow the delivery.
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, one, Stream, ids  # noqa: E402


def move(s, sid, start, end):
    """Move a session straight in the database (as any writer could)."""
    with s.db().cursor() as cur:
        cur.execute("UPDATE sessions SET starts_at = %s, ends_at = %s WHERE id = %s", (start, end, sid))
    return one(s, "SELECT max(id) FROM session_changes WHERE session_id = %s", sid)


def marker(s, sec, sid, n):
    """A public change through the API (the session's title); its change ids."""
    last = one(s, "SELECT max(id) FROM session_changes")
    r = s.request("PATCH", "/api/v1/sessions/%d" % sid, {"title": "Marker %d" % n}, token=sec)
    is_(r.status, 200, "marker %d: a public session retitled through the API" % n)
    with s.db().cursor() as cur:
        cur.execute("SELECT id FROM session_changes WHERE id > %s ORDER BY id", (last,))
        return [row[0] for row in cur.fetchall()]


def main(s):
    press = one(s, "SELECT id FROM sessions WHERE title = 'Press conference of the chair'")
    bil = one(s, "SELECT id FROM sessions WHERE title = 'Bilateral meeting: Japan – Canada'")
    pub = one(s, "SELECT min(id) FROM sessions WHERE visibility = 'public' AND id <> %s", press)
    jp = s.token("liaison", conference=SLUG, delegation="JP")
    it = s.token("liaison", conference=SLUG, delegation="IT")
    sec = s.token("secretariat", conference=SLUG)
    # Each stream's starting point is fixed when its headers arrive.
    anon, jps, its = Stream(s), Stream(s, jp), Stream(s, it)
    is_(anon.status, 200, "anonymous stream: 200")
    like(anon.headers.get("content-type", ""), r"^text/event-stream", "text/event-stream")
    cid = move(s, press, "2023-04-30 16:30+09", "2023-04-30 17:10+09")
    e = anon.get()
    ok(e is not None and e.get("event") == "moved", "anonymous: a `moved` event when a session moves")
    if e is None:
        return
    is_(int(e["id"]), cid, "the event id is the session_changes id")
    ok(e["data"]["session_id"] == press and e["data"]["session"]["start"] == "2023-04-30T16:30:00+09:00",
       "data: the session, with its new start")
    bcid = move(s, bil, "2023-04-29 19:15+09", "2023-04-29 19:45+09")
    r = s.request("POST", "/api/v1/sessions/%d/cancel" % press, token=sec)
    is_(r.status, 200, "cancel through the API (POST /sessions/{id}/cancel)")
    ccid = one(s, "SELECT max(id) FROM session_changes WHERE session_id = %s", press)
    mark = marker(s, sec, pub, 1)
    ok(mark and ccid > bcid > cid, "the changes are in order: press move, bilateral move, cancel, marker")
    if not mark:
        return
    got = anon.until(mark[-1])
    is_(ids(got), [ccid] + mark,
        "anonymous, up to the marker: the cancel and the marker, nothing of the restricted bilateral")
    ok(got and got[0]["event"] == "cancelled", "the cancel arrives as `cancelled`")
    is_(ids(its.until(mark[-1])), [cid, ccid] + mark,
        "Italy's liaison, up to the marker: the press move and cancel, not the Japan–Canada move")
    is_(ids(jps.until(mark[-1])), [cid, bcid, ccid] + mark,
        "Japan's liaison, up to the marker: the press move, the Japan–Canada move, the cancel")
    for st in (anon, jps, its):
        st.close()
    re1 = Stream(s, last_id=cid)
    is_(ids(re1.until(mark[-1])), [ccid] + mark,
        "reconnect with Last-Event-ID: only later events (the cancel, the marker)")
    re1.close()
    re2 = Stream(s, jp, last_id=cid)
    is_(ids(re2.until(mark[-1])), [bcid, ccid] + mark,
        "Japan resumes: the bilateral move, the cancel and the marker, in order")
    re2.close()
    return cid


def errors_and_keepalive(s):
    is_(Stream(s, path="/api/v1/conferences/nope/changes").status, 404, "unknown conference: 404")
    is_(Stream(s, last_id="abc").status, 400, "malformed Last-Event-ID: 400")
    st = Stream(s)
    got, took = wait_for(lambda: st.comments >= 2)
    ok(got, "keep-alive comments: %d (every 300 ms; %.1f s, bound %g s)" % (st.comments, took, PATIENCE))
    n = s.request("GET", "/metrics")
    ok(n.status == 200, "other requests are served meanwhile")
    return st


with Server(env={"KAIGI_SSE_KEEPALIVE_MS": "300"}) as s:
    main(s)
    open_stream = errors_and_keepalive(s)
    gone = r"access GET /api/v1/conferences/%s/changes 200 \d+ \d+us \(stream, client gone\)" % SLUG
    wait_until(lambda: re.search(gone, open(s.log_path, "rb").read().decode("utf-8", "replace")), PATIENCE)
    log = open(s.log_path, "rb").read().decode("utf-8", "replace")
    like(log, gone, "a closed stream is logged when the client goes")
    t0 = time.monotonic()
    is_(s.stop(drop=False, timeout=PATIENCE), 0, "SIGTERM with an open stream: kaigid exits 0")
    took = time.monotonic() - t0
    ok(open_stream.ended.wait(PATIENCE), "the open stream ends")
    log = open(s.log_path, "rb").read().decode("utf-8", "replace")
    ok("drain: giving up" not in log,
       "the stream was ended at SIGTERM, not waited for until the drain's bound (%.1f s)" % took)
done_testing()
