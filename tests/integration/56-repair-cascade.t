#!/usr/bin/python3
# 56-repair-cascade.t — a repair that moves other bilaterals too (issue
# 16, item 3: "changing as few other meetings as possible").
#
# A small conference built through the API: one bilateral room, a
# plenary hall, 60-minute bilaterals filling the day. The plenary is
# moved onto A's bilateral with B, whose window leaves it only places
# another movable bilateral holds:
#   - the dry run lists both moving, each from where to where, the other
#     one marked as not bumped, and stores nothing; the commit stores
#     exactly that plan (SEQUENCE and audit for the three sessions, the
#     change stream has them), and nothing else moves;
#   - with two ways to make room (one moving one other bilateral, one
#     moving two), the one moving fewer is chosen;
#   - a bilateral with a fixed start is never moved: when only moving it
#     would make room, a 409 names the bumped bilateral (never the fixed
#     one), and nothing is stored;
#   - a change between the dry run and the commit: the commit with the
#     dry run's plan_id ("expect") is a 409 and stores nothing; a plan
#     made before a change to an other bilateral is refused by the write;
#   - the unavailability repair takes the same way.
import json
import os
import sys

import psycopg2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "rc-2025"
DAY = "2025-09-01"


def at(hm):
    return "%sT%s:00+02:00" % (DAY, hm)


def rows(s, sql, *args):
    if getattr(s, "_rows_db", None) is None:
        s._rows_db = s.db()
        s._rows_db.autocommit = True
    with s._rows_db.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def one(s, sql, *args):
    return rows(s, sql, *args)[0][0]


def must(r, status, what):
    if r.status != status:
        bail("%s: %d %s" % (what, r.status, r.text[:400]))
    return r.json


class Conf:
    """The conference, built through the API: day 09:00-END, no changeover,
    room R1 (bilateral) and the Hall, delegations AA..HH with a head each."""

    def __init__(self, s, end="13:00"):
        self.s = s
        admin = s.token("admin")
        must(s.request("POST", "/api/v1/conferences", {
            "slug": SLUG, "title": "Repair cascade", "timezone": "Europe/Paris", "start_date": DAY,
            "end_date": DAY, "changeover_minutes": 0, "day_start": "09:00", "day_end": end},
            token=admin), 201, "conference")
        self.sec = s.token("secretariat", conference=SLUG)
        base = "/api/v1/conferences/%s/" % SLUG
        venue = must(self.post(base + "venues", {"name": "Palais"}), 201, "venue")["id"]
        self.r1 = must(self.post(base + "rooms", {"venue_id": venue, "name": "R1", "capacity": 4,
                                                  "kind": "bilateral"}), 201, "room")["id"]
        self.hall = must(self.post(base + "rooms", {"venue_id": venue, "name": "Hall", "capacity": 200,
                                                    "kind": "plenary"}), 201, "hall")["id"]
        self.head = {}
        for code in "ABCDEFGH":
            must(self.post(base + "delegations", {"code": code * 2, "name": "Land " + code, "kind": "member"}),
                 201, "delegation")
            self.head[code] = must(self.post(base + "participants", {
                "delegation": code * 2, "name": "Head " + code, "role": "head"}), 201, "participant")["id"]

    def post(self, path, body):
        return self.s.request("POST", path, body, token=self.sec)

    def plenary(self, start, end):
        """The plenary, head A attending."""
        return must(self.post("/api/v1/conferences/%s/sessions" % SLUG, {
            "kind": "plenary", "title": "Plenary", "room_id": self.hall, "start": at(start), "end": at(end),
            "attendees": [self.head["A"]]}), 201, "plenary")["id"]

    def bilateral(self, a, b, start, **kw):
        """A 60-minute bilateral of a and b, accepted and placed in R1 at start."""
        body = dict({"requester": a * 2, "counterpart": b * 2, "duration_minutes": 60}, **kw)
        bid = must(self.post("/api/v1/conferences/%s/bilaterals" % SLUG, body), 201, "bilateral")["id"]
        must(self.post("/api/v1/bilaterals/%d/accept" % bid, {}), 200, "accept")
        sid = must(self.post("/api/v1/bilaterals/%d/schedule" % bid, {"start": at(start), "room_id": self.r1}),
                   201, "schedule %s%s" % (a, b))["id"]
        return bid, sid


