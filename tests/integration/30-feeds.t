#!/usr/bin/python3
# 30-feeds.t — the three feeds over real HTTP: properties, headers, the
# visibility rule (Italy's feed holds no Japan–Canada bilateral; the room feed
# shows it only as Reserved), conditional requests (same bytes, 304 for
# If-None-Match and If-Modified-Since, never after a change), HEAD, a move
# (SEQUENCE up, new ETag), a cancel (kept, STATUS:CANCELLED), 404s, and the
# token never in kaigid's log.
import os
import re
import sys
from email.utils import parsedate_to_datetime

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, one, events, feed_ids, uid_id, expected_ids  # noqa: E402

PUBLIC = "/api/v1/conferences/%s/calendar.ics" % SLUG
CAL_PROPS = ["PRODID:", "VERSION:2.0", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             "NAME:", "X-WR-CALNAME:", "X-WR-TIMEZONE:Asia/Tokyo",
             "REFRESH-INTERVAL;VALUE=DURATION:PT15M", "X-PUBLISHED-TTL:PT15M",
             "BEGIN:VTIMEZONE", "TZID:Asia/Tokyo"]


def room_path(room_id):
    return "/api/v1/conferences/%s/rooms/%d/calendar.ics" % (SLUG, room_id)


def check_headers(r, what, private=False):
    """Content type, strong ETag, Last-Modified, Cache-Control."""
    is_(r.status, 200, "%s: 200" % what)
    is_(r.headers.get("Content-Type"), "text/calendar; charset=utf-8",
        "%s: text/calendar; charset=utf-8" % what)
    like(r.headers.get("ETag", ""), r'^"[0-9a-f]{32}"$', "%s: strong ETag" % what)
    like(r.headers.get("Last-Modified", ""),
         r"^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$",
         "%s: Last-Modified is an HTTP date" % what)
    is_(r.headers.get("Cache-Control"), "private, no-cache" if private else "no-cache",
        "%s: Cache-Control lets clients revalidate" % what)


def check_public(s):
    r = s.request("GET", PUBLIC)
    check_headers(r, "public feed")
    text = r.text
    ok(all(p in text for p in CAL_PROPS), "public feed: every calendar property")
    like(text, r"NAME:G7 Digital and Tech Ministers' Meeting\r\n", "public feed: NAME is the title")
    want, _ = expected_ids(s, ("public",))
    is_(feed_ids(r.body), want, "public feed: exactly the public sessions (%d)" % len(want))
    ok("Bilateral meeting" not in text and "Working lunch" not in text,
       "public feed: no restricted or conference session")
    like(text, r"UID:session-6@kaigi\r\n", "UID session-<id>@kaigi (no public_url)")
    for uid, e in events(r.body).items():
        if not all(k in e for k in ("DTSTART", "DTEND", "SUMMARY", "LOCATION", "DESCRIPTION",
                                    "CATEGORIES", "STATUS", "SEQUENCE", "LAST-MODIFIED",
                                    "CREATED", "DTSTAMP")):
            ok(False, "%s has every event property" % uid)
            break
    else:
        ok(True, "every public event has every event property")
    is_(s.request("GET", "/api/v1/conferences/nope/calendar.ics").status, 404,
        "unknown conference: 404")
    with s.db().cursor() as cur:
        cur.execute("INSERT INTO conferences (slug, title, timezone, start_date, end_date)"
                    " VALUES ('empty-2025', 'Empty', 'Europe/Paris', '2025-01-01', '2025-01-02')")
    e = s.request("GET", "/api/v1/conferences/empty-2025/calendar.ics")
    ok(e.status == 200 and events(e.body) == {} and "TZID:Europe/Paris" in e.text,
       "a conference without sessions: 200, a valid calendar without events")
    return r


