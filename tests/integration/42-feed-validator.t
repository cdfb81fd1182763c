#!/usr/bin/python3
# 42-feed-validator.t — a conditional GET of a feed that the worker has not
# cached is answered from the validator stored with its last rendering
# (sql/340_feed_validator.sql, server/feed-validator.c), without rendering,
# and only while that is still true:
#  * after a restart (an empty cache), If-None-Match and If-Modified-Since
#    with what the first kaigid sent get 304 and the same ETag, and
#    /metrics shows no miss (no render) but a validated answer;
#  * a change in another conference (one created) changes nothing: still
#    304, no render;
#  * a change the feed shows (a public session retitled through the API)
#    gives 200 with the new title, rendered;
#  * a revoked personal token gives 404, never a 304 from its old validator;
#  * a kaigid that renders differently (another public_url, so other UIDs)
#    renders again (200) instead of confirming the old bytes;
#  * a validator the database confirmed is kept as the feed's memo: the
#    next If-None-Match is 304 from memory; a write through the worker, or
#    a change heard by NOTIFY alone, makes the database answer again.
# Before 340 every one of those conditional GETs was a render (a miss).
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, feed_metrics, one  # noqa: E402

PUBLIC = "/conferences/%s/calendar.ics" % SLUG


metrics = feed_metrics


def restart(s, env=None):
    """Stop kaigid (keeping the database) and start it again: an empty cache.
    Waits for its LISTEN to be done: a memo is only kept while in force."""
    is_(s.stop(drop=False), 0, "kaigid stops, exit 0")
    s.env.update(env or {})
    s.start()
    ok(wait_until(lambda: one(s, "SELECT count(*) FROM pg_stat_activity WHERE datname ="
                                 " current_database() AND state = 'idle' AND query LIKE 'LISTEN%%'")
                  == 1, timeout=PATIENCE), "kaigid's LISTEN is in force")


def conditional(s, name, path, first, rendered):
    """If-None-Match, then If-Modified-Since, with first's validators: 304
    with first's ETag; rendered says whether a render (a miss) is expected."""
    for hdr, val in (("If-None-Match", first.headers.get("ETag")),
                     ("If-Modified-Since", first.headers.get("Last-Modified"))):
        m = metrics(s)
        r = s.request("GET", path, headers={hdr: val})
        n = metrics(s)
        is_(r.status, 304, "%s: %s with the earlier validator: 304" % (name, hdr))
        is_(r.headers.get("ETag"), first.headers.get("ETag"), "%s: %s: the same ETag" % (name, hdr))
        misses = n["feed_cache_misses_total"] - m["feed_cache_misses_total"]
        if rendered:
            continue
        is_(misses, 0.0, "%s: %s: answered without rendering (no miss)" % (name, hdr))
        if hdr == "If-None-Match":
            is_(n["feed_cache_validated_total"] - m["feed_cache_validated_total"], 1.0,
                "%s: %s: answered from the stored validator" % (name, hdr))
            from_memo(s, name, path, val)


def from_memo(s, name, path, etag):
    """The validator the database confirmed is kept as the feed's memo: the
    same If-None-Match again is 304 from memory (before, every one asked
    the database, and a worker that had not rendered a feed asked it for
    each poll of it). A memo is refused when an invalidation (any
    conference's NOTIFY, such as a late one of the conference created
    before) came while its query ran: then the database answers once more
    and leaves the memo, so the next is from memory. Never on the old code."""
    for _ in range(2):
        m = metrics(s)
        r = s.request("GET", path, headers={"If-None-Match": etag})
        n = metrics(s)
        got = (n["feed_memo_hits_total"] - m["feed_memo_hits_total"],
               n["feed_cache_validated_total"] - m["feed_cache_validated_total"],
               n["feed_cache_misses_total"] - m["feed_cache_misses_total"])
        if r.status != 304 or got == (1.0, 0.0, 0.0):
            break
    is_(r.status, 304, "%s: If-None-Match again: 304" % name)
    is_(got, (1.0, 0.0, 0.0),
        "%s: ... from the memo the stored validator left, not the database" % name)


