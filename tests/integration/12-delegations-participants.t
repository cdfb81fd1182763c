#!/usr/bin/python3
# 12-delegations-participants.t - delegations (secretariat writes, anyone
# reads), participants (secretariat writes; secretariat reads all, a liaison
# its own delegation's) and unavailability (secretariat or the participant's
# own liaison; 409 with conflicts when the person is busy). Every role,
# every validation error, and failed requests write nothing.
import os, sys, threading
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *

C = "/api/v1/conferences/g7-digital-2023"


def count(conn, sql, args=()):
    """One value from the database."""
    with conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchone()[0]


def state(conn):
    """What a failed request must not change."""
    return tuple(count(conn, "SELECT count(*) FROM " + t) for t in
                 ("delegations", "participants", "unavailability", "busy", "audit_log"))


def field_errors(r):
    """The field names a 422 names."""
    return sorted(e["field"] for e in (r.json or {}).get("errors", []))


def roles(s, method, path, body, who, expect, what):
    """The same request as several callers, each with its expected status."""
    for name, tok in who:
        r = s.request(method, path, body, token=tok)
        is_(r.status, expect[name], "%s %s: %d" % (what, name, expect[name]))


def delegations(s, db, who, denied, sec, admin):
    """POST/GET /conferences/{slug}/delegations"""
    good = {"code": "KR", "name": "Republic of Korea", "kind": "invited"}
    before = state(db)
    roles(s, "POST", C + "/delegations", good, who, denied, "POST delegation as")
    for change, field in [({"code": ""}, "code"), ({"code": "J P"}, "code"), ({"code": "-X"}, "code"),
                          ({"code": "X" * 33}, "code"), ({"code": None}, "code"),
                          ({"name": ""}, "name"), ({"name": None}, "name"),
                          ({"kind": "country"}, "kind"), ({"kind": None}, "kind"),
                          ({"flag": "kr"}, "flag")]:
        body = {k: v for k, v in dict(good, **change).items() if v is not None}
        r = s.request("POST", C + "/delegations", body, token=sec)
        ok(r.status == 422 and field in field_errors(r), "delegation 422 naming %s for %r" % (field, change))
    r = s.request("POST", C + "/delegations", {"code": "JP", "name": "Japan again", "kind": "member"},
                  token=sec)
    is_((r.status, field_errors(r)), (409, ["code"]), "duplicate code: 409 naming code")
    r = s.request("POST", "/api/v1/conferences/nope/delegations", good, token=admin)
    is_(r.status, 404, "unknown conference: 404")
    is_(state(db), before, "failed delegation requests wrote nothing")
    r = s.request("POST", C + "/delegations", good, token=sec)
    is_(r.status, 201, "secretariat adds a delegation")
    is_((r.json["code"], r.json["name"], r.json["kind"], r.json["version"]),
        ("KR", "Republic of Korea", "invited", 1), "delegation fields")
    is_(r.headers.get("ETag"), '"1"', "ETag")
    r = s.request("POST", C + "/delegations", {"code": "AU", "name": "Australia", "kind": "guest"},
                  token=admin)
    is_(r.status, 201, "admin adds a delegation")
    is_(count(db, "SELECT count(*) FROM audit_log WHERE entity = 'delegation' AND action = 'create' "
              "AND after->>'code' IN ('KR', 'AU')"), 2, "both audited")
    r = s.request("GET", C + "/delegations")
    is_(r.status, 200, "anyone lists delegations")
    codes = [d["code"] for d in r.json["items"]]
    # In protocol order (sql/190): the chair (JP) first, then by name; 48-protocol-order.t checks it.
    ok(codes[0] == "JP" and {"KR", "AU"} <= set(codes), "demo and new delegations listed")
    r = s.request("GET", C + "/delegations?limit=5")
    is_((len(r.json["items"]), r.json["next"] is not None), (5, True), "paged by 5")
    r2 = s.request("GET", C + "/delegations?limit=5&cursor=" + r.json["next"])
    is_(r2.json["items"][0]["code"], codes[5], "next page starts after the cursor")