def check_conditional(s, r):
    etag, lm = r.headers["ETag"], r.headers["Last-Modified"]
    r2 = s.request("GET", PUBLIC)
    ok(r2.body == r.body and r2.headers["ETag"] == etag, "unchanged feed: same bytes, same ETag")
    for hdrs, what in (({"If-None-Match": etag}, "If-None-Match"),
                       ({"If-None-Match": '"0000", ' + etag}, "If-None-Match list"),
                       ({"If-None-Match": "*"}, "If-None-Match *"),
                       ({"If-Modified-Since": lm}, "If-Modified-Since")):
        c = s.request("GET", PUBLIC, headers=hdrs)
        ok(c.status == 304 and c.body == b"" and c.headers.get("ETag") == etag,
           "%s: 304, no body, the ETag" % what)
        # RFC 9110 15.4.5: a 304 repeats ETag, Cache-Control and Date, and
        # carries no representation metadata such as Content-Type.
        ok(c.headers.get("Cache-Control") == "no-cache" and
           re.match(r"^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$",
                    c.headers.get("Date", "")) and "Content-Type" not in c.headers,
           "%s: 304 with Cache-Control and an HTTP Date, no Content-Type" % what)
    is_(s.request("GET", PUBLIC, headers={"If-None-Match": '"0000"'}).status, 200,
        "another ETag: 200")
    is_(s.request("GET", PUBLIC, headers={"If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"}).status,
        200, "If-Modified-Since long ago: 200")
    is_(s.request("GET", PUBLIC, headers={"If-None-Match": '"0000"', "If-Modified-Since": lm}).status,
        200, "If-None-Match wins over If-Modified-Since")
    h = s.request("HEAD", PUBLIC)
    ok(h.status == 200 and h.body == b"" and h.headers.get("ETag") == etag,
       "HEAD: 200, no body, same ETag")
    is_(h.headers.get("Content-Length"), str(len(s.request("GET", PUBLIC).body)),
        "HEAD: the Content-Length of the GET")
    h = s.request("HEAD", PUBLIC, headers={"If-None-Match": etag})
    is_((h.status, h.headers.get("Content-Length")), (304, None),
        "HEAD with the ETag: 304, no Content-Length")


def check_delegation(s):
    tok = s.feed_token(SLUG, delegation="IT")
    r = s.request("GET", "/feeds/%s.ics" % tok)
    check_headers(r, "Italy's feed", private=True)
    want, _ = expected_ids(s, ("delegation", "IT"))
    is_(feed_ids(r.body), want, "Italy's feed: public + conference + its bilateral (%d)" % len(want))
    ok("Japan – Canada" not in r.text and "Japan – Italy" in r.text,
       "Italy's feed holds no Japan–Canada bilateral, and holds Japan–Italy")
    like(r.text, r"NAME:G7 Digital and Tech Ministers' Meeting — Italy\r\n", "NAME names Italy")
    jp = s.feed_token(SLUG, delegation="JP")
    ok("Japan – Canada" in s.request("GET", "/feeds/%s.ics" % jp).text,
       "Japan's feed holds the Japan–Canada bilateral")
    for bad in ("short", "A" * 43, "../etc/passwd", "%00" + "A" * 40):
        is_(s.request("GET", "/feeds/%s.ics" % bad).status, 404, "token %r: 404" % bad[:12])
    r = s.request("GET", "/feeds/%s.ics" % ("A" * 43))
    is_(r.headers.get("Content-Type"), "application/problem+json", "404 is problem+json, not a calendar")
    log = open(s.log_path, "rb").read().decode("utf-8", "replace")
    ok(tok not in log and jp not in log and "/feeds/" in log,
       "no feed token in kaigid's log (the access log says /feeds/…)")
    return tok


