#!/usr/bin/python3
"""plant-api.py — the planted benchmark (scripts/bench/src/plant.c) played
through kaigid's HTTP API (run by scripts/bench/solver --via-api, which
starts the cluster and kaigid).

The instance as `plant -d` prints it becomes a conference: five days in UTC
from 2030-01-07, 08:00-20:00, changeover 10; three venues of bilateral
rooms and a plenary hall with the generated travel times; each delegation
with a head and a deputy; the heads' two plenaries a day as plenary
sessions with every head attending; other busy times of a person as
unavailability; a busy room as an "other" session in it; each request a
bilateral request (head or deputy level, duration, window, priority)
accepted by the secretariat. Then POST /conferences/{slug}/schedule with
{"time_limit_ms": LIMIT}, timed from the request to the answer, and the
stored result read back (each request's session: start and room) into
OUT for `plant -a OUT`, which checks it independently.

Slots (issue 21: "slots for one request in under 50 ms" at COP size):
SLOTS requests (default 30; 0 skips) are picked at random (seeded) and
GET /bilaterals/{id}/slots timed from request to answer, once before the
schedule (the calendar holds the plenaries and reserved rooms only) and
once after it, for requests it left unplaced and for placed ones (a
scheduled request's other places): median, p90 and slowest, and how many
answers had no slot.

With interpreter teams (`plant -I N -d`): the conference's languages give
each team a language pair of its own (en-fr, en-de, ...), and each team is
one participant of role interpreter with that pair; a request with a team
needs the team's pair, so kaigi's interpreter for it is the planted team.
Every meeting needs one interpreter per pair (interpretation_rules
long_minutes above any meeting), at most `cap` minutes a day
(daily_minutes), and every bilateral room has one booth.

Usage: plant-api.py PORT TOKEN PLANT-BINARY OUT LIMIT-MS SEED [PLANT-FLAGS...]
(PLANT-FLAGS: e.g. -I 20 -C 360, given to `plant -d` as they are)
"""
import datetime
import json
import math
import os
import random
import subprocess
import sys
import time

from benchapi import Api, budget, hhmm

DAY0 = datetime.datetime(2030, 1, 7, tzinfo=datetime.timezone.utc)
SLUG = "planted"


def at(minutes):
    """RFC 3339 of a minute counted from day 0's midnight."""
    return (DAY0 + datetime.timedelta(minutes=minutes)).isoformat()