def places(s):
    return {r[0]: r[1:] for r in rows(s, "SELECT id, starts_at, ends_at, room_id, status, sequence"
                                         " FROM sessions ORDER BY id")}


def snapshot(s):
    return (places(s), one(s, "SELECT count(*) FROM audit_log"), one(s, "SELECT count(*) FROM session_changes"),
            one(s, "SELECT count(*) FROM busy"),
            rows(s, "SELECT id, status, session_id, version FROM bilateral_requests ORDER BY id"))


def moves(plan):
    """{session_id: (from start, to start, bumped)} of a plan's replaced."""
    return {x["session_id"]: (x["from"]["start"], x["to"]["start"], x.get("bumped")) for x in plan["replaced"]}


def no_double_booking(s, c, what):
    r = s.request("GET", "/api/v1/conferences/%s/conflicts" % SLUG, token=c.sec)
    is_(r.json and r.json["items"], [], "%s: GET /conflicts is empty" % what)
    is_(one(s, "SELECT count(*) FROM busy a JOIN busy b ON a.id < b.id AND a.participant_id = b.participant_id"
               " AND a.during && b.during"), 0, "%s: nobody double-booked" % what)


def test_cascade():
    """Day 09:00-11:00: the plenary onto B1 (A-B, 09:00); its only other place is Z's (C-D, 10:00)."""
    with Server(demo=False) as s:
        c = Conf(s, end="11:00")
        pl = c.plenary("11:00", "12:00")
        b1, s1 = c.bilateral("A", "B", "09:00")
        z, sz = c.bilateral("C", "D", "10:00")
        path = "/api/v1/sessions/%d/move" % pl
        body = {"start": at("09:00"), "end": at("10:00")}
        before = snapshot(s)
        r = s.request("POST", path, dict(body, repair=True, dry_run=True), token=c.sec)
        is_(r.status, 200, "dry run: 200 (on the old code: a 409, the bumped bilateral has no free place)")
        if r.status != 200:
            diag(r.text[:600])
            return
        plan = r.json
        is_(plan["unplaced"], [], "nothing unplaced")
        is_(moves(plan), {s1: (at("09:00"), at("10:00"), True), sz: (at("10:00"), at("09:00"), False)},
            "the plan moves both: the bumped one into the other's place, the other (not bumped) to 09:00")
        ok(all(x["from"]["room"] == "R1" and x["to"]["room"] == "R1" and x["to"]["end"] for x in plan["replaced"]),
           "each from where to where, with rooms and ends")
        ok(isinstance(plan.get("plan_id"), str) and len(plan["plan_id"]) == 32, "the dry run has a plan_id")
        is_(snapshot(s), before, "dry run: nothing stored (sessions, audit, change stream, busy, requests)")
        zchanges = one(s, "SELECT count(*) FROM session_changes WHERE session_id = %s", sz)
        commit = dict(body, repair=True, expect=plan["plan_id"]) if "plan_id" in plan else dict(body, repair=True)
        r = s.request("POST", path, commit, token=c.sec)
        is_(r.status, 200, "commit expecting the dry run's plan: 200")
        if r.status != 200:
            diag(r.text[:600])
            return
        is_(r.json["replaced"], plan["replaced"], "the committed plan is the dry run's")
        after = places(s)
        changed = sorted(k for k in after if after[k][:3] != before[0][k][:3])
        is_(changed, sorted([pl, s1, sz]), "exactly the plenary and the two bilaterals moved")
        is_({k: after[k][0].isoformat() for k in (s1, sz)},
            {s1: "2025-09-01T08:00:00+00:00", sz: "2025-09-01T07:00:00+00:00"}, "stored where the plan said")
        ok(all(after[k][4] == before[0][k][4] + 1 for k in changed), "SEQUENCE rose by one for each")
        is_(one(s, "SELECT count(*) FROM audit_log WHERE entity = 'session' AND action = 'update'"
                   " AND entity_id IN (%s, %s, %s)", pl, s1, sz), 3, "each move audited")
        ok(one(s, "SELECT count(*) FROM session_changes WHERE session_id = %s", sz) > zchanges,
           "the change stream has the other bilateral's move")
        no_double_booking(s, c, "after the cascade")


