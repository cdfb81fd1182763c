#!/usr/bin/python3
# 20-sessions.t — the session routes: create, list, read, change, cancel and
# the conflict check; every validation error; every role; nothing written
# when a request fails; If-Match and sequence.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
BASE = "/api/v1/conferences/%s/sessions" % SLUG


def counts(s):
    """(sessions, audit rows, attendees, busy rows): to see nothing was written."""
    return (one(s, "SELECT count(*) FROM sessions"), one(s, "SELECT count(*) FROM audit_log"),
            one(s, "SELECT count(*) FROM session_attendees"), one(s, "SELECT count(*) FROM busy"))


def room(s, name):
    return one(s, "SELECT id FROM rooms WHERE name = %s", name)


def person(s, code, role="head"):
    return one(s, "SELECT p.id FROM participants p JOIN delegations d ON d.id = p.delegation_id"
               " WHERE d.code = %s AND p.role = %s ORDER BY p.id LIMIT 1", code, role)


def problem(r, status, name):
    """A problem+json answer with this status."""
    ok(r.status == status and r.headers.get("Content-Type", "").startswith(
        "application/problem+json") and (r.json or {}).get("status") == status,
        "%s: %d problem+json" % (name, status))
    if r.status != status:
        diag("got %d: %s" % (r.status, r.text[:500]))


def fields(r):
    return sorted(e.get("field") for e in (r.json or {}).get("errors", []))


