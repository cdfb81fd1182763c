#!/usr/bin/python3
# 51-bilateral-roles.t — who may do what with bilateral requests: no token
# and a bad token 401; a liaison of an unrelated delegation 404 (the request
# does not exist for it), absent from its list; the requester's liaison may
# withdraw but not accept (403); the counterpart's may accept/decline but
# not withdraw (403); a liaison requests only for its own delegation (403);
# only the secretariat places (403 for liaisons); the secretariat of another
# conference 404; the secretariat and admin may do everything; the placed
# session is visible to the two parties only. Slots (issue 14, item 4): the
# parties get none (409) until the counterpart accepts, then no figure
# derived from other people's schedules; a liaison cannot map another
# head's diary with requests of its own; the secretariat always gets them,
# figures included.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
BASE = "/api/v1/conferences/%s/bilaterals" % SLUG
BODY = {"requester": "JP", "counterpart": "CA", "duration_minutes": 30}


def status(r, want, name):
    if not is_(r.status, want, name):
        diag(r.text[:400])


def act(s, tok, bid, action, body=None):
    return s.request("POST", "/api/v1/bilaterals/%d/%s" % (bid, action), body, token=tok)


def test_anonymous(s, bid):
    """No token or a bad one: 401 on every route."""
    routes = [("POST", BASE, BODY), ("GET", BASE, None), ("GET", "/api/v1/bilaterals/%d" % bid, None),
              ("POST", "/api/v1/bilaterals/%d/accept" % bid, None),
              ("POST", "/api/v1/bilaterals/%d/decline" % bid, None),
              ("POST", "/api/v1/bilaterals/%d/withdraw" % bid, None),
              ("GET", "/api/v1/bilaterals/%d/slots" % bid, None),
              ("POST", "/api/v1/bilaterals/%d/schedule" % bid, {}),
              ("POST", "/api/v1/conferences/%s/schedule" % SLUG, {"dry_run": True})]
    for method, path, body in routes:
        status(s.request(method, path, body), 401, "%s %s without a token" % (method, path))
        status(s.request(method, path, body, token="nonsense-token"), 401, "%s %s with a bad token" % (method, path))


def test_unrelated(s, it, bid):
    """A liaison of neither party: the request does not exist for it."""
    for method, path in [("GET", "/api/v1/bilaterals/%d" % bid), ("POST", "/api/v1/bilaterals/%d/accept" % bid),
                         ("POST", "/api/v1/bilaterals/%d/decline" % bid),
                         ("POST", "/api/v1/bilaterals/%d/withdraw" % bid),
                         ("GET", "/api/v1/bilaterals/%d/slots" % bid)]:
        status(s.request(method, path, token=it), 404, "unrelated liaison: %s %s 404" % (method, path))
    r = s.request("GET", BASE + "?limit=1000", token=it)
    ids = [x["id"] for x in r.json["items"]]
    ok(r.status == 200 and bid not in ids, "unrelated liaison: not in its list")
    it_id = one(s, "SELECT id FROM delegations WHERE code = 'IT'")
    ok(all(it_id in (x["requester_id"], x["counterpart_id"]) for x in r.json["items"]) and len(ids) >= 1,
       "its list holds only Italy's requests (%d)" % len(ids))


def test_parties(s, jp, ca, it, bid):
    """Requester and counterpart liaisons: each its own transitions."""
    status(s.request("POST", BASE, dict(BODY, requester="CA", counterpart="JP"), token=jp), 403,
           "JP liaison requesting as Canada: 403")
    status(act(s, jp, bid, "accept"), 403, "requester liaison accepts: 403")
    status(act(s, jp, bid, "decline"), 403, "requester liaison declines: 403")
    status(act(s, ca, bid, "withdraw"), 403, "counterpart liaison withdraws: 403")
    is_(one(s, "SELECT status FROM bilateral_requests WHERE id = %s", bid), "requested", "still requested")
    for tok, who in ((jp, "requester"), (ca, "counterpart")):
        r = s.request("GET", "/api/v1/bilaterals/%d" % bid, token=tok)
        status(r, 200, "%s liaison reads it" % who)
        r = s.request("GET", BASE + "?limit=1000", token=tok)
        ok(bid in [x["id"] for x in r.json["items"]], "%s liaison lists it" % who)
        r = s.request("GET", "/api/v1/bilaterals/%d/slots?limit=2" % bid, token=tok)
        status(r, 409, "%s liaison: no slots before the counterpart accepts" % who)
        ok(r.headers.get("Content-Type", "").startswith("application/problem+json") and "items" not in (r.json or {}),
           "%s liaison: a problem document, no slot in it" % who)
    status(act(s, ca, bid, "accept"), 200, "counterpart liaison accepts")
    for tok, who in ((jp, "requester"), (ca, "counterpart")):
        r = s.request("GET", "/api/v1/bilaterals/%d/slots?limit=2" % bid, token=tok)
        status(r, 200, "%s liaison gets slots once accepted" % who)
        ok(r.status == 200 and len(r.json["items"]) == 2 and all(
            set(x) >= {"start", "end", "room_id"} and not set(x) & {"new_breaks", "room_changes"}
            for x in r.json["items"]), "%s liaison: start, end, room; no new_breaks or room_changes" % who)
    status(s.request("POST", "/api/v1/bilaterals/%d/schedule" % bid, {}, token=jp), 403,
           "requester liaison places: 403")
    status(s.request("POST", "/api/v1/bilaterals/%d/schedule" % bid, {}, token=ca), 403,
           "counterpart liaison places: 403")
    status(s.request("POST", "/api/v1/conferences/%s/schedule" % SLUG, {"dry_run": True}, token=jp), 403,
           "liaison runs the auto-scheduler: 403")
    is_(one(s, "SELECT status FROM bilateral_requests WHERE id = %s", bid), "accepted", "not placed by liaisons")
    status(act(s, jp, bid, "withdraw"), 200, "requester liaison withdraws")


