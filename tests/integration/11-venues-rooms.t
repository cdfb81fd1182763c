#!/usr/bin/python3
# 11-venues-rooms.t - venues, rooms and travel times of a conference:
# POST/PUT by its secretariat (and admin) only, GET by anyone; every
# validation error; rooms and travel times only over the conference's own
# venues; symmetric travel times; failed requests write nothing.
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *

C = "/api/v1/conferences/g7-digital-2023"


def count(conn, sql, args=()):
    """One number from the database."""
    with conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchone()[0]


def state(conn):
    """What a failed request must not change."""
    return tuple(count(conn, "SELECT count(*) FROM " + t)
                 for t in ("venues", "rooms", "travel_times", "audit_log"))


def field_errors(r):
    """The field names a 422 names."""
    return sorted(e["field"] for e in (r.json or {}).get("errors", []))


def roles(s, method, path, body, who, expect, what):
    """The same request as several callers, each with its expected status."""
    for name, tok in who:
        r = s.request(method, path, body, token=tok)
        is_(r.status, expect[name], "%s %s: %d" % (what, name, expect[name]))


with Server() as s:
    db = s.db()
    admin = s.token("admin")
    sec = s.token("secretariat", conference="g7-digital-2023")
    jp = s.token("liaison", conference="g7-digital-2023", delegation="JP")
    r = s.request("POST", "/api/v1/conferences", {
        "slug": "other", "title": "Other", "timezone": "Europe/Paris",
        "start_date": "2025-01-01", "end_date": "2025-01-02"}, token=admin)
    is_(r.status, 201, "a second conference")
    sec_other = s.token("secretariat", conference="other")
    r = s.request("POST", "/api/v1/conferences/other/venues", {"name": "Elsewhere"},
                  token=sec_other)
    is_(r.status, 201, "its secretariat adds a venue there")
    other_venue = r.json["id"]
    who = [("anonymous", None), ("bad token", "B" * 40), ("liaison", jp),
           ("other secretariat", sec_other)]
    denied = {"anonymous": 401, "bad token": 401, "liaison": 403, "other secretariat": 403}

    # ---- venues
    before = state(db)
    roles(s, "POST", C + "/venues", {"name": "Annex"}, who, denied, "POST venue as")
    for body, field in [({}, "name"), ({"name": ""}, "name"), ({"name": 3}, "name"),
                        ({"name": "x" * 201}, "name"), ({"name": "A", "address": 5}, "address"),
                        ({"name": "A", "rooms": []}, "rooms")]:
        r = s.request("POST", C + "/venues", body, token=sec)
        ok(r.status == 422 and field in field_errors(r), "venue 422 naming %s for %r" % (field, body))
    r = s.request("POST", "/api/v1/conferences/nope/venues", {"name": "A"}, token=admin)
    is_(r.status, 404, "venue in an unknown conference: 404")
    r = s.request("POST", C + "/venues", raw=b"{", token=sec,
                  headers={"Content-Type": "application/json"})
    is_(r.status, 400, "malformed JSON: 400")
    r = s.request("POST", C + "/venues", raw=b"name=A", token=sec,
                  headers={"Content-Type": "text/plain"})
    is_(r.status, 415, "text/plain: 415")
    is_(state(db), before, "failed venue requests wrote nothing")

    r = s.request("POST", C + "/venues", {"name": "Annex", "address": "1 Main St"}, token=sec)
    is_(r.status, 201, "secretariat adds a venue")
    annex = r.json
    is_((annex["name"], annex["address"], annex["version"], annex["conference"]),
        ("Annex", "1 Main St", 1, "g7-digital-2023"), "venue fields")
    is_(r.headers.get("ETag"), '"1"', "ETag")
    r = s.request("POST", C + "/venues", {"name": "Hotel"}, token=admin)
    is_((r.status, r.json["address"]), (201, ""), "admin adds a venue, address defaults to ''")
    hotel = r.json
    is_(count(db, "SELECT count(*) FROM audit_log WHERE entity = 'venue' AND action = 'create' "
              "AND entity_id = %s AND after->>'name' = 'Annex' AND role = 'secretariat'",
              (annex["id"],)), 1, "venue creation audited")
    r = s.request("GET", C + "/venues")
    is_(r.status, 200, "anyone lists venues")
    names = [v["name"] for v in r.json["items"]]
    is_(names[-2:], ["Annex", "Hotel"], "new venues listed last")
    ok("Elsewhere" not in names, "other conference's venue not listed")
    r = s.request("GET", C + "/venues?limit=1")
    is_((len(r.json["items"]), r.json["next"] is not None), (1, True), "paged")
    r = s.request("GET", "/api/v1/conferences/nope/venues")
    is_(r.status, 404, "venues of an unknown conference: 404")

    # ---- rooms
    room = {"venue_id": annex["id"], "name": "Room 1", "capacity": 20, "kind": "bilateral"}
    before = state(db)
    roles(s, "POST", C + "/rooms", room, who, denied, "POST room as")
    for change, field in [({"venue_id": None}, "venue_id"), ({"venue_id": "1"}, "venue_id"),
                          ({"venue_id": 0}, "venue_id"), ({"name": ""}, "name"),
                          ({"capacity": 0}, "capacity"), ({"capacity": 1.5}, "capacity"),
                          ({"kind": "ballroom"}, "kind"), ({"usable_for_bilaterals": "yes"},
                                                           "usable_for_bilaterals"),
                          ({"venue_id": other_venue}, "venue_id"),
                          ({"venue_id": 999999}, "venue_id")]:
        body = dict(room)
        body.update(change)
        if change.get("venue_id", 1) is None:
            del body["venue_id"]
        r = s.request("POST", C + "/rooms", body, token=sec)
        ok(r.status == 422 and field in field_errors(r), "room 422 naming %s for %r" % (field, change))
    r = s.request("POST", C + "/rooms", {"kind": "x", "capacity": -1}, token=sec)
    is_(field_errors(r), ["capacity", "kind", "name", "venue_id"], "every bad room field named")
    is_(state(db), before, "failed room requests wrote nothing")

    r = s.request("POST", C + "/rooms", room, token=sec)
    is_(r.status, 201, "secretariat adds a room")
    is_((r.json["venue_id"], r.json["venue"], r.json["capacity"], r.json["kind"],
         r.json["usable_for_bilaterals"]), (annex["id"], "Annex", 20, "bilateral", True),
        "room fields; a bilateral room is usable for bilaterals by default")
    r = s.request("POST", C + "/rooms", {"venue_id": hotel["id"], "name": "Salon", "capacity": 40},
                  token=admin)
    is_((r.status, r.json["kind"], r.json["usable_for_bilaterals"]), (201, "other", False),
        "admin adds a room; kind defaults to other")
    r = s.request("POST", C + "/rooms", {"venue_id": hotel["id"], "name": "Hall", "capacity": 90,
                                         "kind": "plenary", "usable_for_bilaterals": True}, token=sec)
    is_(r.json["usable_for_bilaterals"], True, "usable_for_bilaterals given explicitly")
    is_(count(db, "SELECT count(*) FROM audit_log WHERE entity = 'room' AND action = 'create'"), 3,
        "each room audited")
    r = s.request("GET", C + "/rooms")
    is_(r.status, 200, "anyone lists rooms")
    ok(len(r.json["items"]) >= 10, "demo rooms and new ones")
    r = s.request("GET", C + "/rooms?venue_id=%d" % hotel["id"])
    is_(sorted(x["name"] for x in r.json["items"]), ["Hall", "Salon"], "?venue_id= filters")
    r = s.request("GET", C + "/rooms?venue_id=x")
    is_(r.status, 400, "bad venue_id filter: 400")

    # ---- travel times
    tt = C + "/travel-times"
    r = s.request("GET", tt)
    is_(r.status, 200, "anyone reads travel times")
    demo_tt = r.json["items"]
    is_(len(demo_tt), 2, "the demo has both directions of one pair")
    a, h = annex["id"], hotel["id"]
    first_venue = demo_tt[0]["from_venue_id"]
    matrix = [{"from_venue_id": a, "to_venue_id": h, "minutes": 12},
              {"from_venue_id": first_venue, "to_venue_id": a, "minutes": 5},
              {"from_venue_id": a, "to_venue_id": first_venue, "minutes": 7}]
    before = state(db)
    roles(s, "PUT", tt, matrix, who, denied, "PUT travel times as")
    for body, field in [({"x": 1}, ""), ([{"from_venue_id": a, "to_venue_id": a, "minutes": 1}],
                                          "[0].to_venue_id"),
                        ([{"from_venue_id": a, "to_venue_id": h, "minutes": -1}], "[0].minutes"),
                        ([{"from_venue_id": a, "to_venue_id": h, "minutes": 1441}], "[0].minutes"),
                        ([{"from_venue_id": a, "minutes": 1}], "[0].to_venue_id"),
                        ([matrix[0], matrix[0]], "[1].to_venue_id"),
                        ([matrix[0], 5], "[1]"),
                        ([{"from_venue_id": a, "to_venue_id": other_venue, "minutes": 3}], "venue_id"),
                        ([{"from_venue_id": 999999, "to_venue_id": a, "minutes": 3}], "venue_id")]:
        r = s.request("PUT", tt, body, token=sec)
        ok(r.status == 422 and field in field_errors(r),
           "travel times 422 naming %r for %r" % (field, body))
    r = s.request("PUT", "/api/v1/conferences/nope/travel-times", matrix, token=admin)
    is_(r.status, 404, "travel times of an unknown conference: 404")
    is_(state(db), before, "failed travel-time requests wrote nothing")

    r = s.request("PUT", tt, matrix, token=sec)
    is_(r.status, 200, "secretariat replaces the matrix")
    got = {(x["from_venue_id"], x["to_venue_id"]): x["minutes"] for x in r.json["items"]}
    is_(got, {(a, h): 12, (h, a): 12, (first_venue, a): 5, (a, first_venue): 7},
        "one direction is mirrored; both given are kept; the old pairs are gone")
    is_(count(db, "SELECT count(*) FROM travel_times WHERE conference_id = "
              "(SELECT id FROM conferences WHERE slug = 'g7-digital-2023')"), 4, "stored: 4 rows")
    r = s.request("GET", tt)
    is_(len(r.json["items"]), 4, "GET shows the new matrix")
    is_(count(db, "SELECT count(*) FROM audit_log WHERE entity = 'travel_times' AND action = 'replace' "
              "AND jsonb_array_length(before->'items') = 2 AND jsonb_array_length(after->'items') = 4"),
        1, "replacement audited with before and after")
    r = s.request("PUT", tt, {"items": [matrix[0]]}, token=admin)
    is_((r.status, len(r.json["items"])), (200, 2), "admin PUTs {items: [...]} too")
    r = s.request("PUT", tt, [], token=sec)
    is_((r.status, r.json["items"]), (200, []), "an empty matrix clears it")
    r = s.request("GET", "/api/v1/conferences/other/travel-times")
    is_(r.json["items"], [], "other conference untouched")
    r = s.request("DELETE", tt, token=admin)
    is_(r.status, 405, "DELETE travel-times: 405")
    is_(s.stop(), 0, "kaigid exits 0 on SIGTERM")
done_testing()
