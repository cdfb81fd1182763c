#!/usr/bin/python3
# 23-concurrency.t — 32 clients at once try to book overlapping sessions in
# the same room and for the same participants. Afterwards the database holds
# no overlap (room, person, changeover, travel), every 201 corresponds to a
# stored session and every 409 to none, and nothing answered otherwise.
# kaigid runs with the default pool (8 connections): 32 writers at once must
# be queued and answered, never told the database is unavailable (issue 19;
# 24-pool-busy.t makes the same burst slow enough to outlast db_wait_ms).
import os
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
BASE = "/api/v1/conferences/%s/sessions" % SLUG
CLIENTS = 32


def rows(s, sql, *args):
    with s.db().cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def attempt(s, tok, body, out, i, barrier):
    """One client: wait for the others, then book."""
    barrier.wait()
    try:
        out[i] = s.request("POST", BASE, body, token=tok, timeout=60)
    except Exception as e:          # reported as a failure below
        out[i] = e


def round_(s, tok, name, bodies):
    """Fire all bodies at once; return the responses."""
    out = [None] * len(bodies)
    barrier = threading.Barrier(len(bodies))
    threads = [threading.Thread(target=attempt, args=(s, tok, b, out, i, barrier))
               for i, b in enumerate(bodies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bad = [o for o in out if not hasattr(o, "status") or o.status not in (201, 409)]
    is_(bad, [], "%s: every answer is 201 or 409" % name)
    created = [o for o in out if getattr(o, "status", 0) == 201]
    refused = [o for o in out if getattr(o, "status", 0) == 409]
    ok(len(created) >= 1 and len(refused) >= 1,
       "%s: some booked (%d), some refused (%d)" % (name, len(created), len(refused)))
    ok(all(o.json and o.json.get("conflicts") for o in refused), "%s: every 409 names its clashes" % name)
    stored = {t: i for i, t in rows(s, "SELECT id, title FROM sessions WHERE title LIKE %s", name + " #%")}
    is_(sorted(stored.values()), sorted(o.json["id"] for o in created),
        "%s: every 201 is a stored session, nothing else is" % name)
    ok(all(stored.get(o.json["title"]) == o.json["id"] for o in created), "%s: with its title" % name)
    return created


with Server() as s:
    tok = s.token("secretariat", conference=SLUG)
    room = dict(rows(s, "SELECT name, id FROM rooms"))
    people = [r[0] for r in rows(s, "SELECT p.id FROM participants p JOIN delegations d"
                                    " ON d.id = p.delegation_id WHERE d.code IN ('FR','DE','GB','US')"
                                    " ORDER BY p.id")]

    # 1. One room, overlapping times, no attendees: the room decides.
    bodies = [{"kind": "other", "title": "room #%d" % i, "room_id": room["Bilateral Room C"],
               "start": "2023-04-28T%02d:%02d:00+09:00" % (9 + i * 7 // 60, i * 7 % 60),
               "end": "2023-04-28T%02d:%02d:00+09:00" % (10 + i * 7 // 60, i * 7 % 60)}
              for i in range(CLIENTS)]
    round_(s, tok, "room", bodies)

    # 2. Different rooms, the same people at overlapping times (changeover too).
    names = ["Bilateral Room A", "Bilateral Room B", "Press Centre", "Banquet Room"]
    bodies = [{"kind": "other", "title": "people #%d" % i, "room_id": room[names[i % 4]],
               "start": "2023-04-28T%02d:%02d:00+09:00" % (8, i),
               "end": "2023-04-28T%02d:%02d:00+09:00" % (8, 20 + i),
               "attendees": [people[i % len(people)], people[(i + 1) % len(people)]]}
              for i in range(CLIENTS)]
    round_(s, tok, "people", bodies)

    # 3. Both at once, across two venues (travel time): the same room and people.
    bodies = [{"kind": "other", "title": "mixed #%d" % i,
               "room_id": room["Main Hall"] if i % 2 else room["Bilateral Room C"],
               "start": "2023-04-28T%02d:%02d:00+09:00" % (17 + i * 5 // 60, i * 5 % 60),
               "end": "2023-04-28T%02d:%02d:00+09:00" % (17 + (i * 5 + 20) // 60, (i * 5 + 20) % 60),
               "attendees": [people[i % 3]]}
              for i in range(CLIENTS)]
    round_(s, tok, "mixed", bodies)

    # No overlap of any kind is stored.
    is_(rows(s, "SELECT a.id, b.id FROM sessions a JOIN sessions b ON a.room_id = b.room_id"
                " AND a.id < b.id AND a.during && b.during WHERE a.status <> 'cancelled'"
                " AND b.status <> 'cancelled'"), [], "no room overlap stored")
    is_(rows(s, "SELECT a.session_id, b.session_id FROM session_attendees a JOIN session_attendees b"
                " ON a.participant_id = b.participant_id AND a.session_id < b.session_id"
                " JOIN sessions x ON x.id = a.session_id JOIN sessions y ON y.id = b.session_id"
                " WHERE x.status <> 'cancelled' AND y.status <> 'cancelled'"
                " AND kaigi_busy_range(x.conference_id, x.starts_at, x.ends_at)"
                " && kaigi_busy_range(y.conference_id, y.starts_at, y.ends_at)"), [],
        "no person in two sessions (changeover included)")
    r = s.request("GET", "/api/v1/conferences/%s/conflicts" % SLUG, token=tok)
    is_((r.json or {}).get("items"), [], "the conflict check finds nothing (travel included)")
    is_(rows(s, "SELECT count(*) FROM audit_log WHERE action = 'create'")[0][0],
        rows(s, "SELECT count(*) FROM sessions WHERE title ~ ' #[0-9]+$'")[0][0],
        "one audit row per stored session")
    is_(s.stop(), 0, "kaigid exits 0 on SIGTERM (clean under ASan too)")
done_testing()
