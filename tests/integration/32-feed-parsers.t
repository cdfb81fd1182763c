#!/usr/bin/python3
# 32-feed-parsers.t — every feed of the demo, fetched over real HTTP from a
# running kaigid, read by three independent parsers: python3-icalendar
# (tests/ical/parse_python.py), Mozilla's ical.js (tests/ical/parse_icaljs.js)
# and vdirsyncer syncing it into a folder (tests/ical/check_vdirsyncer.sh).
# Feeds: public, each delegation's token feed, a participant's, each room's.
# Each parser must accept the feed; the instants it reads must equal the
# API's (GET /conferences/{slug}/sessions, in UTC); the events must be exactly
# those the caller may see (the API's list for the same caller where there is
# one, else the rule written out in tests/lib/feedlib.py).
import datetime
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, one, rows, uid_id, expected_ids  # noqa: E402

DRIVERS = os.path.join(TOP, "tests", "ical")
LIST = "/api/v1/conferences/%s/sessions?limit=1000" % SLUG


def utc(rfc3339):
    """'2023-04-29T10:00:00+09:00' -> '2023-04-29T01:00:00Z'."""
    t = datetime.datetime.fromisoformat(rfc3339).astimezone(datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def api_list(s, token):
    """{id: item} of the session list as a caller."""
    r = s.request("GET", LIST, token=token)
    if r.status != 200:
        return None
    return {i["id"]: i for i in r.json["items"]}


def run(argv):
    p = subprocess.run(argv, cwd=TOP, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def parse(url):
    """{parser: events or None, with stderr}."""
    out = {}
    for name, argv in (("python3-icalendar", ["/usr/bin/python3", DRIVERS + "/parse_python.py", url]),
                       ("ical.js", ["node", DRIVERS + "/parse_icaljs.js", url])):
        rc, so, se = run(argv)
        try:
            out[name] = (json.loads(so) if rc == 0 else None, se)
        except ValueError:
            out[name] = (None, se)
    return out


def check_feed(s, what, path, want_ids, times, reserved=()):
    """All three parsers on one feed."""
    url = s.url + path
    got = parse(url)
    for parser, (evs, err) in got.items():
        if not ok(evs is not None, "%s: %s accepts it" % (what, parser)):
            diag(err)
            continue
        ids = sorted(uid_id(e["uid"]) for e in evs)
        is_(ids, want_ids, "%s: %s finds the %d sessions the caller may see" % (what, parser, len(want_ids)))
        bad = [e for e in evs if times.get(uid_id(e["uid"])) != (e["start_utc"], e["end_utc"])]
        ok(not bad, "%s: %s reads the API's start and end of every event" % (what, parser))
        if bad:
            diag("first mismatch: %r vs %r" % (bad[0], times.get(uid_id(bad[0]["uid"]))))
        res = sorted(uid_id(e["uid"]) for e in evs if e["summary"] == "Reserved")
        is_(res, sorted(reserved), "%s: %s: Reserved events" % (what, parser))
    a, b = got["python3-icalendar"][0], got["ical.js"][0]
    ok(a is not None and a == b, "%s: python3-icalendar and ical.js agree" % what)
    SYNCED.append((what, url, len(want_ids)))


# The feeds vdirsyncer syncs, all in one run at the end: (what, URL, items).
SYNCED = []


def check_synced():
    """vdirsyncer subscribes to every feed and syncs its items; when the
    run fails, each feed alone says which."""
    rc, so, se = run([DRIVERS + "/check_vdirsyncer.sh"] + [u for _, u, _ in SYNCED])
    counts = so.split() if rc == 0 else [None] * len(SYNCED)
    for (what, url, n), got in zip(SYNCED, counts):
        if rc != 0:
            rc1, got, se = run([DRIVERS + "/check_vdirsyncer.sh", url])
            got = got.strip() if rc1 == 0 else None
        ok(got == str(n), "%s: vdirsyncer subscribes and syncs %d items" % (what, n))
        if got != str(n):
            diag("got %r\n%s" % (got, se[-2000:]))


def main(s):
    sec = s.token("secretariat", conference=SLUG)
    everything = api_list(s, sec)
    if not ok(everything, "the session API lists the sessions (apisession merged)"):
        times = {r[0]: (r[1], r[2]) for r in rows(
            s, "SELECT id, to_char(starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
            " to_char(ends_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM sessions")}
    else:
        times = {i: (utc(v["start"]), utc(v["end"])) for i, v in everything.items()}
    # public: the anonymous list is what the public may see
    want, _ = expected_ids(s, ("public",))
    anon = api_list(s, None)
    is_(sorted(anon or {}), want, "the anonymous API list agrees with the public rule")
    check_feed(s, "public", "/api/v1/conferences/%s/calendar.ics" % SLUG, want, times)
    for code, in rows(s, "SELECT code FROM delegations ORDER BY code"):
        want, _ = expected_ids(s, ("delegation", code))
        liaison = api_list(s, s.token("liaison", conference=SLUG, delegation=code))
        is_(sorted(liaison or {}), want, "%s: the liaison's API list agrees with the rule" % code)
        check_feed(s, "%s's feed" % code, "/feeds/%s.ics" % s.feed_token(SLUG, delegation=code),
                   want, times)
    kono = one(s, "SELECT id FROM participants WHERE name = 'Kono Taro'")
    want, _ = expected_ids(s, ("participant", kono))
    check_feed(s, "Kono Taro's feed", "/feeds/%s.ics" % s.feed_token(SLUG, participant=kono),
               want, times)
    for room, name in rows(s, "SELECT id, name FROM rooms ORDER BY id"):
        want, reserved = expected_ids(s, ("room", room))
        check_feed(s, "room %s" % name, "/api/v1/conferences/%s/rooms/%d/calendar.ics" % (SLUG, room),
                   want, times, reserved)
    check_synced()


if not os.path.isdir(os.path.join(TOP, "tests", "node_modules", "ical.js")):
    bail("ical.js missing: npm ci --prefix tests (scripts/deps)")
with Server() as s:
    main(s)
    is_(s.stop(), 0, "SIGTERM: kaigid exits 0")
done_testing()
