#!/usr/bin/python3
# 15-edit-delete.t — every set-up resource editable (issue 15): GET, PATCH
# (If-Match: 412 when stale) and DELETE of venues, rooms and delegations;
# PATCH and DELETE of travel times; DELETE of participants and PATCH of
# their unavailability (secretariat, or the liaison of their delegation);
# PATCH of a bilateral request while it is not scheduled; archiving a
# conference. For each: success, 404, 403 naming the role, 412, 422, and
# for deletes 409 listing what still refers to the row, with nothing
# removed (never a silent cascade). Every change leaves an audit row.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
C = "/api/v1/conferences/" + SLUG


def one(db, q, *args):
    """The first column of the first row."""
    with db.cursor() as cur:
        cur.execute(q, args)
        row = cur.fetchone()
        return row[0] if row else None


def counts(db):
    """Row counts a refused request must not change."""
    return tuple(one(db, "SELECT count(*) FROM " + t) for t in (
        "venues", "rooms", "travel_times", "delegations", "participants", "unavailability",
        "sessions", "session_attendees", "bilateral_requests", "api_tokens", "audit_log"))


def fields(r):
    """The field names of a 422."""
    return sorted(e.get("field") for e in (r.json or {}).get("errors", []))


def audited(db, entity, action, eid):
    """How many audit rows say so."""
    return one(db, "SELECT count(*) FROM audit_log WHERE entity = %s AND action = %s"
                   " AND entity_id IS NOT DISTINCT FROM %s", entity, action, eid)


class T:
    """The server, its database and the callers."""

    def __init__(self, s):
        self.s = s
        self.db = s.db()
        self.admin = s.token("admin")
        self.sec = s.token("secretariat", conference=SLUG)
        self.jp = s.token("liaison", conference=SLUG, delegation="JP")
        self.ca = s.token("liaison", conference=SLUG, delegation="CA")
        r = s.request("POST", "/api/v1/conferences", {
            "slug": "other", "title": "Other", "timezone": "Europe/Paris",
            "start_date": "2025-01-01", "end_date": "2025-01-02"}, token=self.admin)
        assert r.status == 201, r
        self.sec_other = s.token("secretariat", conference="other")

    def req(self, method, path, body=None, token=None, version=None):
        """A request, with If-Match when version is given."""
        h = {"If-Match": '"%s"' % version} if version is not None else None
        return self.s.request(method, path, body, token=token, headers=h)

    def denied(self, method, path, body, what):
        """Liaison: 403 naming the secretariat; other secretariat: 403; anonymous 401."""
        r = self.req(method, path, body, token=self.jp)
        ok(r.status == 403 and "secretariat" in (r.json or {}).get("detail", ""),
           "%s as a liaison: 403 naming the secretariat role" % what)
        is_(self.req(method, path, body, token=self.sec_other).status, 403,
            "%s as another conference's secretariat: 403" % what)
        is_(self.req(method, path, body).status, 401, "%s without a token: 401" % what)

    def refused(self, method, path, want, what, body=None, version=None, token=None):
        """A request that must be refused with want and store nothing."""
        before = counts(self.db)
        r = self.req(method, path, body, token=token or self.sec, version=version)
        is_(r.status, want, "%s: %d" % (what, want))
        is_(counts(self.db), before, "%s: nothing changed" % what)
        return r


