#!/usr/bin/python3
# 47-registrations.t — side-event registration (issue 17 item 6), through
# the API a secretariat and the liaisons use, on the demo conference:
#
#  - seats from the room (no capacity of its own) and from the session's
#    `capacity` (PATCH-able: more seats promote, fewer than the confirmed
#    ones is a 409 that changes nothing);
#  - beyond the seats a registration waits, with its position, in
#    registration order; cancelling a confirmed one promotes the first
#    waiting one in the same transaction;
#  - the promoted participant's feed (a restricted side event) gains the
#    session, read with python3-icalendar, with the session's SEQUENCE;
#    the cancelled one's feed loses it; a move raises SEQUENCE in it;
#  - concurrent registrations for the last seat (HTTP, threads) never go
#    over it, and neither do two plain SQL transactions (the trigger);
#  - visibility: the secretariat sees all, a liaison its delegation's only;
#    another delegation's liaison gets 404 for a restricted event, an empty
#    list for a public one, 404 deleting, 422 naming only its own people;
#  - bad input is 4xx and changes nothing; the audit log has every change;
#    a registered participant's DELETE is a 409 naming the registration;
#  - paging with sealed cursors; `kaigi registration add|list|rm`.
import json
import os
import re
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, events, one, rows  # noqa: E402

C = "/api/v1/conferences/" + SLUG
KAIGI = os.path.abspath(os.environ.get("KAIGI") or os.path.join(TOP, "client", "kaigi"))


class T:
    """Tokens and helpers."""

    def __init__(self, s):
        self.s = s
        self.sec = s.token("secretariat", conference=SLUG)
        self.jp = s.token("liaison", conference=SLUG, delegation="JP")
        self.fr = s.token("liaison", conference=SLUG, delegation="FR")
        self.ua = s.token("liaison", conference=SLUG, delegation="UA")
        self.n = 0

    def ok(self, method, path, body=None, token=None, want=200):
        r = self.s.request(method, path, body, token=token or self.sec)
        if r.status != want:
            raise RuntimeError("%s %s: %r" % (method, path, r))
        return r.json

    def person(self, code):
        self.n += 1
        return self.ok("POST", C + "/participants", {"delegation": code, "name": "Reg %s %d" % (code, self.n),
                                                      "role": "staff"}, want=201)["id"]

    def register(self, sid, pid, token=None):
        return self.s.request("POST", "/api/v1/sessions/%d/registrations" % sid, {"participant_id": pid},
                              token=token or self.sec)

    def regs(self, sid, token=None, query=""):
        r = self.s.request("GET", "/api/v1/sessions/%d/registrations%s" % (sid, query), token=token or self.sec)
        return r

    def feed(self, tok):
        r = self.s.request("GET", "/feeds/%s.ics" % tok)
        assert r.status == 200, r
        return r


def state(s):
    """What the tests must not change by a refused request."""
    return (rows(s, "SELECT id, session_id, participant_id, status FROM registrations ORDER BY id"),
            rows(s, "SELECT id, version, registration_capacity FROM sessions ORDER BY id"),
            one(s, "SELECT count(*) FROM audit_log"))


def seats_from_room(s, t, room, venue):
    """A side event in a room of 3 seats, no capacity of its own."""
    sid = t.ok("POST", C + "/sessions", {"kind": "side_event", "title": "Invitation-only DX breakfast",
                                         "room_id": room, "start": "2023-04-28T08:00:00+09:00",
                                         "end": "2023-04-28T09:00:00+09:00", "visibility": "restricted",
                                         "delegations": ["JP", "FR"]}, want=201)
    is_(sid["capacity"], None, "the session JSON has capacity (null: the room's)")
    sid = sid["id"]
    jp = [t.person("JP") for _ in range(4)]
    fr = [t.person("FR")]
    got = [t.register(sid, p, t.jp) for p in jp] + [t.register(sid, fr[0], t.fr)]
    is_([r.status for r in got], [201] * 5, "five registrations by the liaisons: 201 each")
    is_([(r.json["status"], r.json.get("position")) for r in got],
        [("confirmed", None)] * 3 + [("waiting", 1), ("waiting", 2)],
        "the room's 3 seats: three confirmed, then waiting 1 and 2 in registration order")
    ok(all(r.headers.get("Content-Type", "").startswith("application/json") for r in got), "JSON answers")
    return sid, jp, fr, [r.json["id"] for r in got]


