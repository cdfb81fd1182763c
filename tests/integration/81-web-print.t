#!/usr/bin/python3
"""81-web-print.t — the timetable page's opening state and its print.

Opening state (tests/web/print.js opening, at 1280 and 390 px): with the
demo conference (2023, first in the list), a past one (June 2024), an
upcoming one (in 30 days) and a sooner one that is archived (in 10 days),
the page opens on the upcoming one and the archived one is nowhere in the
picker; once a conference runs today, the page opens on it, on today's
tab; with nothing current or upcoming, on the one that ended last (June
2024, not the demo that comes first in the list).

Print (tests/web/print.js print): the demo conference, anonymously and as
the secretariat, in print media and as Chromium's own PDF (page.pdf(), A4
landscape): every day is there, each with exactly the sessions the reader
may see on it (the API's list, by day in Tokyo time); no sign-in box, no
day tabs, no bilateral board; each day's grid fits the page (its width
within A4 landscape's 277 mm, no session beyond its right edge, nothing
scrolled away) and its last hour label is printed (the old print was cut
before noon); the print copy is dropped when printing ends. Screenshots
and Chromium's PDFs are kept in $KAIGI_TEST_TMPDIR/print-shots-<pid>.
"""
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
SCRIPT = os.path.join(TOP, "tests", "web", "print.js")
CHROMIUM = os.environ.get("KAIGI_WEB_CHROMIUM", "/usr/bin/chromium")
ZONE = "Europe/Paris"
PAGE_PX = 277 / 25.4 * 96     # A4 landscape less 10 mm margins, in CSS px
DAYS = ["2023-04-28", "2023-04-29", "2023-04-30"]


def run_browser(s, mode, token, shots, label):
    """Run tests/web/print.js MODE; its JSON report (or None)."""
    profile = tempfile.mkdtemp(prefix="chromium-", dir=os.path.dirname(shots))
    seen = len(s.request("GET", "/api/v1/conferences/%s/sessions?limit=1000" % SLUG,
                         token=token or None).json["items"])
    env = dict(os.environ, KAIGI_WEB_URL=s.url, KAIGI_WEB_TOKEN=token, KAIGI_WEB_SHOTS=shots,
               KAIGI_WEB_PROFILE=profile, KAIGI_WEB_CHROMIUM=CHROMIUM, KAIGI_WEB_LABEL=label,
               KAIGI_WEB_SEC_SESSIONS=str(seen))
    try:
        p = subprocess.run(["node", SCRIPT, mode], env=env, cwd=TOP, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=240)
    except subprocess.TimeoutExpired:
        diag("tests/web/print.js %s timed out" % mode)
        return None
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if p.stderr:
        diag(p.stderr.decode("utf-8", "replace")[-3000:])
    try:
        report = json.loads(p.stdout.decode("utf-8").strip().splitlines()[-1])
    except (ValueError, IndexError):
        diag("no report from print.js: %r" % p.stdout[-2000:])
        return None
    ok("fatal" not in report, "print.js %s (%s) ran to its end" % (mode, label)) or diag(report.get("fatal"))
    bad = [m for m in report["console"] if m["type"] in ("error", "warning")]
    is_(bad, [], "%s: no console error or warning" % label)
    is_(report["pageErrors"], [], "%s: no page error" % label)
    return report


def step(report, name):
    """A step's value, after a test that it ran without error."""
    st = report["steps"].get(name) if report else None
    if not ok(st is not None and st["ok"], "browser: %s" % name):
        diag(st["error"] if st else "step did not run")
        return None
    return st["value"]


def conference(s, admin, slug, first, last):
    """A conference (Paris time) made through the API."""
    r = s.request("POST", "/api/v1/conferences", {
        "slug": slug, "title": "Conference " + slug, "timezone": ZONE,
        "start_date": first.isoformat(), "end_date": last.isoformat()}, token=admin)
    is_(r.status, 201, "created %s (%s to %s)" % (slug, first, last)) or diag(r.text)


def archive(s, admin, slug):
    """Archive a conference through the API."""
    r = s.request("POST", "/api/v1/conferences/%s/archive" % slug, {}, token=admin)
    is_(r.status, 200, "archived %s" % slug) or diag(r.text)


def session_today(s, admin, slug, today):
    """A venue, a room and a public session today in conference slug."""
    base = "/api/v1/conferences/%s" % slug
    v = s.request("POST", base + "/venues", {"name": "Hall"}, token=admin).json
    r = s.request("POST", base + "/rooms", {"venue_id": v["id"], "name": "Room 1", "capacity": 50},
                  token=admin).json
    start = datetime.datetime.combine(today, datetime.time(10, 0), ZoneInfo(ZONE))
    r = s.request("POST", base + "/sessions", {
        "kind": "plenary", "title": "Opening today", "room_id": r["id"], "visibility": "public",
        "start": start.isoformat(), "end": (start + datetime.timedelta(hours=1)).isoformat()},
        token=admin)
    is_(r.status, 201, "a session today in %s" % slug) or diag(r.text)


def check_opening(report, want, what, day=None):
    """The page opened on conference want (at both widths)."""
    for width in (1280, 390):
        v = step(report, "opening %d" % width)
        if not v:
            continue
        is_(v["selected"], want, "%d px: the page opens on %s" % (width, what))
        like(v["title"], re.escape("Conference " + want) if want != SLUG else "G7",
             "%d px: ... its title in the header" % width)
        ok("archived-soon" not in v["options"], "%d px: the archived conference is not offered (%s)"
           % (width, ", ".join(v["options"])))
        if day:
            is_(v["day"], day, "%d px: on today's tab" % width)