def test_fewest():
    """Two ways to make room for B1: via X or Y (two others move) or via Z (one)."""
    with Server(demo=False) as s:
        c = Conf(s)
        pl = c.plenary("14:00", "15:00")
        b1, s1 = c.bilateral("A", "B", "09:00")
        x, sx = c.bilateral("C", "D", "10:00", earliest=at("10:00"), latest=at("13:00"))
        y, sy = c.bilateral("E", "F", "11:00", earliest=at("10:00"), latest=at("13:00"))
        z, sz = c.bilateral("G", "H", "12:00")
        before = places(s)
        r = s.request("POST", "/api/v1/sessions/%d/move" % pl,
                      {"start": at("09:00"), "end": at("10:00"), "repair": True}, token=c.sec)
        is_(r.status, 200, "move with repair: 200")
        if r.status != 200:
            diag(r.text[:600])
            return
        is_(moves(r.json), {s1: (at("09:00"), at("12:00"), True), sz: (at("12:00"), at("09:00"), False)},
            "the repair moving one other bilateral (Z) is chosen over those moving two")
        after = places(s)
        is_(sorted(k for k in after if after[k][:3] != before[k][:3]), sorted([pl, s1, sz]),
            "X and Y stay where they were")
        no_double_booking(s, c, "after the fewest-moves repair")


def test_fixed():
    """As test_fewest, Z fixed at 12:00: only moving Z would make room."""
    with Server(demo=False) as s:
        c = Conf(s)
        pl = c.plenary("14:00", "15:00")
        b1, s1 = c.bilateral("A", "B", "09:00")
        c.bilateral("C", "D", "10:00", earliest=at("10:00"), latest=at("13:00"))
        c.bilateral("E", "F", "11:00", earliest=at("10:00"), latest=at("13:00"))
        z, sz = c.bilateral("G", "H", "12:00", fixed_start=at("12:00"))
        path = "/api/v1/sessions/%d/move" % pl
        body = {"start": at("09:00"), "end": at("10:00"), "repair": True}
        before = snapshot(s)
        r = s.request("POST", path, dict(body, dry_run=True), token=c.sec)
        is_(r.status, 200, "dry run: 200")
        ok(r.status == 200 and sz not in moves(r.json), "the dry run never moves the fixed bilateral")
        is_(r.status == 200 and [u["bilateral_id"] for u in r.json["unplaced"]], [b1],
            "and shows the bumped one unplaced")
        r = s.request("POST", path, body, token=c.sec)
        is_(r.status, 409, "impossible even moving others: 409")
        like(r.json and r.json.get("detail") or "", r"bilateral request %d could not be re-placed" % b1,
             "the 409 names the bumped bilateral")
        is_([u["bilateral_id"] for u in (r.json or {}).get("unplaced", [])], [b1], "and lists it alone as unplaced")
        named = [(u.get("bilateral_id"), u.get("session_id")) for u in
                 (r.json or {}).get("unplaced", []) + (r.json or {}).get("conflicts", [])]
        ok(all(b != z and t != sz for b, t in named), "it never names the fixed bilateral")
        is_(snapshot(s), before, "nothing stored")