def venues(t):
    messe = one(t.db, "SELECT id FROM venues WHERE name = 'G Messe Gunma'")
    r = t.req("POST", C + "/venues", {"name": "Annex"}, token=t.sec)
    annex = r.json
    path = "/api/v1/venues/%d" % annex["id"]
    r = t.req("GET", path)
    is_((r.status, r.json["name"], r.headers.get("ETag")), (200, "Annex", '"1"'), "GET venue (anyone)")
    is_(t.req("GET", "/api/v1/venues/999999").status, 404, "GET unknown venue: 404")
    is_(t.req("GET", "/api/v1/venues/x").status, 404, "GET venue x: 404")
    t.denied("PATCH", path, {"name": "Annexe"}, "PATCH venue")
    t.refused("PATCH", path, 412, "PATCH venue, stale If-Match", {"name": "Annexe"}, version=7)
    r = t.refused("PATCH", path, 422, "PATCH venue, empty name", {"name": ""})
    is_(fields(r), ["name"], "... naming name")
    r = t.refused("PATCH", path, 422, "PATCH venue, unknown field", {"rooms": 3})
    t.refused("PATCH", "/api/v1/venues/999999", 404, "PATCH unknown venue", {"name": "X"})
    r = t.req("PATCH", path, {"name": "Annexe", "address": "2 Main St"}, token=t.sec, version=1)
    is_((r.status, r.json["name"], r.json["address"], r.json["version"], r.headers.get("ETag")),
        (200, "Annexe", "2 Main St", 2, '"2"'), "PATCH venue with the right If-Match")
    is_(one(t.db, "SELECT count(*) FROM audit_log WHERE entity = 'venue' AND action = 'update'"
                  " AND entity_id = %s AND before->>'name' = 'Annex' AND after->>'name' = 'Annexe'",
            annex["id"]), 1, "PATCH venue audited with before and after")
    r = t.req("PATCH", path, {"name": "Annexe"}, token=t.admin)
    is_((r.status, r.json["version"]), (200, 2), "a PATCH that changes nothing keeps the version")
    r = t.refused("DELETE", "/api/v1/venues/%d" % messe, 409, "DELETE a venue with rooms")
    refs = (r.json or {}).get("references", {})
    is_(sorted(x["name"] for x in refs.get("rooms", []))[:2], ["Banquet Room", "Bilateral Room A"],
        "the 409 lists the venue's rooms")
    is_(len(refs.get("travel_times", [])), 2, "... and its travel times")
    like((r.json or {}).get("detail", ""), r"6 rooms, 2 travel times", "the detail counts them")
    t.denied("DELETE", path, None, "DELETE venue")
    t.refused("DELETE", path, 412, "DELETE venue, stale If-Match", version=1)
    t.refused("DELETE", "/api/v1/venues/999999", 404, "DELETE unknown venue")
    is_(t.req("DELETE", path, token=t.sec, version=2).status, 204, "DELETE an unused venue: 204")
    is_(t.req("GET", path).status, 404, "... then it is gone")
    is_(audited(t.db, "venue", "delete", annex["id"]), 1, "DELETE venue audited")
    return messe


def rooms(t, messe):
    theatre = one(t.db, "SELECT id FROM venues WHERE name LIKE 'Takasaki City Theatre%%'")
    room_a = one(t.db, "SELECT id FROM rooms WHERE name = 'Bilateral Room A'")
    r = t.req("POST", C + "/rooms", {"venue_id": messe, "name": "Room 9", "capacity": 10}, token=t.sec)
    nine = r.json["id"]
    path = "/api/v1/rooms/%d" % nine
    r = t.req("GET", path)
    is_((r.status, r.json["name"], r.json["venue_id"]), (200, "Room 9", messe), "GET room (anyone)")
    is_(t.req("GET", "/api/v1/rooms/999999").status, 404, "GET unknown room: 404")
    t.denied("PATCH", path, {"capacity": 12}, "PATCH room")
    t.refused("PATCH", path, 412, "PATCH room, stale If-Match", {"capacity": 12}, version=5)
    r = t.refused("PATCH", path, 422, "PATCH room, bad fields", {"capacity": 0, "kind": "hall"})
    is_(fields(r), ["capacity", "kind"], "... naming capacity and kind")
    t.req("POST", "/api/v1/conferences/other/venues", {"name": "Far"}, token=t.sec_other)
    r = t.refused("PATCH", path, 422, "PATCH room into another conference's venue",
                  {"venue_id": one(t.db, "SELECT max(id) FROM venues")})
    is_(fields(r), ["venue_id"], "... naming venue_id")
    t.refused("PATCH", "/api/v1/rooms/999999", 404, "PATCH unknown room", {"capacity": 3})
    r = t.req("PATCH", path, {"capacity": 12, "kind": "bilateral", "venue_id": theatre}, token=t.sec,
              version=1)
    is_((r.status, r.json["capacity"], r.json["kind"], r.json["venue_id"], r.json["version"]),
        (200, 12, "bilateral", theatre, 2), "PATCH room: capacity, kind, and an unused room moves venue")
    is_(audited(t.db, "room", "update", nine), 1, "PATCH room audited")
    r = t.refused("PATCH", "/api/v1/rooms/%d" % room_a, 409, "moving a room with sessions to another venue",
                  {"venue_id": theatre})
    ok(any("Japan – Canada" in x["title"] for x in (r.json or {}).get("references", {}).get("sessions", [])),
       "... lists its sessions")
    r = t.req("PATCH", "/api/v1/rooms/%d" % room_a, {"capacity": 18}, token=t.sec)
    is_((r.status, r.json["capacity"]), (200, 18), "a room with sessions may change its capacity")
    r = t.refused("DELETE", "/api/v1/rooms/%d" % room_a, 409, "DELETE a room sessions use")
    titles = [x["title"] for x in (r.json or {}).get("references", {}).get("sessions", [])]
    is_(len(titles), one(t.db, "SELECT count(*) FROM sessions WHERE room_id = %s", room_a),
        "the 409 lists every session in the room")
    ok(all(x.get("start") and x.get("end") for x in r.json["references"]["sessions"]),
       "... with their times")
    t.denied("DELETE", path, None, "DELETE room")
    t.refused("DELETE", path, 412, "DELETE room, stale If-Match", version=1)
    t.refused("DELETE", "/api/v1/rooms/999999", 404, "DELETE unknown room")
    is_(t.req("DELETE", path, token=t.sec, version=2).status, 204, "DELETE an unused room: 204")
    is_(audited(t.db, "room", "delete", nine), 1, "DELETE room audited")
    return theatre


