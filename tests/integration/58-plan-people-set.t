#!/usr/bin/python3
"""58-plan-people-set.t — the people of a problem's and a plan's requests
are found as a set (sql/450_plan_people_set.sql).

A conference whose delegations have a head only, a head and a deputy, a
head and two deputies, a deputy only, two heads, nobody of the two
levels, and 250 requests between them at both levels:

- kaigi_bilateral_people_of(all the requests) must give, for each, what
  kaigi_bilateral_people gives for it alone;
- building the solver's problem and writing a plan of 40 placements must
  not call kaigi_bilateral_people per request (before: twice per request
  for the problem, once per placement for the plan:
  pg_stat_xact_user_functions), and the plan's sessions must have their
  request's people as attendees.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "people-set"
C = "/api/v1/conferences/" + SLUG
# delegation: the roles of its participants
DELEGATIONS = {"HO": ["head"], "HD": ["head", "deputy"], "H2D": ["deputy", "head", "deputy"],
               "DO": ["deputy"], "NONE": ["member", "staff"], "HH": ["head", "head", "member"]}
N = 250
PLACED = 40


def must(r, status, what):
    if not is_(r.status, status, what):
        diag(r.text[:800])
    return r.json if r.status == status else {}


def setup(s):
    admin = s.token("admin")
    must(s.request("POST", "/api/v1/conferences", {
        "slug": SLUG, "title": "People", "timezone": "Europe/Paris", "start_date": "2026-09-07",
        "end_date": "2026-09-08"}, token=admin), 201, "conference")
    sec = s.token("secretariat", SLUG)
    for code, roles in DELEGATIONS.items():
        must(s.request("POST", C + "/delegations", {"code": code, "name": code, "kind": "member"},
                       token=sec), 201, "delegation " + code)
        for i, role in enumerate(roles):
            must(s.request("POST", C + "/participants", {"delegation": code, "name": "%s %d" % (code, i),
                                                         "role": role}, token=sec), 201,
                 "%s of %s" % (role, code))
    v = must(s.request("POST", C + "/venues", {"name": "Hall"}, token=sec), 201, "venue")
    for name in ("A", "B"):
        must(s.request("POST", C + "/rooms", {"venue_id": v["id"], "name": name, "capacity": 10,
                                              "kind": "bilateral"}, token=sec), 201, "room " + name)
    with s.db().cursor() as cur:
        cur.execute("""INSERT INTO bilateral_requests (conference_id, requester_delegation_id,
                counterpart_delegation_id, duration_minutes, status, level)
            SELECT c.id, a.id, b.id, 30, 'accepted',
                CASE WHEN i %% 3 = 0 THEN 'head' ELSE 'deputy' END
            FROM conferences c, generate_series(1, %s) i
            JOIN LATERAL (SELECT d.id FROM delegations d WHERE d.conference_id = c.id
                ORDER BY d.id OFFSET i %% 6 LIMIT 1) a ON true
            JOIN LATERAL (SELECT d.id FROM delegations d WHERE d.conference_id = c.id
                ORDER BY d.id OFFSET (i / 6) %% 6 LIMIT 1) b ON true
            WHERE c.slug = %s AND a.id <> b.id ORDER BY i LIMIT %s""", (N * 6 // 5, SLUG, N))
        is_(cur.rowcount, N, "%d requests" % N)


def compare(s):
    with s.db().cursor() as cur:
        cur.execute("""SELECT b.id, kaigi_bilateral_people(b), x.who
            FROM bilateral_requests b JOIN conferences c ON c.id = b.conference_id
            LEFT JOIN kaigi_bilateral_people_of(ARRAY(SELECT r FROM bilateral_requests r
                WHERE r.conference_id = c.id)) x ON x.request_id = b.id
            WHERE c.slug = %s ORDER BY b.id""", (SLUG,))
        rows = cur.fetchall()
    is_(len(rows), N, "every request compared")
    bad = [r for r in rows if r[1] != r[2]]
    is_(bad[:5], [], "kaigi_bilateral_people_of gives each request what kaigi_bilateral_people gives")
    sizes = {len(r[1]) for r in rows}
    ok({0, 1, 2, 3, 4} <= sizes, "requests with 0 to 4 people among them (%s)" % sorted(sizes))


def plan(s):
    """PLACED requests with people, in rooms A and B, one pair every 45 minutes."""
    with s.db().cursor() as cur:
        cur.execute("""SELECT b.id, b.version, kaigi_bilateral_people(b) FROM bilateral_requests b
            JOIN conferences c ON c.id = b.conference_id WHERE c.slug = %s
                AND cardinality(kaigi_bilateral_people(b)) > 0
            ORDER BY b.id""", (SLUG,))
        reqs = cur.fetchall()
        cur.execute("SELECT r.id FROM rooms r JOIN conferences c ON c.id = r.conference_id"
                    " WHERE c.slug = %s ORDER BY r.name", (SLUG,))
        rooms = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT extract(epoch FROM timestamptz '2026-09-07 08:00 Europe/Paris')")
        t0 = int(cur.fetchone()[0])
    items, busy, who, used = [], {}, {}, {}
    for b, v, people in reqs:
        for k in range(28):         # the first slot with a room where nobody of it is busy
            start = t0 + (k // 14) * 86400 + (k % 14) * 45 * 60
            if used.get(start, 0) < len(rooms) and not any(start in busy.get(p, ()) for p in people):
                items.append({"bilateral_id": b, "version": v, "room_id": rooms[used.get(start, 0)],
                              "start": start})
                used[start] = used.get(start, 0) + 1
                for p in people:
                    busy.setdefault(p, set()).add(start)
                who[b] = sorted(people)
                break
        if len(items) == PLACED:
            break
    return items, who


def counted(s, items):
    """Build the problem and write the plan in one transaction:
    (kaigi_bilateral_people calls, {request id: attendee ids})."""
    conn = s.db()
    conn.autocommit = False
    with conn.cursor() as cur:
        cur.execute("SET LOCAL track_functions = 'all'")
        cur.execute("SELECT id FROM conferences WHERE slug = %s", (SLUG,))
        cid = cur.fetchone()[0]
        cur.execute("SELECT kaigi_bilateral_problem('{\"role\": \"admin\"}', %s, NULL)", (SLUG,))
        pb = cur.fetchone()[0]
        cur.execute("SELECT kaigi_bilateral_apply('{\"role\": \"admin\"}', %s, %s)",
                    (cid, json.dumps(items)))
        cur.execute("""SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions
            WHERE funcname = 'kaigi_bilateral_people'""")
        calls = cur.fetchone()[0]
        cur.execute("""SELECT b.id, array_agg(a.participant_id ORDER BY a.participant_id)
            FROM bilateral_requests b JOIN session_attendees a ON a.session_id = b.session_id
            WHERE b.id = ANY(%s) GROUP BY b.id""", ([i["bilateral_id"] for i in items],))
        got = {b: list(w) for b, w in cur.fetchall()}
    conn.commit()
    conn.close()
    return calls, got, pb


with Server() as s:
    setup(s)
    compare(s)
    items, who = plan(s)
    is_(len(items), PLACED, "a plan of %d placements" % PLACED)
    calls, got, pb = counted(s, items)
    is_(len(pb["requests"]), N, "the problem has every accepted request")
    people = pb["people"]
    with s.db().cursor() as cur:
        cur.execute("SELECT b.id, kaigi_bilateral_people(b) FROM bilateral_requests b WHERE b.id = ANY(%s)",
                    ([r["id"] for r in pb["requests"]],))
        want = {b: sorted(w) for b, w in cur.fetchall()}
    is_({r["id"]: sorted(people[i]["id"] for i in r["people"]) for r in pb["requests"]}, want,
        "each request of the problem has its people")
    is_(got, who, "each placed session's attendees are its request's people")
    is_(calls, 0, "the problem and the plan's write called kaigi_bilateral_people %d times"
                  " (%d requests, %d placed)" % (calls, N, PLACED))
done_testing()
