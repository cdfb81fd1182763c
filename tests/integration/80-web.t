#!/usr/bin/python3
"""80-web.t — the timetable page in a real browser.

kaigid serves server/web/ at / and /web/{file} (server/web.c): allow-listed
files only, with their types, a strong ETag (304 on If-None-Match) and a
Content-Security-Policy of 'self'. Then Debian's headless Chromium, driven by
playwright-core (tests/web/timetable.js), loads the demo:

- anonymously: the six public plenaries, no bilateral and nothing restricted,
  the webcal:// link of the public feed, day tabs by arrow keys, a details
  panel that Escape closes;
- a phone-sized screen: the page does not overflow sideways; under 600 px
  the grid is a day list (times, title, room; by start time; a tap opens
  the details);
- with a secretariat token: Minister Kono's seven bilaterals on their days
  (29 and 30 April); the details panel names a bilateral's interpreters
  per pair and who represents an absent head; a move through the form (stored: checked in the
  database); a clashing move shows the 409's conflicts; a cancel strikes the
  session through;
- live: a change written through the API appears without reload (through
  the change stream);
- the bilateral board: the pending JP→UA request is accepted and
  auto-scheduled, and the new session appears in the grid.

Both are part of the contract: a server without the change stream or the
bilateral API fails here, it is not skipped. Fails on any console error or
page error, except the "Failed to load resource" lines of HTTP answers the
scenario provokes on purpose (the 409 of the clashing move, the 412 of the
stale edit). Screenshots go to $KAIGI_TEST_TMPDIR/web-shots
(KAIGI_WEB_SHOTS=DIR to keep them elsewhere).
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from kaigiweb import CHROMIUM, run_browser, step  # noqa: E402

SLUG = "g7-digital-2023"
SCRIPT = os.path.join(TOP, "tests", "web", "timetable.js")
KONO_DAYS = {"Canada": "2023-04-29", "Italy": "2023-04-29", "United States": "2023-04-29",
             "European Union": "2023-04-29", "India": "2023-04-30", "Germany": "2023-04-30",
             "United Kingdom": "2023-04-30"}


def one(s, sql, *args):
    """First column of the first row."""
    with s.db().cursor() as cur:
        cur.execute(sql, args)
        row = cur.fetchone()
        return row[0] if row else None


def static_files(s):
    """The static file server: types, ETag/304, CSP, allow-list, no traversal."""
    r = s.request("GET", "/")
    is_(r.status, 200, "GET / answers 200")
    like(r.headers.get("Content-Type", ""), r"^text/html; charset=utf-8", "… as HTML")
    like(r.text, r'<script src="/web/app.js"', "… the timetable page")
    csp = r.headers.get("Content-Security-Policy", "")
    like(csp, r"default-src 'self'", "CSP: default-src 'self'")
    ok("script-src 'self'" in csp and "unsafe-inline" not in csp and "http" not in csp,
       "CSP: scripts only from this origin, nothing inline, no other host")
    for name, ctype in (("app.js", "text/javascript"), ("app.css", "text/css"),
                        ("index.html", "text/html"), ("favicon.svg", "image/svg+xml")):
        r = s.request("GET", "/web/" + name)
        is_(r.status, 200, "/web/%s served" % name)
        like(r.headers.get("Content-Type", ""), "^" + re.escape(ctype), "… as %s" % ctype)
    r = s.request("GET", "/web/app.js")
    etag = r.headers.get("ETag", "")
    like(etag, r'^"[0-9a-f]{32}"$', "strong ETag")
    with open(os.path.join(TOP, "server", "web", "app.js"), "rb") as f:
        is_(r.body, f.read(), "the bytes of server/web/app.js")
    r2 = s.request("GET", "/web/app.js", headers={"If-None-Match": etag})
    is_((r2.status, r2.body), (304, b""), "If-None-Match with the ETag: 304, no body")
    is_(s.request("GET", "/web/app.js", headers={"If-None-Match": '"0000"'}).status, 200,
        "another ETag: 200")
    is_(s.request("HEAD", "/web/app.css").status, 200, "HEAD works")
    for bad in ("/web/web.c", "/web/..%2Fweb.c", "/web/..%2F..%2FMakefile", "/web/.gitignore",
                "/web/%2E%2E", "/web/", "/web/app.js%00.css", "/web/..", "/web/a/app.js",
                "/web/%2Fetc%2Fpasswd", "/web/README.md"):
        is_(s.request("GET", bad).status, 404, "%s refused (404)" % bad)
    is_(s.request("POST", "/web/app.js", {}).status, 405, "POST /web/app.js: 405")


def allowed_console(msg, allow):
    """Is a console message an expected HTTP failure (url pattern, status)?"""
    m = re.match(r"Failed to load resource: the server responded with a status of (\d+)", msg["text"])
    if not m:
        return False
    return any(re.search(pat, msg["url"]) and int(m.group(1)) == st for pat, st in allow)




def check_anonymous(s, report):
    """The public view."""
    a = step(report, "anonymous: grid")
    if a:
        kinds = [b["kind"] for b in a["sessions"]]
        is_(kinds.count("plenary"), 6, "anonymous: the six plenaries")
        is_(kinds.count("bilateral"), 0, "anonymous: no bilateral")
        ok("Bilateral meeting" not in a["text"] and "Working lunch" not in a["text"],
           "anonymous: no restricted or conference-only session in the page's text")
        is_(sorted(b["id"] for b in a["sessions"]),
            sorted(r[0] for r in _rows(s, "SELECT id FROM sessions WHERE visibility = 'public'")),
            "anonymous: exactly the public sessions, each on its day")
        is_(a["tabs"], ["2023-04-28", "2023-04-29", "2023-04-30"], "one tab per conference day")
        is_(a["subscribe"], "webcal://127.0.0.1:%d/api/v1/conferences/%s/calendar.ics" % (s.port, SLUG),
            "Subscribe: the public feed's webcal:// link")
        ok(a["boardHidden"], "anonymous: no bilateral board")
    k = step(report, "anonymous: keyboard")
    if k:
        is_((k["afterRight"], k["focused"]), ("2023-04-30", "2023-04-30"), "ArrowRight: next day tab, focused")
        is_(k["afterHome"], "2023-04-28", "Home: first day")
        is_(k["afterLeft"], "2023-04-30", "ArrowLeft from the first day wraps to the last")
        like(k["panelTitle"], "Facilitation of Cross-Border Data Flows", "Enter on a session opens its details")
        like(k["panelText"], r"10:00–11:30", "… with its time in Tokyo (the browser is in %s)" % k["browserZone"])
        is_(k["browserZone"], "America/Los_Angeles", "… the browser runs in another zone")
        ok(not k["panelHasForm"], "… and no edit form without a token")
        ok(k["panelHidden"] and k["focusBack"], "Escape closes the panel; focus goes back to the session")


def _rows(s, sql, *args):
    """All rows."""
    with s.db().cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def check_phone(report, name):
    """No sideways overflow on a phone-sized screen."""
    m = step(report, name)
    if m:
        ok(m["docScroll"] <= m["viewport"] and m["bodyScroll"] <= m["viewport"],
           "%s: nothing wider than the 390px screen (document %d, body %d)" % (
               name, m["docScroll"], m["bodyScroll"]))
        is_(m["gridRows"], 0, "%s: under 600 px no grid of rooms" % name)
        ok(len(m["listed"]) > 0 and all(re.match(r"^\d\d:\d\d–\d\d:\d\d", x["text"]) for x in m["listed"]),
           "%s: a day list, each item with its times (%d)" % (name, len(m["listed"])))
        starts = [x["text"][:5] for x in m["listed"]]
        is_(starts, sorted(starts), "%s: … by start time" % name)
        ok(m["gridContent"] <= m["gridBox"], "%s: the day list does not scroll sideways" % name)
        if not ok(m.get("panelTitle") and any(m["panelTitle"] in x["text"] for x in m["listed"]),
                  "%s: tapping the first item opens its details" % name):
            diag("panel title %r; listed %r" % (m.get("panelTitle"), m["listed"][:4]))


def check_secretariat(s, report):
    """Signed in: Kono's bilaterals; move; clash; cancel."""
    v = step(report, "secretariat: sign in")
    if v:
        ok(v["stored"] and v["local"] == 0, "token kept in sessionStorage, nothing in localStorage")
        ok(v["busyMeanwhile"][0] not in (None, "0") and v["busyMeanwhile"][1] == "true",
           "signed in, the grid not yet reloaded: the page says it is loading (%r)" % (v["busyMeanwhile"],))
        is_(v["busyAfter"], "false", "… and says so no more once it has")
        bil = [b for b in v["sessions"] if b["kind"] == "bilateral"]
        got = {re.sub(r"^Bilateral meeting: Japan – ", "", b["title"]): b["day"] for b in bil}
        is_(got, KONO_DAYS, "secretariat: Minister Kono's seven bilaterals, each on its day")
        is_(sorted(b["id"] for b in v["sessions"]), DEMO_IDS,
            "secretariat: every session of the demo, each once")
    v = step(report, "secretariat: summit facts")
    if v:
        bil, rep = dict(v["bilateral"]), dict(v["represented"])
        like(bil.get("Interpretation", ""), r"^ja-en: [^;]*Interpreter",
             "the bilateral's panel names its ja-en interpreters (%r)" % bil.get("Interpretation"))
        like(rep.get("Attendees", ""), r"\(JP\), represented by ",
             "the DX Summit session's panel says who represents Minister Kono (%r)" % rep.get("Attendees"))
        ok("Interpretation" not in rep, "no interpretation line for a session without pairs")
    v = step(report, "secretariat: move by form")
    if v:
        is_(one(s, "SELECT r.name FROM sessions se JOIN rooms r ON r.id = se.room_id"
                   " WHERE se.title = 'Bilateral meeting: Japan – Canada'"), "Bilateral Room C",
            "the move is stored (PATCH with If-Match)")
    v = step(report, "secretariat: clash shows conflicts")
    if v:
        like(v["problem"], "Conflict", "409: the problem's title is shown")
        ok(any("Plenary Hall" in i and "Facilitation" in i for i in v["items"]),
           "the room clash is listed, with the other session's title") or diag(repr(v["items"]))
        ok(any("Kono Taro" in i for i in v["items"]), "Minister Kono's clash is listed by name")
        is_(one(s, "SELECT to_char(starts_at AT TIME ZONE 'Asia/Tokyo', 'HH24:MI') FROM sessions"
                   " WHERE title = 'Bilateral meeting: Japan – Canada'"), "11:40", "… and nothing moved")
    v = step(report, "secretariat: move by drag")
    if v:
        is_(one(s, "SELECT r.name || ' ' || to_char(se.starts_at AT TIME ZONE 'Asia/Tokyo', 'HH24:MI')"
                   " FROM sessions se JOIN rooms r ON r.id = se.room_id"
                   " WHERE se.title = 'Bilateral meeting: Japan – Italy'"), "Bilateral Room B 15:20",
            "dragged to another room: stored, same start (snapped to 5 minutes)")
    v = step(report, "secretariat: stale edit meets 412")
    if v:
        is_(v["patch"], 200, "412: someone else changed the session meanwhile")
        like(v["problem"], "Precondition Failed", "412: the problem's title is shown")
        like(v["problem"], "latest version is shown", "… with what happened")
        is_((v["title"], v["end"]), ("Bilateral meeting: Japan – Germany (DFFT)", "11:50"),
            "… and the panel now shows the latest version")
        is_(one(s, "SELECT to_char(ends_at AT TIME ZONE 'Asia/Tokyo', 'HH24:MI') FROM sessions"
                   " WHERE title LIKE %s", "Bilateral meeting: Japan – Germany%"), "11:50",
            "the stale edit was not stored")
    v = step(report, "secretariat: a click across a redraw")
    if v:
        ok(v["opened"], "a block pressed before a redraw and released after it opens its details")
        is_(v.get("focused"), "Press conference of the chair", "a redraw leaves the focus on the focused block")
        is_(v.get("held"), {"select": False, "button": True, "released": False},
            "a press holds redraws until its release, except on a <select> (its list may take the release)")
    v = step(report, "secretariat: cancel")
    if v:
        is_(one(s, "SELECT status FROM sessions WHERE title = 'Press conference of the chair'"),
            "cancelled", "cancel is stored")
        ok(v["block"] and "line-through" in v["block"]["struck"], "the cancelled session is struck through") \
            or diag(repr(v["block"]))


