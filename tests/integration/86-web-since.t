#!/usr/bin/python3
"""86-web-since.t — "changes since your last visit" on the page (issue 18).

The demo conference in release mode, release 1 published. In Debian's
headless Chromium (tests/web/since.js): an anonymous reader's first visit
shows nothing and remembers release 1; the secretariat moves a public side
event, renames another and moves the restricted Japan–Canada bilateral,
then publishes release 2; the reader's next visit lists exactly the move
and the rename (with before and after), not the bilateral; the visit after
that lists nothing. Canada's liaison sees the bilateral's move. axe-core on
the notice, screenshots at 1280 and 390 px.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from kaigiweb import narrow, run_browser, step  # noqa: E402

SLUG = "g7-digital-2023"
C = "/api/v1/conferences/" + SLUG


def sid(s, title):
    with s.db().cursor() as cur:
        cur.execute("SELECT id FROM sessions WHERE title = %s", (title,))
        return cur.fetchone()[0]


with Server() as s:
    sec = s.token("secretariat", conference=SLUG)
    ca = s.token("liaison", conference=SLUG, delegation="CA")
    is_(s.request("PATCH", C, {"publish": "release"}, token=sec).status, 200, "release mode")
    is_(s.request("POST", C + "/releases", {"name": "First"}, token=sec).status, 201, "release 1")
    ids = {"public": sid(s, "WEF DX Summit: closing and photo session"),
           "other": sid(s, "WEF Public-Private DX Summit"),
           "bilateral": sid(s, "Bilateral meeting: Japan – Canada")}
    report = run_browser(s, "since.js", sec, "since", env={"KAIGI_WEB_CA": ca, "KAIGI_WEB_IDS": json.dumps(ids)})
    if ok(report is not None and "fatal" not in report, "the browser script ran to its end"):
        v = step(report, "first visit")
        if v:
            ok(v["hidden"] and not v["items"], "first visit: nothing shown")
        v = step(report, "liaison's first visit")
        if v:
            ok(v["hidden"], "the liaison's first visit: nothing shown")
        step(report, "release 2")
        v = step(report, "next visit")
        if v:
            is_(sorted(x["change"] for x in v["items"]), ["moved", "retitled"], "next visit: the move and the rename")
            moved = [x["text"] for x in v["items"] if x["change"] == "moved"]
            like(moved[0] if moved else "", r"closing and photo session, .*16:30.17:00.* → .*17:30.18:00",
                 "the move from when to when")
            ok(not any("Canada" in x["text"] for x in v["items"]), "not the restricted bilateral")
            is_(v["axe"], [], "axe-core: no serious or critical violation")
            narrow(v, "since visit")
        v = step(report, "visit after")
        if v:
            ok(v["hidden"], "the visit after: nothing new, nothing shown")
        v = step(report, "liaison's next visit")
        if v:
            ok(any(x["change"] == "moved" and "Japan – Canada" in x["text"] for x in v["items"]),
               "Canada's liaison sees the bilateral's move")
        bad = [m for m in report["console"] if m["type"] in ("error", "warning")]
        is_(bad, [], "no console error or warning")
        is_(report["pageErrors"], [], "no page error")
    is_(s.stop(), 0, "kaigid exits 0")
done_testing()
