#!/usr/bin/python3
"""49-interpretation-solver.t — the auto-scheduler keeps the interpreters'
daily cap (issue 17, item 2; sql/330_interp_cap_solver.sql).

A conference of two days (09:00-13:00, changeover 10) whose
interpretation_rules cap an interpreter at 90 minutes a day, with one ja-en
interpreter who already interprets a 30-minute briefing on day 1. Five
accepted 30-minute bilaterals need ja-en: the earliest plan (all five on
day 1) would give the interpreter 180 minutes there, and the database
refuses such a plan whole (409). POST /schedule places all five, the
interpreter at 90 minutes on each day: the plan is written (200) and every
session has its interpreter. The solver's problem carries the remaining
minutes per day. A sixth request then gets no slot and stays unplaced (no
409), as the interpreter is at the cap on both days.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "interp-cap"
C = "/api/v1/conferences/" + SLUG


def must(r, status, what):
    if not is_(r.status, status, what):
        diag(r.text[:800])
    return r.json if r.status == status else {}


def rows(s, sql, *args):
    with s.db().cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def setup(s, admin):
    """The conference, its rooms, ten heads, the interpreter and the briefing."""
    must(s.request("POST", "/api/v1/conferences", {
        "slug": SLUG, "title": "Interpreters under the cap", "timezone": "Asia/Tokyo",
        "start_date": "2026-08-03", "end_date": "2026-08-04", "languages": ["en", "ja"],
        "day_start": "09:00", "day_end": "13:00"}, token=admin), 201, "conference")
    sec = s.token("secretariat", SLUG)
    must(s.request("PATCH", C, {"interpretation_rules": {"daily_minutes": 90}}, token=sec),
         200, "daily cap 90 minutes")
    v = must(s.request("POST", C + "/venues", {"name": "Hall"}, token=sec), 201, "venue")
    rooms = {}
    for name, kind in (("A", "bilateral"), ("B", "bilateral"), ("Plenary", "other")):
        rooms[name] = must(s.request("POST", C + "/rooms", {
            "venue_id": v["id"], "name": name, "capacity": 10, "kind": kind, "booths": 1},
            token=sec), 201, "room " + name)["id"]
    for n in range(1, 11):
        code = "D%02d" % n
        must(s.request("POST", C + "/delegations", {"code": code, "name": code, "kind": "member"},
                       token=sec), 201, "delegation " + code)
        must(s.request("POST", C + "/participants", {"delegation": code, "name": "Head " + code,
                                                     "role": "head"}, token=sec), 201, "head")
    must(s.request("POST", C + "/delegations", {"code": "INT", "name": "Interpreters",
                                                "kind": "member"}, token=sec), 201, "INT")
    terp = must(s.request("POST", C + "/participants", {
        "delegation": "INT", "name": "Terp", "role": "interpreter",
        "language_pairs": ["ja-en"]}, token=sec), 201, "the interpreter")["id"]
    js = must(s.request("POST", C + "/sessions", {
        "kind": "other", "title": "Briefing", "start": "2026-08-03T09:00:00+09:00",
        "end": "2026-08-03T09:30:00+09:00", "room_id": rooms["Plenary"],
        "interpretation": ["ja-en"]}, token=sec), 201, "a 30-minute briefing on day 1")
    is_([i["id"] for i in js.get("interpreters", [])], [terp], "… interpreted by Terp")
    return sec, terp


def request(s, sec, a, b):
    js = must(s.request("POST", C + "/bilaterals", {
        "requester": a, "counterpart": b, "duration_minutes": 30,
        "interpretation": ["ja-en"]}, token=sec), 201, "request %s-%s" % (a, b))
    r = s.request("POST", "/api/v1/bilaterals/%d/accept" % js.get("id", 0),
                  token=s.token("liaison", SLUG, b))
    is_(r.status, 200, "… accepted")
    return js.get("id")


def minutes(s, terp):
    """Terp's interpreted minutes per local day."""
    return dict(rows(s, "SELECT (x.starts_at AT TIME ZONE 'Asia/Tokyo')::date::text,"
                     " sum(extract(epoch FROM x.ends_at - x.starts_at) / 60)::int"
                     " FROM session_interpreters i JOIN sessions x ON x.id = i.session_id"
                     " WHERE i.participant_id = %s AND x.status <> 'cancelled'"
                     " GROUP BY 1 ORDER BY 1", terp))


def problem(s, sec, terp):
    """The solver's problem gives Terp what remains of the cap per day."""
    got = rows(s, "SELECT p->'day_cap_minutes' FROM jsonb_array_elements("
               "kaigi_bilateral_problem('{\"role\": \"admin\"}', %s, NULL)->'people') p"
               " WHERE (p->>'id')::bigint = %s", SLUG, terp)
    is_([g[0] for g in got], [[60, 90]], "the problem: Terp may interpret 60 more minutes "
        "on day 1, 90 on day 2")


def schedule(s, sec, terp):
    r = s.request("POST", C + "/schedule", {}, token=sec)
    if not is_(r.status, 200, "auto-schedule with the interpreter near the cap: 200, written"):
        diag(r.text[:800])
    js = r.json or {}
    is_((js.get("unplaced"), len(js.get("placed", []))), ([], 5), "all five placed")
    with_terp = 0
    for p in js.get("placed", []):
        x = must(s.request("GET", "/api/v1/sessions/%d" % (p.get("session_id") or 0),
                           token=sec), 200, "placed session")
        with_terp += [i["id"] for i in x.get("interpreters", [])] == [terp]
    is_(with_terp, 5, "each placed session is interpreted by Terp")
    is_(minutes(s, terp), {"2026-08-03": 90, "2026-08-04": 90},
        "Terp interprets 90 minutes on each day: the cap kept")


def full(s, sec, terp):
    b = request(s, sec, "D01", "D03")
    r = s.request("GET", "/api/v1/bilaterals/%d/slots?limit=100" % (b or 0), token=sec)
    is_((r.status, len((r.json or {}).get("items") or [])), (200, 0),
        "a sixth request: no slot, Terp is at the cap on both days")
    r = s.request("POST", C + "/schedule", {}, token=sec)
    if not is_(r.status, 200, "auto-schedule again: 200, not 409"):
        diag(r.text[:800])
    is_([u.get("bilateral_id") for u in (r.json or {}).get("unplaced", [])], [b],
        "… the sixth request left unplaced")
    is_(minutes(s, terp), {"2026-08-03": 90, "2026-08-04": 90}, "… the cap still kept")


def main():
    with Server(demo=False) as s:
        admin = s.token("admin")
        sec, terp = setup(s, admin)
        for n in range(1, 10, 2):
            request(s, sec, "D%02d" % n, "D%02d" % (n + 1))
        problem(s, sec, terp)
        schedule(s, sec, terp)
        full(s, sec, terp)
    done_testing()


main()
