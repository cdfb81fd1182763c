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
done_testing()
