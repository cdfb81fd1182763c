#!/usr/bin/python3
"""37-read-own-writes.t — a worker that acknowledged a write never serves a
feed cached before it (server/http.c, feed-cache.c: feed_cache_write_seen).

Cached feeds are dropped when the change's NOTIFY comes back. A client that
wrote and read again at once could come first: 49-interpretation-feeds
got the public feed as it was before its own POST (a cache hit in 54 us,
the NOTIFY not yet read). Here the NOTIFY never comes (the participants'
NOTIFY trigger is disabled; their feed log still records the change): a
participant's feed is cached, the participant renamed through the API,
and the same worker's next answer must carry the new name. A feed not
touched by the write is still served: after one check it is trusted.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, one  # noqa: E402


def main(s):
    pid = one(s, "SELECT min(p.id) FROM participants p JOIN delegations d ON d.id = p.delegation_id"
                 " WHERE d.code = 'JP' AND p.role = 'head'")
    path = "/feeds/%s.ics" % s.feed_token(SLUG, participant=pid)
    sec = s.token("secretariat", conference=SLUG)
    first = s.request("GET", path)
    is_(first.status, 200, "the participant's feed")
    again = s.request("GET", path)
    is_(again.headers.get("ETag"), first.headers.get("ETag"), "cached")
    with s.db().cursor() as cur:
        cur.execute("ALTER TABLE participants DISABLE TRIGGER participants_notify")
    name = one(s, "SELECT name FROM participants WHERE id = %s", pid)
    r = s.request("PATCH", "/api/v1/participants/%d" % pid, {"name": name + " Renamed"}, token=sec,
                  headers={"If-Match": '"%s"' % one(s, "SELECT version FROM participants"
                                                      " WHERE id = %s", pid)})
    is_(r.status, 200, "renamed through the API (no NOTIFY will come)")
    after = s.request("GET", path)
    ok("Renamed" in after.text.replace("\r\n ", ""), "the next read of the feed has the new name")
    pub = "/conferences/%s/calendar.ics" % SLUG
    p1 = s.request("GET", pub)
    p2 = s.request("GET", pub)
    is_([p1.status, p2.status, p2.headers.get("ETag")], [200, 200, p1.headers.get("ETag")],
        "the public feed is served as before")


with Server() as s:
    main(s)
done_testing()