def check_board(s, report):
    """The change stream and the bilateral board."""
    v = step(report, "live: change without reload")
    if v:
        is_(v["patch"], 200, "live: the change went in through the API")
        ok(v["sameDocument"], "live: both pages (token and anonymous) show it without reload")
    v = step(report, "board: columns")
    if v:
        ok(any(c.startswith("JP → UA") for c in v["columns"].get("requested", [])),
           "board: JP → UA is requested")
        is_(len(v["columns"].get("scheduled", [])), 7, "board: seven scheduled")
    step(report, "board: accept")
    v = step(report, "board: suggest slots and place")
    if v:
        ok(len(v["slots"]) >= 1, "slots: the API's candidates are listed (%d)" % len(v["slots"]))
        row = _rows(s, "SELECT b.status, se.id, to_char(se.starts_at AT TIME ZONE 'Asia/Tokyo',"
                       " 'FMDy DD Mon, HH24:MI') FROM bilateral_requests b"
                       " JOIN delegations d ON d.id = b.requester_delegation_id"
                       " LEFT JOIN sessions se ON se.id = b.session_id WHERE d.code = 'FR'")
        ok(row and row[0][0] == "scheduled" and v["slots"] and v["slots"][0].startswith(row[0][2]),
           "FR → DE placed in the first slot listed (%r; %r)" % (row, v["slots"][:1]))
        ok(row and any(b["id"] == row[0][1] for b in v["placed"]), "… and it is in the grid")
    v = step(report, "board: auto-schedule")
    if v:
        ok(any("Japan → Ukraine" in p for p in v["plan"]), "dry run: the plan places Japan → Ukraine")
        sid = one(s, "SELECT session_id FROM bilateral_requests b JOIN delegations d"
                     " ON d.id = b.counterpart_delegation_id WHERE d.code = 'UA'")
        ok(sid is not None, "JP → UA is scheduled in the database")
        ok(any(b["id"] == sid for b in v["added"]), "the new session appears in the grid")


