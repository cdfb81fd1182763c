#!/usr/bin/python3
"""49-interpretation.t — interpretation as a schedulable resource (issue 17, item 2).

On a conference of its own (en, ja): rooms carry booths (0 by default),
participants of role interpreter carry language_pairs, sessions and
bilateral requests carry interpretation (validated pairs: 422 for a
malformed pair or a language the conference lacks), the conference carries
interpretation_rules (defaults 40 / 2 / 1 / 360, changed by PATCH).

The rules, each through the session API: a session needing ja-en in a room
without booths is 409 naming the room; with no interpreter for a pair, 409
naming the pair (nothing stored); a session longer than 40 minutes gets two
interpreters picked, a short one one, shown in the session JSON with
auto=true and in the interpreters' own feeds and /conflicts; given
interpreters (auto=false) are kept; an interpreter given for a time they
interpret elsewhere is 409 naming them, and the busy table refuses it too
(with changeover); picking skips busy interpreters; the daily cap (set to
120 minutes) refuses a given interpreter past it and is respected when
picking; moving a session re-picks; a bilateral request's pairs reach its
session when it is scheduled.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "interp-2026"
C = "/api/v1/conferences/" + SLUG


def at(t):
    return "2026-06-01T%s:00+09:00" % t


def one(s, sql, *args):
    with s.db().cursor() as cur:
        cur.execute(sql, args)
        row = cur.fetchone()
        return row[0] if row else None


def must(r, status, what):
    if not is_(r.status, status, what):
        diag(r.text[:600])
    return r.json if r.status == status else {}


def setup(s, admin):
    must(s.request("POST", "/api/v1/conferences", {
        "slug": SLUG, "title": "Interpretation test", "timezone": "Asia/Tokyo",
        "start_date": "2026-06-01", "end_date": "2026-06-02", "languages": ["en", "ja"]},
        token=admin), 201, "conference created")
    sec = s.token("secretariat", SLUG)
    conf = must(s.request("GET", C, token=sec), 200, "GET conference")
    is_(conf.get("interpretation_rules"), {"long_minutes": 40, "per_pair_long": 2,
                                           "per_pair": 1, "daily_minutes": 360},
        "interpretation_rules: the defaults")
    v = must(s.request("POST", C + "/venues", {"name": "Hall"}, token=sec), 201, "venue")
    ids = {"sec": sec}
    for name, booths in (("Plain", None), ("Booths", 2), ("Other", 2), ("Bilateral", 1),
                         ("Spare", 1)):
        body = {"venue_id": v["id"], "name": name, "capacity": 20,
                "kind": "bilateral" if name == "Bilateral" else "other"}
        if booths is not None:
            body["booths"] = booths
        js = must(s.request("POST", C + "/rooms", body, token=sec), 201, "room %s" % name)
        is_(js.get("booths"), booths or 0, "room %s: booths %s" % (name, booths or 0))
        ids[name] = js.get("id")
    for code in ("JP", "CA", "INT"):
        must(s.request("POST", C + "/delegations", {"code": code, "name": code, "kind": "member"},
                       token=sec), 201, "delegation " + code)
    ids["jp"] = must(s.request("POST", C + "/participants", {
        "delegation": "JP", "name": "Head JP", "role": "head"}, token=sec), 201, "JP head")["id"]
    ids["ca"] = must(s.request("POST", C + "/participants", {
        "delegation": "CA", "name": "Head CA", "role": "head"}, token=sec), 201, "CA head")["id"]
    for n in (1, 2, 3):
        js = must(s.request("POST", C + "/participants", {
            "delegation": "INT", "name": "Interpreter %d" % n, "role": "interpreter",
            "language_pairs": ["en-ja"] if n != 3 else ["ja-en", "en-fr"]}, token=sec),
            201, "interpreter %d" % n)
        ids["i%d" % n] = js.get("id")
    is_(js.get("role"), "interpreter", "role interpreter")
    is_(js.get("language_pairs"), ["ja-en", "en-fr"], "language_pairs shown")
    return ids


def validation(s, ids):
    sec = ids["sec"]
    body = {"kind": "other", "title": "x", "start": at("09:00"), "end": at("09:30"),
            "room_id": ids["Booths"]}
    for bad, why in ((["jaen"], "a malformed pair"), (["ja-ja"], "a pair of one language"),
                     (["ja-en", "en-ja"], "a pair twice"), ("ja-en", "not an array")):
        r = s.request("POST", C + "/sessions", dict(body, interpretation=bad), token=sec)
        ok(r.status == 422 and "interpretation" in r.text, "%s: 422 naming interpretation" % why)
    r = s.request("POST", C + "/sessions", dict(body, interpretation=["ja-fr"]), token=sec)
    ok(r.status == 422 and "interpretation" in r.text and "fr" in r.text,
       "a language the conference lacks: 422")
    r = s.request("POST", C + "/rooms", {"venue_id": 1, "name": "B", "capacity": 2, "booths": -1},
                  token=sec)
    ok(r.status == 422 and "booths" in r.text, "booths -1: 422")
    r = s.request("POST", C + "/participants", {"delegation": "INT", "name": "X",
                                                "role": "interpreter", "language_pairs": ["x"]},
                  token=sec)
    ok(r.status == 422 and "language_pairs" in r.text, "a malformed language pair: 422")
    r = s.request("PATCH", C, {"interpretation_rules": {"daily_minutes": 0}}, token=sec)
    ok(r.status == 422 and "interpretation_rules" in r.text, "daily_minutes 0: 422")
    is_(one(s, "SELECT count(*) FROM sessions"), 0, "nothing stored")


def refusals(s, ids):
    sec = ids["sec"]
    body = {"kind": "other", "title": "Needs booths", "start": at("09:00"), "end": at("09:30"),
            "room_id": ids["Plain"], "interpretation": ["ja-en"], "attendees": [ids["jp"]]}
    r = s.request("POST", C + "/sessions", body, token=sec)
    is_(r.status, 409, "ja-en in a room without booths: 409")
    like(r.json.get("detail", "") if r.json else "", r"room %d \(Plain\) has 0 interpretation booth"
         % ids["Plain"], "… naming the room")
    is_((r.json or {}).get("room_id"), ids["Plain"], "… room_id in the problem")
    r = s.request("POST", C + "/sessions", dict(body, room_id=ids["Booths"],
                                                interpretation=["en-ja", "ja-en"][:1] + ["fr-en"]),
                  token=sec)
    ok(r.status == 422, "fr-en: fr is not a conference language: 422")
    must(s.request("PATCH", C, {"languages": ["en", "ja", "fr"]}, token=sec), 200, "add fr")
    r = s.request("POST", C + "/sessions", dict(body, room_id=ids["Booths"],
                                                interpretation=["ja-en", "fr-ja"]), token=sec)
    is_(r.status, 409, "no interpreter for fr-ja: 409")
    like((r.json or {}).get("detail", ""), r"fr-ja", "… naming the missing pair")
    is_((r.json or {}).get("missing"), ["fr-ja"], "… missing: [fr-ja]")
    is_(one(s, "SELECT count(*) FROM sessions"), 0, "nothing stored")
    is_(one(s, "SELECT count(*) FROM session_interpreters"), 0, "no interpreter assigned")


def picking(s, ids):
    sec = ids["sec"]
    long = must(s.request("POST", C + "/sessions", {
        "kind": "bilateral", "title": "Long", "start": at("09:00"), "end": at("10:00"),
        "room_id": ids["Booths"], "interpretation": ["ja-en"], "attendees": [ids["jp"], ids["ca"]]},
        token=sec), 201, "a 60-minute session needing ja-en: 201")
    got = sorted(i["id"] for i in long.get("interpreters", []))
    is_(len(got), 2, "two interpreters picked (longer than 40 minutes)")
    ok(all(i.get("auto") and i.get("pair") == "ja-en" for i in long.get("interpreters", [])),
       "… auto, for ja-en")
    is_(long.get("interpretation"), ["ja-en"], "interpretation shown")
    busy = one(s, "SELECT array_agg(participant_id ORDER BY participant_id) FROM busy"
               " WHERE session_id = %s", long.get("id"))
    ok(set(got) <= set(busy or []), "the interpreters are busy (busy table)")
    free = ({ids["i1"], ids["i2"], ids["i3"]} - set(got)).pop()
    short = must(s.request("POST", C + "/sessions", {
        "kind": "other", "title": "Short", "start": at("09:30"), "end": at("10:00"),
        "room_id": ids["Other"], "interpretation": ["ja-en"]}, token=sec), 201,
        "a 30-minute session at the same time: 201")
    is_([i["id"] for i in short.get("interpreters", [])], [free],
        "one interpreter picked: the only free one")
    r = s.request("POST", C + "/sessions", {
        "kind": "other", "title": "Third", "start": at("09:45"), "end": at("10:05"),
        "room_id": ids["Plain"], "interpretation": []}, token=sec)
    is_(r.status, 201, "a session needing no interpretation in a room without booths: 201")
    r = s.request("POST", C + "/sessions", {
        "kind": "other", "title": "Changeover", "start": at("10:05"), "end": at("10:30"),
        "room_id": ids["Other"], "interpretation": ["ja-en"]}, token=sec)
    is_(r.status, 409, "every interpreter within the changeover of 10:00: 409")
    like((r.json or {}).get("detail", ""), "ja-en", "… naming ja-en")
    return long, short


def double_booking(s, ids, long):
    sec = ids["sec"]
    taken = long["interpreters"][0]["id"]
    r = s.request("POST", C + "/sessions", {
        "kind": "other", "title": "Given busy", "start": at("09:15"), "end": at("09:45"),
        "room_id": ids["Spare"], "interpretation": ["ja-en"], "interpreters": [taken]}, token=sec)
    is_(r.status, 409, "an interpreter given while interpreting elsewhere: 409")
    if not is_([k.get("participant_id") for k in (r.json or {}).get("conflicts", [])], [taken],
               "… the conflict names them"):
        diag(r.text[:800])
    ok("Long" not in r.text, "… without the other session's title")
    with s.db().cursor() as cur:
        try:
            cur.execute("INSERT INTO session_interpreters (session_id, participant_id, pair)"
                        " SELECT id, %s, 'ja-en' FROM sessions WHERE title = 'Short'", (taken,))
            cur.connection.commit()
            ok(False, "the database refuses a double-booked interpreter")
        except Exception as e:  # noqa: BLE001
            cur.connection.rollback()
            like(str(e), "busy_no_overlap", "the database refuses a double-booked interpreter (23P01)")


def given_and_feeds(s, ids, long):
    sec = ids["sec"]
    js = must(s.request("POST", C + "/sessions", {
        "kind": "other", "title": "Given", "start": at("14:00"), "end": at("14:30"),
        "room_id": ids["Booths"], "interpretation": ["ja-en"], "interpreters": [ids["i3"]]},
        token=sec), 201, "a session with a given interpreter: 201")
    is_([(i["id"], i["auto"]) for i in js.get("interpreters", [])], [(ids["i3"], False)],
        "the given interpreter kept, auto false")
    r = s.request("POST", C + "/sessions", {
        "kind": "other", "title": "Wrong", "start": at("15:00"), "end": at("15:30"),
        "room_id": ids["Booths"], "interpretation": ["ja-en"], "interpreters": [ids["jp"]]},
        token=sec)
    ok(r.status == 422 and "interpreters" in r.text, "a head given as interpreter: 422")
    feed = s.request("GET", "/feeds/%s.ics" % s.feed_token(SLUG, participant=ids["i3"]))
    ok(feed.status == 200 and "SUMMARY:Given" in feed.text, "the interpreter's own feed has the session")
    other = long["interpreters"][0]["id"]
    feed = s.request("GET", "/feeds/%s.ics" % s.feed_token(SLUG, participant=other))
    ok("SUMMARY:Long" in feed.text, "the picked interpreter's feed has the restricted bilateral")
    idle = ({ids["i1"], ids["i2"], ids["i3"]} - {i["id"] for i in long["interpreters"]}).pop()
    feed = s.request("GET", "/feeds/%s.ics" % s.feed_token(SLUG, participant=idle))
    ok(feed.status == 200 and "SUMMARY:Long" not in feed.text,
       "… not in the feed of an interpreter who does not interpret it")
    feed = s.request("GET", "/feeds/%s.ics" % s.feed_token(SLUG, delegation="INT"))
    ok(feed.status == 200 and "SUMMARY:Long" not in feed.text,
       "… nor in the feed of the interpreters' delegation (no party)")
    r = s.request("GET", "/api/v1/sessions/%d" % long["id"], token=s.token("liaison", SLUG, "INT"))
    is_(r.status, 404, "… whose liaison gets 404 for it")
    k = must(s.request("GET", C + "/conflicts", token=sec), 200, "GET /conflicts")
    pairs = {(x["session_id"], x["participant_id"]) for x in k.get("interpreters", [])}
    ok((js["id"], ids["i3"]) in pairs and (long["id"], other) in pairs,
       "/conflicts lists the interpreters of each session")
    is_([x for x in k.get("items", []) if x["rule"] == "interpretation"], [],
        "/conflicts: no interpretation rule broken")
    # PATCH: a shorter meeting needs one interpreter per pair; clearing drops them.
    r = s.request("PATCH", "/api/v1/sessions/%d" % js["id"], {"interpretation": []}, token=sec)
    is_((r.status, (r.json or {}).get("interpreters")), (200, []), "PATCH interpretation [] drops them")
    return js


def daily_cap(s, ids):
    sec = ids["sec"]
    js = must(s.request("PATCH", C, {"interpretation_rules": {"daily_minutes": 120,
                                                               "long_minutes": 90}},
                        token=sec), 200, "PATCH interpretation_rules")
    is_(js.get("interpretation_rules"), {"long_minutes": 90, "per_pair_long": 2, "per_pair": 1,
                                         "daily_minutes": 120}, "… shown, the rest the defaults")
    # i3 interprets nothing yet on 2 June; 90 minutes given, then 60 more is over 120.
    day = "2026-06-02T%s:00+09:00"
    must(s.request("POST", C + "/sessions", {
        "kind": "other", "title": "Cap 1", "start": day % "09:00", "end": day % "10:30",
        "room_id": ids["Booths"], "interpretation": ["ja-en"], "interpreters": [ids["i3"]]},
        token=sec), 201, "90 minutes for interpreter 3: 201")
    r = s.request("POST", C + "/sessions", {
        "kind": "other", "title": "Cap 2", "start": day % "11:00", "end": day % "12:00",
        "room_id": ids["Booths"], "interpretation": ["ja-en"], "interpreters": [ids["i3"]]},
        token=sec)
    is_(r.status, 409, "60 more minutes the same day for interpreter 3: 409 (the cap is 120)")
    like((r.json or {}).get("detail", ""), r"150 minutes.*cap is 120", "… saying the minutes and the cap")
    js = must(s.request("POST", C + "/sessions", {
        "kind": "other", "title": "Cap 3", "start": day % "11:00", "end": day % "12:00",
        "room_id": ids["Booths"], "interpretation": ["ja-en"]}, token=sec), 201,
        "60 minutes to pick for: 201")
    got = {i["id"] for i in js.get("interpreters", [])}
    ok(ids["i3"] not in got and len(got) == 1, "picking skips the interpreter at the cap")
    r = s.request("POST", C + "/sessions", {
        "kind": "other", "title": "Cap 4", "start": day % "13:00", "end": day % "14:00",
        "room_id": ids["Booths"], "interpretation": ["ja-en"]}, token=sec)
    is_(r.status, 201, "another hour: the interpreter with the fewest minutes: 201")
    ok({i["id"] for i in (r.json or {}).get("interpreters", [])} == {ids["i1"], ids["i2"]} - got,
       "… the other one")
    r = s.request("POST", C + "/sessions", {
        "kind": "other", "title": "Cap 5", "start": day % "15:00", "end": day % "16:30",
        "room_id": ids["Booths"], "interpretation": ["ja-en"]}, token=sec)
    is_(r.status, 409, "90 minutes more would pass everyone's cap: 409 naming the pair")
    like((r.json or {}).get("detail", ""), "ja-en", "… ja-en")


def moving(s, ids, short):
    sec = ids["sec"]
    r = s.request("PATCH", "/api/v1/sessions/%d" % short["id"],
                  {"start": at("16:00"), "end": at("16:30")}, token=sec)
    is_(r.status, 200, "moving a session with picked interpreters: 200")
    ok(len((r.json or {}).get("interpreters", [])) == 1, "… still one interpreter")
    taken = ids["long"]["interpreters"][0]["id"]
    r = s.request("PATCH", "/api/v1/sessions/%d" % short["id"],
                  {"start": at("09:30"), "end": at("10:00"), "interpreters": [taken]}, token=sec)
    is_(r.status, 409, "PATCH back beside Long, giving one of Long's interpreters: 409")
    is_([k.get("participant_id") for k in (r.json or {}).get("conflicts", [])], [taken],
        "… naming the interpreter")
    js = must(s.request("GET", "/api/v1/sessions/%d" % short["id"], token=sec), 200, "GET")
    is_((len(js.get("interpreters", [])), js.get("start")), (1, at("16:00")),
        "… nothing changed")
    ok(taken not in {i["id"] for i in js.get("interpreters", [])}, "… nor assigned")


def bilateral(s, ids):
    sec = ids["sec"]
    js = must(s.request("POST", C + "/bilaterals", {
        "requester": "JP", "counterpart": "CA", "duration_minutes": 30,
        "interpretation": ["ja-en"]}, token=sec), 201, "a bilateral request with interpretation")
    is_(js.get("interpretation"), ["ja-en"], "… shown")
    r = s.request("PATCH", "/api/v1/bilaterals/%d" % js["id"], {"interpretation": ["en-ja"]},
                  token=sec, headers={"If-Match": '"%d"' % js["version"]})
    is_((r.status, (r.json or {}).get("interpretation")), (200, ["en-ja"]), "PATCH interpretation")
    r = s.request("POST", "/api/v1/bilaterals/%d/accept" % js["id"], token=s.token("liaison", SLUG, "CA"))
    is_(r.status, 200, "accepted")
    r = s.request("POST", "/api/v1/bilaterals/%d/schedule" % js["id"],
                  {"start": at("17:00"), "room_id": ids["Bilateral"]}, token=sec)
    if not is_(r.status, 201, "scheduled by hand"):
        diag(r.text[:500])
    sid = one(s, "SELECT session_id FROM bilateral_requests WHERE id = %s", js["id"])
    sj = must(s.request("GET", "/api/v1/sessions/%d" % (sid or 0), token=sec), 200, "its session")
    is_(sj.get("interpretation"), ["en-ja"], "the session needs the request's pair")
    is_(len(sj.get("interpreters", [])), 1, "… and has an interpreter")


def demo():
    """The demo: the chair's seven bilaterals need ja-en and have the day's
    team of two given interpreters; Japanese titles; nothing broken."""
    with Server() as s:
        sec = s.token("secretariat", "g7-digital-2023")
        with s.db().cursor() as cur:
            cur.execute("""SELECT s.title, s.titles->>'ja', s.interpretation,
                (s.starts_at AT TIME ZONE 'Asia/Tokyo')::date::text,
                array_agg(p.name ORDER BY p.name), bool_or(i.auto), max(s.version)
                FROM sessions s JOIN session_interpreters i ON i.session_id = s.id
                JOIN participants p ON p.id = i.participant_id
                WHERE s.kind = 'bilateral' GROUP BY s.id ORDER BY s.starts_at""")
            rows = cur.fetchall()
        is_(len(rows), 7, "demo: the chair's seven bilaterals have interpreters")
        ok(all(r[2] == ["ja-en"] and r[5] is False and r[6] == 1 for r in rows),
           "demo: each needs ja-en, its interpreters given, the session at version 1")
        ok(all(r[4] == ["Interpreter %s%d, Japan (illustrative)" % ("A" if r[3] == "2023-04-29" else "B", n)
                        for n in (1, 2)] for r in rows), "demo: team A on 29 April, team B on 30 April")
        ok(all(r[1] and "二国間会談" in r[1] for r in rows), "demo: the bilaterals have Japanese titles")
        k = must(s.request("GET", "/api/v1/conferences/g7-digital-2023/conflicts", token=sec), 200,
                 "demo: GET /conflicts")
        is_([x for x in k.get("items", []) if x["rule"] == "interpretation"], [],
            "demo: no interpretation rule broken")
        is_(len(k.get("interpreters", [])), 14, "demo: /conflicts lists the 14 assignments")


def scheduler(s, admin):
    """The auto-scheduler treats interpreters and booths as scarce: two
    hour-long requests needing ja-en (two interpreters each) with only two
    interpreters and one room with a booth are placed one after the other
    in that room, each with both interpreters."""
    slug = "interp-sched"
    base = "/api/v1/conferences/" + slug
    must(s.request("POST", "/api/v1/conferences", {
        "slug": slug, "title": "Scheduler", "timezone": "Asia/Tokyo", "start_date": "2026-07-01",
        "end_date": "2026-07-01", "languages": ["en", "ja"], "day_start": "09:00",
        "day_end": "13:00"}, token=admin), 201, "scheduler: conference")
    sec = s.token("secretariat", slug)
    v = must(s.request("POST", base + "/venues", {"name": "Hall"}, token=sec), 201, "venue")
    rooms = {}
    for name, booths in (("Without", 0), ("With", 1)):
        rooms[name] = must(s.request("POST", base + "/rooms", {
            "venue_id": v["id"], "name": name, "capacity": 10, "kind": "bilateral",
            "booths": booths}, token=sec), 201, "room " + name)["id"]
    for code in ("AA", "BB", "CC", "DD", "INT"):
        must(s.request("POST", base + "/delegations", {"code": code, "name": code, "kind": "member"},
                       token=sec), 201, "delegation " + code)
        if code != "INT":
            must(s.request("POST", base + "/participants", {"delegation": code, "name": "Head " + code,
                                                            "role": "head"}, token=sec), 201, "head")
    terps = [must(s.request("POST", base + "/participants", {
        "delegation": "INT", "name": "Terp %d" % n, "role": "interpreter",
        "language_pairs": ["ja-en"]}, token=sec), 201, "interpreter")["id"] for n in (1, 2)]
    for a, b in (("AA", "BB"), ("CC", "DD")):
        js = must(s.request("POST", base + "/bilaterals", {
            "requester": a, "counterpart": b, "duration_minutes": 60, "interpretation": ["ja-en"]},
            token=sec), 201, "request %s-%s" % (a, b))
        r = s.request("POST", "/api/v1/bilaterals/%d/accept" % js["id"], token=s.token("liaison", slug, b))
        is_(r.status, 200, "accepted")
    r = s.request("POST", base + "/schedule", {}, token=sec)
    if not is_(r.status, 200, "scheduler: 200"):
        diag(r.text[:800])
    is_(((r.json or {}).get("unplaced"), len((r.json or {}).get("placed", []))), ([], 2),
        "both requests placed")
    got = []
    for p in (r.json or {}).get("placed", []):
        js = must(s.request("GET", "/api/v1/sessions/%d" % (p.get("session_id") or 0), token=sec),
                  200, "placed session")
        got.append((js.get("room_id"), js.get("start"), js.get("end"),
                    sorted(i["id"] for i in js.get("interpreters", []))))
    got.sort(key=lambda x: x[1] or "")
    ok(len(got) == 2 and all(g[0] == rooms["With"] and g[3] == sorted(terps) for g in got),
       "each in the room with a booth, with both interpreters")
    ok(len(got) == 2 and got[0][2] <= got[1][1], "one after the other")


def main():
    demo()
    with Server(demo=False) as s:
        admin = s.token("admin")
        ids = setup(s, admin)
        validation(s, ids)
        refusals(s, ids)
        long, short = picking(s, ids)
        ids["long"] = long
        double_booking(s, ids, long)
        given_and_feeds(s, ids, long)
        daily_cap(s, ids)
        moving(s, ids, short)
        bilateral(s, ids)
        scheduler(s, admin)
    done_testing()


main()