def renamed_behind(s, path, etag, sid):
    """A memo left by the stored validator is dropped by a change heard
    only by NOTIFY (as by another kaigid): the old ETag then gets 200."""
    heard = metrics(s)["feed_cache_invalidations_total"]
    with s.db().cursor() as cur:
        cur.execute("UPDATE sessions SET title = 'Renamed behind 42' WHERE id = %s", (sid,))
    got, _ = wait_for(lambda: metrics(s)["feed_cache_invalidations_total"] > heard)
    ok(got, "the worker heard the change (NOTIFY)")
    r = s.request("GET", path, headers={"If-None-Match": etag})
    ok(r.status == 200 and b"Renamed behind 42" in r.body.replace(b"\r\n ", b""),
       "the memo's old ETag now gets 200 with the new title (%d)" % r.status)


def other_conference_changes(s):
    """A change in another conference: one is created (a feed_changes row of
    its own, and a NOTIFY)."""
    r = s.request("POST", "/api/v1/conferences", {
        "slug": "elsewhere-2023", "title": "Elsewhere", "timezone": "Europe/Paris",
        "start_date": "2023-05-01", "end_date": "2023-05-02"}, token=s.token("admin"))
    is_(r.status, 201, "another conference is created")
    ok(one(s, "SELECT count(*) FROM feed_changes f JOIN conferences c ON c.id = f.conference_id"
              " WHERE c.slug = 'elsewhere-2023'") > 0, "... and its change is logged")


def main():
    with Server(args=["--workers", "1"]) as s:
        sec = s.token("secretariat", conference=SLUG)
        r = s.request("POST", "/api/v1/conferences/%s/feed-tokens" % SLUG, {"delegation": "IT"},
                      token=sec)
        is_(r.status, 201, "Italy's feed token is issued")
        tok, tok_id = r.json["token"], r.json["id"]
        feeds = {"the public feed": PUBLIC, "Italy's feed": "/feeds/%s.ics" % tok}
        first = {}
        for name, path in feeds.items():
            first[name] = s.request("GET", path)
            is_(first[name].status, 200, "%s: 200" % name)
        restart(s)
        for name, path in feeds.items():
            conditional(s, name, path, first[name], rendered=False)
        other_conference_changes(s)
        for name, path in feeds.items():
            conditional(s, name, path, first[name], rendered=False)

        pub = one(s, "SELECT min(id) FROM sessions WHERE visibility = 'public' AND conference_id ="
                  " (SELECT id FROM conferences WHERE slug = %s)", SLUG)
        r = s.request("PATCH", "/api/v1/sessions/%d" % pub, {"title": "Retitled for 42"}, token=sec)
        is_(r.status, 200, "a public session is retitled")
        m = metrics(s)
        r = s.request("GET", PUBLIC, headers={"If-None-Match": first["the public feed"].headers["ETag"]})
        is_(r.status, 200, "the public feed after the change: 200, not 304")
        ok(b"Retitled for 42" in r.body, "... with the new title")
        is_(metrics(s)["feed_cache_misses_total"] - m["feed_cache_misses_total"], 1.0, "... rendered")

        italy = s.request("GET", feeds["Italy's feed"])
        is_(italy.status, 200, "Italy's feed now: 200")
        restart(s)
        conditional(s, "Italy's feed (current)", feeds["Italy's feed"], italy, rendered=False)
        r = s.request("DELETE", "/api/v1/feed-tokens/%d" % tok_id, token=sec)
        is_(r.status, 204, "Italy's feed token is revoked")
        r = s.request("GET", feeds["Italy's feed"], headers={"If-None-Match": italy.headers["ETag"]})
        is_(r.status, 404, "the revoked token's feed: 404, not 304 from its old validator")

        now = s.request("GET", PUBLIC)
        is_(now.status, 200, "the public feed: 200")
        restart(s, {"KAIGI_PUBLIC_URL": "https://calendar.example.org"})
        r = s.request("GET", PUBLIC, headers={"If-None-Match": now.headers["ETag"]})
        is_(r.status, 200, "another public_url (other UIDs): rendered again, 200, not 304")
        ok(b"@calendar.example.org" in r.body and r.headers.get("ETag") != now.headers["ETag"],
           "... with the new host in its UIDs and a new ETag")
        restart(s)
        conditional(s, "the public feed (new host, restarted)", PUBLIC, r, rendered=False)
        renamed_behind(s, PUBLIC, r.headers["ETag"], pub)
        is_(s.stop(), 0, "kaigid exits 0")


main()
done_testing()