def test_changed():
    """A change between the dry run and the commit."""
    with Server(demo=False) as s:
        c = Conf(s, end="11:00")
        pl = c.plenary("11:00", "12:00")
        c.bilateral("A", "B", "09:00")
        z, sz = c.bilateral("C", "D", "10:00")
        path = "/api/v1/sessions/%d/move" % pl
        body = {"start": at("09:00"), "end": at("10:00")}
        r = s.request("POST", path, dict(body, repair=True, dry_run=True), token=c.sec)
        is_(r.status, 200, "dry run: 200")
        if r.status != 200:
            return
        plan_id = r.json.get("plan_id") or "none"
        placed = [{"bilateral_id": x["bilateral_id"], "version": 0, "room_id": x["to"]["room_id"],
                   "start": one(s, "SELECT extract(epoch FROM %s::timestamptz)::bigint", x["to"]["start"])}
                  for x in r.json["replaced"]]
        actor = json.dumps({"role": "secretariat", "token_id": None,
                            "conference_id": one(s, "SELECT id FROM conferences WHERE slug = %s", SLUG)})
        problem = json.loads(one(s, "SELECT kaigi_session_move_problem(%s::jsonb, %s, NULL, %s::jsonb)::text",
                                 actor, pl, json.dumps(body)))
        is_([o["session_id"] for o in problem["move"].get("others", [])], [sz],
            "the problem holds the other bilateral as one that may move")
        v = one(s, "SELECT version FROM sessions WHERE id = %s", sz)
        is_(s.request("PATCH", "/api/v1/sessions/%d" % sz, {"title": "Bilateral C-D (renamed meanwhile)"},
                      token=c.sec, headers={"If-Match": '"%d"' % v}).status, 200,
            "the other bilateral (not bumped) is changed meanwhile")
        before = snapshot(s)
        r = s.request("POST", path, dict(body, repair=True, expect=plan_id), token=c.sec)
        is_(r.status, 409, "the commit expecting the dry run's plan: 409")
        like(r.json and r.json.get("detail") or "", "changed since the dry run", "saying something changed")
        is_(snapshot(s), before, "nothing stored")
        plan = {"placed": placed, "unplaced": [], "stats": {}, "move": problem["move"]}
        try:
            one(s, "SELECT kaigi_session_move(%s::jsonb, %s, NULL, %s::jsonb, %s::jsonb, false)::text",
                actor, pl, json.dumps(body), json.dumps(plan))
            ok(False, "a plan made before the other bilateral changed is refused by the write")
        except psycopg2.Error as e:
            is_(e.pgcode, "KG409", "a plan made before the other bilateral changed: KG409")
            like(str(e), "changed while the plan was made", "because a bilateral it moves changed")
        is_(snapshot(s), before, "nothing stored")
        r = s.request("POST", path, dict(body, repair=True, expect="0" * 32), token=c.sec)
        is_(r.status, 409, "a commit expecting another plan: 409")
        r = s.request("POST", path, dict(body, repair=True, dry_run=True), token=c.sec)
        r2 = s.request("POST", path, dict(body, repair=True, expect=r.json.get("plan_id")), token=c.sec)
        is_(r2.status, 200, "a fresh dry run, then its commit: 200")
        is_(r2.status == 200 and r2.json["replaced"], r.json["replaced"], "storing that plan")
        r = s.request("POST", path, dict(body, expect=plan_id), token=c.sec)
        is_(r.status, 422, "expect without repair: 422")


def test_unavailability():
    """Head B away 10:00-11:00: B1 (A-B at 10:00) can only go to 09:00, where Z (C-D) is."""
    with Server(demo=False) as s:
        c = Conf(s, end="11:00")
        b1, s1 = c.bilateral("A", "B", "10:00")
        z, sz = c.bilateral("C", "D", "09:00")
        path = "/api/v1/participants/%d/unavailability" % c.head["B"]
        body = {"start": at("10:00"), "end": at("11:00"), "reason": "Parliament"}
        before = snapshot(s)
        r = s.request("POST", path, dict(body, repair=True, dry_run=True), token=c.sec)
        is_(r.status, 200, "unavailability with repair, dry run: 200")
        if r.status != 200:
            diag(r.text[:600])
            return
        is_(moves(r.json), {s1: (at("10:00"), at("09:00"), True), sz: (at("09:00"), at("10:00"), False)},
            "the plan swaps the bumped bilateral and the other one")
        is_(snapshot(s), before, "nothing stored")
        r2 = s.request("POST", path, dict(body, repair=True, expect=r.json.get("plan_id")), token=c.sec)
        is_(r2.status, 201, "committed: 201")
        is_(r2.status == 201 and r2.json["replaced"], r.json["replaced"], "exactly the dry run's plan")
        after = places(s)
        is_(sorted(k for k in after if after[k][:3] != before[0][k][:3]), sorted([s1, sz]), "both moved")
        is_(one(s, "SELECT count(*) FROM unavailability WHERE participant_id = %s", c.head["B"]), 1,
            "the unavailability is stored")
        no_double_booking(s, c, "after the unavailability's cascade")


test_cascade()
test_fewest()
test_fixed()
test_changed()
test_unavailability()
done_testing()