def check_long_list(s, report):
    """The page's apiList reads every page of a list of more than a hundred."""
    v = step(report, "secretariat: a list of more than a hundred pages")
    if v is None:
        return
    want = sorted(r[0] for r in _rows(s, "SELECT p.id FROM participants p JOIN conferences c"
                                         " ON c.id = p.conference_id WHERE c.slug = %s", SLUG))
    ok(len(want) > 100, "the conference has %d participants after the import" % len(want))
    is_(sorted(v["ids"]), want, "apiList, one item a page, gave every participant once")


with Server() as s:
    static_files(s)
    token = s.token("secretariat", conference=SLUG)
    DEMO_IDS = sorted(r[0] for r in _rows(s, "SELECT id FROM sessions"))
    if not ok(os.access(CHROMIUM, os.X_OK), "%s is there" % CHROMIUM):
        diag("scripts/deps installs Debian's chromium (apt-get install chromium)")
    elif not ok(os.path.isdir(os.path.join(TOP, "tests", "node_modules", "playwright-core")),
                "tests/node_modules/playwright-core is there"):
        diag("scripts/deps installs it (npm ci --prefix tests)")
    elif not ok((report := run_browser(s, "timetable.js", token, "shots")) is not None,
                "the browser script ran and reported"):
        pass
    else:
        ok("fatal" not in report, "the browser script ran to its end") or diag(report.get("fatal"))
        check_anonymous(s, report)
        check_phone(report, "phone: public")
        check_secretariat(s, report)
        check_board(s, report)
        check_phone(report, "phone: secretariat")
        check_long_list(s, report)
        allow = [(r"/api/v1/sessions/\d+$", 409), (r"/api/v1/sessions/\d+$", 412)]
        bad = [m for m in report["console"]
               if m["type"] in ("error", "warning") and not allowed_console(m, allow)]
        is_(bad, [], "no console error or warning")
        is_(report["pageErrors"], [], "no page error")
        expected = [m for m in report["console"] if allowed_console(m, allow)]
        if expected:
            note("expected HTTP failures seen in the console: %d" % len(expected))
done_testing()
