#!/usr/bin/python3
"""49-interpretation-repair.t — the slots of a scheduled bilateral and the
repairs treat interpreters and booths as scarce (issue 17, item 2;
sql/470_interp_repair_problem.sql).

A conference of two days (09:00-13:00), interpreters capped at 90 minutes
a day (one a pair, long meetings too), one ja-en interpreter (Terp), rooms A (one booth), N (none) and a
plenary room. A 30-minute ja-en bilateral is scheduled on day 1 at 09:00
in A, interpreted by Terp. Terp also interprets a briefing on day 1
(11:00-12:00) and a session on day 2 (09:00-10:30: 90 minutes, the cap).

GET /bilaterals/{id}/slots for that bilateral must offer only places where
it can be interpreted: room A (never N, which has no booth), day 1 (Terp is
at the cap on day 2; on day 1 its own 30 minutes are not counted twice),
and never over the briefing (with changeover). Before, the repair problem
knew nothing of interpreters: both days and the briefing's hour were
offered, and room N was among its rooms. Moving the bilateral to the first slot offered, with
repair, keeps Terp on it. Then a second interpreter, free: the slots offer
day 2 as well (another team, sql/520_interp_repair_alts.sql), and a move
to its first slot, during Terp's session there, is interpreted by the
second (sql/530_move_auto_interpreters.sql: Terp, picked, does not block
the move that replaces it).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "interp-repair"
C = "/api/v1/conferences/" + SLUG
DAY1, DAY2 = "2026-08-03", "2026-08-04"


def must(r, status, what):
    if not is_(r.status, status, what):
        diag(r.text[:800])
    return r.json if r.status == status else {}


def setup(s, admin):
    must(s.request("POST", "/api/v1/conferences", {
        "slug": SLUG, "title": "Interpreters in repairs", "timezone": "Asia/Tokyo",
        "start_date": DAY1, "end_date": DAY2, "languages": ["en", "ja"],
        "day_start": "09:00", "day_end": "13:00"}, token=admin), 201, "conference")
    sec = s.token("secretariat", SLUG)
    must(s.request("PATCH", C, {"interpretation_rules": {"daily_minutes": 90, "per_pair_long": 1}},
                   token=sec), 200, "daily cap 90 minutes, one interpreter a pair")
    v = must(s.request("POST", C + "/venues", {"name": "Hall"}, token=sec), 201, "venue")
    rooms = {}
    for name, kind, booths in (("A", "bilateral", 1), ("N", "bilateral", 0), ("P", "other", 1)):
        rooms[name] = must(s.request("POST", C + "/rooms", {
            "venue_id": v["id"], "name": name, "capacity": 10, "kind": kind, "booths": booths},
            token=sec), 201, "room %s (%d booth)" % (name, booths))["id"]
    for code in ("D01", "D02"):
        must(s.request("POST", C + "/delegations", {"code": code, "name": code, "kind": "member"},
                       token=sec), 201, "delegation " + code)
        must(s.request("POST", C + "/participants", {"delegation": code, "name": "Head " + code,
                                                     "role": "head"}, token=sec), 201, "head")
    must(s.request("POST", C + "/delegations", {"code": "INT", "name": "Interpreters",
                                                "kind": "member"}, token=sec), 201, "INT")
    terp = must(s.request("POST", C + "/participants", {
        "delegation": "INT", "name": "Terp", "role": "interpreter",
        "language_pairs": ["ja-en"]}, token=sec), 201, "the interpreter")["id"]
    return sec, rooms, terp


def busy_terp(s, sec, rooms, terp):
    for day, st, en, what in ((DAY1, "11:00", "12:00", "briefing"), (DAY2, "09:00", "10:30", "session")):
        js = must(s.request("POST", C + "/sessions", {
            "kind": "other", "title": what, "start": "%sT%s:00+09:00" % (day, st),
            "end": "%sT%s:00+09:00" % (day, en), "room_id": rooms["P"],
            "interpretation": ["ja-en"]}, token=sec), 201, "a %s on %s" % (what, day))
        is_([i["id"] for i in js.get("interpreters", [])], [terp], "… interpreted by Terp")


def bilateral(s, sec, rooms, terp):
    js = must(s.request("POST", C + "/bilaterals", {
        "requester": "D01", "counterpart": "D02", "duration_minutes": 30,
        "interpretation": ["ja-en"]}, token=sec), 201, "a ja-en bilateral")
    bid = js.get("id", 0)
    must(s.request("POST", "/api/v1/bilaterals/%d/accept" % bid,
                   token=s.token("liaison", SLUG, "D02")), 200, "… accepted")
    x = must(s.request("POST", "/api/v1/bilaterals/%d/schedule" % bid, {
        "start": DAY1 + "T09:00:00+09:00", "room_id": rooms["A"]}, token=sec), 201,
        "… scheduled on day 1 at 09:00 in A")
    is_([i["id"] for i in x.get("interpreters", [])], [terp], "… interpreted by Terp")
    return bid, x.get("id")


def slots(s, sec, rooms, bid):
    r = s.request("GET", "/api/v1/bilaterals/%d/slots?limit=100" % bid, token=sec)
    items = must(r, 200, "slots of the scheduled bilateral").get("items", [])
    ok(len(items) > 0, "some slots offered (%d)" % len(items))
    is_(sorted({i["room_id"] for i in items}), [rooms["A"]], "only room A: N has no booth")
    is_(sorted({i["start"][:10] for i in items}), [DAY1], "only day 1: Terp is at the cap on day 2")
    over = [i["start"] for i in items if i["start"][11:16] < "12:10" and i["end"][11:16] > "10:50"]
    is_(over, [], "none over the briefing Terp interprets (11:00-12:00, changeover 10)")
    return items


def caps(s, bid, terp, rooms):
    with s.db().cursor() as cur:
        cur.execute("""SELECT array_agg((r->>'id')::bigint) FROM jsonb_array_elements(
            kaigi_bilateral_slots_problem('{"role": "admin"}', %s)->'rooms') r""", (bid,))
        is_(cur.fetchone()[0], [rooms["A"]], "the repair problem's rooms: A, not N (no booth)")
        cur.execute("""SELECT p->'day_cap_minutes' FROM jsonb_array_elements(
            kaigi_bilateral_slots_problem('{"role": "admin"}', %s)->'people') p
            WHERE (p->>'id')::bigint = %s""", (bid, terp))
        got = [r[0] for r in cur.fetchall()]
    is_(got, [[30, 0]], "the repair problem: Terp may interpret 30 more minutes on day 1"
                        " (its own session not counted), none on day 2")


def second_team(s, sec, rooms, bid, sid):
    """Terp2, a second ja-en interpreter, free on both days: the slots offer
    day 2 too, with Terp2 (sql/520_interp_repair_alts.sql; before, only
    Terp, at the cap on day 2, was in the repair problem)."""
    terp2 = must(s.request("POST", C + "/participants", {
        "delegation": "INT", "name": "Terp2", "role": "interpreter",
        "language_pairs": ["ja-en"]}, token=sec), 201, "a second interpreter, Terp2")["id"]
    r = s.request("GET", "/api/v1/bilaterals/%d/slots?limit=100" % bid, token=sec)
    items = must(r, 200, "slots of the scheduled bilateral again").get("items", [])
    day2 = [i for i in items if i["start"][:10] == DAY2]
    ok(len(day2) > 0, "day 2 offered now, with Terp2 (%d slots)" % len(day2))
    is_(sorted({i["room_id"] for i in items}), [rooms["A"]], "… still only room A")
    busy = [i for i in day2 if i["start"][11:16] < "10:40"]
    ok(len(busy) > 0, "… among them times of Terp's session there (09:00-10:30)")
    if busy:
        best = busy[0]
        r = s.request("POST", "/api/v1/sessions/%d/move" % (sid or 0), {
            "start": best["start"], "end": best["end"], "room_id": best["room_id"],
            "repair": True}, token=sec)
        must(r, 200, "moved to day 2 (%s)" % best["start"])
        x = must(s.request("GET", "/api/v1/sessions/%d" % (sid or 0), token=sec), 200, "the session")
        is_(([i["id"] for i in x.get("interpreters", [])], x.get("start")), ([terp2], best["start"]),
            "… interpreted by Terp2 there (Terp is busy then, and at the cap that day)")


with Server(demo=False) as s:
    sec, rooms, terp = setup(s, s.token("admin"))
    busy_terp(s, sec, rooms, terp)
    bid, sid = bilateral(s, sec, rooms, terp)
    items = slots(s, sec, rooms, bid)
    caps(s, bid, terp, rooms)
    if items:
        best = items[0]
        r = s.request("POST", "/api/v1/sessions/%d/move" % (sid or 0), {
            "start": best["start"], "end": best["end"], "room_id": best["room_id"], "repair": True},
            token=sec)
        must(r, 200, "moved to its first slot (%s)" % best["start"])
        x = must(s.request("GET", "/api/v1/sessions/%d" % (sid or 0), token=sec), 200, "the session")
        is_(([i["id"] for i in x.get("interpreters", [])], x.get("start")), ([terp], best["start"]),
            "… still interpreted by Terp, at its new time")
    second_team(s, sec, rooms, bid, sid)
done_testing()