def participants(s, db, who, sec, sec_other, admin, jp, it):
    """POST/GET /conferences/{slug}/participants"""
    good = {"delegation": "JP", "name": "New Delegate", "title": "Adviser", "role": "member",
            "email": "new@example.jp", "timezone": "Asia/Tokyo"}
    denied = {"anonymous": 401, "bad token": 401, "liaison": 403, "other secretariat": 403}
    before = state(db)
    roles(s, "POST", C + "/participants", good, who, denied, "POST participant as")
    other_del = count(db, "SELECT d.id FROM delegations d JOIN conferences c ON c.id = d.conference_id "
                      "WHERE c.slug = 'other'")
    for change, field in [({"delegation": None}, "delegation"), ({"delegation": "ZZ"}, "delegation"),
                          ({"delegation": other_del}, "delegation"), ({"delegation": 1.5}, "delegation"),
                          ({"delegation": ""}, "delegation"), ({"name": None}, "name"),
                          ({"name": ""}, "name"), ({"role": "minister"}, "role"),
                          ({"role": None}, "role"), ({"email": "not-an-address"}, "email"),
                          ({"email": "a@b"}, "email"), ({"timezone": "Tokyo"}, "timezone"),
                          ({"timezone": "Asia"}, "timezone"),
                          ({"title": 5}, "title"), ({"phone": "1"}, "phone")]:
        body = {k: v for k, v in dict(good, **change).items() if v is not None}
        r = s.request("POST", C + "/participants", body, token=sec)
        ok(r.status == 422 and field in field_errors(r),
           "participant 422 naming %s for %r" % (field, change))
    is_(state(db), before, "failed participant requests wrote nothing")
    r = s.request("POST", C + "/participants", good, token=sec)
    is_(r.status, 201, "secretariat adds a participant by delegation code")
    p = r.json
    is_((p["delegation"], p["name"], p["title"], p["role"], p["email"], p["timezone"]),
        ("JP", "New Delegate", "Adviser", "member", "new@example.jp", "Asia/Tokyo"), "fields")
    ca = count(db, "SELECT id FROM delegations WHERE code = 'CA'")
    r = s.request("POST", C + "/participants", {"delegation": ca, "name": "Aide", "role": "staff"},
                  token=admin)
    is_((r.status, r.json.get("delegation"), r.json.get("title"), r.json.get("email")),
        (201, "CA", "", None), "admin adds one by delegation id; optional fields default")
    is_(count(db, "SELECT count(*) FROM audit_log WHERE entity = 'participant' AND action = 'create'"),
        2, "both audited")

    all_n = count(db, "SELECT count(*) FROM participants p JOIN conferences c ON c.id = p.conference_id "
                  "WHERE c.slug = 'g7-digital-2023'")
    jp_n = count(db, "SELECT count(*) FROM participants p JOIN delegations d ON d.id = p.delegation_id "
                 "WHERE d.code = 'JP'")
    for name, tok, status in [("anonymous", None, 401), ("bad token", "B" * 40, 401),
                              ("other secretariat", sec_other, 403)]:
        r = s.request("GET", C + "/participants", token=tok)
        is_(r.status, status, "GET participants as %s: %d" % (name, status))
    r = s.request("GET", C + "/participants?limit=1000", token=sec)
    is_((r.status, len(r.json["items"])), (200, all_n), "secretariat sees every participant")
    r = s.request("GET", C + "/participants?limit=1000", token=admin)
    is_(len(r.json["items"]), all_n, "admin too")
    r = s.request("GET", C + "/participants?limit=1000", token=jp)
    is_((r.status, len(r.json["items"])), (200, jp_n), "JP liaison sees JP's only")
    ok(all(x["delegation"] == "JP" for x in r.json["items"]), "all of them JP")
    r = s.request("GET", C + "/participants?delegation=CA", token=jp)
    is_(r.json["items"], [], "a liaison cannot list another delegation's")
    r = s.request("GET", C + "/participants?delegation=CA", token=sec)
    ok(len(r.json["items"]) >= 2 and all(x["delegation"] == "CA" for x in r.json["items"]),
       "?delegation= filters for the secretariat")
    r = s.request("GET", C + "/participants", token=it)
    ok(r.status == 200 and all(x["delegation"] == "IT" for x in r.json["items"]),
       "IT liaison sees IT's only")
    r = s.request("GET", "/api/v1/conferences/other/participants", token=jp)
    is_(r.status, 403, "a liaison of another conference: 403")
    r = s.request("GET", "/api/v1/conferences/nope/participants", token=admin)
    is_(r.status, 404, "unknown conference: 404")