def test_probe(s, it, sec):
    """A liaison cannot read another head's diary off slots of its own requests."""
    # Kono's restricted CA bilateral: 29 April 11:40-12:10. Italy asks Japan
    # for a 30-minute meeting around exactly that hour; Japan never accepts.
    r = s.request("POST", BASE, {"requester": "IT", "counterpart": "JP", "duration_minutes": 30,
                                 "earliest": "2023-04-29T11:30:00+09:00",
                                 "latest": "2023-04-29T12:30:00+09:00"}, token=it)
    status(r, 201, "Italy's liaison requests a meeting with Japan")
    probe = r.json["id"]
    r = s.request("GET", "/api/v1/bilaterals/%d/slots?limit=100" % probe, token=it)
    status(r, 409, "Italy's liaison asks for its slots before Japan accepts: 409")
    ok(not any(k in (r.json or {}) for k in ("items", "new_breaks", "room_changes")),
       "the answer holds no slot and no figure")
    like((r.json or {}).get("detail", ""), "accepted", "the detail says the counterpart must accept first")
    r = s.request("GET", "/api/v1/bilaterals/%d/slots?limit=100" % probe, token=sec)
    status(r, 200, "the secretariat gets them")
    ok(r.status == 200 and all("new_breaks" in x and "room_changes" in x for x in r.json["items"]),
       "with the figures")


def test_secretariat(s, sec, other):
    """Secretariat: everything; another conference's secretariat: 404. Returns the placed session."""
    r = s.request("POST", BASE, dict(BODY, counterpart="US"), token=sec)
    status(r, 201, "secretariat creates for any delegation")
    bid = r.json["id"]
    status(s.request("GET", "/api/v1/bilaterals/%d" % bid, token=other), 404, "other conference's secretariat: 404")
    status(act(s, other, bid, "accept"), 404, "other conference's secretariat accepts: 404")
    status(s.request("POST", "/api/v1/bilaterals/%d/schedule" % bid, {}, token=other), 404,
           "other conference's secretariat places: 404")
    status(s.request("POST", BASE, BODY, token=other), 404, "other conference's secretariat creates here: 404")
    status(s.request("POST", "/api/v1/conferences/%s/schedule" % SLUG, {"dry_run": True}, token=other), 403,
           "other conference's secretariat runs the auto-scheduler here: 403")
    status(act(s, sec, bid, "accept"), 200, "secretariat accepts")
    r = s.request("POST", "/api/v1/bilaterals/%d/schedule" % bid, {}, token=sec)
    status(r, 201, "secretariat places")
    return r.json["id"] if r.status == 201 else 0


def test_session_visibility(s, sid, jp, us, it):
    """The placed bilateral is restricted: its parties see it, others do not."""
    for tok, who in ((jp, "JP"), (us, "US")):
        status(s.request("GET", "/api/v1/sessions/%d" % sid, token=tok), 200, "party %s sees the session" % who)
    status(s.request("GET", "/api/v1/sessions/%d" % sid, token=it), 404, "Italy's liaison: 404")
    status(s.request("GET", "/api/v1/sessions/%d" % sid), 404, "anonymous: 404")
    r = s.request("GET", "/api/v1/conferences/%s/sessions?limit=1000" % SLUG, token=it)
    ok(sid not in [x["id"] for x in r.json["items"]], "not in Italy's session list")


def test_admin(s, admin):
    """Admin: everything."""
    r = s.request("POST", BASE, dict(BODY, counterpart="EU"), token=admin)
    status(r, 201, "admin creates")
    bid = r.json["id"]
    status(act(s, admin, bid, "decline"), 200, "admin declines")
    r = s.request("GET", BASE + "?limit=1000", token=admin)
    is_(len(r.json["items"]), one(s, "SELECT count(*) FROM bilateral_requests"), "admin lists all")
    status(s.request("POST", "/api/v1/conferences/%s/schedule" % SLUG, {"dry_run": True}, token=admin), 200,
           "admin runs the auto-scheduler")
    status(s.request("GET", "/api/v1/conferences/nope/bilaterals", token=admin), 404, "unknown conference: 404")
    status(s.request("POST", "/api/v1/conferences/nope/schedule", {}, token=admin), 404,
           "auto-scheduler of an unknown conference: 404")


with Server() as s:
    sec = s.token("secretariat", conference=SLUG)
    admin = s.token("admin")
    jp = s.token("liaison", conference=SLUG, delegation="JP")
    ca = s.token("liaison", conference=SLUG, delegation="CA")
    it = s.token("liaison", conference=SLUG, delegation="IT")
    with s.db().cursor() as cur:
        cur.execute("INSERT INTO conferences (slug, title, timezone, start_date, end_date)"
                    " VALUES ('other-2024', 'Other', 'Europe/Paris', '2024-01-01', '2024-01-02')")
    other = s.token("secretariat", conference="other-2024")
    r = s.request("POST", BASE, BODY, token=jp)
    status(r, 201, "JP liaison requests a bilateral with Canada")
    bid = r.json["id"]
    test_anonymous(s, bid)
    test_unrelated(s, it, bid)
    test_parties(s, jp, ca, it, bid)
    test_probe(s, it, sec)
    sid = test_secretariat(s, sec, other)
    us = s.token("liaison", conference=SLUG, delegation="US")
    test_session_visibility(s, sid, jp, us, it)
    test_admin(s, admin)
done_testing()