def seats_from_session(s, t, room):
    """capacity 2 in the same 3-seat room: the session's own wins; PATCH."""
    sid = t.ok("POST", C + "/sessions", {"kind": "side_event", "title": "DX panel (2 seats)", "room_id": room,
                                         "start": "2023-04-28T09:30:00+09:00",
                                         "end": "2023-04-28T10:00:00+09:00", "capacity": 2}, want=201)
    is_((sid["capacity"], sid["version"]), (2, 1), "created with capacity 2, version 1")
    sid = sid["id"]
    ps = [t.person("DE") for _ in range(3)]
    got = [t.register(sid, p).json for p in ps]
    is_([g["status"] for g in got], ["confirmed", "confirmed", "waiting"],
        "capacity 2 (room 3): the third waits")
    before = state(s)
    r = s.request("PATCH", "/api/v1/sessions/%d" % sid, {"capacity": 1}, token=t.sec)
    ok(r.status == 409 and r.headers.get("Content-Type", "").startswith("application/problem+json")
       and r.json.get("confirmed") == 2, "PATCH capacity 1 under 2 confirmed: 409 naming the count (%s)"
       % r.json.get("detail"))
    is_(state(s), before, "and nothing changed")
    r = s.request("PATCH", "/api/v1/sessions/%d" % sid, {"capacity": 3}, token=t.sec)
    ok(r.status == 200 and r.json["capacity"] == 3, "PATCH capacity 3: 200")
    is_([g["status"] for g in t.regs(sid).json["items"]], ["confirmed"] * 3,
        "more seats promote the waiting one in the same request")
    r = s.request("PATCH", "/api/v1/sessions/%d" % sid, {"capacity": None, "room_id": None}, token=t.sec)
    ok(r.status == 200 and r.json["capacity"] is None, "capacity and room cleared: no limit")
    r = s.request("GET", C + "/conflicts", token=t.sec)
    ok(r.status == 200 and r.json["items"] == [], "GET /conflicts still answers, with no rule broken")
    return sid


def room_shrink(s, t, sid, room):
    """A room's capacity below a session's confirmed registrations: 409."""
    before = state(s)
    r = s.request("PATCH", "/api/v1/rooms/%d" % room, {"capacity": 2}, token=t.sec)
    ok(r.status == 409 and "registrations" in r.json.get("detail", ""),
       "the room's capacity below the confirmed ones of a session in it: 409 (%s)" % r.json.get("detail"))
    is_(state(s), before, "and nothing changed")