def minute_of(ts):
    return int((datetime.datetime.fromisoformat(ts) - DAY0).total_seconds() // 60)


LANGS = ["en", "fr", "de", "es", "it", "ja", "ko", "zh", "ru", "ar", "pt", "nl"]


def pairs(n):
    """n distinct language pairs, and the languages they use."""
    out = [a + "-" + b for i, a in enumerate(LANGS) for b in LANGS[i + 1:]][:n]
    return out, [x for x in LANGS if any(x in p.split("-") for p in out)] or ["en"]


def build_interpreters(api, inst, c):
    """One interpreter per team, with the team's own pair."""
    api.call("POST", c + "/delegations", {"code": "INT", "name": "Interpretation service", "kind": "organization"})
    for t, pr in enumerate(pairs(inst["teams"])[0]):
        api.call("POST", c + "/participants", {"delegation": "INT", "name": "Interpreter %d" % (t + 1),
                                               "role": "interpreter", "language_pairs": [pr]})


def build_places(api, inst, c):
    """Venues, travel times, rooms; (bilateral room ids, plenary room id)."""
    nv = inst["venues"]
    names = ["Venue %s" % chr(ord("A") + v) for v in range(nv - 1)] + ["Plenary hall"]
    venues = [api.call("POST", c + "/venues", {"name": n})["id"] for n in names]
    api.call("PUT", c + "/travel-times", [
        {"from_venue_id": venues[a], "to_venue_id": venues[b], "minutes": inst["travel"][a * nv + b]}
        for a in range(nv) for b in range(a + 1, nv)])
    rooms = [api.call("POST", c + "/rooms", {"venue_id": venues[r["venue"]], "name": "Room %d" % (k + 1),
                                             "capacity": r["capacity"], "kind": "bilateral",
                                             "booths": 1 if inst.get("teams") else 0})["id"]
             for k, r in enumerate(inst["rooms"])]
    hall = api.call("POST", c + "/rooms", {"venue_id": venues[nv - 1], "name": "Plenary",
                                           "capacity": 1000, "kind": "plenary"})["id"]
    return rooms, hall


def build_people(api, inst, c, hall):
    """Delegations, heads and deputies, plenaries, unavailability."""
    people = []
    for p, x in enumerate(inst["people"]):
        code = "D%03d" % (x["delegation"] + 1)
        if not x["deputy"]:
            api.call("POST", c + "/delegations", {"code": code, "name": "Delegation %d" % (x["delegation"] + 1),
                                                  "kind": "member"})
        people.append(api.call("POST", c + "/participants", {
            "delegation": code, "name": "%s of %s" % ("Deputy" if x["deputy"] else "Head", code),
            "role": "deputy" if x["deputy"] else "head"})["id"])
    plenary = sorted({(s, e) for x in inst["people"] for s, e, v in x["busy"] if v == inst["venues"] - 1})
    heads = [people[p] for p, x in enumerate(inst["people"]) if not x["deputy"]]
    for n, (s, e) in enumerate(plenary):
        api.call("POST", c + "/sessions", {"kind": "plenary", "title": "Plenary %d" % (n + 1), "room_id": hall,
                                           "start": at(s), "end": at(e), "attendees": heads})
    for p, x in enumerate(inst["people"]):
        for s, e in merged([(s, e) for s, e, v in x["busy"] if v < 0], inst["changeover"]):
            v = -1
            # A head's time away within the changeover of a plenary is
            # refused (409, the head attends it): the parts outside (no
            # meeting could use the minutes left out, changeover again).
            cuts = [(ps - inst["changeover"], pe + inst["changeover"]) for ps, pe in plenary]
            for s1, e1 in minus((s, e), cuts if not x["deputy"] else []) if v < 0 else []:
                api.call("POST", "/participants/%d/unavailability" % people[p],
                         {"start": at(s1), "end": at(e1), "reason": "away"})
    return people


def merged(ivs, gap):
    """Intervals that overlap or lie closer than gap merged (the API
    refuses time away within the changeover of other time away; no
    meeting could use such a gap, changeover again on both sides)."""
    out = []
    for s, e in sorted(ivs):
        if out and s < out[-1][1] + gap:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out


def minus(iv, cuts):
    """Interval iv without the intervals cuts: a list of intervals."""
    out = [iv]
    for cs, ce in cuts:
        out = [y for s, e in out for y in ((s, min(e, cs)), (max(s, ce), e)) if y[0] < y[1]]
    return out


def build(api, inst):
    """The conference; the request ids (None: refused by the API) and rooms."""
    teams = inst.get("teams", 0)
    conf = {"slug": SLUG, "title": "Planted", "timezone": "UTC", "start_date": DAY0.date().isoformat(),
            "end_date": (DAY0 + datetime.timedelta(days=inst["days"] - 1)).date().isoformat(),
            "changeover_minutes": inst["changeover"], "day_start": hhmm(inst["day_start"]),
            "day_end": hhmm(inst["day_end"])}
    if teams:
        conf["languages"] = pairs(teams)[1]
        conf["interpretation_rules"] = {"long_minutes": 24 * 60, "per_pair_long": 1, "per_pair": 1,
                                        "daily_minutes": inst["cap"]}
    api.call("POST", "/conferences", conf)
    c = "/conferences/" + SLUG
    rooms, hall = build_places(api, inst, c)
    build_people(api, inst, c, hall)
    if teams:
        build_interpreters(api, inst, c)
    team_pair = pairs(teams)[0]
    for k, r in enumerate(inst["rooms"]):
        for s, e, v in r["busy"]:
            api.call("POST", c + "/sessions", {"kind": "other", "title": "Reserved", "room_id": rooms[k],
                                               "start": at(s), "end": at(e)})
    ids, refused = [], 0
    for a, b, dep, dur, lo, hi, prio, *team in inst["requests"]:
        body = {"requester": "D%03d" % (a + 1), "counterpart": "D%03d" % (b + 1), "duration_minutes": dur,
                "earliest": at(lo), "latest": at(hi), "priority": prio, "level": "deputy" if dep else "head"}
        if team and team[0] >= 0:
            body["interpretation"] = [team_pair[team[0]]]
        status, doc = api.send("POST", c + "/bilaterals", body)
        if status != 201:
            refused += 1
            ids.append(None)
            if refused <= 3:
                print("plant-api: request refused: %d %s" % (status, json.dumps(doc)[:300]), file=sys.stderr)
            continue
        ids.append(doc["id"])
        api.call("POST", "/bilaterals/%d/accept" % doc["id"], {})
    if refused:
        print("plant-api: %d request(s) refused by the API (left unplaced)" % refused, file=sys.stderr)
    return ids, rooms


def read_back(api, ids, rooms):
    """Lines "REQUEST START ROOM" of the stored sessions."""
    c = "/conferences/" + SLUG
    reqs = {b["id"]: b for b in api.items(c + "/bilaterals")}
    sess = {s["id"]: s for s in api.items(c + "/sessions?kind=bilateral")}
    lines = []
    for q, rid in enumerate(ids):
        s = sess.get(reqs.get(rid, {}).get("session_id")) if rid is not None else None
        if s is not None:
            room = rooms.index(s["room_id"]) if s["room_id"] in rooms else -1
            lines.append("%d %d %d" % (q, minute_of(s["start"]), room))
    return lines


def pct(xs, p):
    """The p-th percentile (nearest rank) of xs, in ms."""
    xs = sorted(xs)
    return 1000 * xs[max(1, math.ceil(p / 100 * len(xs))) - 1]


def time_slots(api, ids, what):
    """GET /bilaterals/{id}/slots for each id, timed; one line of figures."""
    if not ids:
        return
    walls, empty = [], 0
    for rid in ids:
        t0 = time.monotonic()
        doc = api.call("GET", "/bilaterals/%d/slots?limit=10" % rid)
        walls.append(time.monotonic() - t0)
        empty += not doc["items"]
    print("plant-api: slots %s: %d requests, median %.1f ms, p90 %.1f ms, slowest %.1f ms, %d without a slot" % (
        what, len(ids), pct(walls, 50), pct(walls, 90), pct(walls, 100), empty), file=sys.stderr)


def main():
    port, token, plant, out, limit, seed = sys.argv[1:7]
    api = Api(int(port), token, "plant-api")
    inst = json.loads(subprocess.run([plant, "-s", seed] + sys.argv[7:] + ["-d"], check=True,
                                     capture_output=True, text=True).stdout)
    t0 = time.monotonic()
    ids, rooms = build(api, inst)
    print("plant-api: built through the API in %.0f s (%d requests)" % (time.monotonic() - t0, len(ids)),
          file=sys.stderr)
    if os.environ.get("PROFILE") == "1":   # count the schedule's SQL functions only
        subprocess.run([os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "pg"),
                        "psql", "-qc", "SELECT pg_stat_reset()"], check=True, capture_output=True)
    nslots = int(os.environ.get("SLOTS", "30"))
    rng = random.Random(int(seed))
    known = [x for x in ids if x is not None]
    time_slots(api, rng.sample(known, min(nslots, len(known))), "before the schedule")
    plan, wall = api.schedule(SLUG, limit)
    st = plan.get("stats", {})
    left = [u["bilateral_id"] for u in plan.get("unplaced", [])]
    placed = [p["bilateral_id"] for p in plan.get("placed", [])]
    time_slots(api, rng.sample(left, min(nslots, len(left))), "after it, of unplaced requests")
    time_slots(api, rng.sample(placed, min(nslots, len(placed))), "after it, of placed requests")
    lines = read_back(api, ids, rooms)
    print("plant-api: wall %.3f s; %s; placed %s of %s, breaks %s" % (
        wall, budget(st, wall), st.get("placed"), len(ids), st.get("breaks")))
    with open(out, "w") as f:
        f.write("".join(x + "\n" for x in lines))


if __name__ == "__main__":
    main()
