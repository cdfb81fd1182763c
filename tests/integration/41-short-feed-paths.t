#!/usr/bin/python3
# 41-short-feed-paths.t — the feed paths as shared/API.md writes them, without
# the /api/v1 prefix (like /feeds/{token}.ics):
#   GET /conferences/{slug}/calendar.ics
#   GET /conferences/{slug}/rooms/{id}/calendar.ics
# answer exactly what the /api/v1 forms answer: same bytes, same ETag, same
# Last-Modified, 304 for either validator, HEAD, the same 404s, and the
# caller's token still counts on the room feed. A contract path that answers
# 404 is a failure, not a skip. scripts/run (make run) prints the short form,
# which is what people paste into calendar apps, and that URL serves.
import os
import re
import select
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, one  # noqa: E402

LONG = "/api/v1/conferences/%s" % SLUG
SHORT = "/conferences/%s" % SLUG


def same_feed(s, what, long_path, short_path, token=None):
    """Both paths: 200, same bytes, same validators; 304 and HEAD on the short one."""
    a = s.request("GET", long_path, token=token)
    b = s.request("GET", short_path, token=token)
    is_(b.status, 200, "%s: the short path answers 200 (a contract path, never 404)" % what)
    if b.status != 200:
        return None
    ok(a.body == b.body and len(b.body) > 0, "%s: same bytes (%d)" % (what, len(b.body)))
    for h in ("ETag", "Last-Modified", "Content-Type", "Cache-Control"):
        is_(b.headers.get(h), a.headers.get(h), "%s: same %s" % (what, h))
    c = s.request("GET", short_path, token=token, headers={"If-None-Match": a.headers["ETag"]})
    ok(c.status == 304 and c.body == b"", "%s: If-None-Match with the long path's ETag: 304" % what)
    c = s.request("GET", short_path, token=token,
                  headers={"If-Modified-Since": a.headers["Last-Modified"]})
    is_(c.status, 304, "%s: If-Modified-Since: 304" % what)
    h = s.request("HEAD", short_path, token=token)
    ok(h.status == 200 and h.body == b"" and h.headers.get("ETag") == a.headers["ETag"],
       "%s: HEAD on the short path: 200, no body, the ETag" % what)
    return b


def paths():
    with Server() as s:
        same_feed(s, "public feed", LONG + "/calendar.ics", SHORT + "/calendar.ics")
        bil = one(s, "SELECT id FROM sessions WHERE title = 'Bilateral meeting: Japan – Canada'")
        room = one(s, "SELECT room_id FROM sessions WHERE id = %s", bil)
        rp = "/rooms/%d/calendar.ics" % room
        r = same_feed(s, "room feed", LONG + rp, SHORT + rp)
        ok(r is not None and "Japan – Canada" not in r.text and "SUMMARY:Reserved" in r.text,
           "room feed, anonymous: the bilateral only as Reserved")
        sec = s.token("secretariat", conference=SLUG)
        r = same_feed(s, "room feed with the secretariat's token", LONG + rp, SHORT + rp, token=sec)
        ok(r is not None and "Japan – Canada" in r.text, "the token counts on the short path too")
        for path, what in (("/conferences/nope/calendar.ics", "unknown conference"),
                           (SHORT + "/rooms/99999/calendar.ics", "unknown room"),
                           (SHORT + "/rooms/x/calendar.ics", "room id not a number")):
            r = s.request("GET", path)
            ok(r.status == 404 and r.headers.get("Content-Type") == "application/problem+json",
               "%s on the short path: 404 problem+json" % what)
        r = s.request("POST", SHORT + "/calendar.ics", {})
        is_(r.status, 405, "POST on the short public path: 405")
        is_(s.stop(), 0, "kaigid exits 0")


def banner_of(proc, deadline):
    """stdout of scripts/run up to the end of its banner ("Ctrl-C stops ...")."""
    out = b""
    while time.monotonic() < deadline and b"Ctrl-C stops" not in out:
        r, _, _ = select.select([proc.stdout], [], [], 0.5)
        if r:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            out += chunk
    return out.decode("utf-8", "replace")


def healthy(s):
    """True once kaigid answers /healthz (connection refused until it listens)."""
    try:
        return s.request("GET", "/healthz", timeout=2).status == 200
    except OSError:
        return False


def make_run():
    """scripts/run against a database of our own: the banner's public feed URL."""
    s = Server()
    s.create_db()
    port = free_port()
    env = dict(os.environ, KAIGID=os.environ["KAIGID"], KAIGI_DATABASE_URL=s.db_url,
               KAIGI_PORT=str(port), KAIGI_LISTEN="127.0.0.1", KAIGI_PUBLIC_URL="")
    proc = subprocess.Popen([os.path.join(TOP, "scripts", "run")], cwd=TOP, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        banner = banner_of(proc, time.monotonic() + 60)
        m = re.search(r"Public feed\s+(\S+)", banner)
        ok(m is not None, "scripts/run prints the public feed")
        url = m.group(1) if m else ""
        is_(url, "http://127.0.0.1:%d/conferences/%s/calendar.ics" % (port, SLUG),
            "scripts/run prints the short form (what people paste into calendar apps)")
        ok("/api/v1/conferences/%s/calendar.ics" % SLUG not in banner,
           "and no /api/v1 form of a feed")
        s.port = port
        up = wait_until(lambda: healthy(s), timeout=30)
        ok(up, "the kaigid of scripts/run answers")
        path = url.split("127.0.0.1:%d" % port, 1)[-1]
        a = s.request("GET", path)
        b = s.request("GET", LONG + "/calendar.ics")
        ok(a.status == 200 and a.body == b.body and "BEGIN:VCALENDAR" in a.text,
           "the printed URL serves the public calendar")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
        s.drop_db()


paths()
make_run()
done_testing()