def promotion_and_feeds(s, t, sid, jp, fr, reg):
    """Cancel a confirmed one: the first waiting one is promoted and its
    participant's feed gains the session. Feeds follow a write through
    NOTIFY, so each check waits (bounded) for what it expects; an absence
    is checked once a change of the same write has arrived."""
    uid = "session-%d@" % sid
    tok = {p: s.feed_token(SLUG, participant=p) for p in (jp[0], jp[3], fr[0])}

    def ev(p):
        e = [v for k, v in events(t.feed(tok[p]).body).items() if k.startswith(uid)]
        return e[0] if e else None

    def has(p, seq=None):
        """The event once it is in p's feed (with SEQUENCE seq if given)."""
        return wait_until(lambda: (lambda e: e if e is not None and (seq is None or int(e["SEQUENCE"]) == seq)
                                   else None)(ev(p)), PATIENCE)

    def gone(p):
        return wait_until(lambda: ev(p) is None, PATIENCE)
    seq0 = t.ok("GET", "/api/v1/sessions/%d" % sid)["sequence"]
    ok(has(jp[0]) is not None, "a confirmed registrant's feed has the restricted side event")
    ok(ev(jp[3]) is None and ev(fr[0]) is None, "the waiting ones' feeds do not")
    e0 = t.feed(tok[jp[3]]).headers.get("ETag")
    r = s.request("DELETE", "/api/v1/registrations/%d" % reg[0], token=t.jp)
    is_(r.status, 204, "Japan's liaison cancels a confirmed registration: 204")
    items = t.regs(sid).json["items"]
    is_([(g["id"], g["status"], g.get("position")) for g in items],
        [(reg[1], "confirmed", None), (reg[2], "confirmed", None), (reg[3], "confirmed", None),
         (reg[4], "waiting", 1)], "the first waiting one is confirmed, the next moves up to position 1")
    e = has(jp[3])
    ok(e is not None, "the promoted participant's feed gains the session (python3-icalendar)")
    ok(e is not None and int(e["SEQUENCE"]) == seq0 and str(e["STATUS"]) == "CONFIRMED",
       "with the session's SEQUENCE (%s) and STATUS:CONFIRMED" % seq0)
    isnt(t.feed(tok[jp[3]]).headers.get("ETag"), e0, "its ETag changed")
    ok(gone(jp[0]), "the cancelled participant's feed no longer has it")
    ok(ev(fr[0]) is None, "the one still waiting: not yet")
    moved = t.ok("PATCH", "/api/v1/sessions/%d" % sid, {"start": "2023-04-28T08:15:00+09:00",
                                                        "end": "2023-04-28T09:15:00+09:00"})
    e = has(jp[3], seq0 + 1)
    ok(moved["sequence"] == seq0 + 1 and e is not None,
       "a move raises SEQUENCE to %d in the promoted participant's feed" % (seq0 + 1))
    r = s.request("DELETE", "/api/v1/registrations/%d" % reg[3], token=t.sec)
    is_(r.status, 204, "the secretariat cancels the promoted one")
    e = has(fr[0])
    ok(e is not None and int(e["SEQUENCE"]) == seq0 + 1,
       "France's waiting participant is promoted: the event appears with SEQUENCE %d" % (seq0 + 1))
    ok(gone(jp[3]), "and leaves the cancelled one's feed")
    acts = rows(s, "SELECT action, entity_id FROM audit_log WHERE entity = 'registration' ORDER BY id")
    ok(("delete", reg[0]) in acts and ("promote", reg[3]) in acts and ("promote", reg[4]) in acts
       and ("create", reg[4]) in acts, "audited: create, delete, promote (%d rows)" % len(acts))


def concurrency(s, t, room):
    """Eight registrations at once for the last seat, three times."""
    for k in range(3):
        sid = t.ok("POST", C + "/sessions", {"kind": "side_event", "title": "Race %d" % k, "capacity": 3,
                                             "start": "2023-04-28T18:00:00+09:00",
                                             "end": "2023-04-28T19:00:00+09:00"}, want=201)["id"]
        for _ in range(2):
            is_(t.register(sid, t.person("IT")).json["status"], "confirmed", "race %d: a seat taken" % k)
        ps = [t.person("IT") for _ in range(8)]
        got = [None] * 8
        go = threading.Barrier(8)

        def one_reg(i):
            go.wait()
            got[i] = t.register(sid, ps[i])
        th = [threading.Thread(target=one_reg, args=(i,)) for i in range(8)]
        for x in th:
            x.start()
        for x in th:
            x.join()
        st = sorted((r.status, r.json["status"], r.json.get("position", 0)) for r in got)
        is_(st, [(201, "confirmed", 0)] + [(201, "waiting", i) for i in range(1, 8)],
            "race %d: 8 at once for the last seat: one confirmed, 7 waiting at positions 1..7" % k)
        is_(one(s, "SELECT count(*) FROM registrations WHERE session_id = %s AND status = 'confirmed'", sid), 3,
            "race %d: 3 confirmed in the database (capacity 3)" % k)
    # Plain SQL, two transactions each confirming one more than fits.
    import psycopg2
    sid = t.ok("POST", C + "/sessions", {"kind": "side_event", "title": "SQL race", "capacity": 1,
                                         "start": "2023-04-28T18:00:00+09:00",
                                         "end": "2023-04-28T19:00:00+09:00"}, want=201)["id"]
    a, b = t.person("IT"), t.person("IT")
    c1, c2 = psycopg2.connect(s.db_url), psycopg2.connect(s.db_url)
    q = ("INSERT INTO registrations (conference_id, session_id, participant_id, status)"
         " SELECT conference_id, id, %s, 'confirmed' FROM sessions WHERE id = %s")
    c1.cursor().execute(q, (a, sid))
    err = []

    def second():
        try:
            c2.cursor().execute(q, (b, sid))
            c2.commit()
        except psycopg2.Error as e:
            err.append(e.pgcode)
            c2.rollback()
    th = threading.Thread(target=second)
    th.start()
    wait_for(lambda: len(lock_waiters(s)) > 0)
    c1.commit()
    th.join()
    is_(err, ["KG409"], "plain SQL: the second transaction's confirmed row over capacity 1 fails (KG409)")
    is_(one(s, "SELECT count(*) FROM registrations WHERE session_id = %s", sid), 1, "one row stored")
    c1.close()
    c2.close()


