#!/usr/bin/python3
"""49-interp-team-trade.t — the auto-scheduler trades interpreter teams
between requests (issue 17, item 2: "places every request that can be
placed"; server/solver/solver-alt.c, sv_trades).

One day 09:00-13:00, changeover 0, two rooms with a booth, three ja-en
interpreters T1, T2, T3; T3 is away from 09:30. Two accepted bilaterals
needing ja-en, each with one possible time because its heads leave:
- X, 30 minutes at 09:00 (its heads away from 09:30): one interpreter;
  its round-robin team is T1, its other teams T2 and T3;
- Y, 60 minutes at 09:00 (its heads away from 10:00): two interpreters
  (meetings over 40 minutes); its team is T1+T3, its others T2+T3 and
  T1+T2. Only T1+T2 are free for the hour.
The search places X with T1; Y's teams then all meet someone busy, and
before the trade it was left out. Both fit only if X takes T3, whose 09:30
is X's end: a dry run now places both, X with T3 and Y with T1+T2, and so
does the written schedule.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "interp-trade"
C = "/api/v1/conferences/" + SLUG
DAY = "2026-08-03T"


def must(r, status, what):
    if not is_(r.status, status, what):
        diag(r.text[:800])
    return r.json if r.status == status else {}


def away(s, sec, pid, start, who):
    must(s.request("POST", "/api/v1/participants/%d/unavailability" % pid, {
        "start": DAY + start + ":00+09:00", "end": DAY + "14:00:00+09:00", "reason": "away"},
        token=sec), 201, "%s away from %s" % (who, start))


def setup(s, admin):
    """The conference, rooms, heads (away as above), T1-T3 (T3 from 09:30)."""
    must(s.request("POST", "/api/v1/conferences", {
        "slug": SLUG, "title": "Interpreters to trade", "timezone": "Asia/Tokyo",
        "start_date": "2026-08-03", "end_date": "2026-08-03", "languages": ["en", "ja"],
        "changeover_minutes": 0, "day_start": "09:00", "day_end": "13:00"}, token=admin),
        201, "conference")
    sec = s.token("secretariat", SLUG)
    v = must(s.request("POST", C + "/venues", {"name": "Hall"}, token=sec), 201, "venue")
    for name in ("A", "B"):
        must(s.request("POST", C + "/rooms", {"venue_id": v["id"], "name": name, "capacity": 10,
                                              "kind": "bilateral", "booths": 1}, token=sec),
             201, "room " + name)
    leave = {"D1": "09:30", "D2": "09:30", "D3": "10:00", "D4": "10:00"}
    for code in ("D1", "D2", "D3", "D4", "INT"):
        must(s.request("POST", C + "/delegations", {"code": code, "name": code, "kind": "member"},
                       token=sec), 201, "delegation " + code)
    for code, at in leave.items():
        head = must(s.request("POST", C + "/participants", {
            "delegation": code, "name": "Head " + code, "role": "head"}, token=sec), 201, "head")
        away(s, sec, head.get("id", 0), at, "head " + code)
    terp = {}
    for name in ("T1", "T2", "T3"):
        terp[name] = must(s.request("POST", C + "/participants", {
            "delegation": "INT", "name": name, "role": "interpreter",
            "language_pairs": ["ja-en"]}, token=sec), 201, "interpreter " + name).get("id")
    away(s, sec, terp["T3"], "09:30", "T3")
    return sec, terp


def request(s, sec, a, b, minutes):
    js = must(s.request("POST", C + "/bilaterals", {
        "requester": a, "counterpart": b, "duration_minutes": minutes,
        "interpretation": ["ja-en"]}, token=sec), 201, "request %s-%s" % (a, b))
    r = s.request("POST", "/api/v1/bilaterals/%d/accept" % js.get("id", 0),
                  token=s.token("liaison", SLUG, b))
    is_(r.status, 200, "… accepted")
    return js.get("id")


def problem(s, terp, x, y):
    """The teams are as the docstring says, so the trade is needed."""
    with s.db().cursor() as cur:
        cur.execute("SELECT kaigi_bilateral_problem('{\"role\": \"admin\"}', %s, NULL)", (SLUG,))
        pb = cur.fetchone()[0]
    req = {r["id"]: r for r in pb["requests"]}
    t = {v: k for k, v in terp.items()}

    def teams(r):
        return [sorted(t[i] for i in r.get("interpreters", []))] + \
            [sorted(t[i] for i in a.get("interpreters", [])) for a in r.get("alts", [])]
    is_(teams(req.get(x, {})), [["T1"], ["T2"], ["T3"]], "X: T1, then T2, T3")
    is_(teams(req.get(y, {})), [["T1", "T3"], ["T2", "T3"], ["T1", "T2"]],
        "Y: T1+T3, then T2+T3, T1+T2")


def check(s, sec, terp, js, x, y, what):
    placed = {p.get("bilateral_id"): p for p in js.get("placed", [])}
    is_(sorted(placed), sorted([x, y]), what + ": both placed (Y was left out before)")
    is_({b: sorted(p.get("interpreters") or []) for b, p in placed.items()},
        {x: [terp["T3"]], y: sorted([terp["T1"], terp["T2"]])},
        what + ": X with T3, Y with T1 and T2")
    is_({b: p.get("start") for b, p in placed.items()},
        {x: DAY + "09:00:00+09:00", y: DAY + "09:00:00+09:00"}, what + ": both at 09:00")
    return placed


def main():
    with Server(demo=False) as s:
        sec, terp = setup(s, s.token("admin"))
        x = request(s, sec, "D1", "D2", 30)
        y = request(s, sec, "D3", "D4", 60)
        problem(s, terp, x, y)
        check(s, sec, terp, must(s.request("POST", C + "/schedule", {"dry_run": True}, token=sec),
                                 200, "dry run"), x, y, "dry run")
        js = must(s.request("POST", C + "/schedule", {}, token=sec), 200, "schedule written")
        is_(js.get("unplaced"), [], "nothing left out")
        for b, p in check(s, sec, terp, js, x, y, "written").items():
            got = must(s.request("GET", "/api/v1/sessions/%d" % (p.get("session_id") or 0),
                                 token=sec), 200, "session of request %s" % b)
            is_(sorted(i["id"] for i in got.get("interpreters", [])), sorted(p.get("interpreters")),
                "… its session has those interpreters")
    done_testing()


main()