def travel(t, messe, theatre):
    tt = C + "/travel-times"
    r = t.req("POST", C + "/venues", {"name": "Hotel"}, token=t.sec)
    hotel = r.json["id"]
    r = t.req("PATCH", tt, [{"from_venue_id": messe, "to_venue_id": hotel, "minutes": 9}], token=t.sec)
    items = {(x["from_venue_id"], x["to_venue_id"]): x["minutes"] for x in (r.json or {}).get("items", [])}
    is_((r.status, items.get((messe, hotel)), items.get((hotel, messe)), items.get((messe, theatre))),
        (200, 9, 9, 15), "PATCH travel-times adds a pair both ways and keeps the others")
    r = t.req("PATCH", tt, [{"from_venue_id": messe, "to_venue_id": theatre, "minutes": 20},
                            {"from_venue_id": theatre, "to_venue_id": messe, "minutes": 25}], token=t.sec)
    items = {(x["from_venue_id"], x["to_venue_id"]): x["minutes"] for x in r.json["items"]}
    is_((items[(messe, theatre)], items[(theatre, messe)], items[(messe, hotel)]), (20, 25, 9),
        "PATCH travel-times changes a pair, directions as given")
    is_(one(t.db, "SELECT count(*) FROM audit_log WHERE entity = 'travel_times' AND action = 'update'"), 2,
        "each PATCH audited")
    t.denied("PATCH", tt, [], "PATCH travel-times")
    r = t.refused("PATCH", tt, 422, "PATCH travel-times, a venue of no conference",
                  [{"from_venue_id": messe, "to_venue_id": 999999, "minutes": 3}])
    t.refused("PATCH", tt, 422, "PATCH travel-times, negative minutes",
              [{"from_venue_id": messe, "to_venue_id": hotel, "minutes": -3}])
    t.refused("PATCH", "/api/v1/conferences/nope/travel-times", 404, "PATCH travel-times, unknown conference",
              [], token=t.admin)
    r = t.refused("DELETE", "/api/v1/venues/%d" % hotel, 409, "DELETE a venue travel times refer to")
    is_(sorted(r.json["references"].keys()), ["travel_times"], "... listing only the travel times")
    path = "%s/%d/%d" % (tt, hotel, messe)
    t.denied("DELETE", path, None, "DELETE travel time")
    is_(t.req("DELETE", path, token=t.sec).status, 204, "DELETE a travel time: 204")
    is_(one(t.db, "SELECT count(*) FROM travel_times WHERE %s IN (from_venue_id, to_venue_id)", hotel), 0,
        "... both directions gone")
    is_(audited(t.db, "travel_times", "delete", None), 1, "DELETE travel time audited")
    t.refused("DELETE", path, 404, "DELETE it again")
    t.refused("DELETE", "%s/x/%d" % (tt, messe), 404, "DELETE travel time, no id")
    is_(t.req("DELETE", "/api/v1/venues/%d" % hotel, token=t.sec).status, 204,
        "then the venue can go")