def visibility(s, t, sid_restricted, room):
    """Who sees what."""
    pub = t.ok("POST", C + "/sessions", {"kind": "side_event", "title": "Open DX talk", "capacity": 1,
                                         "start": "2023-04-28T20:00:00+09:00",
                                         "end": "2023-04-28T21:00:00+09:00"}, want=201)["id"]
    jp, fr, ua = t.person("JP"), t.person("FR"), t.person("UA")
    g_jp = t.register(pub, jp, t.jp).json
    g_fr = t.register(pub, fr, t.fr).json
    is_((g_jp["status"], g_fr["status"], g_fr["position"]), ("confirmed", "waiting", 1),
        "a public one with 1 seat: Japan confirmed, France waiting")
    is_([g["id"] for g in t.regs(pub).json["items"]], [g_jp["id"], g_fr["id"]], "the secretariat sees both")
    is_([g["id"] for g in t.regs(pub, t.jp).json["items"]], [g_jp["id"]], "Japan's liaison its own only")
    is_([g["id"] for g in t.regs(pub, t.fr).json["items"]], [g_fr["id"]], "France's liaison its own only")
    r = t.regs(pub, t.ua)
    ok(r.status == 200 and r.json["items"] == [] and r.json["next"] is None,
       "Ukraine's liaison: an empty list, no count")
    r = t.regs(sid_restricted, t.ua)
    ok(r.status == 404 and "Reg" not in r.text, "a restricted event Ukraine is no party to: 404, naming nothing")
    r = s.request("POST", "/api/v1/sessions/%d/registrations" % sid_restricted, {"participant_id": ua},
                  token=t.ua)
    is_(r.status, 404, "registering for it: 404")
    before = state(s)
    r = s.request("DELETE", "/api/v1/registrations/%d" % g_jp["id"], token=t.ua)
    ok(r.status == 404 and "Reg" not in r.text, "Ukraine's liaison deleting Japan's registration: 404")
    r = t.register(pub, jp, t.ua)
    ok(r.status == 422 and [c["id"] for c in r.json.get("choices", [])] and
       all(c["id"] != jp for c in r.json["choices"]) and "Reg JP" not in r.text,
       "registering Japan's participant: 422 whose choices are Ukraine's people only")
    r = t.register(pub, ua, t.fr)
    is_(r.status, 422, "France's liaison registering Ukraine's: 422")
    is_(state(s), before, "none of it changed anything")
    other = s.token("secretariat", conference="other-reg")
    r = t.regs(pub, other)
    is_(r.status, 403, "another conference's secretariat: 403 for the public one's list")
    return pub


