#!/usr/bin/python3
# 16-uniqueness.t — the keys users expect to be unique answer 409 with the
# existing row's id ("existing_id") and store nothing: a venue's name in its
# conference and a room's name in its venue (any case), a participant's
# e-mail in its conference (any case), a delegation's code, and the
# optional "ref" (the secretariat's own key) of delegations, participants,
# rooms and bilateral requests within a conference; on create and on PATCH.
# The same keys in another conference, or of another kind, are fine. Eight
# simultaneous creates of one e-mail store one participant. The demo data
# still loads (and loads again, changing nothing).
import os
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
C = "/api/v1/conferences/" + SLUG
O = "/api/v1/conferences/other"


def one(db, q, *args):
    """The first column of the first row."""
    with db.cursor() as cur:
        cur.execute(q, args)
        row = cur.fetchone()
        return row[0] if row else None


def rows(db):
    """Row counts a refused request must not change."""
    return tuple(one(db, "SELECT count(*) FROM " + t) for t in (
        "venues", "rooms", "delegations", "participants", "bilateral_requests", "audit_log"))


def taken(s, db, method, path, body, tok, existing, what, field):
    """A write that must be 409 naming the existing row and the field."""
    before = rows(db)
    r = s.request(method, path, body, token=tok)
    j = r.json or {}
    is_((r.status, j.get("existing_id")), (409, existing), "%s: 409 with existing_id" % what)
    is_([e.get("field") for e in j.get("errors", [])], [field], "... naming %s" % field)
    is_(rows(db), before, "... nothing stored")


def venues_rooms(s, db, sec, sec_o):
    messe = one(db, "SELECT id FROM venues WHERE name = 'G Messe Gunma'")
    theatre = one(db, "SELECT id FROM venues WHERE name LIKE 'Takasaki City%%'")
    taken(s, db, "POST", C + "/venues", {"name": "g messe GUNMA"}, sec, messe,
          "a venue name again, other case", "name")
    is_(s.request("POST", O + "/venues", {"name": "G Messe Gunma"}, token=sec_o).status, 201,
        "the same venue name in another conference: 201")
    taken(s, db, "PATCH", "/api/v1/venues/%d" % theatre, {"name": "G MESSE GUNMA"}, sec, messe,
          "renaming a venue to another's name", "name")
    room_a = one(db, "SELECT id FROM rooms WHERE name = 'Bilateral Room A'")
    taken(s, db, "POST", C + "/rooms", {"venue_id": messe, "name": "bilateral room a", "capacity": 5},
          sec, room_a, "a room name again in its venue", "name")
    r = s.request("POST", C + "/rooms", {"venue_id": theatre, "name": "Bilateral Room A",
                                         "capacity": 5, "ref": "R-1"}, token=sec)
    is_((r.status, r.json.get("ref")), (201, "R-1"), "the same room name in another venue: 201, with a ref")
    other_a = r.json["id"]
    taken(s, db, "PATCH", "/api/v1/rooms/%d" % other_a, {"venue_id": messe}, sec, room_a,
          "moving a room next to one of its name", "name")
    taken(s, db, "POST", C + "/rooms", {"venue_id": theatre, "name": "Other", "capacity": 5,
                                        "ref": "R-1"}, sec, other_a, "a room ref again", "ref")
    r = s.request("PATCH", "/api/v1/rooms/%d" % other_a, {"ref": None}, token=sec)
    is_((r.status, r.json.get("ref")), (200, None), "ref: null clears it")
    is_(s.request("POST", C + "/rooms", {"venue_id": theatre, "name": "Other", "capacity": 5,
                                         "ref": "R-1"}, token=sec).status, 201, "... and frees it")


def delegations(s, db, sec, sec_o):
    jp = one(db, "SELECT id FROM delegations WHERE code = 'JP'")
    taken(s, db, "POST", C + "/delegations", {"code": "JP", "name": "Japan 2", "kind": "member"}, sec, jp,
          "a delegation code again", "code")
    r = s.request("POST", C + "/delegations", {"code": "NZ", "name": "New Zealand", "kind": "guest",
                                               "ref": "D-17"}, token=sec)
    is_((r.status, r.json.get("ref")), (201, "D-17"), "a delegation with a ref")
    nz = r.json["id"]
    taken(s, db, "POST", C + "/delegations", {"code": "AU", "name": "Australia", "kind": "guest",
                                              "ref": "D-17"}, sec, nz, "a delegation ref again", "ref")
    taken(s, db, "PATCH", "/api/v1/delegations/%d" % nz, {"code": "JP"}, sec, jp,
          "recoding a delegation to a taken code", "code")
    is_(s.request("POST", O + "/delegations", {"code": "NZ", "name": "NZ", "kind": "guest", "ref": "D-17"},
                  token=sec_o).status, 201, "the same code and ref in another conference: 201")
    r = s.request("POST", C + "/participants", {"delegation": "NZ", "name": "Kiri", "role": "head",
                                                "ref": "D-17"}, token=sec)
    is_(r.status, 201, "a participant may have a delegation's ref (another kind)")
    for body in ({"ref": ""}, {"ref": 5}, {"ref": "x" * 101}):
        r = s.request("POST", C + "/delegations", dict(body, code="ZZ", name="Z", kind="guest"), token=sec)
        is_((r.status, [e["field"] for e in r.json.get("errors", [])]), (422, ["ref"]),
            "a bad ref %r: 422 naming ref" % (body["ref"] if len(str(body["ref"])) < 10 else "long"))


