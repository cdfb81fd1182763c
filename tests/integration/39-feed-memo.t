#!/usr/bin/python3
# 39-feed-memo.t — a conditional GET of a feed whose bytes the cache no
# longer holds is answered 304 from the validators kept by the worker that
# rendered it (server/feed-memo.c), and never stale.
#  * feed_cache_mb = 0, so no feed's bytes are kept at all: a public feed
#    and a participant's feed are rendered; each If-None-Match with their
#    ETag is 304 without the database (kaigi_feed_memo_hits_total rises,
#    the stored validator's count, kaigi_feed_cache_validated_total, does
#    not), several times.
#  * A session renamed straight in the database (by another kaigid, as it
#    were: only the NOTIFY tells this one): once the worker has heard it,
#    the old ETag gets 200 with the new title, not 304; the new ETag is
#    then answered from memory again.
#  * A token revoked through the API: its If-None-Match is 404, not 304.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import feed_metrics  # noqa: E402

SLUG = "g7-digital-2023"
PUBLIC = "/conferences/%s/calendar.ics" % SLUG


metrics = feed_metrics


def from_memory(s, path, etag, what):
    """If-None-Match etag on path, three times: 304 each, from the memo."""
    before = metrics(s)
    codes = [s.request("GET", path, headers={"If-None-Match": etag}).status for _ in range(3)]
    after = metrics(s)
    is_(codes, [304, 304, 304], "%s: If-None-Match with its ETag is 304, three times" % what)
    is_((after["feed_memo_hits_total"] - before["feed_memo_hits_total"],
         after["feed_cache_validated_total"] - before["feed_cache_validated_total"]), (3.0, 0.0),
        "%s: answered from the memo, not the stored validator" % what)


def renamed(s, path, etag, sid):
    """Rename sid in the database; once heard, etag is no longer current."""
    heard = metrics(s)["feed_cache_invalidations_total"]
    with s.db().cursor() as cur:
        cur.execute("UPDATE sessions SET title = 'Renamed behind its back' WHERE id = %s", (sid,))
    got, _ = wait_for(lambda: metrics(s)["feed_cache_invalidations_total"] > heard)
    ok(got, "the worker heard the change (NOTIFY)")
    r = s.request("GET", path, headers={"If-None-Match": etag})
    ok(r.status == 200 and b"Renamed behind its back" in r.body.replace(b"\r\n ", b""),
       "the old ETag now gets 200 with the new title (%d)" % r.status)
    return r.headers.get("ETag")


def main():
    with Server(args=["--set", "feed_cache_mb=0"]) as s:
        sec = s.token("secretariat", conference=SLUG)
        sid = one(s, "SELECT s.id FROM sessions s JOIN conferences c ON c.id = s.conference_id"
                     " WHERE c.slug = %s AND s.visibility = 'public' ORDER BY s.id LIMIT 1", SLUG)
        pid = one(s, "SELECT p.id FROM participants p JOIN conferences c"
                     " ON c.id = p.conference_id WHERE c.slug = %s ORDER BY p.id LIMIT 1", SLUG)
        r = s.request("POST", "/api/v1/conferences/%s/feed-tokens" % SLUG,
                      {"participant_id": pid}, token=sec)
        is_(r.status, 201, "a participant's feed token")
        tok, tid = (r.json or {}).get("token", ""), (r.json or {}).get("id")
        mine = "/feeds/%s.ics" % tok
        feeds = []
        for path, what in ((PUBLIC, "public feed"), (mine, "participant's feed")):
            r = s.request("GET", path)
            is_(r.status, 200, "%s rendered" % what)
            feeds.append((path, r.headers.get("ETag"), what))
        ok(metrics(s)["feed_cache_entries"] == 0, "feed_cache_mb = 0: no bytes kept")
        for path, etag, what in feeds:
            from_memory(s, path, etag, what)
        etag = renamed(s, PUBLIC, feeds[0][1], sid)
        from_memory(s, PUBLIC, etag, "public feed after the change")
        r = s.request("DELETE", "/api/v1/feed-tokens/%s" % tid, token=sec)
        ok(r.status in (200, 204), "the token revoked (%d)" % r.status)
        is_(s.request("GET", mine, headers={"If-None-Match": feeds[1][1]}).status, 404,
            "the revoked token's If-None-Match is 404, not 304")

main()
done_testing()