def unavailability(s, db, sec, sec_other, admin, ca, it, jp):
    """POST/GET /participants/{id}/unavailability"""
    head = count(db, "SELECT p.id FROM participants p JOIN delegations d ON d.id = p.delegation_id "
                 "WHERE d.code = 'CA' AND p.role = 'head'")
    bil = count(db, "SELECT id FROM sessions WHERE title = 'Bilateral meeting: Japan – Canada'")
    path = "/api/v1/participants/%d/unavailability" % head
    good = {"start": "2023-04-28T00:00:00Z", "end": "2023-04-28T01:30:00Z", "reason": "Cabinet call"}
    before = state(db)
    for name, tok, status in [("anonymous", None, 401), ("bad token", "B" * 40, 401),
                              ("IT liaison", it, 404), ("JP liaison", jp, 404),
                              ("other secretariat", sec_other, 404)]:
        r = s.request("POST", path, good, token=tok)
        is_(r.status, status, "POST unavailability as %s: %d" % (name, status))
        r = s.request("GET", path, token=tok)
        is_(r.status, status, "GET unavailability as %s: %d" % (name, status))
    for p in ("/api/v1/participants/999999/unavailability", "/api/v1/participants/x/unavailability"):
        r = s.request("POST", p, good, token=admin)
        is_(r.status, 404, "POST to %s: 404" % p)
    for change, field in [({"start": None}, "start"), ({"end": None}, "end"),
                          ({"start": "2023-04-28 09:00"}, "start"),
                          ({"start": "2023-04-28T09:00:00"}, "start"),
                          ({"end": "2023-04-27T23:00:00Z"}, "end"), ({"end": good["start"]}, "end"),
                          ({"end": "2024-06-01T00:00:00Z"}, "end"), ({"reason": 7}, "reason"),
                          ({"room": 1}, "room")]:
        body = {k: v for k, v in dict(good, **change).items() if v is not None}
        r = s.request("POST", path, body, token=ca)
        ok(r.status == 422 and field in field_errors(r), "unavailability 422 naming %s for %r" % (field, change))
    clash = {"start": "2023-04-29T11:50:00+09:00", "end": "2023-04-29T12:00:00+09:00"}
    r = s.request("POST", path, clash, token=ca)
    is_(r.status, 409, "overlapping the JP-CA bilateral: 409")
    is_([(c.get("session_id"), c.get("title"), c.get("resource"), c.get("participant_id"))
         for c in (r.json or {}).get("conflicts", [])],
        [(bil, "Bilateral meeting: Japan – Canada", "participant", head)],
        "conflicts name the bilateral (the CA liaison may see it)")
    is_(((r.json or {}).get("conflicts") or [{}])[0].get("start"), "2023-04-29T11:40:00+09:00",
        "conflict times in the conference's zone")
    r = s.request("POST", path, {"start": "2023-04-29T12:15:00+09:00",
                                 "end": "2023-04-29T12:16:00+09:00"}, token=sec)
    ok(r.status == 409 and [c.get("session_id") for c in r.json.get("conflicts", [])] == [bil],
       "within the changeover after the bilateral: 409")
    is_(state(db), before, "failed unavailability requests wrote nothing")

    r = s.request("POST", path, good, token=ca)
    is_(r.status, 201, "CA liaison adds unavailability for CA's head")
    u = r.json
    is_((u["start"], u["end"], u["reason"], u["participant_id"], u["version"]),
        ("2023-04-28T09:00:00+09:00", "2023-04-28T10:30:00+09:00", "Cabinet call", head, 1),
        "stored and shown in the conference's zone")
    is_(count(db, "SELECT count(*) FROM busy WHERE unavailability_id = %s", (u["id"],)), 1,
        "it makes the person busy")
    r = s.request("POST", path, {"start": "2023-04-28T10:00:00+09:00",
                                 "end": "2023-04-28T11:00:00+09:00"}, token=sec)
    is_(r.status, 409, "overlapping another unavailability: 409")
    is_([(c.get("resource"), c.get("unavailability_id"), c.get("title"))
         for c in (r.json or {}).get("conflicts", [])],
        [("unavailability", u["id"], "Cabinet call")], "the conflict is that block")
    r = s.request("POST", path, {"start": "2023-04-28T10:30:00+09:00",
                                 "end": "2023-04-28T11:00:00+09:00"}, token=sec)
    is_(r.status, 201, "secretariat adds an adjacent block")
    r = s.request("POST", path, {"start": "2023-04-30T18:00:00+09:00",
                                 "end": "2023-04-30T19:00:00+09:00"}, token=admin)
    is_(r.status, 201, "admin adds one")
    is_(count(db, "SELECT count(*) FROM audit_log WHERE entity = 'unavailability' AND action = 'create' "
              "AND role IN ('liaison', 'secretariat', 'admin')"), 3, "each audited")
    r = s.request("GET", path, token=ca)
    is_((r.status, [x["start"] for x in r.json["items"]]),
        (200, ["2023-04-28T09:00:00+09:00", "2023-04-28T10:30:00+09:00", "2023-04-30T18:00:00+09:00"]),
        "CA liaison lists them")
    r = s.request("GET", path + "?limit=2", token=sec)
    is_((len(r.json["items"]), r.json["next"] is not None), (2, True), "secretariat, paged")