def delegations(t):
    jp = one(t.db, "SELECT id FROM delegations WHERE code = 'JP'")
    r = t.req("POST", C + "/delegations", {"code": "NZ", "name": "New Zeland", "kind": "guest"}, token=t.sec)
    nz = r.json["id"]
    path = "/api/v1/delegations/%d" % nz
    r = t.req("GET", path)
    is_((r.status, r.json["code"]), (200, "NZ"), "GET delegation (anyone)")
    is_(t.req("GET", "/api/v1/delegations/999999").status, 404, "GET unknown delegation: 404")
    t.denied("PATCH", path, {"name": "New Zealand"}, "PATCH delegation")
    t.refused("PATCH", path, 412, "PATCH delegation, stale If-Match", {"name": "New Zealand"}, version=3)
    r = t.refused("PATCH", path, 422, "PATCH delegation, bad code and kind", {"code": "N Z", "kind": "x"})
    is_(fields(r), ["code", "kind"], "... naming code and kind")
    t.refused("PATCH", "/api/v1/delegations/999999", 404, "PATCH unknown delegation", {"name": "X"})
    r = t.req("PATCH", path, {"name": "New Zealand", "kind": "invited", "code": "NZL"}, token=t.sec, version=1)
    is_((r.status, r.json["name"], r.json["kind"], r.json["code"], r.json["version"]),
        (200, "New Zealand", "invited", "NZL", 2), "PATCH delegation: name, kind, code")
    is_(audited(t.db, "delegation", "update", nz), 1, "PATCH delegation audited")
    r = t.refused("DELETE", "/api/v1/delegations/%d" % jp, 409, "DELETE a delegation in use")
    refs = (r.json or {}).get("references", {})
    is_(sorted(refs.keys()), ["api_tokens", "bilateral_requests", "participants", "sessions"],
        "the 409 lists participants, bilateral requests, sessions and live tokens")
    is_(len(refs["participants"]), 8, "... all eight of Japan's participants (four interpreters)")
    is_(len(refs["bilateral_requests"]), 8, "... and its eight bilateral requests")
    r = t.req("POST", C + "/tokens", {"role": "liaison", "delegation": "NZL"}, token=t.sec)
    tid = r.json["id"]
    r = t.refused("DELETE", path, 409, "DELETE a delegation with a live liaison token")
    is_([x["id"] for x in r.json["references"].get("api_tokens", [])], [tid], "... naming the token")
    t.req("DELETE", "/api/v1/tokens/%d" % tid, token=t.sec)
    t.denied("DELETE", path, None, "DELETE delegation")
    t.refused("DELETE", path, 412, "DELETE delegation, stale If-Match", version=1)
    t.refused("DELETE", "/api/v1/delegations/999999", 404, "DELETE unknown delegation")
    is_(t.req("DELETE", path, token=t.sec, version=2).status, 204,
        "DELETE a delegation whose only token is revoked: 204")
    is_(audited(t.db, "delegation", "delete", nz), 1, "DELETE delegation audited")


def participants(t):
    kono = one(t.db, "SELECT id FROM participants WHERE name = 'Kono Taro'")
    r = t.req("POST", C + "/participants", {"delegation": "CA", "name": "Aide", "role": "staff"}, token=t.sec)
    aide = r.json["id"]
    path = "/api/v1/participants/%d" % aide
    r = t.req("PATCH", path, {"title": "Note-taker"}, token=t.ca)
    is_((r.status, r.json.get("title")), (200, "Note-taker"), "the delegation's liaison PATCHes its participant")
    is_(t.req("PATCH", path, {"title": "X"}, token=t.jp).status, 404, "another liaison: 404")
    r = t.req("POST", path + "/unavailability", {"start": "2023-04-29T08:00:00+09:00",
                                                 "end": "2023-04-29T09:00:00+09:00"}, token=t.sec)
    uid = r.json["id"]
    r = t.refused("DELETE", "/api/v1/participants/%d" % kono, 409, "DELETE a participant who attends sessions")
    ok(len(r.json["references"]["sessions"]) >= 8, "the 409 lists the sessions they attend")
    r = t.refused("DELETE", "/api/v1/participants/%d" % kono, 409, "... also for the liaison of Japan",
                  token=t.jp)
    ok(any("Japan – Canada" in x["title"] for x in r.json["references"]["sessions"]),
       "... who sees its own restricted bilaterals listed")
    t.refused("DELETE", path, 404, "DELETE by another delegation's liaison", token=t.jp)
    t.refused("DELETE", path, 404, "DELETE by another conference's secretariat", token=t.sec_other)
    is_(t.req("DELETE", path).status, 401, "DELETE participant without a token: 401")
    t.refused("DELETE", path, 412, "DELETE participant, stale If-Match", version=1)
    t.refused("DELETE", "/api/v1/participants/999999", 404, "DELETE unknown participant")
    is_(t.req("DELETE", path, token=t.ca, version=2).status, 204,
        "the delegation's liaison deletes its unused participant: 204")
    is_(one(t.db, "SELECT count(*) FROM unavailability WHERE id = %s", uid), 0,
        "... and their unavailability with them")
    is_(one(t.db, "SELECT jsonb_array_length(before->'unavailability') FROM audit_log"
                  " WHERE entity = 'participant' AND action = 'delete' AND entity_id = %s", aide), 1,
        "... kept in the audit row's before")


