#!/usr/bin/python3
# 56-unavailability-repair.t — POST /participants/{id}/unavailability with
# "repair": true (issue 16, item 3; the seed's own case in one call).
#
# Minister Kono cannot come on the morning of 30 April (parliamentary
# obligations; at the plenary his deputy stands in, as the seed's robot
# avatar did). Without repair the unavailability is refused while his
# bilaterals with India and Germany sit there; with repair, while he is
# still down for the plenary, a 409 names the plenary (a repair moves only
# scheduled bilaterals). Once the deputy stands in: a dry run lists the two
# bilaterals and their new places and writes nothing; the repair re-places
# both outside the morning, stores the unavailability (201), changes no
# other meeting, raises SEQUENCE for the two only, and nothing is
# double-booked. Roles (a liaison may add its own head's unavailability,
# not repair), validation (dry_run needs repair), 404; repair: false is the
# plain create.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
MORNING = {"start": "2023-04-30T08:00:00+09:00", "end": "2023-04-30T12:00:00+09:00",
           "reason": "Parliamentary obligations"}


def rows(s, sql, *args):
    """All rows, on one connection kept for the test."""
    if getattr(s, "_rows_db", None) is None:
        s._rows_db = s.db()
    with s._rows_db.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def places(s):
    """Every session: {id: (start, end, room, status, sequence)}."""
    return {r[0]: r[1:] for r in rows(s, "SELECT id, starts_at, ends_at, room_id, status, sequence"
                                         " FROM sessions ORDER BY id")}


def sid(s, title):
    return rows(s, "SELECT id FROM sessions WHERE title = %s", title)[0][0]


def unav_count(s, pid):
    return rows(s, "SELECT count(*) FROM unavailability WHERE participant_id = %s", pid)[0][0]


def post(s, pid, body, tok):
    return s.request("POST", "/api/v1/participants/%d/unavailability" % pid, body, token=tok)


def refusals(s, kono, sec, jp):
    """Before the deputy stands in, and the roles and validation."""
    n = unav_count(s, kono)
    r = post(s, kono, MORNING, sec)
    is_(r.status, 409, "without repair: 409 (his bilaterals are in the way)")
    r = post(s, kono, dict(MORNING, repair=True), sec)
    titles = [c.get("title") for c in (r.json or {}).get("conflicts", [])]
    ok(r.status == 409 and "Emerging and Disruptive Technologies in Innovating Society and Economy" in titles
       and "a repair does not move" in r.json.get("detail", ""),
       "with repair while he attends the plenary: 409 naming the plenary (%s)" % titles)
    r = post(s, kono, dict(MORNING, repair=True, dry_run=True), jp)
    is_(r.status, 403, "Japan's liaison may not repair")
    r = post(s, kono, dict(MORNING, dry_run=True), sec)
    is_((r.status, [e["field"] for e in r.json.get("errors", [])]), (422, ["dry_run"]),
        "dry_run without repair: 422 naming it")
    r = post(s, kono, dict(MORNING, repair="yes"), sec)
    is_((r.status, [e["field"] for e in r.json.get("errors", [])]), (422, ["repair"]), "repair not a boolean: 422")
    r = post(s, kono, dict(MORNING, repair=True, end="2023-04-30T07:00:00+09:00"), sec)
    is_(r.status, 422, "an end before the start: 422")
    is_(post(s, 999999, dict(MORNING, repair=True), sec).status, 404, "unknown participant: 404")
    r = post(s, kono, {"start": "2023-04-28T06:00:00+09:00", "end": "2023-04-28T06:30:00+09:00",
                       "repair": False}, jp)
    is_(r.status, 201, "repair: false is the plain create (the liaison's own head)")
    r = s.request("DELETE", "/api/v1/participants/%d/unavailability/%d" % (kono, r.json["id"]), token=sec)
    is_((r.status, unav_count(s, kono)), (204, n), "(and deleted again)")


def stand_in(s, sec, kono, deputy):
    """The deputy attends the plenary of 30 April instead of Kono."""
    pl = sid(s, "Emerging and Disruptive Technologies in Innovating Society and Economy")
    r = s.request("GET", "/api/v1/sessions/%d" % pl, token=sec)
    people = [a["id"] for a in r.json["attendees"] if a["id"] != kono] + [deputy]
    r = s.request("PATCH", "/api/v1/sessions/%d" % pl, {"attendees": people}, token=sec)
    is_(r.status, 200, "the deputy stands in at the plenary")


def repair(s, sec, kono):
    ids = [sid(s, "Bilateral meeting: Japan – India"), sid(s, "Bilateral meeting: Japan – Germany")]
    before, n = places(s), unav_count(s, kono)
    r = post(s, kono, dict(MORNING, repair=True, dry_run=True), sec)
    j = r.json or {}
    is_((r.status, sorted(x["session_id"] for x in j.get("replaced", [])), j.get("unplaced")),
        (200, sorted(ids), []), "dry run: both bilaterals re-placed in the plan")
    ok(places(s) == before and unav_count(s, kono) == n, "the dry run wrote nothing")
    r = post(s, kono, dict(MORNING, repair=True), sec)
    j = r.json or {}
    is_((r.status, j.get("unavailability", {}).get("reason"), len(j.get("replaced", []))),
        (201, "Parliamentary obligations", 2), "repair: 201, the unavailability and two bilaterals re-placed")
    after = places(s)
    changed = sorted(i for i in before if before[i] != after[i])
    is_(changed, sorted(ids), "only the two bilaterals changed")
    is_(unav_count(s, kono), n + 1, "the unavailability stored")
    lo, hi = rows(s, "SELECT lower(during), upper(during) FROM unavailability WHERE participant_id = %s"
                     " AND reason = 'Parliamentary obligations'", kono)[0]
    ok(all(after[i][1] <= lo or after[i][0] >= hi for i in ids), "both now outside the morning")
    ok(all(after[i][4] == before[i][4] + 1 for i in ids), "SEQUENCE up by one for each")
    is_(rows(s, "SELECT count(*) FROM busy a JOIN busy b ON a.participant_id = b.participant_id"
                " AND a.ctid < b.ctid AND a.during && b.during")[0][0], 0, "nobody double-booked")
    r = s.request("GET", "/api/v1/conferences/%s/conflicts" % SLUG, token=sec)
    is_(r.json.get("items"), [], "no conflict in /conflicts")
    is_(post(s, kono, dict(MORNING, repair=True), sec).status, 409, "the same again: 409 (he is unavailable)")


with Server() as s:
    sec = s.token("secretariat", conference=SLUG)
    jp = s.token("liaison", conference=SLUG, delegation="JP")
    kono = rows(s, "SELECT p.id FROM participants p JOIN delegations d ON d.id = p.delegation_id"
                   " WHERE d.code = 'JP' AND p.role = 'head'")[0][0]
    deputy = rows(s, "SELECT p.id FROM participants p JOIN delegations d ON d.id = p.delegation_id"
                     " WHERE d.code = 'JP' AND p.role = 'deputy'")[0][0]
    refusals(s, kono, sec, jp)
    stand_in(s, sec, kono, deputy)
    repair(s, sec, kono)
    is_(s.stop(), 0, "kaigid exits 0")
done_testing()