def participant_one(s, db, sec, sec_other, admin, ca, it):
    """GET and PATCH /participants/{id} (beyond API.md's table)."""
    head = count(db, "SELECT p.id FROM participants p JOIN delegations d ON d.id = p.delegation_id "
                 "WHERE d.code = 'CA' AND p.role = 'head'")
    path = "/api/v1/participants/%d" % head
    for name, tok, status in [("anonymous", None, 401), ("bad token", "B" * 40, 401),
                              ("IT liaison", it, 404), ("other secretariat", sec_other, 404)]:
        r = s.request("GET", path, token=tok)
        is_(r.status, status, "GET participant as %s: %d" % (name, status))
    for tok, who in [(ca, "own liaison"), (sec, "secretariat"), (admin, "admin")]:
        r = s.request("GET", path, token=tok)
        is_((r.status, r.json.get("delegation"), r.json.get("role")), (200, "CA", "head"),
            "GET participant as %s" % who)
    version = r.json["version"]
    is_(r.headers.get("ETag"), '"%d"' % version, "ETag")
    r = s.request("GET", "/api/v1/participants/999999", token=admin)
    is_(r.status, 404, "unknown participant: 404")
    before = state(db)
    for name, tok, status in [("anonymous", None, 401), ("IT liaison", it, 404),
                              ("other secretariat", sec_other, 404)]:
        r = s.request("PATCH", path, {"title": "X"}, token=tok)
        is_(r.status, status, "PATCH participant as %s: %d" % (name, status))
    for body, field in [({"name": ""}, "name"), ({"role": "boss"}, "role"), ({"email": "x"}, "email"),
                        ({"timezone": "Nowhere"}, "timezone"), ({"timezone": "America"}, "timezone"),
                        ({"delegation": "JP"}, "delegation"),
                        ({"age": 50}, "age")]:
        r = s.request("PATCH", path, body, token=sec)
        ok(r.status == 422 and field in field_errors(r), "PATCH participant 422 naming %s" % field)
    r = s.request("PATCH", path, {"title": "X"}, token=sec, headers={"If-Match": '"%d"' % (version + 1)})
    is_(r.status, 412, "stale If-Match: 412")
    is_(state(db), before, "failed PATCHes wrote nothing")
    r = s.request("PATCH", path, {"title": "Deputy Minister", "email": "head@canada.example"},
                  token=sec, headers={"If-Match": '"%d"' % version})
    is_((r.status, r.json.get("title"), r.json.get("email"), r.json.get("version")),
        (200, "Deputy Minister", "head@canada.example", version + 1), "secretariat PATCHes")
    r = s.request("PATCH", path, {"email": None, "timezone": None}, token=admin)
    is_((r.status, r.json.get("email"), r.json.get("timezone"), r.json.get("name")),
        (200, None, None, "Francis Bilodeau"), "null clears email and timezone; name kept")
    is_(count(db, "SELECT count(*) FROM audit_log WHERE entity = 'participant' AND action = 'update' "
              "AND entity_id = %s", (head,)), 2, "both PATCHes audited")


