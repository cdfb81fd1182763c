#!/usr/bin/python3
# 37-last-modified.t — a feed's Last-Modified never repeats for different
# bytes and never goes back, so a client that sends only If-Modified-Since
# (Apple Calendar does) never gets a 304 for bytes it has not seen.
#  * Changes made within the same second as the client's last fetch (a
#    retitle, a move, a cancel, a un-cancel, a creation, a deletion): once
#    the feed shows the change, If-Modified-Since with the Last-Modified the
#    client saw answers 200 with the new bytes and a later Last-Modified;
#    asked again with that Last-Modified, 304. Repeated 5 times, so most rounds fall within
#    one second whatever the machine's speed.
#  * The same bytes keep their Last-Modified: from another worker, another
#    kaigid on the same database, and after a restart.
import datetime
import email.utils
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, one  # noqa: E402

FEED = "/api/v1/conferences/%s/calendar.ics" % SLUG


def lm(r):
    """Last-Modified as epoch seconds."""
    return email.utils.parsedate_to_datetime(r.headers["Last-Modified"]).timestamp()


def session(s, sec, sid):
    r = s.request("GET", "/api/v1/sessions/%d" % sid, token=sec)
    return r.json


def patch(s, sec, sid, body):
    v = session(s, sec, sid)["version"]
    r = s.request("PATCH", "/api/v1/sessions/%d" % sid, body, token=sec,
                  headers={"If-Match": '"%d"' % v})
    return r.status


def changes(s, sec, sid, n):
    """The changes of round n, each (what, function making it)."""
    def retitle():
        return patch(s, sec, sid, {"title": "Internet Governance (%d)" % n}) == 200

    def move():
        cur = session(s, sec, sid)
        slot = "22:30" if "T22:00" in cur["start"] else "22:00"
        minutes = (datetime.datetime.fromisoformat(cur["end"])
                   - datetime.datetime.fromisoformat(cur["start"])).seconds // 60
        start = datetime.datetime.fromisoformat("2023-04-30T%s:00+09:00" % slot)
        end = start + datetime.timedelta(minutes=minutes)
        return patch(s, sec, sid, {"start": start.isoformat(), "end": end.isoformat()}) == 200

    def cancel():
        return s.request("POST", "/api/v1/sessions/%d/cancel" % sid, token=sec).status == 200

    def uncancel():
        return patch(s, sec, sid, {"status": "confirmed"}) == 200

    def delete():
        # sessions have no DELETE route: the deletion is the one change made in SQL
        with s.db().cursor() as cur:
            cur.execute("DELETE FROM sessions WHERE conference_id = (SELECT id FROM conferences"
                        " WHERE slug = %s) AND visibility = 'public' AND title = %s",
                        (SLUG, "Round %d" % n))
            return cur.rowcount == 1

    def create():
        r = s.request("POST", "/api/v1/conferences/%s/sessions" % SLUG, {
            "kind": "other", "title": "Round %d" % n, "visibility": "public",
            "start": "2023-04-30T21:%02d:00+09:00" % (n * 5),
            "end": "2023-04-30T21:%02d:00+09:00" % (n * 5 + 4)}, token=sec)
        return r.status == 201

    return [("retitle", retitle), ("move", move), ("cancel", cancel),
            ("un-cancel", uncancel), ("create", create), ("delete", delete)]


def rounds(s, sec, sid):
    seen = s.request("GET", FEED)
    bad = []
    same_second = 0
    for n in range(5):
        for what, change in changes(s, sec, sid, n):
            before = time.time()
            if not change():
                bad.append("%s %d: the change failed" % (what, n))
                continue
            # the change reaches the cache by NOTIFY, a few ms later: wait for it
            if not wait_until(lambda: s.request("GET", FEED).body != seen.body, timeout=10):
                bad.append("%s %d: the change never showed" % (what, n))
                continue
            r = s.request("GET", FEED, headers={"If-Modified-Since": seen.headers["Last-Modified"]})
            if int(before) == int(time.time()):
                same_second += 1
            if r.status != 200 or r.body == seen.body:
                bad.append("%s %d: %d after a change (If-Modified-Since %s)"
                           % (what, n, r.status, seen.headers["Last-Modified"]))
                continue
            if lm(r) <= lm(seen):
                bad.append("%s %d: Last-Modified %s after %s" % (what, n, r.headers["Last-Modified"],
                                                                 seen.headers["Last-Modified"]))
            again = s.request("GET", FEED, headers={"If-Modified-Since": r.headers["Last-Modified"]})
            if again.status != 304:
                bad.append("%s %d: %d for its own Last-Modified" % (what, n, again.status))
            seen = r
    for b in bad:
        diag(b)
    note("%d of 30 changes came within the second of the fetch before" % same_second)
    ok(not bad, "30 changes: each a 200 with new bytes and a later Last-Modified for "
       "If-Modified-Since, then 304")
    return seen


def same_everywhere(s, seen):
    b = Server(db_url=s.db_url)
    b.start()
    r = b.request("GET", FEED)
    is_((r.body == seen.body, r.headers["Last-Modified"]), (True, seen.headers["Last-Modified"]),
        "another kaigid on the database: same bytes, same Last-Modified")
    b.stop(drop=False)
    is_(s.stop_process(), 0, "kaigid stops")
    s.args = ["--workers", "2"]
    s.start()
    got = {(x.body == seen.body, x.headers["Last-Modified"])
           for x in (s.request("GET", FEED) for _ in range(20))}
    is_(got, {(True, seen.headers["Last-Modified"])},
        "after a restart, --workers 2: 20 fetches, same bytes, same Last-Modified")


with Server() as s:
    sec = s.token("secretariat", conference=SLUG)
    sid = one(s, "SELECT id FROM sessions WHERE title = 'Internet Governance'")
    seen = rounds(s, sec, sid)
    same_everywhere(s, seen)
    is_(s.stop(drop=False), 0, "kaigid exits 0")
done_testing()
