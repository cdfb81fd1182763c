#!/usr/bin/python3
# 13-audit.t - GET /api/v1/conferences/{slug}/audit: only the conference's
# secretariat (and admins) read it; every successful write appears once with
# the actor's token id and role, the action, the entity and before/after;
# failed writes leave no row; filters and paging.
import hashlib, os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *

C = "/api/v1/conferences/g7-digital-2023"


def token_id(conn, raw):
    """The api_tokens id of a raw token (stored as its SHA-256)."""
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM api_tokens WHERE token_hash = %s",
                    (hashlib.sha256(raw.encode()).hexdigest(),))
        return cur.fetchone()[0]


with Server() as s:
    db = s.db()
    admin = s.token("admin")
    sec = s.token("secretariat", conference="g7-digital-2023")
    jp = s.token("liaison", conference="g7-digital-2023", delegation="JP")
    ca = s.token("liaison", conference="g7-digital-2023", delegation="CA")
    r = s.request("POST", "/api/v1/conferences", {
        "slug": "other", "title": "Other", "timezone": "Europe/Paris",
        "start_date": "2025-01-01", "end_date": "2025-01-02"}, token=admin)
    is_(r.status, 201, "a second conference (audited there)")
    sec_other = s.token("secretariat", conference="other")

    for name, tok, status in [("anonymous", None, 401), ("bad token", "B" * 40, 401),
                              ("liaison", jp, 403), ("other secretariat", sec_other, 403)]:
        r = s.request("GET", C + "/audit", token=tok)
        is_(r.status, status, "GET audit as %s: %d" % (name, status))
    r = s.request("GET", "/api/v1/conferences/nope/audit", token=admin)
    is_(r.status, 404, "audit of an unknown conference: 404")
    r = s.request("GET", C + "/audit", token=sec)
    is_((r.status, r.json["items"], r.json["next"]), (200, [], None),
        "the demo starts with an empty audit log")

    # Writes by several actors; failures in between.
    r = s.request("POST", C + "/venues", {"name": "Annex"}, token=sec)
    venue = r.json["id"]
    s.request("POST", C + "/venues", {"name": ""}, token=sec)
    s.request("POST", C + "/venues", {"name": "X"}, token=jp)
    s.request("POST", C + "/delegations", {"code": "JP", "name": "Dup", "kind": "member"}, token=sec)
    s.request("PATCH", C, {"title": "Stale"}, token=sec, headers={"If-Match": '"42"'})
    r = s.request("PATCH", C, {"title": "Renamed"}, token=admin)
    is_(r.status, 200, "admin renames the conference")
    head = None
    with db.cursor() as cur:
        cur.execute("SELECT p.id FROM participants p JOIN delegations d ON d.id = p.delegation_id "
                    "WHERE d.code = 'CA' AND p.role = 'head'")
        head = cur.fetchone()[0]
    r = s.request("POST", "/api/v1/participants/%d/unavailability" % head,
                  {"start": "2023-04-28T09:00:00+09:00", "end": "2023-04-28T09:30:00+09:00"}, token=ca)
    is_(r.status, 201, "CA liaison adds unavailability")
    unav = r.json["id"]
    s.request("POST", "/api/v1/participants/%d/unavailability" % head,
              {"start": "2023-04-29T11:50:00+09:00", "end": "2023-04-29T12:00:00+09:00"}, token=ca)

    r = s.request("GET", C + "/audit", token=sec)
    is_(r.status, 200, "secretariat reads the audit log")
    items = r.json["items"]
    is_([(a["action"], a["entity"]) for a in items],
        [("create", "venue"), ("update", "conference"), ("create", "unavailability")],
        "exactly the three successful writes, oldest first")
    v, c, u = items
    is_((v["token_id"], v["role"], v["entity_id"], v["before"], v["after"]["name"]),
        (token_id(db, sec), "secretariat", venue, None, "Annex"), "venue row: actor, entity, after")
    is_((c["token_id"], c["role"], c["before"]["title"], c["after"]["title"]),
        (token_id(db, admin), "admin", "G7 Digital and Tech Ministers' Meeting", "Renamed"),
        "conference row: before and after")
    is_((u["token_id"], u["role"], u["entity_id"], u["after"]["participant_id"]),
        (token_id(db, ca), "liaison", unav, head), "unavailability row: the liaison")
    like(v["at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$", "at in the conference's zone")
    r = s.request("GET", C + "/audit", token=admin)
    is_(len(r.json["items"]), 3, "admin reads it too")
    r = s.request("GET", "/api/v1/conferences/other/audit", token=sec_other)
    is_([(a["action"], a["entity"]) for a in r.json["items"]], [("create", "conference")],
        "the other conference's log has only its own creation")
    r = s.request("GET", C + "/audit?entity=conference", token=sec)
    is_([a["entity"] for a in r.json["items"]], ["conference"], "?entity= filters")
    r = s.request("GET", C + "/audit?entity_id=%d" % venue, token=sec)
    ok(all(a["entity_id"] == venue for a in r.json["items"]) and len(r.json["items"]) >= 1,
       "?entity_id= filters")
    r = s.request("GET", C + "/audit?entity_id=x", token=sec)
    is_(r.status, 400, "bad entity_id: 400")
    r = s.request("GET", C + "/audit?limit=2", token=sec)
    is_((len(r.json["items"]), r.json["next"] is not None), (2, True), "limit=2 pages")
    r = s.request("GET", C + "/audit?limit=2&cursor=" + r.json["next"], token=sec)
    is_(([a["entity"] for a in r.json["items"]], r.json["next"]), (["unavailability"], None),
        "the cursor gives the rest")
    is_(s.stop(), 0, "kaigid exits 0 on SIGTERM")
done_testing()
