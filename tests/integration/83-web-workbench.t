#!/usr/bin/python3
"""83-web-workbench.t — the page's workbench (server/web/workbench.js) in a real browser.

kaigid on a fresh demo database; Debian's headless Chromium driven by
playwright-core (tests/web/workbench.js), two browser contexts:

- the secretariat (its token's role read from GET /me): adds a venue and a
  room, a delegation and a participant, edits the participant (PATCH with
  If-Match); deleting the Plenary Hall (confirmed by keyboard: the
  confirmation takes the focus), which sessions use, shows the 409
  with the sessions that refer to it (and nothing is deleted); the
  searchable table filters; a liaison token for Ukraine is issued and shown
  once with its feed link; archive hides the conference from the public
  list and unarchive returns it;
- Ukraine's liaison, with that token: the page says "Liaison", shows its
  delegation's screens and not the secretariat's, its participants only
  (its head's title edited), in the grid exactly the sessions the API
  gives that token, on a phone as a day list; accepts Japan's
  request, requests a bilateral with Germany, adds and deletes its head's
  unavailability, creates its feed link, lists the slots of the accepted
  request. Each is checked in the database.

axe-core runs on every screen: no serious or critical violation. Nothing is
wider than a 390 px screen. Screenshots at 1280 and 390 px go to
$KAIGI_TEST_TMPDIR/web-workbench-<pid> (KAIGI_WEB_SHOTS=DIR to keep them
elsewhere). Fails on any console error or page error other than the 409 the
scenario provokes.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from kaigiweb import CHROMIUM, narrow, run_browser, step  # noqa: E402

SLUG = "g7-digital-2023"
SCRIPT = os.path.join(TOP, "tests", "web", "workbench.js")


def rows(s, sql, *args):
    """All rows."""
    with s.db().cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def one(s, sql, *args):
    """First column of the first row."""
    r = rows(s, sql, *args)
    return r[0][0] if r else None





def check_secretariat(s, report):
    """Set-up through the page, checked in the database."""
    ok(report.get("publicWorkbenchHidden"), "without a token: no workbench")
    v = step(report, "secretariat: me")
    if v:
        is_(v["who"], "Secretariat", "GET /me: the secretariat")
        is_(v["screens"], ["venues", "people", "import", "sessions", "tokens", "settings"], "the secretariat's screens")
    v = step(report, "secretariat: venue and room")
    if v:
        ok(["Sendai Annex", "1-1 Aoba, Sendai"] in v["venues"], "the venue is listed")
        ok(any(r[0] == "Annex Room 1" and r[1] == "Sendai Annex" for r in v["rooms"]), "the room is listed, at its venue")
        is_(rows(s, "SELECT r.capacity, r.kind FROM rooms r JOIN venues v ON v.id = r.venue_id"
                    " WHERE r.name = 'Annex Room 1' AND v.name = 'Sendai Annex'"), [(24, "bilateral")],
            "venue and room stored")
        narrow(v, "venues")
    v = step(report, "secretariat: referenced room 409")
    if v:
        like(v["problem"], r"still referenced", "409: why the room is not deleted")
        titles = [r[0] for r in rows(s, "SELECT se.title FROM sessions se JOIN rooms r ON r.id = se.room_id"
                                        " WHERE r.name = 'Plenary Hall'")]
        ok(len(titles) > 0 and v["refs"] and all(t in v["refs"][0] for t in titles),
           "409: every session in the Plenary Hall is listed (%d)" % len(titles)) or diag(repr(v["refs"]))
        is_(one(s, "SELECT count(*) FROM rooms WHERE name = 'Plenary Hall'"), 1, "… and the room is still there")
        narrow(v, "room 409")
    v = step(report, "secretariat: delegation and participant")
    if v:
        is_([r[0] for r in v["filtered"]], ["NZ"], "search 'zealand': only NZ")
        is_([r[0] for r in v["byName"]], ["Aroha Test"], "search 'aroha': only the new participant")
        is_(rows(s, "SELECT d.name, d.kind, p.role, p.title FROM participants p JOIN delegations d"
                    " ON d.id = p.delegation_id WHERE p.name = 'Aroha Test'"),
            [("New Zealand", "guest", "head", "Minister of Digital")], "delegation, participant and edit stored")
        ok(v["edited"] and v["edited"][0][3] == "Minister of Digital", "the edit is shown")
        narrow(v, "people")
    v = step(report, "secretariat: issue liaison token")
    if v:
        like(v["token"], r"^\S{20,}$", "the token is shown")
        like(v["feed"] or "", r"^webcal://.*\.ics$", "… with its feed link")
        r = s.request("GET", "/api/v1/me", token=v["token"])
        is_((r.status, r.json.get("role"), r.json.get("delegation")), (200, "liaison", "UA"),
            "the token is Ukraine's liaison")
        is_(v["afterSwitch"], 0, "shown once: gone after another screen")
        ok(any(t[1] == "liaison" and t[2] == "UA" for t in v["tokens"]), "listed among the live tokens")
        feed = re.sub(r"^webcal://[^/]+", "", v["feed"] or "")
        is_(s.request("GET", feed).status if feed else None, 200, "the feed link answers")
        narrow(v, "tokens")
    v = step(report, "secretariat: settings and archive")
    if v:
        ok(SLUG not in v["listWhileArchived"], "archive: gone from the public list")
        ok(SLUG in v["listAfter"], "unarchive: back in the list")
        is_(v["archivedButton"], "Unarchive", "the button offers to unarchive")
        narrow(v, "settings")


def check_liaison(s, report, token):
    """Ukraine's liaison: its own view and actions."""
    v = step(report, "liaison: view")
    if v:
        is_(v["who"], "Liaison", "GET /me: a liaison")
        like(v["heading"], "Ukraine", "its delegation's view")
        is_(v["screens"], ["delegation", "requests"], "the liaison's screens only")
        ok(v["boardHidden"], "no secretariat board")
        ua = [r[0] for r in rows(s, "SELECT p.name FROM participants p JOIN delegations d ON d.id = p.delegation_id"
                                     " WHERE d.code = 'UA' ORDER BY p.id")]
        is_(sorted(r[0] for r in v["participants"]), sorted(ua), "its participants, and no one else")
        api = s.request("GET", "/api/v1/conferences/%s/sessions?limit=1000" % SLUG, token=token).json["items"]
        is_(sorted(x["id"] for x in v["sessions"]), sorted(x["id"] for x in api),
            "the grid: exactly the sessions the API gives its token")
        ok(not any("Japan – Canada" in x["title"] for x in v["sessions"]), "no other delegations' bilateral")
        ok(v["phoneListed"] > 0, "390 px: the day as a list (%d)" % v["phoneListed"])
        narrow(v, "liaison")
    v = step(report, "liaison: edit participant")
    if v:
        is_(one(s, "SELECT p.title FROM participants p JOIN delegations d ON d.id = p.delegation_id"
                   " WHERE d.code = 'UA' AND p.role = 'head'"), "Minister of Digital Transformation",
            "its head's title edited (PATCH with If-Match): stored")
    v = step(report, "liaison: unavailability")
    if v:
        is_(rows(s, "SELECT u.reason, to_char(lower(u.during) AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM-DD HH24:MI'),"
                    " to_char(upper(u.during) AT TIME ZONE 'Asia/Tokyo', 'HH24:MI') FROM unavailability u"
                    " JOIN participants p ON p.id = u.participant_id JOIN delegations d ON d.id = p.delegation_id"
                    " WHERE d.code = 'UA' AND p.role = 'head'"),
            [("Parliament", v["day"] + " 06:30", "07:45")], "head's unavailability: one added, the other deleted")
        ok(len(v["after"]) == 1 and "Parliament" in v["after"][0], "the page lists what is stored")
    v = step(report, "liaison: feed link")
    if v:
        feed = re.sub(r"^webcal://[^/]+", "", v["feed"] or "")
        r = s.request("GET", feed) if feed else None
        ok(r is not None and r.status == 200 and "BEGIN:VCALENDAR" in r.text, "its feed link answers a calendar")
    v = step(report, "liaison: requests")
    if v:
        ok(any(x.startswith("JP → UA") for x in v["incoming"]), "Japan's request is incoming")
        is_(rows(s, "SELECT b.status FROM bilateral_requests b JOIN delegations r ON r.id = b.requester_delegation_id"
                    " JOIN delegations c ON c.id = b.counterpart_delegation_id WHERE r.code = 'JP' AND c.code = 'UA'"),
            [("accepted",)], "accepted: stored")
        is_(rows(s, "SELECT b.status, b.duration_minutes, b.priority, b.topics FROM bilateral_requests b"
                    " JOIN delegations r ON r.id = b.requester_delegation_id"
                    " JOIN delegations c ON c.id = b.counterpart_delegation_id WHERE r.code = 'UA' AND c.code = 'DE'"),
            [("requested", 45, 4, "Cyber resilience")], "UA → DE requested: stored")
        ok(any(x.startswith("UA → DE") for x in v["outgoing"]), "… and listed")
        ok(len(v["slots"]) >= 1, "slots of the accepted request listed (%d)" % len(v["slots"]))
        narrow(v, "liaison requests")


