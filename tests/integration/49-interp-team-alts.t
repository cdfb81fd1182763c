#!/usr/bin/python3
"""49-interp-team-alts.t — the auto-scheduler and the slots choose among the
interpreters (issue 17, item 2: "places every request that can be placed";
sql/500_interp_team_alts.sql, server/solver/solver-alt.c).

One day 09:00-13:00, two rooms with a booth, two ja-en interpreters (T1,
T2) and two accepted 30-minute bilaterals needing ja-en. The round-robin
teams give the first request T1 and the second T2, and T2 is unavailable
all day. Before, the solver saw only T2 for the second request: no slot,
and the schedule left it out. Now the problem offers T1 as another team
("alts"); the slots of the second request are T1's free times; a dry run
places both and says which interpreters each took; the written schedule
places both, the second with T1 at another time than the first.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "interp-alts"
C = "/api/v1/conferences/" + SLUG


def must(r, status, what):
    if not is_(r.status, status, what):
        diag(r.text[:800])
    return r.json if r.status == status else {}


def setup(s, admin):
    """The conference, two rooms, four heads, T1 and T2 (T2 away all day)."""
    must(s.request("POST", "/api/v1/conferences", {
        "slug": SLUG, "title": "Interpreters to choose from", "timezone": "Asia/Tokyo",
        "start_date": "2026-08-03", "end_date": "2026-08-03", "languages": ["en", "ja"],
        "day_start": "09:00", "day_end": "13:00"}, token=admin), 201, "conference")
    sec = s.token("secretariat", SLUG)
    v = must(s.request("POST", C + "/venues", {"name": "Hall"}, token=sec), 201, "venue")
    for name in ("A", "B"):
        must(s.request("POST", C + "/rooms", {"venue_id": v["id"], "name": name, "capacity": 10,
                                              "kind": "bilateral", "booths": 1}, token=sec),
             201, "room " + name)
    for code in ("D1", "D2", "D3", "D4", "INT"):
        must(s.request("POST", C + "/delegations", {"code": code, "name": code, "kind": "member"},
                       token=sec), 201, "delegation " + code)
    for code in ("D1", "D2", "D3", "D4"):
        must(s.request("POST", C + "/participants", {"delegation": code, "name": "Head " + code,
                                                     "role": "head"}, token=sec), 201, "head")
    terp = {}
    for name in ("T1", "T2"):
        terp[name] = must(s.request("POST", C + "/participants", {
            "delegation": "INT", "name": name, "role": "interpreter",
            "language_pairs": ["ja-en"]}, token=sec), 201, "interpreter " + name).get("id")
    must(s.request("POST", "/api/v1/participants/%d/unavailability" % terp["T2"], {
        "start": "2026-08-03T08:00:00+09:00", "end": "2026-08-03T14:00:00+09:00",
        "reason": "away"}, token=sec), 201, "T2 away all day")
    return sec, terp


def request(s, sec, a, b):
    js = must(s.request("POST", C + "/bilaterals", {
        "requester": a, "counterpart": b, "duration_minutes": 30,
        "interpretation": ["ja-en"]}, token=sec), 201, "request %s-%s" % (a, b))
    r = s.request("POST", "/api/v1/bilaterals/%d/accept" % js.get("id", 0),
                  token=s.token("liaison", SLUG, b))
    is_(r.status, 200, "… accepted")
    return js.get("id")


def problem(s, terp, second):
    """The problem: the second request planned with T2, T1 as its alt."""
    with s.db().cursor() as cur:
        cur.execute("SELECT kaigi_bilateral_problem('{\"role\": \"admin\"}', %s, NULL)", (SLUG,))
        pb = cur.fetchone()[0]
    r = [x for x in pb["requests"] if x["id"] == second]
    r = r[0] if r else {}
    ids = [p["id"] for p in pb["people"]]
    is_(r.get("interpreters"), [terp["T2"]], "the problem: the second request's team is T2")
    alts = r.get("alts") or [{}]
    is_((len(r.get("alts") or []), alts[0].get("interpreters")), (1, [terp["T1"]]),
        "… and T1 its one other team")
    ok(terp["T1"] in [ids[i] for i in alts[0].get("people", [])] and
       terp["T2"] not in [ids[i] for i in alts[0].get("people", [])],
       "… whose people have T1 instead of T2")


def slots(s, sec, second):
    r = s.request("GET", "/api/v1/bilaterals/%d/slots?limit=100" % second, token=sec)
    n = len((r.json or {}).get("items") or [])
    ok(r.status == 200 and n > 0, "slots of the second request: T1's free times (%d)" % n)


def schedule(s, sec, terp, first, second):
    r = s.request("POST", C + "/schedule", {"dry_run": True}, token=sec)
    js = must(r, 200, "dry run")
    got = {p.get("bilateral_id"): p.get("interpreters") for p in js.get("placed", [])}
    is_(got, {first: [terp["T1"]], second: [terp["T1"]]},
        "dry run: both placed, each says T1")
    js = must(s.request("POST", C + "/schedule", {}, token=sec), 200, "schedule written")
    is_(js.get("unplaced"), [], "nothing left out")
    placed = {p.get("bilateral_id"): p for p in js.get("placed", [])}
    is_({b: p.get("interpreters") for b, p in placed.items()},
        {first: [terp["T1"]], second: [terp["T1"]]}, "the answer: both sessions interpreted by T1")
    spans = []
    for b in (first, second):
        x = must(s.request("GET", "/api/v1/sessions/%d" % (placed.get(b, {}).get("session_id") or 0),
                           token=sec), 200, "session of request %s" % b)
        is_([i["id"] for i in x.get("interpreters", [])], [terp["T1"]], "… T1 interprets it")
        spans.append((x.get("start"), x.get("end")))
    ok(len(spans) == 2 and (spans[0][1] <= spans[1][0] or spans[1][1] <= spans[0][0]),
       "… at two times that do not overlap: %s" % spans)


def main():
    with Server(demo=False) as s:
        admin = s.token("admin")
        sec, terp = setup(s, admin)
        first = request(s, sec, "D1", "D2")
        second = request(s, sec, "D3", "D4")
        problem(s, terp, second)
        slots(s, sec, second)
        schedule(s, sec, terp, first, second)
    done_testing()


main()