def bad_input(s, t, pub, room):
    """4xx, nothing changed."""
    pid = t.person("CA")
    ple = one(s, "SELECT id FROM sessions WHERE kind = 'plenary' ORDER BY id LIMIT 1")
    bil = one(s, "SELECT id FROM sessions WHERE kind = 'bilateral' ORDER BY id LIMIT 1")
    cancelled = t.ok("POST", C + "/sessions", {"kind": "side_event", "title": "Called off",
                                               "start": "2023-04-28T20:00:00+09:00",
                                               "end": "2023-04-28T21:00:00+09:00"}, want=201)["id"]
    t.ok("POST", "/api/v1/sessions/%d/cancel" % cancelled, {})
    existing = t.regs(pub).json["items"][0]
    before = state(s)
    path = "/api/v1/sessions/%d/registrations" % pub
    cases = [
        ("no body", "POST", path, None, (400, 422)),
        ("{}", "POST", path, {}, 422),
        ("participant_id text", "POST", path, {"participant_id": "1"}, 422),
        ("participant_id 0", "POST", path, {"participant_id": 0}, 422),
        ("an unknown field", "POST", path, {"participant_id": pid, "seat": 4}, 422),
        ("an unknown participant", "POST", path, {"participant_id": 99999999}, 422),
        ("a plenary without capacity", "POST", "/api/v1/sessions/%d/registrations" % ple,
         {"participant_id": pid}, 409),
        ("a bilateral", "POST", "/api/v1/sessions/%d/registrations" % bil, {"participant_id": pid}, 409),
        ("a cancelled side event", "POST", "/api/v1/sessions/%d/registrations" % cancelled,
         {"participant_id": pid}, 409),
        ("a duplicate", "POST", path, {"participant_id": existing["participant_id"]}, 409),
        ("no such session", "POST", "/api/v1/sessions/99999999/registrations", {"participant_id": pid}, 404),
        ("not an id", "POST", "/api/v1/sessions/x/registrations", {"participant_id": pid}, 404),
        ("?status=nope", "GET", path + "?status=nope", None, 400),
        ("?cursor=junk", "GET", path + "?cursor=junk", None, 400),
        ("?limit=0", "GET", path + "?limit=0", None, 400),
        ("delete unknown", "DELETE", "/api/v1/registrations/99999999", None, 404),
        ("delete not an id", "DELETE", "/api/v1/registrations/-1", None, 404),
        ("capacity -1", "PATCH", "/api/v1/sessions/%d" % pub, {"capacity": -1}, 422),
        ("capacity text", "PATCH", "/api/v1/sessions/%d" % pub, {"capacity": "9"}, 422),
    ]
    for name, method, p, body, want in cases:
        r = s.request(method, p, body, token=t.sec)
        w = want if isinstance(want, tuple) else (want,)
        ok(r.status in w and r.headers.get("Content-Type", "").startswith("application/problem+json"),
           "%s: %s (%s)" % (name, r.status, (r.json or {}).get("detail") if r.body[:1] == b"{" else r.body[:60]))
        if name == "a duplicate":
            is_((r.json.get("existing_id"), r.json.get("registration", {}).get("status")),
                (existing["id"], existing["status"]), "the 409 names the existing registration")
        if name == "?status=nope":
            is_(r.json.get("choices"), ["confirmed", "waiting"], "the 400 names the statuses")
    is_(state(s), before, "no bad request changed anything (registrations, sessions, audit)")


def participant_delete(s, t, pub):
    """A registered participant is not deleted (409 naming the registration)."""
    g = t.regs(pub).json["items"][0]
    before = state(s)
    r = s.request("DELETE", "/api/v1/participants/%d" % g["participant_id"], token=t.sec)
    j = r.json or {}
    ok(r.status == 409 and [x["id"] for x in j.get("references", {}).get("registrations", [])] == [g["id"]],
       "deleting a registered participant: 409 naming the registration (%s %s)" % (r.status, j.get("detail")))
    is_(state(s), before, "and nothing changed")


def paging(s, t, sid, other):
    """limit=1 pages with sealed cursors."""
    items, cur = [], None
    for _ in range(10):
        r = t.regs(sid, query="?limit=1" + ("&cursor=" + cur if cur else ""))
        items += r.json["items"]
        cur = r.json["next"]
        if not cur:
            break
    is_([g["id"] for g in items], [g["id"] for g in t.regs(sid).json["items"]], "limit=1 pages give the list")
    first = t.regs(sid, query="?limit=1").json["next"]
    r = t.regs(other, query="?limit=1&cursor=" + first)
    is_(r.status, 400, "a cursor of another session's list: 400")
    r = t.regs(sid, t.jp, query="?limit=1&cursor=" + first)
    is_(r.status, 400, "or of another caller: 400")
    r = t.regs(sid, query="?status=waiting")
    ok(r.status == 200 and all(g["status"] == "waiting" for g in r.json["items"]), "?status=waiting filters")


