#!/usr/bin/python3
# 39-feed-late-notify.t — a change's NOTIFY that arrives after the feed was
# already rendered with the change does not throw that feed away.
# kaigid reads its LISTEN socket and its clients' sockets on one loop, so a
# feed can be read again (a write through kaigid makes it ask the database)
# before the NOTIFY of that very write is handled. Until now the NOTIFY then
# dropped every feed of the conference, the fresh ones too: the next fetch
# rendered again, and 39-feed-cache-bound saw its hot feed become a miss on
# a busy machine. Now a NOTIFY makes the conference's feeds ask the database
# (kaigi_feed_fresh) before they are served again; one that already shows
# every change is kept. For the public feed and a delegation's feed:
#  * a NOTIFY of a change already shown (sent by hand, as a late one is):
#    the next fetch is one revalidation and a hit, with the same bytes;
#  * a real change made behind kaigid's back (psql): its NOTIFY makes the
#    next fetch find the feed stale and render the change;
#  * after that fetch the feed is trusted again: served without asking;
#  * two NOTIFYs with no fetch between drop it: a feed not asked for since
#    an earlier change is most likely stale, and a personal one keeps an
#    older shared part alive outside the cache's bound;
#  * after a change, 8 cached feeds asked for at once each find themselves
#    stale: the first answer drops the conference's feeds, the others drop
#    nothing, so all 8 loads are kept (each drop used to refuse the loads
#    begun before it).
import concurrent.futures
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, feed_metrics, fresh, one  # noqa: E402


def notified(s, before):
    """Wait until kaigid has handled a NOTIFY after /metrics said before."""
    return wait_until(lambda: feed_metrics(s)["feed_cache_invalidations_total"] > before,
                      timeout=PATIENCE)


def fetch(s, path):
    """GET path; (response, counters moved by it)."""
    m = feed_metrics(s)
    r = s.request("GET", path)
    n = feed_metrics(s)
    return r, {k: n[k] - m[k] for k in ("feed_cache_hits_total", "feed_cache_misses_total",
                                        "feed_cache_revalidations_total",
                                        "feed_cache_stale_total")}


def moved(hits=0, misses=0, revalidations=0, stale=0):
    return {"feed_cache_hits_total": hits, "feed_cache_misses_total": misses,
            "feed_cache_revalidations_total": revalidations, "feed_cache_stale_total": stale}


def late_notify(s, cid, path, what):
    """A NOTIFY of nothing new: the cached feed is checked once and kept."""
    body = s.request("GET", path).body
    r, d = fetch(s, path)
    is_(d, moved(hits=1), "%s: cached and trusted (a hit without asking)" % what)
    before = feed_metrics(s)["feed_cache_invalidations_total"]
    with s.db().cursor() as cur:
        cur.execute("SELECT pg_notify('kaigi_changes', %s)", (str(cid),))
    ok(notified(s, before), "%s: kaigid handled a NOTIFY of its conference" % what)
    r, d = fetch(s, path)
    is_(d, moved(hits=1, revalidations=1),
        "%s: after a NOTIFY of a change it already shows, one revalidation and a hit"
        " (it used to be dropped: a miss)" % what)
    ok(r.status == 200 and r.body == body, "%s: the same bytes" % what)
    r, d = fetch(s, path)
    is_(d, moved(hits=1), "%s: and trusted again (a hit without asking)" % what)
    for _ in range(2):
        before = feed_metrics(s)["feed_cache_invalidations_total"]
        with s.db().cursor() as cur:
            cur.execute("SELECT pg_notify('kaigi_changes', %s)", (str(cid),))
        notified(s, before)
    r, d = fetch(s, path)
    is_(d, moved(misses=1), "%s: two NOTIFYs with no fetch between drop it (a miss): a feed"
        " not asked for since an earlier change is not kept" % what)
    ok(r.status == 200 and r.body == body, "%s: rendered again with the same bytes" % what)


