#!/usr/bin/python3
"""84-web-move-repair.t — a move with repair in the page, in a real browser.

kaigid on a fresh demo database; Debian's headless Chromium driven by
playwright-core (tests/web/move-repair.js). The secretariat moves the
plenary "Internet Governance" (29 April, 16:00) to 17:40–19:10, onto
Minister Kono's bilaterals with the United States and the EU: the page
shows the 409's clashes and offers "Move and re-place the 2 bilaterals it
bumps…"; that shows the dry run's plan (each bilateral from where to
where) and writes nothing; "Commit this plan" moves the three sessions in
one transaction. Checked in the database: the plenary at 17:40, the two
bilaterals where the plan put them, no other session moved, no
double-booking. Screenshots of the clash, the plan and the result at 1280
and 390 px go to $KAIGI_TEST_TMPDIR/web-move-repair-<pid> (KAIGI_WEB_SHOTS
to keep them elsewhere). Fails on any console error other than the 409
the scenario provokes, and on any page error; axe-core runs on each
stage (no serious or critical violation).

A second case, on a small conference built through the API: the plenary
moved onto A's bilateral with B, whose only other place C and D's
bilateral holds; the plan lists both, C and D's as "also moves, to make
room", and the commit moves exactly those (web-move-repair-cascade-<pid>).
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from kaigiweb import CHROMIUM, run_browser, step  # noqa: E402

SLUG = "g7-digital-2023"
SCRIPT = os.path.join(TOP, "tests", "web", "move-repair.js")


def rows(s, sql, *args):
    with s.db().cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def one(s, sql, *args):
    r = rows(s, sql, *args)
    return r[0][0] if r else None


def places(s):
    return {r[0]: r[1:] for r in rows(s, "SELECT id, starts_at, ends_at, room_id FROM sessions ORDER BY id")}




def check(s, report, before, pl, us, eu):
    step(report, "sign in")
    c = step(report, "clash")
    if c:
        ok(len(c["conflicts"]) >= 2 and all("Bilateral meeting: Japan" in x for x in c["conflicts"]),
           "the 409 lists the clashes, all with Kono's bilaterals: %r" % c["conflicts"])
        is_(c["offer"], "Move and re-place the 2 bilaterals it bumps…", "the page offers the repair")
    p = step(report, "plan")
    if p:
        is_(len(p["replaced"]), 2, "the plan lists the two bilaterals")
        ok(all("→" in x for x in p["replaced"]), "each from where to where: %r" % p["replaced"])
        is_(p["focused"], "Commit this plan", "the plan's Commit button has the focus")
    k = step(report, "commit")
    if k:
        like(k["status"], r"Moved “Internet Governance” to .* and re-placed 2 bilaterals\.", "the status says so")
        like(k["when"], r"17:40.19:10", "the panel shows the plenary's new time after the reload")
    after = places(s)
    is_(sorted(x for x in after if after[x] != before[x]), sorted([pl, us, eu]),
        "only the plenary and the two bilaterals moved")
    is_(one(s, "SELECT kaigi_ts(starts_at, 'Asia/Tokyo') FROM sessions WHERE id = %s", pl),
        "2023-04-29T17:40:00+09:00", "the plenary is at 17:40")
    r = s.request("GET", "/api/v1/conferences/%s/conflicts" % SLUG, token=token)
    is_(r.json and r.json["items"], [], "GET /conflicts is empty: nothing double-booked")
    is_(len(report["shots"]), 6, "six screenshots (clash, plan, result at 1280 and 390 px)")
    for name in ("clash", "plan", "committed"):
        is_(report["axe"].get(name), [], "axe-core, %s: no serious or critical violation" % name)


with Server() as s:
    token = s.token("secretariat", conference=SLUG)
    pl = one(s, "SELECT id FROM sessions WHERE title = 'Internet Governance'")
    us, eu = [one(s, "SELECT b.session_id FROM bilateral_requests b JOIN delegations d"
                     " ON d.id = b.counterpart_delegation_id WHERE d.code = %s", c) for c in ("US", "EU")]
    before = places(s)
    if not ok(os.access(CHROMIUM, os.X_OK), "%s is there" % CHROMIUM):
        diag("scripts/deps installs Debian's chromium (apt-get install chromium)")
    elif not ok(all(os.path.isdir(os.path.join(TOP, "tests", "node_modules", m)) for m in ("playwright-core", "axe-core")),
                "tests/node_modules has playwright-core and axe-core"):
        diag("scripts/deps installs it (npm ci --prefix tests)")
    elif not ok((report := run_browser(s, "move-repair.js", token, "move-repair")) is not None, "the browser script ran and reported"):
        pass
    else:
        ok("fatal" not in report, "the browser script ran to its end") or diag(report.get("fatal"))
        check(s, report, before, pl, us, eu)
        bad = [m for m in report["console"] if m["type"] in ("error", "warning")
               and not (re.match(r"Failed to load resource: the server responded with a status of 409", m["text"])
                        and "/move" not in m["url"] and "/sessions/%d" % pl in m["url"])]
        is_(bad, [], "no console error or warning but the PATCH's 409")
        is_(report["pageErrors"], [], "no page error")

CASCADE = "rc-web-2025"


def must(r, status, what):
    if r.status != status:
        bail("%s: %d %s" % (what, r.status, r.text[:400]))
    return r.json


def cascade_setup(s):
    """Day 09:00-11:00, room R1 and the Hall; the plenary (head A) at 11:00,
    A-B in R1 at 09:00, C-D in R1 at 10:00. Through the API."""
    admin = s.token("admin")
    must(s.request("POST", "/api/v1/conferences", {
        "slug": CASCADE, "title": "Repair cascade", "timezone": "Europe/Paris", "start_date": "2025-09-01",
        "end_date": "2025-09-01", "changeover_minutes": 0, "day_start": "09:00", "day_end": "11:00"},
        token=admin), 201, "conference")
    sec = s.token("secretariat", conference=CASCADE)
    base = "/api/v1/conferences/%s/" % CASCADE

    def post(path, body, status=201):
        return must(s.request("POST", path, body, token=sec), status, path)
    venue = post(base + "venues", {"name": "Palais"})["id"]
    r1 = post(base + "rooms", {"venue_id": venue, "name": "R1", "capacity": 4, "kind": "bilateral"})["id"]
    hall = post(base + "rooms", {"venue_id": venue, "name": "Hall", "capacity": 200, "kind": "plenary"})["id"]
    head = {}
    for code in "ABCD":
        post(base + "delegations", {"code": code * 2, "name": "Land " + code, "kind": "member"})
        head[code] = post(base + "participants", {"delegation": code * 2, "name": "Head " + code,
                                                  "role": "head"})["id"]
    pl = post(base + "sessions", {"kind": "plenary", "title": "Plenary", "room_id": hall,
                                  "start": "2025-09-01T11:00:00+02:00", "end": "2025-09-01T12:00:00+02:00",
                                  "attendees": [head["A"]]})["id"]
    sids = []
    for a, b, start in (("A", "B", "09:00"), ("C", "D", "10:00")):
        bid = post(base + "bilaterals", {"requester": a * 2, "counterpart": b * 2, "duration_minutes": 60})["id"]
        post("/api/v1/bilaterals/%d/accept" % bid, {}, 200)
        sids.append(post("/api/v1/bilaterals/%d/schedule" % bid,
                         {"start": "2025-09-01T%s:00+02:00" % start, "room_id": r1})["id"])
    return sec, pl, sids[0], sids[1]


def check_cascade(s, report, before, pl, ab, cd):
    step(report, "sign in")
    c = step(report, "clash")
    if c:
        is_(c["offer"], "Move and re-place the 1 bilateral it bumps…", "cascade: the page offers the repair")
    p = step(report, "plan")
    if p:
        is_(len(p["replaced"]), 2, "cascade: the plan lists both bilaterals")
        ok(len(p["also"]) == 1 and "Land C – Land D" in p["also"][0]
           and "also moves, to make room" in p["also"][0]
           and re.search(r"10:00.11:00, R1 → .*09:00.10:00, R1", p["also"][0]),
           "cascade: C and D's bilateral is shown as also moving, from where to where: %r" % p["also"])
    k = step(report, "commit")
    if k:
        like(k["status"], r"Moved “Plenary” to .* and re-placed 2 bilaterals \(1 of them to make room\)\.",
             "cascade: the status says so")
    after = places(s)
    is_(sorted(x for x in after if after[x] != before[x]), sorted([pl, ab, cd]),
        "cascade: the plenary and the two bilaterals moved, as the plan said")
    is_([one(s, "SELECT kaigi_ts(starts_at, 'Europe/Paris') FROM sessions WHERE id = %s", x) for x in (ab, cd)],
        ["2025-09-01T10:00:00+02:00", "2025-09-01T09:00:00+02:00"], "cascade: stored where the plan put them")
    for name in ("clash", "plan", "committed"):
        is_(report["axe"].get(name), [], "cascade: axe-core, %s: no serious or critical violation" % name)


if os.access(CHROMIUM, os.X_OK):
    with Server(demo=False) as s:
        sec, pl, ab, cd = cascade_setup(s)
        before = places(s)
        report = run_browser(s, "move-repair.js", sec, "move-repair-cascade", env={
            "KAIGI_WEB_DAY": "2025-09-01", "KAIGI_WEB_TITLE": "Plenary",
            "KAIGI_WEB_START": "09:00", "KAIGI_WEB_END": "10:00"})
        if ok(report is not None and "fatal" not in report, "cascade: the browser script ran to its end"):
            check_cascade(s, report, before, pl, ab, cd)
            bad = [m for m in report["console"] if m["type"] in ("error", "warning")
                   and not (re.match(r"Failed to load resource: the server responded with a status of 409", m["text"])
                            and "/move" not in m["url"] and "/sessions/%d" % pl in m["url"])]
            is_(bad, [], "cascade: no console error or warning but the PATCH's 409")
            is_(report["pageErrors"], [], "cascade: no page error")
done_testing()