def unavailability(t):
    vv = one(t.db, "SELECT id FROM participants WHERE name = 'Francis Bilodeau'")
    base = "/api/v1/participants/%d/unavailability" % vv
    r = t.req("POST", base, {"start": "2023-04-28T08:00:00+09:00", "end": "2023-04-28T09:00:00+09:00",
                             "reason": "flight"}, token=t.sec)
    uid = r.json["id"]
    path = "%s/%d" % (base, uid)
    r = t.req("PATCH", path, {"end": "2023-04-28T10:00:00+09:00", "reason": "late flight"}, token=t.ca,
              version=1)
    is_((r.status, r.json["start"], r.json["end"], r.json["reason"], r.json["version"]),
        (200, "2023-04-28T08:00:00+09:00", "2023-04-28T10:00:00+09:00", "late flight", 2),
        "the delegation's liaison PATCHes the block's end and reason")
    is_(audited(t.db, "unavailability", "update", uid), 1, "PATCH unavailability audited")
    r = t.refused("PATCH", path, 409, "PATCH onto the Japan–Canada bilateral",
                  {"start": "2023-04-29T11:00:00+09:00", "end": "2023-04-29T12:00:00+09:00"})
    cs = (r.json or {}).get("conflicts", [])
    ok(cs and all(c.get("unavailability_id") != uid for c in cs) and
       any("Japan – Canada" in (c.get("title") or "") for c in cs),
       "the 409 names the bilateral, not the block itself")
    r = t.refused("PATCH", path, 422, "PATCH end before the stored start",
                  {"end": "2023-04-28T07:00:00+09:00"})
    is_(fields(r), ["end"], "... naming end")
    t.refused("PATCH", path, 422, "PATCH with a bad time", {"start": "tomorrow"})
    t.refused("PATCH", path, 412, "PATCH unavailability, stale If-Match", {"reason": "x"}, version=1)
    t.refused("PATCH", path, 404, "PATCH by another delegation's liaison", {"reason": "x"}, token=t.jp)
    t.refused("PATCH", "%s/999999" % base, 404, "PATCH unknown block", {"reason": "x"})
    t.refused("PATCH", "/api/v1/participants/999999/unavailability/%d" % uid, 404,
              "PATCH a block under an unknown participant", {"reason": "x"})
    is_(t.req("PATCH", path, {"reason": "x"}).status, 401, "without a token: 401")