def real_change(s, cid, sid, path, what, title):
    """A change behind kaigid's back: the feed is found stale and rendered."""
    before = feed_metrics(s)["feed_cache_invalidations_total"]
    with s.db().cursor() as cur:
        cur.execute("UPDATE sessions SET title = %s WHERE id = %s", (title, sid))
    ok(notified(s, before), "%s: kaigid handled the change's NOTIFY" % what)
    r, d = fetch(s, path)
    is_(d, moved(misses=1, revalidations=1, stale=1),
        "%s: the next fetch found the feed stale and rendered it again" % what)
    ok(title.encode() in r.body, "%s: with the change" % what)
    r, d = fetch(s, path)
    is_(d, moved(hits=1), "%s: then trusted (a hit without asking)" % what)


def burst(s, cid, sid):
    """After a change, 8 cached feeds asked for at once: each finds itself
    stale, and all 8 are cached again (the first drop is the only one; each
    later drop used to refuse the loads begun since)."""
    codes = [c for (c,) in rows(s, "SELECT d.code FROM delegations d WHERE d.conference_id = %s"
                                " ORDER BY d.code LIMIT 8", cid)]
    paths = ["/feeds/%s.ics" % s.feed_token(SLUG, delegation=c) for c in codes]
    for p in paths:
        s.request("GET", p)
    before = feed_metrics(s)["feed_cache_invalidations_total"]
    with s.db().cursor() as cur:
        cur.execute("UPDATE sessions SET title = 'Retitled before a burst' WHERE id = %s", (sid,))
    ok(notified(s, before), "burst: kaigid handled the change's NOTIFY")
    m = feed_metrics(s)
    with concurrent.futures.ThreadPoolExecutor(len(paths)) as pool:
        got = list(pool.map(lambda p: s.request("GET", p), paths))
    ok(all(r.status == 200 and b"Retitled before a burst" in r.body for r in got),
       "burst: %d feeds asked for at once, each with the change" % len(paths))
    n = feed_metrics(s)
    diag("burst: revalidations +%d, stale +%d, misses +%d" % (
        n["feed_cache_revalidations_total"] - m["feed_cache_revalidations_total"],
        n["feed_cache_stale_total"] - m["feed_cache_stale_total"],
        n["feed_cache_misses_total"] - m["feed_cache_misses_total"]))
    hits = 0
    for p in paths:
        r, d = fetch(s, p)
        hits += d == moved(hits=1)
    is_(hits, len(paths), "burst: all %d are cached again (a hit without asking)" % len(paths))


def main():
    with Server() as s:
        # a feed read before LISTEN is verified is never trusted (feed.c)
        ok(wait_until(lambda: s.request("GET", "/readyz").json.get("listen") == "ok",
                      timeout=PATIENCE), "kaigid listens (/readyz)")
        cid = one(s, "SELECT id FROM conferences WHERE slug = %s", SLUG)
        sid = one(s, "SELECT min(s.id) FROM sessions s JOIN conferences c"
                  " ON c.id = s.conference_id WHERE c.slug = %s AND s.visibility = 'public'"
                  " AND s.status <> 'cancelled'", SLUG)
        code = one(s, "SELECT min(d.code) FROM delegations d JOIN conferences c"
                   " ON c.id = d.conference_id WHERE c.slug = %s", SLUG)
        feeds = [("/api/v1/conferences/%s/calendar.ics" % SLUG, "public feed"),
                 ("/feeds/%s.ics" % s.feed_token(SLUG, delegation=code),
                  "delegation %s's feed" % code)]
        for n, (path, what) in enumerate(feeds):
            fresh(s, path)
            late_notify(s, cid, path, what)
            real_change(s, cid, sid, path, what, "Retitled behind kaigid's back %d" % n)
        burst(s, cid, sid)
        is_(s.stop(), 0, "kaigid exits 0")


main()
done_testing()