with Server() as s:
    sec = s.token("secretariat", conference=SLUG)
    admin = s.token("admin")
    jp = s.token("liaison", conference=SLUG, delegation="JP")
    it = s.token("liaison", conference=SLUG, delegation="IT")
    with s.db().cursor() as cur:
        cur.execute("INSERT INTO conferences (slug, title, timezone, start_date, end_date)"
                    " VALUES ('other-2024', 'Other', 'Europe/Paris', '2024-01-01', '2024-01-02')")
    other_sec = s.token("secretariat", conference="other-2024")
    room_b, room_c = room(s, "Bilateral Room B"), room(s, "Bilateral Room C")
    kono, ca, de = person(s, "JP"), person(s, "CA"), person(s, "DE")
    good = {"kind": "other", "title": "Side meeting", "room_id": room_b,
            "start": "2023-04-28T09:00:00+09:00", "end": "2023-04-28T10:00:00+09:00",
            "attendees": [de], "delegations": ["DE"], "description": "About trains."}

    # --- create: happy path
    before = counts(s)
    r = s.request("POST", BASE, good, token=sec)
    is_(r.status, 201, "secretariat creates a session: 201")
    sj = r.json or {}
    for f in ("id", "conference", "kind", "title", "description", "room_id", "room", "venue",
              "start", "end", "status", "visibility", "sequence", "version", "attendees",
              "delegations", "updated_at"):
        ok(f in sj, "session has %s" % f)
    is_((sj.get("start"), sj.get("end")), ("2023-04-28T09:00:00+09:00", "2023-04-28T10:00:00+09:00"),
        "instants in the conference zone")
    is_((sj.get("conference"), sj.get("room"), sj.get("venue")),
        (SLUG, "Bilateral Room B", "G Messe Gunma"), "conference, room and venue by name")
    is_((sj.get("status"), sj.get("visibility"), sj.get("sequence"), sj.get("version")),
        ("confirmed", "public", 0, 1), "defaults: confirmed, public, sequence 0, version 1")
    is_([a["id"] for a in sj.get("attendees", [])], [de], "attendees stored")
    is_(sj.get("delegations"), ["DE"], "delegations by code")
    is_(r.headers.get("ETag"), '"1"', "ETag is the version")
    sid = sj.get("id")
    is_(r.headers.get("Location"), "/api/v1/sessions/%s" % sid, "Location of the new session")
    is_(one(s, "SELECT count(*) FROM audit_log WHERE entity = 'session' AND entity_id = %s"
            " AND action = 'create' AND role = 'secretariat' AND token_id IS NOT NULL"
            " AND before IS NULL AND after->>'title' = 'Side meeting'", sid), 1,
        "audit row with actor, action and after")
    is_(counts(s)[0], before[0] + 1, "one session more")
    is_(one(s, "SELECT count(*) FROM busy WHERE session_id = %s", sid), 1, "attendee is busy")

    r = s.request("POST", BASE, {"kind": "bilateral", "title": "Secret", "start": "2023-04-28T08:00:00+09:00",
                                 "end": "2023-04-28T08:30:00+09:00"}, token=admin)
    is_(r.status, 201, "admin creates a session without room")
    is_((r.json or {}).get("visibility"), "restricted", "bilateral defaults to restricted")
    is_((r.json or {}).get("room_id"), None, "no room")

    # --- create: validation, nothing written
    before = counts(s)
    cases = [
        ("unknown kind", dict(good, kind="party"), ["kind"]),
        ("end before start", dict(good, end="2023-04-28T08:00:00+09:00"), ["end"]),
        ("start outside the conference dates", dict(good, start="2023-05-10T09:00:00+09:00",
                                                    end="2023-05-10T10:00:00+09:00"), ["start"]),
        ("duration over 24 h", dict(good, start="2023-04-28T09:00:00+09:00",
                                    end="2023-04-29T09:30:00+09:00"), ["end"]),
        ("capacity below attendees", dict(good, room_id=room_c, attendees=list(range(1, 14))),
         ["attendees"]),
        ("unknown delegation code", dict(good, delegations=["DE", "XX"]), ["delegations"]),
        ("unknown participant", dict(good, attendees=[de, 99999]), ["attendees"]),
        ("unknown room", dict(good, room_id=99999), ["room_id"]),
        ("missing fields", {"kind": "other"}, ["end", "start", "title"]),
        ("unknown field", dict(good, colour="red"), ["colour"]),
        ("bad time", dict(good, start="tomorrow"), ["start"]),
        ("status cancelled", dict(good, status="cancelled"), ["status"]),
        ("bad visibility", dict(good, visibility="secret"), ["visibility"]),
        ("attendees not ids", dict(good, attendees=["x"]), ["attendees"]),
    ]
    for name, body, want in cases:
        r = s.request("POST", BASE, body, token=sec)
        problem(r, 422, name)
        is_(fields(r), want, "%s: errors name %s" % (name, ", ".join(want)))
    r = s.request("POST", BASE, raw=b'{"kind": "other",', token=sec,
                  headers={"Content-Type": "application/json"})
    problem(r, 400, "malformed JSON")
    r = s.request("POST", BASE, raw=b'kind=other', token=sec,
                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    problem(r, 415, "wrong content type")
    r = s.request("POST", BASE, [1, 2], token=sec)
    problem(r, 422, "body not an object")
    is_(counts(s), before, "nothing written by failed creates")

    # --- create: roles
    problem(s.request("POST", BASE, good), 401, "create without token")
    problem(s.request("POST", BASE, good, token="bogus-token-123456789"), 401, "create with bad token")
    problem(s.request("POST", BASE, good, token=jp), 403, "create as liaison")
    problem(s.request("POST", BASE, good, token=other_sec), 403,
            "create as secretariat of another conference")
    problem(s.request("POST", "/api/v1/conferences/nope/sessions", good, token=admin), 404,
            "create in unknown conference")
    is_(counts(s), before, "nothing written by refused creates")

    # --- read
    r = s.request("GET", "/api/v1/sessions/%d" % sid)
    is_(r.status, 200, "anyone reads a public session")
    is_((r.json or {}).get("title"), "Side meeting", "same session")
    is_(r.headers.get("ETag"), '"1"', "GET has ETag")
    problem(s.request("GET", "/api/v1/sessions/999999"), 404, "unknown session")
    problem(s.request("GET", "/api/v1/sessions/abc"), 404, "non-numeric id")
    problem(s.request("GET", "/api/v1/sessions/%d" % sid, token="bogus-token-123456789"), 401,
            "bad token on a public read")

    # --- list: paging, filters
    r = s.request("GET", BASE + "?limit=5")
    is_(r.status, 200, "list 200")
    items = (r.json or {}).get("items", [])
    is_(len(items), 5, "limit 5")
    starts = [i["start"] for i in items]
    is_(starts, sorted(starts), "ordered by start")
    seen, cursor, pages = [], None, 0
    while pages < 20:
        r = s.request("GET", BASE + "?limit=4" + ("&cursor=%s" % cursor if cursor else ""), token=sec)
        seen += [i["id"] for i in r.json["items"]]
        cursor = r.json["next"]
        pages += 1
        if cursor is None:
            break
    is_(sorted(seen), sorted(set(seen)), "paging repeats nothing")
    is_(len(seen), one(s, "SELECT count(*) FROM sessions s JOIN conferences c ON c.id = s.conference_id"
                          " WHERE c.slug = %s", SLUG), "paging reaches every session (secretariat)")
    r = s.request("GET", BASE + "?kind=plenary")
    is_({i["kind"] for i in r.json["items"]}, {"plenary"}, "kind filter")
    is_(len(r.json["items"]), 6, "six plenaries")
    r = s.request("GET", BASE + "?room_id=%d" % room_b, token=sec)
    is_({i["room_id"] for i in r.json["items"]}, {room_b}, "room filter")
    r = s.request("GET", BASE + "?from=2023-04-30T00:00:00%2B09:00&to=2023-04-30T10:00:00%2B09:00",
                  token=sec)
    is_(sorted(i["start"] for i in r.json["items"]),
        ["2023-04-30T09:00:00+09:00", "2023-04-30T09:40:00+09:00"], "from/to filter")
    r = s.request("GET", BASE + "?delegation=DE", token=sec)
    ok(sid in [i["id"] for i in r.json["items"]] and
       all("DE" in i["delegations"] or "DE" in [a["delegation"] for a in i["attendees"]]
           for i in r.json["items"]), "delegation filter")
    for q in ("from=yesterday", "kind=party", "room_id=x", "limit=0", "limit=5000", "cursor=abc"):
        problem(s.request("GET", BASE + "?" + q), 400, "bad query %s" % q)
    problem(s.request("GET", "/api/v1/conferences/nope/sessions"), 404, "list of unknown conference")

    # --- patch: retitle keeps sequence, move raises it, If-Match
    p = "/api/v1/sessions/%d" % sid
    r = s.request("PATCH", p, {"title": "Side meeting (rail)"}, token=sec, headers={"If-Match": '"1"'})
    is_(r.status, 200, "retitle 200")
    is_(((r.json or {}).get("title"), r.json.get("sequence"), r.json.get("version")),
        ("Side meeting (rail)", 0, 2), "retitle: sequence unchanged, version raised")
    is_(r.headers.get("ETag"), '"2"', "new ETag")
    before = counts(s)
    r = s.request("PATCH", p, {"title": "Stale"}, token=sec, headers={"If-Match": '"1"'})
    problem(r, 412, "stale If-Match")
    r = s.request("PATCH", p, {"title": "Stale"}, token=sec, headers={"If-Match": "garbage"})
    problem(r, 412, "If-Match naming no version")
    is_(counts(s), before, "nothing written by 412")
    r = s.request("PATCH", p, {"start": "2023-04-28T10:00:00+09:00", "end": "2023-04-28T11:00:00+09:00"},
                  token=sec, headers={"If-Match": '"2"'})
    is_(r.status, 200, "move 200")
    is_(((r.json or {}).get("start"), r.json.get("sequence"), r.json.get("version")),
        ("2023-04-28T10:00:00+09:00", 1, 3), "move raises sequence")
    r = s.request("PATCH", p, {"room_id": room_c}, token=sec)
    is_((r.json or {}).get("sequence"), 2, "re-room raises sequence (no If-Match: unconditional)")
    r = s.request("PATCH", p, {"status": "tentative"}, token=sec)
    is_((r.json or {}).get("sequence"), 3, "status change raises sequence")
    r = s.request("PATCH", p, {"attendees": [de, ca], "delegations": ["DE", "CA"]}, token=sec)
    is_(sorted(a["id"] for a in (r.json or {}).get("attendees", [])), sorted([de, ca]),
        "attendees changed")
    is_((r.json or {}).get("sequence"), 3, "attendee change keeps sequence")
    is_(one(s, "SELECT count(*) FROM busy WHERE session_id = %s", sid), 2, "both busy")
    r = s.request("PATCH", p, {"room_id": None}, token=sec)
    is_((r.json or {}).get("room_id"), None, "room removed with null")
    is_(one(s, "SELECT count(*) FROM audit_log WHERE entity_id = %s AND action = 'update'"
            " AND before IS NOT NULL AND after IS NOT NULL", sid), 6, "every change audited")

    before = counts(s)
    for name, body, want in [
        ("patch end before start", {"end": "2023-04-28T09:00:00+09:00"}, ["end"]),
        ("patch unknown kind", {"kind": "party"}, ["kind"]),
        ("patch nothing", {}, [""]),
        ("patch outside dates", {"start": "2023-05-28T10:00:00+09:00", "end": "2023-05-28T11:00:00+09:00"},
         ["start"]),
        ("patch unknown participant", {"attendees": [424242]}, ["attendees"]),
    ]:
        r = s.request("PATCH", p, body, token=sec)
        problem(r, 422, name)
        is_(fields(r), want, "%s: errors name %s" % (name, want))
    problem(s.request("PATCH", p, {"title": "x"}), 401, "patch without token")
    problem(s.request("PATCH", p, {"title": "x"}, token=jp), 403, "patch as liaison")
    problem(s.request("PATCH", p, {"title": "x"}, token=other_sec), 403,
            "patch as secretariat of another conference")
    problem(s.request("PATCH", "/api/v1/sessions/999999", {"title": "x"}, token=sec), 404,
            "patch unknown session")
    is_(counts(s), before, "nothing written by failed patches")

    # --- cancel
    c = p + "/cancel"
    problem(s.request("POST", c, token=jp), 403, "cancel as liaison")
    problem(s.request("POST", c), 401, "cancel without token")
    problem(s.request("POST", c, token=other_sec), 403, "cancel as another secretariat")
    r = s.request("POST", c, token=sec)
    is_(r.status, 200, "cancel 200")
    is_(((r.json or {}).get("status"), r.json.get("sequence")), ("cancelled", 5),
        "cancelled, sequence raised")
    is_(one(s, "SELECT count(*) FROM busy WHERE session_id = %s", sid), 0, "people freed")
    before = counts(s)
    problem(s.request("POST", c, token=sec), 409, "cancel twice")
    is_(counts(s), before, "nothing written by the second cancel")
    r = s.request("PATCH", p, {"status": "confirmed"}, token=sec)
    is_(((r.json or {}).get("status"), r.json.get("sequence")), ("confirmed", 6),
        "un-cancel with PATCH status: sequence raised")
    is_(one(s, "SELECT count(*) FROM busy WHERE session_id = %s", sid), 2, "people busy again")
    is_(s.request("POST", c, token=sec).status, 200, "and cancel again")
    r = s.request("GET", BASE + "?delegation=CA", token=sec)
    ok(sid in [i["id"] for i in r.json["items"]], "cancelled sessions stay listed")

    # --- admin may change and cancel any conference's sessions
    secret = one(s, "SELECT id FROM sessions WHERE title = 'Secret'")
    r = s.request("PATCH", "/api/v1/sessions/%d" % secret, {"title": "Secret (moved)",
                  "start": "2023-04-28T08:05:00+09:00", "end": "2023-04-28T08:35:00+09:00"}, token=admin)
    is_((r.status, (r.json or {}).get("sequence")), (200, 1), "admin moves a session")
    is_(s.request("POST", "/api/v1/sessions/%d/cancel" % secret, token=admin).status, 200,
        "admin cancels a session")
    is_(one(s, "SELECT role FROM audit_log WHERE entity_id = %s AND action = 'cancel'", secret), "admin",
        "audit names the admin")
    problem(s.request("POST", "/api/v1/sessions/%d/cancel" % secret, {"reason": "x"}, token=admin), 422,
            "cancel with fields")

    # --- conflicts
    r = s.request("GET", "/api/v1/conferences/%s/conflicts" % SLUG, token=sec)
    is_(r.status, 200, "conflicts 200 for the secretariat")
    is_((r.json or {}).get("items"), [], "no rule broken in the demo")
    r = s.request("GET", "/api/v1/conferences/%s/conflicts" % SLUG, token=admin)
    is_(r.status, 200, "conflicts 200 for admin")
    problem(s.request("GET", "/api/v1/conferences/%s/conflicts" % SLUG), 401, "conflicts anonymous")
    problem(s.request("GET", "/api/v1/conferences/%s/conflicts" % SLUG, token=jp), 403,
            "conflicts as liaison")
    problem(s.request("GET", "/api/v1/conferences/%s/conflicts" % SLUG, token=other_sec), 403,
            "conflicts as another secretariat")
    # Imported data that breaks rules (written around the API, as an import would).
    with s.db().cursor() as cur:
        cur.execute("UPDATE rooms SET capacity = 3 WHERE name = 'Banquet Room'")
        cur.execute("UPDATE travel_times SET minutes = 1200")
    r = s.request("GET", "/api/v1/conferences/%s/conflicts" % SLUG, token=sec)
    rules = {i["rule"] for i in (r.json or {}).get("items", [])}
    ok("capacity" in rules and "travel" in rules, "conflicts finds capacity and travel breaches")
    note(rules)
    is_(s.stop(), 0, "kaigid exits 0 on SIGTERM (clean under ASan too)")
done_testing()