def unavailability_delete(s, db, sec, sec_other, ca, it):
    """DELETE /participants/{id}/unavailability/{uid} (beyond API.md's table)."""
    head = count(db, "SELECT p.id FROM participants p JOIN delegations d ON d.id = p.delegation_id "
                 "WHERE d.code = 'CA' AND p.role = 'head'")
    path = "/api/v1/participants/%d/unavailability" % head
    r = s.request("POST", path, {"start": "2023-04-27T09:00:00+09:00",
                                 "end": "2023-04-27T10:00:00+09:00"}, token=ca)
    is_(r.status, 201, "a block to remove")
    uid = r.json["id"]
    other = count(db, "SELECT u.id FROM unavailability u JOIN participants p ON p.id = u.participant_id "
                  "WHERE p.id <> %s LIMIT 1", (head,))
    before = state(db)
    for name, tok, p, status in [("anonymous", None, path, 401), ("IT liaison", it, path, 404),
                                 ("other secretariat", sec_other, path, 404),
                                 ("secretariat, another person's block", sec,
                                  path + "/%d" % other, 404),
                                 ("secretariat, unknown block", sec, path + "/999999", 404)]:
        if not p.rsplit("/", 1)[1].isdigit():
            p = "%s/%d" % (p, uid)
        r = s.request("DELETE", p, token=tok)
        is_(r.status, status, "DELETE unavailability as %s: %d" % (name, status))
    is_(state(db), before, "failed DELETEs removed nothing")
    r = s.request("DELETE", "%s/%d" % (path, uid), token=ca)
    is_((r.status, r.body), (204, b""), "own liaison removes it: 204")
    is_(count(db, "SELECT count(*) FROM busy WHERE unavailability_id = %s", (uid,)), 0,
        "the person is free again")
    is_(count(db, "SELECT count(*) FROM audit_log WHERE entity = 'unavailability' AND action = 'delete' "
              "AND entity_id = %s AND after IS NULL AND before IS NOT NULL", (uid,)), 1, "audited")
    r = s.request("DELETE", "%s/%d" % (path, uid), token=sec)
    is_(r.status, 404, "a second DELETE: 404")


def concurrent(s, db, sec):
    """16 overlapping unavailability blocks for one person at once: one wins."""
    head = count(db, "SELECT p.id FROM participants p JOIN delegations d ON d.id = p.delegation_id "
                 "WHERE d.code = 'IT' AND p.role = 'head'")
    path = "/api/v1/participants/%d/unavailability" % head
    statuses = []

    def one(i):
        """One request, its status recorded."""
        r = s.request("POST", path, {"start": "2023-04-28T%02d:00:00+09:00" % (9 + i % 2),
                                     "end": "2023-04-28T11:%02d:00+09:00" % i}, token=sec)
        statuses.append(r.status)
    before = count(db, "SELECT count(*) FROM unavailability WHERE participant_id = %s", (head,))
    threads = [threading.Thread(target=one, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    is_(sorted(statuses), [201] + [409] * 15, "16 concurrent overlapping blocks: one 201, fifteen 409")
    is_(count(db, "SELECT count(*) FROM unavailability WHERE participant_id = %s", (head,)) - before, 1,
        "exactly one stored")


with Server() as s:
    db = s.db()
    admin = s.token("admin")
    sec = s.token("secretariat", conference="g7-digital-2023")
    jp = s.token("liaison", conference="g7-digital-2023", delegation="JP")
    ca = s.token("liaison", conference="g7-digital-2023", delegation="CA")
    it = s.token("liaison", conference="g7-digital-2023", delegation="IT")
    r = s.request("POST", "/api/v1/conferences", {
        "slug": "other", "title": "Other", "timezone": "Europe/Paris",
        "start_date": "2025-01-01", "end_date": "2025-01-02"}, token=admin)
    sec_other = s.token("secretariat", conference="other")
    r = s.request("POST", "/api/v1/conferences/other/delegations",
                  {"code": "FR", "name": "France", "kind": "member"}, token=sec_other)
    is_(r.status, 201, "a delegation in a second conference")
    who = [("anonymous", None), ("bad token", "B" * 40), ("liaison", jp),
           ("other secretariat", sec_other)]
    denied = {"anonymous": 401, "bad token": 401, "liaison": 403, "other secretariat": 403}
    delegations(s, db, who, denied, sec, admin)
    participants(s, db, who, sec, sec_other, admin, jp, it)
    unavailability(s, db, sec, sec_other, admin, ca, it, jp)
    participant_one(s, db, sec, sec_other, admin, ca, it)
    unavailability_delete(s, db, sec, sec_other, ca, it)
    concurrent(s, db, sec)
    is_(s.stop(), 0, "kaigid exits 0 on SIGTERM")
done_testing()
