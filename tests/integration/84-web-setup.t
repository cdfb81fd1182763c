#!/usr/bin/python3
"""84-web-setup.t — the workbench's set-up tools in a real browser.

kaigid on a fresh demo database; Debian's headless Chromium driven by
playwright-core (tests/web/setup.js) as the secretariat:

- the travel-time matrix on the venues screen: two cells changed, stored;
- a CSV of three participants, one with an unknown delegation: the preview
  marks that cell, names the valid choice's problem and stores nothing; the
  cell is fixed in the preview, checked again and imported (all three, the
  fixed one in France);
- a liaison token: its feed link is also shown as a QR code, which zbar
  reads back (rsvg-convert rasterises the SVG) as exactly that link;
- a participant's availability: a strip per conference day, and an
  unavailability added in the panel appears as a block and in the database;
- Kono's morning of 30 April clashes with his India bilateral: the page
  offers the repair, shows its plan and commits it (moved, and stored);
- a bilateral request edited on the board (PATCH with If-Match): stored;
- the auto-scheduler shows a progress bar while it plans.

axe-core on every screen: no serious or critical violation; nothing wider
than 390 px. Screenshots at 1280 and 390 px. No console or page error other
than the import's 422.
"""
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from kaigiweb import narrow, run_browser, step  # noqa: E402

SLUG = "g7-digital-2023"
SCRIPT = os.path.join(TOP, "tests", "web", "setup.js")


def rows(s, sql, *args):
    with s.db().cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()




def qr_text(data_url):
    """What zbar reads from the page's QR image (an SVG data URL)."""
    svg = urllib.parse.unquote(data_url.split(",", 1)[1])
    with tempfile.TemporaryDirectory() as d:
        open(os.path.join(d, "q.svg"), "w").write(svg)
        subprocess.run(["rsvg-convert", "-o", os.path.join(d, "q.png"), os.path.join(d, "q.svg")], check=True)
        p = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sbinary", os.path.join(d, "q.png")],
                           stdout=subprocess.PIPE)
        return p.stdout.decode() if p.returncode == 0 else None



def check(s, report):
    v = step(report, "travel times")
    if v:
        ok(v["before"] != "25" and v["after"] == "25", "the matrix shows the saved value (was %r)" % v["before"])
        is_(rows(s, "SELECT f.name, t.name, tt.minutes FROM travel_times tt JOIN venues f ON f.id = tt.from_venue_id"
                    " JOIN venues t ON t.id = tt.to_venue_id ORDER BY f.name"),
            [("G Messe Gunma", "Takasaki City Theatre (illustrative)", 25),
             ("Takasaki City Theatre (illustrative)", "G Messe Gunma", 30)], "both directions stored as given")
    v = step(report, "import with preview")
    if v:
        is_(v["bad"], ["Row 3, delegation"], "the preview marks the one bad cell")
        ok(any("XX" in m for m in v["messages"]), "… with the server's message naming it") or diag(v["messages"])
        ok(v["commitDisabled"] and v["storedBefore"] == 0, "import offered only once clean; nothing stored")
        ok(v["commitEnabled"], "clean after the fix: import offered")
        is_(rows(s, "SELECT p.name, d.code FROM participants p JOIN delegations d ON d.id = p.delegation_id"
                    " WHERE p.name LIKE '%% Import' ORDER BY p.name"),
            [("Dupont Import", "FR"), ("Sato Import", "JP"), ("Tremblay Import", "CA")],
            "all three stored, the fixed row in France")
        narrow(v, "import preview")
    v = step(report, "token QR code")
    if v:
        like(v["feed"] or "", r"^webcal://.*\.ics$", "the feed link as text")
        is_(qr_text(v["qr"]) if v["qr"] else None, v["feed"], "zbar reads the QR code as that very link")
        like(v["alt"] or "", "QR code", "the image says what it is")
        narrow(v, "token QR")
    v = step(report, "availability day strip")
    if v:
        ok(len(v["before"]) >= 3 and all("available" in a for a in v["before"]),
           "a strip per conference day, all available (%d)" % len(v["before"]))
        hit = [a for a in v["after"] if "unavailable 09:00–12:30 (Parliament)" in a]
        is_(len(hit), 1, "the day's strip says unavailable 09:00–12:30 (Parliament)")
        ok(len(v["blocks"]) == 1 and v["blocks"][0]["width"] > 10, "one block drawn")
        is_(rows(s, "SELECT to_char(lower(u.during) AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM-DD HH24:MI'), u.reason"
                    " FROM unavailability u JOIN participants p ON p.id = u.participant_id"
                    " WHERE p.name = 'Sato Import'"), [(v["day"] + " 09:00", "Parliament")], "stored")
        narrow(v, "availability")
    v = step(report, "unavailability with repair")
    if v:
        like(v["problem"], "already busy", "the clash is shown")
        ok(len(v["plan"]) == 1 and "Japan – India" in v["plan"][0], "the plan moves the India bilateral (%r)" % v["plan"])
        like(v["status"], r"1 bilateral\(s\) re-placed", "committed")
        r = rows(s, "SELECT to_char(s.starts_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM-DD HH24:MI') FROM sessions s"
                    " WHERE s.title = 'Bilateral meeting: Japan – India'")
        ok(r and not ("2023-04-30 08:00" <= r[0][0] < "2023-04-30 09:35"), "India bilateral out of the morning (%r)" % r)
        is_(rows(s, "SELECT count(*) FROM unavailability WHERE reason = 'Parliamentary obligations'"
                    " AND during = tstzrange('2023-04-30 08:00+09', '2023-04-30 09:35+09')")[0][0], 1,
            "the unavailability stored")
    v = step(report, "bilateral edit")
    if v:
        r = rows(s, "SELECT duration_minutes, priority, topics, version > 1,"
                    " to_char(earliest AT TIME ZONE 'Asia/Tokyo', 'HH24:MI'),"
                    " to_char(latest AT TIME ZONE 'Asia/Tokyo', 'HH24:MI')"
                    " FROM bilateral_requests WHERE id = %s", v["id"])
        is_(r, [(45, 5, "Edited on the page", True, "09:00", "17:00")], "the request's edit stored")
        like(v["card"], "45 min", "the board shows it")
    v = step(report, "auto-schedule progress")
    if v:
        ok(any("Planning" in t for t in v["seen"]), "a progress bar while planning (%r)" % v["seen"])
    screens = [k for k in report["axe"] if not k.endswith("(minor)")]
    ok(len(screens) >= 4, "axe-core ran on %d screens" % len(screens))
    for name in screens:
        is_(report["axe"][name], [], "axe-core, %s: no serious or critical violation" % name)


with Server() as s:
    token = s.token("secretariat", conference=SLUG)
    r = s.request("GET", "/web/import.js")
    is_((r.status, r.headers.get("Content-Type", "")), (200, "text/javascript; charset=utf-8"),
        "/web/import.js is served")
    report = run_browser(s, "setup.js", token, "setup")
    if ok(report is not None, "the browser script ran and reported"):
        ok("fatal" not in report, "the browser script ran to its end") or diag(report.get("fatal"))
        check(s, report)
        bad = [m for m in report["console"] if m["type"] in ("error", "warning")
               and not re.match(r"Failed to load resource: the server responded with a status of (422|409)", m["text"])]
        is_(bad, [], "no console error or warning")
        is_(report["pageErrors"], [], "no page error")
    is_(s.stop(), 0, "kaigid exits 0")
done_testing()