def participants(s, db, sec, sec_o, jp_tok):
    r = s.request("POST", C + "/participants", {"delegation": "JP", "name": "Aide", "role": "staff",
                                                "email": "Aide@Example.org", "ref": "P-1"}, token=sec)
    is_((r.status, r.json.get("email"), r.json.get("ref")), (201, "Aide@Example.org", "P-1"),
        "a participant with an e-mail and a ref")
    aide = r.json["id"]
    taken(s, db, "POST", C + "/participants", {"delegation": "CA", "name": "Other", "role": "staff",
                                               "email": "aide@example.ORG"}, sec, aide,
          "an e-mail again, other case", "email")
    taken(s, db, "POST", C + "/participants", {"delegation": "CA", "name": "Other", "role": "staff",
                                               "ref": "P-1"}, sec, aide, "a participant ref again", "ref")
    r = s.request("POST", C + "/participants", {"delegation": "CA", "name": "Other", "role": "staff",
                                                "email": "other@example.org"}, token=sec)
    other = r.json["id"]
    taken(s, db, "PATCH", "/api/v1/participants/%d" % other, {"email": "AIDE@example.org"}, sec, aide,
          "changing an e-mail to a taken one", "email")
    taken(s, db, "PATCH", "/api/v1/participants/%d" % aide, {"ref": None, "email": "OTHER@example.org"},
          jp_tok, other, "... also as the liaison", "email")
    for i in range(2):
        r = s.request("POST", C + "/participants", {"delegation": "CA", "name": "No mail %d" % i,
                                                    "role": "staff"}, token=sec)
        is_(r.status, 201, "participants without e-mail are not duplicates (%d)" % i)
    is_(s.request("POST", O + "/delegations", {"code": "JP", "name": "J", "kind": "member"},
                  token=sec_o).status, 201, "(a delegation elsewhere)")
    r = s.request("POST", O + "/participants", {"delegation": "JP", "name": "Aide", "role": "staff",
                                                "email": "aide@example.org", "ref": "P-1"}, token=sec_o)
    is_(r.status, 201, "the same e-mail and ref in another conference: 201")


def concurrent(s, db, sec):
    """Eight simultaneous creates of one e-mail: one 201, seven 409."""
    got = []
    named = []

    def post(i):
        r = s.request("POST", C + "/participants", {"delegation": "IT", "name": "Twin %d" % i,
                                                    "role": "staff", "email": "twin@example.org"}, token=sec)
        got.append(r.status)
        named.append((r.json or {}).get("existing_id") if r.status == 409 else r.json["id"])

    threads = [threading.Thread(target=post, args=(i,)) for i in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    is_(sorted(got), [201] + [409] * 7, "simultaneous creates: one 201, the rest 409")
    is_(one(db, "SELECT count(*) FROM participants WHERE lower(email) = 'twin@example.org'"), 1,
        "one participant stored")
    is_(len(set(named)), 1, "every 409 names the one stored (existing_id), even those that lost the race")


def bilateral_ref(s, db, sec):
    ids = [one(db, "SELECT b.id FROM bilateral_requests b JOIN delegations d ON d.id ="
                   " b.counterpart_delegation_id WHERE d.code = %s", c) for c in ("UA", "ID")]
    r = s.request("PATCH", "/api/v1/bilaterals/%d" % ids[0], {"ref": "B-1"}, token=sec)
    is_((r.status, r.json.get("ref")), (200, "B-1"), "a bilateral request gets a ref")
    taken(s, db, "PATCH", "/api/v1/bilaterals/%d" % ids[1], {"ref": "B-1"}, sec, ids[0],
          "a bilateral ref again", "ref")


def demo(s, db):
    before = rows(db)
    p = subprocess.run([os.path.join(TOP, "scripts", "demo"), s.db_url], capture_output=True, text=True,
                       timeout=120)
    is_(p.returncode, 0, "the demo data loads again over the migrated schema")
    is_(rows(db), before, "... changing nothing")
    is_(one(db, "SELECT count(*) FROM participants p JOIN conferences c ON c.id = p.conference_id"
                " WHERE c.slug = %s AND p.name NOT LIKE 'No mail%%' AND p.email IS NULL"
                " AND p.name <> 'Kiri'", SLUG), 29, "the demo's 29 participants are there (4 interpreters)")


with Server() as s:
    db = s.db()
    admin = s.token("admin")
    sec = s.token("secretariat", conference=SLUG)
    jp_tok = s.token("liaison", conference=SLUG, delegation="JP")
    r = s.request("POST", "/api/v1/conferences", {
        "slug": "other", "title": "Other", "timezone": "Europe/Paris",
        "start_date": "2025-01-01", "end_date": "2025-01-02"}, token=admin)
    is_(r.status, 201, "a second conference")
    sec_o = s.token("secretariat", conference="other")
    venues_rooms(s, db, sec, sec_o)
    delegations(s, db, sec, sec_o)
    participants(s, db, sec, sec_o, jp_tok)
    concurrent(s, db, sec)
    bilateral_ref(s, db, sec)
    demo(s, db)
done_testing()