def check_room(s):
    bil = one(s, "SELECT id FROM sessions WHERE title = 'Bilateral meeting: Japan – Canada'")
    room = one(s, "SELECT room_id FROM sessions WHERE id = %s", bil)
    r = s.request("GET", room_path(room))
    check_headers(r, "room feed")
    want, reserved = expected_ids(s, ("room", room))
    evs = events(r.body)
    is_(sorted(uid_id(u) for u in evs), want, "room feed: every session of the room")
    e = [v for u, v in evs.items() if uid_id(u) == bil][0]
    ok(str(e["SUMMARY"]) == "Reserved" and "DESCRIPTION" not in e and "LOCATION" not in e
       and "CATEGORIES" not in e, "room feed: Japan–Canada only as Reserved, no detail")
    ok("Canada" not in r.text and "Japan" not in r.text, "room feed: no party named anywhere")
    is_(sorted(uid_id(u) for u, v in evs.items() if str(v["SUMMARY"]) == "Reserved"), reserved,
        "room feed: exactly the non-public sessions are Reserved")
    sec = s.token("secretariat", conference=SLUG)
    r = s.request("GET", room_path(room), token=sec)
    ok("Japan – Canada" in r.text, "room feed with the secretariat's token: the title")
    is_(s.request("GET", room_path(99999)).status, 404, "unknown room: 404")
    is_(s.request("GET", "/api/v1/conferences/%s/rooms/x/calendar.ics" % SLUG).status, 404,
        "room id not a number: 404")


def seq_of(body, sid):
    e = [v for u, v in events(body).items() if uid_id(u) == sid][0]
    return int(e["SEQUENCE"]), e


def check_move_cancel(s, tok):
    path = "/feeds/%s.ics" % tok
    sid = one(s, "SELECT id FROM sessions WHERE title = 'Internet Governance'")
    before = s.request("GET", path)
    seq0, e0 = seq_of(before.body, sid)
    sec = s.token("secretariat", conference=SLUG)
    # Last-Modified has one-second resolution: the move must fall in a later
    # second than the feed's Last-Modified (the database's clock says when).
    lm = parsedate_to_datetime(before.headers["Last-Modified"])
    ok(wait_until(lambda: one(s, "SELECT now() >= %s::timestamptz + interval '1 second'", lm),
                  PATIENCE), "the database's clock is past the feed's Last-Modified second")
    with s.db().cursor() as cur:
        cur.execute("UPDATE sessions SET starts_at = starts_at + interval '4 hours',"
                    " ends_at = ends_at + interval '4 hours' WHERE id = %s", (sid,))
    after = wait_until(lambda: (lambda x: x if x.headers["ETag"] != before.headers["ETag"] else None)(
        s.request("GET", path)), timeout=PATIENCE)
    ok(after is not None, "a move changes the ETag (bound %g s)" % PATIENCE)
    if after is None:
        return
    seq1, e1 = seq_of(after.body, sid)
    is_(seq1, seq0 + 1, "a move raises SEQUENCE")
    is_(e1.decoded("DTSTART") - e0.decoded("DTSTART"), __import__("datetime").timedelta(hours=4),
        "DTSTART moved by 4 hours")
    is_(s.request("GET", path, headers={"If-None-Match": before.headers["ETag"]}).status, 200,
        "old ETag after a move: 200, not 304")
    is_(s.request("GET", path, headers={"If-Modified-Since": before.headers["Last-Modified"]}).status,
        200, "old Last-Modified after a move: 200, not 304")
    c = s.request("POST", "/api/v1/sessions/%d/cancel" % sid, token=sec)
    is_(c.status, 200, "cancel through the API (POST /sessions/{id}/cancel)")
    got = wait_until(lambda: (lambda x: x if "STATUS:CANCELLED" in x.text else None)(
        s.request("GET", path)), timeout=PATIENCE)
    ok(got is not None and sid in feed_ids(got.body), "a cancelled session stays, STATUS:CANCELLED")
    if got is not None:
        is_(seq_of(got.body, sid)[0], seq1 + 1, "cancel raises SEQUENCE too")


with Server() as s:
    r = check_public(s)
    check_conditional(s, r)
    tok = check_delegation(s)
    check_room(s)
    check_move_cancel(s, tok)
    is_(s.stop(), 0, "SIGTERM: kaigid exits 0")
done_testing()