def opening(s, admin, shots):
    """Past, upcoming, archived, then current, then only past ones."""
    today = datetime.datetime.now(ZoneInfo(ZONE)).date()
    days = datetime.timedelta
    conference(s, admin, "past-2024", datetime.date(2024, 6, 3), datetime.date(2024, 6, 5))
    conference(s, admin, "upcoming", today + days(30), today + days(32))
    conference(s, admin, "archived-soon", today + days(10), today + days(12))
    archive(s, admin, "archived-soon")
    check_opening(run_browser(s, "opening", "", shots, "open-upcoming"), "upcoming",
                  "the next conference (not the first in the list, not the archived one)")
    conference(s, admin, "current", today - days(1), today + days(1))
    session_today(s, admin, "current", today)
    check_opening(run_browser(s, "opening", "", shots, "open-current"), "current",
                  "the conference under way today", day=today.isoformat())
    archive(s, admin, "current")
    archive(s, admin, "upcoming")
    check_opening(run_browser(s, "opening", "", shots, "open-past"), "past-2024",
                  "the conference that ended last, when none is current or upcoming")


def pdf_pages(path):
    """The text of each page of a PDF (pdftotext)."""
    info = subprocess.run(["pdfinfo", path], capture_output=True, text=True, timeout=60).stdout
    n = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    return [subprocess.run(["pdftotext", "-enc", "UTF-8", "-f", str(i), "-l", str(i), path, "-"],
                           capture_output=True, timeout=60).stdout.decode("utf-8") for i in range(1, n + 1)]


def by_day(s, token):
    """Ids of the sessions a reader may see, by day in Tokyo time."""
    r = s.request("GET", "/api/v1/conferences/%s/sessions?limit=1000" % SLUG, token=token)
    out = {d: [] for d in DAYS}
    for x in r.json["items"]:
        out.setdefault(x["start"][:10], []).append(x["id"])
    return {d: sorted(v) for d, v in out.items()}


def check_print_state(who, v, want):
    """What print media showed."""
    p = v["print"]
    is_([d["day"] for d in p["days"]], DAYS, "%s: every day is printed" % who)
    is_({d["day"]: sorted(d["ids"]) for d in p["days"]}, want,
        "%s: each day with exactly the sessions the reader may see" % who)
    if who == "anonymous":
        ok(v["screenSignIn"], "anonymous: the sign-in box is on the screen")
    ok(not p["signIn"], "%s: no sign-in box in print" % who)
    ok(not p["tabs"] and not p["screenGrid"] and not p["board"] and not p["subscribe"],
       "%s: no day tabs, screen grid, board or subscribe button in print" % who)
    for d in p["days"]:
        ok(d["gridWidth"] <= PAGE_PX and d["scrollWidth"] <= d["gridWidth"] + 1
           and d["maxRight"] <= d["gridRight"] + 0.5,
           "%s %s: the grid fits A4 landscape (%.0f of %.0f px; last session ends at %.0f of %.0f)"
           % (who, d["day"], d["gridWidth"], PAGE_PX, d["maxRight"], d["gridRight"]))
    is_(v["afterPrint"], 0, "%s: the print copy is dropped after printing" % who)


def check_pdf(who, v, shots):
    """Chromium's own PDF: every day with its whole grid, no controls."""
    pages = pdf_pages(v["pdf"])
    text = "\n".join(pages)
    for d in v["print"]["days"]:
        heading = d["heading"]
        on = [p for p in pages if heading in p]
        ok(on and d["hours"] and d["hours"][-1] in on[0] and d["hours"][0] in on[0],
           "%s PDF: %s printed with its hours %s to %s" % (who, heading, d["hours"][0] if d["hours"] else "?",
                                                           d["hours"][-1] if d["hours"] else "?"))
    for word in ("API token", "Sign in", "Sign out", "Subscribe", "Bilateral requests", "Auto-schedule"):
        ok(word not in text, "%s PDF: no '%s'" % (who, word))
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", v["pdf"],
                    os.path.join(shots, "chromium-" + who)], timeout=120)


def printing(s, sec, shots):
    """The demo conference printed, anonymously and as the secretariat."""
    report = run_browser(s, "print", sec, shots, "print")
    for who, token in (("anonymous", None), ("secretariat", sec)):
        v = step(report, "print: " + who)
        if v:
            is_(v["screenDays"], DAYS, "%s: the screen has a tab per day" % who)
            check_print_state(who, v, by_day(s, token))
            check_pdf(who, v, shots)


with Server() as s:
    tools = all(shutil.which(t) for t in ("pdftotext", "pdfinfo", "pdftoppm"))
    if not ok(os.access(CHROMIUM, os.X_OK), "%s is there" % CHROMIUM):
        diag("scripts/deps installs Debian's chromium (apt-get install chromium)")
    elif not ok(os.path.isdir(os.path.join(TOP, "tests", "node_modules", "playwright-core")),
                "tests/node_modules/playwright-core is there"):
        diag("scripts/deps installs it (npm ci --prefix tests)")
    elif not ok(tools, "poppler-utils is installed"):
        diag("scripts/deps installs poppler-utils")
    else:
        shots = os.path.join(os.environ.get("KAIGI_TEST_TMPDIR") or tempfile.mkdtemp(),
                             "print-shots-%d" % os.getpid())
        os.makedirs(shots, exist_ok=True)
        note("screenshots and PDFs: %s" % shots)
        printing(s, s.token("secretariat", conference=SLUG), shots)
        opening(s, s.token("admin"), shots)
done_testing()