def check_axe(report):
    """No serious or critical axe-core violation on any screen."""
    screens = [k for k in report["axe"] if not k.endswith("(minor)")]
    ok(len(screens) >= 9, "axe-core ran on %d screens" % len(screens))
    for name in screens:
        is_(report["axe"][name], [], "axe-core, %s: no serious or critical violation" % name)
        if report["axe"].get(name + " (minor)"):
            note("axe-core, %s, minor: %s" % (name, ", ".join(report["axe"][name + " (minor)"])))


with Server() as s:
    token = s.token("secretariat", conference=SLUG)
    r = s.request("GET", "/web/workbench.js")
    is_((r.status, r.headers.get("Content-Type", "")), (200, "text/javascript; charset=utf-8"),
        "/web/workbench.js is served (server/web.c's allow-list), as JavaScript")
    like(s.request("GET", "/").text, r'<script src="/web/workbench.js" defer>', "… and loaded by the page")
    if not ok(os.access(CHROMIUM, os.X_OK), "%s is there" % CHROMIUM):
        diag("scripts/deps installs Debian's chromium (apt-get install chromium)")
    elif not ok(all(os.path.isdir(os.path.join(TOP, "tests", "node_modules", m)) for m in ("playwright-core", "axe-core")),
                "tests/node_modules has playwright-core and axe-core"):
        diag("scripts/deps installs them (npm ci --prefix tests)")
    elif not ok((report := run_browser(s, "workbench.js", token, "workbench")) is not None, "the browser script ran and reported"):
        pass
    else:
        ok("fatal" not in report, "the browser script ran to its end") or diag(report.get("fatal"))
        check_secretariat(s, report)
        liaison = (report["steps"].get("secretariat: issue liaison token") or {}).get("value") or {}
        check_liaison(s, report, liaison.get("token"))
        check_axe(report)
        bad = [m for m in report["console"] if m["type"] in ("error", "warning")
               and not re.match(r"Failed to load resource: the server responded with a status of 409", m["text"])]
        is_(bad, [], "no console error or warning")
        is_(report["pageErrors"], [], "no page error")
done_testing()
