#!/usr/bin/python3
"""85-web-journey.t — a meeting set up and scheduled entirely through the page.

An admin creates an empty conference (the one call made outside the page);
everything else is done in Debian's headless Chromium (tests/web/journey.js):
the secretariat adds a venue and three rooms, imports four delegations and
their heads from CSV files (a mistyped role marked in the preview, fixed
there, then imported), adds a plenary and two bilateral requests, accepts
one and issues Germany's liaison token; Germany's liaison, in a second
browser context, records its head's unavailability, creates its feed link
and accepts France's request; the secretariat auto-schedules, commits and
prints the page. Each step is checked in the database; the bilaterals
clash with neither the plenary nor the head's unavailability; the printed
PDF (pdftotext) holds the programme and no sign-in box. axe-core on every
screen; screenshots at 1280 and 390 px; nothing wider than 390 px.
"""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from kaigiweb import narrow, run_browser, step  # noqa: E402

SLUG = "evian-journey"
SCRIPT = os.path.join(TOP, "tests", "web", "journey.js")


def rows(s, sql, *args):
    with s.db().cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()





def check_setup(s, report):
    v = step(report, "venue and rooms")
    narrow(v, "venue and rooms")
    is_(rows(s, "SELECT r.name, r.capacity, r.kind FROM rooms r JOIN conferences c ON c.id = r.conference_id"
                " WHERE c.slug = %s ORDER BY r.name", SLUG),
        [("Salle Plénière", 200, "plenary"), ("Salon A", 10, "bilateral"), ("Salon B", 10, "bilateral")],
        "the venue's three rooms stored")
    v = step(report, "delegations from CSV")
    if v:
        is_(v["marked"], [], "the delegations file is clean")
    v = step(report, "participants from CSV, one row fixed")
    if v:
        is_(v["marked"], ["Row 5, role"], "the preview marks the mistyped role")
        narrow(v, "participants preview")
    is_(rows(s, "SELECT d.code, p.name, p.role FROM participants p JOIN delegations d ON d.id = p.delegation_id"
                " JOIN conferences c ON c.id = d.conference_id WHERE c.slug = %s ORDER BY d.code", SLUG),
        [("DE", "Jonas Weber", "head"), ("FR", "Claire Martin", "head"), ("IT", "Luca Rossi", "head"),
         ("JP", "Sato Hana", "head")], "four delegations and their heads stored, the fixed row as head")
    v = step(report, "a plenary")
    narrow(v, "plenary")
    is_(rows(s, "SELECT s.kind, r.name, to_char(s.starts_at AT TIME ZONE 'Europe/Paris', 'HH24:MI') FROM sessions s"
                " JOIN rooms r ON r.id = s.room_id WHERE s.title = 'Opening plenary'"),
        [("plenary", "Salle Plénière", "09:00")], "the plenary stored, in its room, at 09:00 Paris time")
    v = step(report, "two bilateral requests")
    narrow(v, "requests")
    v = step(report, "liaison token for Germany")
    if v:
        like(v["feed"] or "", r"^webcal://", "the token's feed link shown")


def check_liaison(s, report):
    v = step(report, "liaison journey")
    if not v:
        return
    like(v["heading"], "Germany", "the liaison's page is Germany's")
    is_(v["participants"], ["Jonas Weber"], "its own people only")
    ok(any("unavailable 08:00–12:00 (Bundestag)" in a for a in v["strip"]), "its head's day strip shows the block")
    is_(v.get("pressedOn"), "Accept", "the press landed on France's Accept")
    ok(v.get("acceptedAcrossRedraw"), "Accept pressed before a redraw of the workbench and released after it lands")
    feed = re.sub(r"^webcal://[^/]+", "", v["feed"] or "")
    r = s.request("GET", feed) if feed else None
    ok(r is not None and r.status == 200 and "Opening plenary" in r.text, "its feed link answers, with the plenary")
    narrow(v, "liaison")


def check_schedule(s, report):
    v = step(report, "auto-schedule and commit")
    if v:
        is_(len(v["plan"]), 2, "the plan places both accepted requests")
        narrow(v, "scheduled")
    placed = rows(s, "SELECT rq.code || '-' || cp.code, b.status, se.starts_at, se.ends_at FROM bilateral_requests b"
                     " JOIN delegations rq ON rq.id = b.requester_delegation_id"
                     " JOIN delegations cp ON cp.id = b.counterpart_delegation_id"
                     " JOIN conferences c ON c.id = rq.conference_id"
                     " LEFT JOIN bilateral_sessions bs ON bs.bilateral_id = b.id AND bs.live"
                     " LEFT JOIN sessions se ON se.id = bs.session_id WHERE c.slug = %s ORDER BY 1", SLUG)
    is_([(p[0], p[1]) for p in placed], [("FR-DE", "scheduled"), ("JP-IT", "scheduled")], "both scheduled")
    plen = rows(s, "SELECT starts_at, ends_at FROM sessions WHERE title = 'Opening plenary'")[0]
    ok(all(p[3] <= plen[0] or p[2] >= plen[1] for p in placed if p[2]), "neither clashes with the plenary")
    unav = rows(s, "SELECT lower(u.during), upper(u.during) FROM unavailability u JOIN participants p"
                   " ON p.id = u.participant_id WHERE p.name = 'Jonas Weber'")
    is_(len(unav), 1, "Germany's head's unavailability stored")
    de = [p for p in placed if p[0] == "FR-DE" and p[2]]
    ok(de and unav and (de[0][3] <= unav[0][0] or de[0][2] >= unav[0][1]), "France–Germany avoids it")
    v = step(report, "printed page")
    if v and os.path.exists(v["pdf"]):
        text = subprocess.run(["pdftotext", "-layout", v["pdf"], "-"], stdout=subprocess.PIPE).stdout.decode()
        ok("Opening plenary" in text, "the printed page holds the plenary")
        ok("token" not in text.lower(), "and no sign-in box")


with Server() as s:
    admin = s.token("admin")
    r = s.request("POST", "/api/v1/conferences", {"slug": SLUG, "title": "Évian journey", "timezone": "Europe/Paris",
                                                  "start_date": "2026-06-15", "end_date": "2026-06-17",
                                                  "day_start": "08:00", "day_end": "19:00"}, token=admin)
    is_(r.status, 201, "an admin creates the empty conference")
    token = s.token("secretariat", conference=SLUG)
    pdf = os.path.join(os.environ.get("KAIGI_TEST_TMPDIR") or tempfile.mkdtemp(), "journey-%d.pdf" % os.getpid())
    report = run_browser(s, "journey.js", token, "journey", env={"KAIGI_WEB_PDF": pdf})
    if ok(report is not None, "the browser script ran and reported"):
        ok("fatal" not in report, "the browser script ran to its end") or diag(report.get("fatal"))
        check_setup(s, report)
        check_liaison(s, report)
        check_schedule(s, report)
        screens = [k for k in report["axe"] if not k.endswith("(minor)")]
        ok(len(screens) >= 9, "axe-core ran on %d screens" % len(screens))
        for name in screens:
            is_(report["axe"][name], [], "axe-core, %s: no serious or critical violation" % name)
        bad = [m for m in report["console"] if m["type"] in ("error", "warning")
               and not re.match(r"Failed to load resource: the server responded with a status of 422", m["text"])]
        is_(bad, [], "no console error or warning")
        is_(report["pageErrors"], [], "no page error")
    is_(s.stop(), 0, "kaigid exits 0")
done_testing()