def client(s, t):
    """kaigi registration add|list|rm."""
    env = dict(os.environ, KAIGI_CONFIG="/dev/null", TZ="UTC", KAIGI_URL=s.url, KAIGI_TOKEN=t.sec)

    def run(*args):
        return subprocess.run([KAIGI] + [str(a) for a in args], capture_output=True, text=True, env=env,
                              timeout=60)
    sid = t.ok("POST", C + "/sessions", {"kind": "side_event", "title": "Client event", "capacity": 1,
                                         "start": "2023-04-28T21:00:00+09:00",
                                         "end": "2023-04-28T22:00:00+09:00"}, want=201)["id"]
    t.ok("POST", C + "/participants", {"delegation": "GB", "name": "Client Alpha", "role": "staff",
                                       "email": "alpha@example.org"}, want=201)
    t.ok("POST", C + "/participants", {"delegation": "GB", "name": "Client Beta", "role": "staff"}, want=201)
    p = run("registration", "add", sid, "alpha@example.org")
    ok(p.returncode == 0 and re.search(r"registration \d+: Client Alpha \(GB\) confirmed", p.stdout),
       "kaigi registration add: confirmed (%s)" % p.stdout.strip())
    p = run("registration", "add", sid, "Client Beta")
    ok(p.returncode == 0 and "waiting (position 1)" in p.stdout, "the second waits (%s)" % p.stdout.strip())
    p = run("registration", "add", sid, "Client Beta")
    is_(p.returncode, 4, "a duplicate: exit 4 (409)")
    p = run("registration", "list", sid)
    ok(p.returncode == 0 and "Client Alpha" in p.stdout and "waiting" in p.stdout and "POSITION" in p.stdout,
       "kaigi registration list: a table")
    p = run("--json", "registration", "list", sid)
    regs = json.loads(p.stdout)["items"] if p.returncode == 0 else []
    is_([g["status"] for g in regs], ["confirmed", "waiting"], "--json: the items")
    p = run("registration", "rm", regs[0]["id"] if regs else 0)
    ok(p.returncode == 0 and "cancelled registration" in p.stdout, "kaigi registration rm (%s)" % p.stdout.strip())
    p = run("--json", "registration", "list", sid, "--status", "confirmed")
    ok(p.returncode == 0 and [g["participant"] for g in json.loads(p.stdout)["items"]] == ["Client Beta"],
       "Beta promoted; --status confirmed")
    p = run("registration", "add", "--help")
    ok(p.returncode == 0 and "SESSION PERSON" in p.stdout + p.stderr, "registration add --help")
    p = run("help", "registration", "list")
    ok(p.returncode == 0 and "--status" in p.stdout + p.stderr, "help registration list")


with Server() as s:
    t = T(s)
    t.ok("POST", "/api/v1/conferences", {"slug": "other-reg", "title": "Other", "timezone": "Europe/Paris",
                                         "start_date": "2023-05-01", "end_date": "2023-05-02"},
         token=s.token("admin"), want=201)
    venue = one(s, "SELECT min(v.id) FROM venues v JOIN conferences c ON c.id = v.conference_id"
                   " WHERE c.slug = %s", SLUG)
    room = t.ok("POST", C + "/rooms", {"venue_id": venue, "name": "Breakfast room", "capacity": 3,
                                       "kind": "side_event"}, want=201)["id"]
    sid, jp, fr, reg = seats_from_room(s, t, room, venue)
    room_shrink(s, t, sid, room)
    s2 = seats_from_session(s, t, room)
    promotion_and_feeds(s, t, sid, jp, fr, reg)
    concurrency(s, t, room)
    pub = visibility(s, t, sid, room)
    bad_input(s, t, pub, room)
    participant_delete(s, t, pub)
    paging(s, t, sid, s2)
    client(s, t)
    log = open(s.log_path, "rb").read().decode("utf-8", "replace")
    ok("AddressSanitizer" not in log and "runtime error" not in log and "fatal" not in log,
       "kaigid's log has no sanitizer report or fatal error")
    is_(s.stop(), 0, "kaigid exits 0")
done_testing()