def bilaterals(t):
    ua = one(t.db, "SELECT b.id FROM bilateral_requests b JOIN delegations d"
                   " ON d.id = b.counterpart_delegation_id WHERE d.code = 'UA'")
    ca = one(t.db, "SELECT b.id FROM bilateral_requests b JOIN delegations d"
                   " ON d.id = b.counterpart_delegation_id WHERE d.code = 'CA'")
    path = "/api/v1/bilaterals/%d" % ua
    v = t.req("GET", path, token=t.sec).json["version"]
    r = t.req("PATCH", path, {"earliest": "2023-04-29T09:00:00+09:00", "latest": "2023-04-29T12:00:00+09:00",
                              "duration_minutes": 45, "priority": 4, "level": "deputy",
                              "topics": "Reconstruction"}, token=t.sec, version=v)
    j = r.json or {}
    is_((r.status, j.get("earliest"), j.get("latest"), j.get("duration_minutes"), j.get("priority"),
         j.get("level"), j.get("topics"), j.get("status"), j.get("version")),
        (200, "2023-04-29T09:00:00+09:00", "2023-04-29T12:00:00+09:00", 45, 4, "deputy", "Reconstruction",
         "requested", v + 1), "PATCH a requested bilateral: window, duration, priority, level, topics")
    is_(r.headers.get("ETag"), '"%d"' % (v + 1), "ETag")
    is_(audited(t.db, "bilateral_request", "update", ua), 1, "PATCH bilateral audited")
    r = t.req("PATCH", path, {"earliest": None}, token=t.sec)
    is_((r.status, r.json.get("earliest")), (200, "2023-04-28T08:00:00+09:00"),
        "earliest: null returns to the conference's first morning")
    r = t.refused("PATCH", "/api/v1/bilaterals/%d" % ca, 409, "PATCH a scheduled bilateral",
                  {"priority": 1})
    like((r.json or {}).get("detail", ""), r"scheduled", "... saying it is scheduled")
    r = t.refused("PATCH", path, 422, "PATCH a window shorter than the meeting",
                  {"earliest": "2023-04-29T09:00:00+09:00", "latest": "2023-04-29T09:20:00+09:00"})
    is_(fields(r), ["latest"], "... naming latest")
    r = t.refused("PATCH", path, 422, "PATCH bad fields", {"priority": 9, "level": "chief",
                                                           "duration_minutes": 2})
    is_(fields(r), ["duration_minutes", "level", "priority"], "... naming each")
    t.refused("PATCH", path, 412, "PATCH bilateral, stale If-Match", {"priority": 2}, version=1)
    t.refused("PATCH", "/api/v1/bilaterals/999999", 404, "PATCH unknown bilateral", {"priority": 2})
    r = t.req("PATCH", path, {"priority": 2}, token=t.jp)
    ok(r.status == 403 and "secretariat" in r.json.get("detail", ""),
       "PATCH bilateral as the requester's liaison: 403 naming the secretariat")
    is_(t.req("PATCH", path, {"priority": 2}, token=t.sec_other).status, 404,
        "another conference's secretariat: 404")


def archive(t):
    path = C + "/archive"
    v = t.req("GET", C).json["version"]
    t.denied("POST", path, None, "archive")
    t.refused("POST", path, 412, "archive, stale If-Match", version=v + 5)
    t.refused("POST", path, 422, "archive with fields", {"really": True})
    t.refused("POST", "/api/v1/conferences/nope/archive", 404, "archive an unknown conference",
              token=t.admin)
    r = t.req("POST", path, token=t.sec, version=v)
    is_((r.status, r.json.get("archived"), bool(r.json.get("archived_at"))), (200, True, True),
        "the secretariat archives its conference")
    is_(audited(t.db, "conference", "archive", r.json["id"]), 1, "archive audited")
    slugs = [c["slug"] for c in t.req("GET", "/api/v1/conferences").json["items"]]
    ok(SLUG not in slugs and "other" in slugs, "an archived conference leaves the public list")
    slugs = [c["slug"] for c in t.req("GET", "/api/v1/conferences?archived=true").json["items"]]
    is_(slugs, [SLUG], "?archived=true lists it")
    is_(t.req("GET", "/api/v1/conferences?archived=maybe").status, 400, "?archived=maybe: 400")
    is_(t.req("GET", C).status, 200, "it is still there by slug")
    is_(t.req("GET", C + "/calendar.ics").status, 200, "its public feed still answers")
    ok(len(t.req("GET", C + "/sessions").json["items"]) > 5, "its sessions are kept")
    r = t.req("POST", path, token=t.sec)
    is_((r.status, r.json["version"]), (200, v + 1), "archiving it again changes nothing")
    r = t.req("POST", C + "/unarchive", token=t.admin)
    is_((r.status, r.json.get("archived"), r.json.get("archived_at")), (200, False, None), "unarchive")
    ok(SLUG in [c["slug"] for c in t.req("GET", "/api/v1/conferences").json["items"]],
       "back in the public list")
    is_(audited(t.db, "conference", "unarchive", r.json["id"]), 1, "unarchive audited")


with Server() as s:
    t = T(s)
    messe = venues(t)
    theatre = rooms(t, messe)
    travel(t, messe, theatre)
    delegations(t)
    participants(t)
    unavailability(t)
    bilaterals(t)
    archive(t)
done_testing()
