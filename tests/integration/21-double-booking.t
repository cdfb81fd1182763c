#!/usr/bin/python3
# 21-double-booking.t — creating or moving a session that clashes answers 409
# whose "conflicts" names every clash: room, participant, unavailability,
# changeover padding, travel time between venues; nothing is written.
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
BASE = "/api/v1/conferences/%s/sessions" % SLUG


def one(s, sql, *args):
    with s.db().cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchone()[0]


def counts(s):
    return (one(s, "SELECT count(*) FROM sessions"), one(s, "SELECT count(*) FROM audit_log"),
            one(s, "SELECT count(*) FROM busy"), one(s, "SELECT max(version) FROM sessions"))


def head(s, code):
    return one(s, "SELECT p.id FROM participants p JOIN delegations d ON d.id = p.delegation_id"
               " WHERE d.code = %s AND p.role = 'head'", code)


def sess(s, title):
    return one(s, "SELECT id FROM sessions WHERE title = %s", title)


def shape(conflicts):
    """The conflicts as comparable tuples."""
    return sorted((c.get("resource"), c.get("session_id"), c.get("participant_id"), c.get("room_id"),
                   c.get("reason")) for c in conflicts)


def clash(s, name, body, want, token, method="POST", path=BASE):
    """Expect 409 with exactly the want clashes, and nothing written."""
    before = counts(s)
    r = s.request(method, path, body, token=token)
    is_(r.status, 409, "%s: 409" % name)
    like(r.headers.get("Content-Type", ""), r"^application/problem\+json", "%s: problem+json" % name)
    got = (r.json or {}).get("conflicts")
    ok(isinstance(got, list), "%s: has conflicts" % name)
    is_(shape(got or []), sorted(want), "%s: names every clash" % name)
    for c in got or []:
        ok(all(k in c for k in ("title", "start", "end", "resource")),
           "%s: clash has title, start, end, resource" % name)
    is_(counts(s), before, "%s: nothing written" % name)
    return got or []


with Server() as s:
    sec = s.token("secretariat", conference=SLUG)
    with s.db().cursor() as cur:
        cur.execute("SELECT name, id FROM rooms")
        rooms = dict(cur.fetchall())
    kono, ca = head(s, "JP"), head(s, "CA")
    jp_ca = sess(s, "Bilateral meeting: Japan – Canada")
    plenary1 = sess(s, "Facilitation of Cross-Border Data Flows and Data Free Flow with Trust")
    closing = sess(s, "WEF DX Summit: closing and photo session")
    dx_infra = sess(s, "WEF DX Summit: Digital Infrastructure and Governance")
    unav = one(s, "SELECT id FROM unavailability")

    def body(room, start, end, who, title="Clash test"):
        return {"kind": "other", "title": title, "room_id": rooms[room],
                "start": "2023-04-%s+09:00" % start, "end": "2023-04-%s+09:00" % end,
                "attendees": who}

    # Room only: Bilateral Room A holds Japan–Canada 29 Apr 11:40–12:10.
    got = clash(s, "room", body("Bilateral Room A", "29T11:45:00", "29T12:00:00", []),
                [("room", jp_ca, None, rooms["Bilateral Room A"], "overlap")], sec)
    is_([(c["start"], c["end"], c["title"]) for c in got],
        [("2023-04-29T11:40:00+09:00", "2023-04-29T12:10:00+09:00", "Bilateral meeting: Japan – Canada")],
        "room clash gives the other session's times and title")

    # Every clash at once: the room and both heads.
    clash(s, "room and two people", body("Bilateral Room A", "29T11:45:00", "29T12:00:00", [kono, ca]),
          [("room", jp_ca, None, rooms["Bilateral Room A"], "overlap"),
           ("participant", jp_ca, kono, None, "overlap"),
           ("participant", jp_ca, ca, None, "overlap")], sec)

    # Participant: Kono is in the first plenary 29 Apr 10:00–11:30.
    clash(s, "participant", body("Bilateral Room C", "29T10:30:00", "29T11:00:00", [kono]),
          [("participant", plenary1, kono, None, "overlap")], sec)

    # Unavailability: Kono, 28 Apr 14:30–16:15 (parliamentary obligations).
    got = clash(s, "unavailability", body("Bilateral Room C", "28T15:00:00", "28T15:30:00", [kono]),
                [("unavailability", None, kono, None, "overlap")], sec)
    is_([(c.get("title"), c.get("unavailability_id")) for c in got],
        [("Parliamentary obligations", unav)], "unavailability clash names the block and reason")

    # Changeover: the DX closing ends 17:00 in the Main Hall; 10 minutes after.
    clash(s, "changeover", body("Main Hall", "28T17:05:00", "28T17:30:00", [kono]),
          [("participant", closing, kono, None, "changeover")], sec)
    r = s.request("POST", BASE, body("Main Hall", "28T17:10:00", "28T17:30:00", [kono], "After changeover"),
                  token=sec)
    is_(r.status, 201, "exactly the changeover later: 201")
    r = s.request("POST", "/api/v1/sessions/%d/cancel" % (r.json or {}).get("id", 0), token=sec)
    is_(r.status, 200, "and cancelled again")

    # Travel: the Theatre to G Messe takes 15 minutes; 12 minutes is too few
    # (though more than the 10-minute changeover).
    clash(s, "travel", body("Bilateral Room B", "28T17:12:00", "28T17:40:00", [kono]),
          [("participant", closing, kono, None, "travel")], sec)
    r = s.request("POST", BASE, body("Bilateral Room B", "28T17:15:00", "28T17:40:00", [kono], "After travel"),
                  token=sec)
    is_(r.status, 201, "exactly the travel time later: 201")
    after_travel = (r.json or {}).get("id")

    # Moving into a clash: the DX closing into Kono's unavailability.
    v = one(s, "SELECT version FROM sessions WHERE id = %s", closing)
    clash(s, "move into unavailability", {"start": "2023-04-28T16:00:00+09:00",
                                          "end": "2023-04-28T16:30:00+09:00"},
          [("unavailability", None, kono, None, "overlap"),
           ("participant", dx_infra, head(s, "WEF"), None, "changeover")], sec, "PATCH",
          "/api/v1/sessions/%d" % closing)
    is_(one(s, "SELECT version FROM sessions WHERE id = %s", closing), v, "moved session unchanged")
    # Re-rooming into an occupied room, and adding a busy attendee.
    clash(s, "re-room into an occupied room", {"room_id": rooms["Bilateral Room A"],
                                                "start": "2023-04-29T11:50:00+09:00",
                                                "end": "2023-04-29T12:05:00+09:00",
                                                "attendees": []},
          [("room", jp_ca, None, rooms["Bilateral Room A"], "overlap")], sec, "PATCH",
          "/api/v1/sessions/%d" % after_travel)
    clash(s, "add a busy attendee", {"attendees": [kono, ca], "start": "2023-04-29T11:30:00+09:00",
                                     "end": "2023-04-29T11:40:00+09:00"},
          [("participant", plenary1, kono, None, "changeover"),
           ("participant", jp_ca, kono, None, "changeover"),
           ("participant", jp_ca, ca, None, "changeover"),
           ("participant", plenary1, ca, None, "changeover")], sec, "PATCH",
          "/api/v1/sessions/%d" % after_travel)

    # Cancelling frees: after cancelling Japan–Canada, its room and people are free.
    r = s.request("POST", "/api/v1/sessions/%d/cancel" % jp_ca, token=sec)
    is_(r.status, 200, "cancel Japan–Canada")
    r = s.request("POST", BASE, body("Bilateral Room A", "29T11:45:00", "29T12:00:00", [kono, ca], "Instead"),
                  token=sec)
    is_(r.status, 201, "the freed room and people can be booked")

    # A clash with a session the caller may not see is "Reserved".
    it = json.dumps({"role": "liaison", "conference_id": one(s, "SELECT id FROM conferences WHERE slug = %s", SLUG),
                     "delegation_id": one(s, "SELECT id FROM delegations WHERE code = 'IT'")})
    k = one(s, "SELECT kaigi_session_conflicts_json(%s::jsonb, c.id, %s, '2023-04-29 17:45+09', "
               "'2023-04-29 18:00+09', '{}', NULL) FROM conferences c WHERE slug = %s",
            it, rooms["Bilateral Room B"], SLUG)
    is_([c["title"] for c in k], ["Reserved"], "restricted clash shown as Reserved to an outsider")
    k = one(s, "SELECT kaigi_session_conflicts_json('{\"role\":\"admin\"}'::jsonb, c.id, %s, "
               "'2023-04-29 17:45+09', '2023-04-29 18:00+09', '{}', NULL) FROM conferences c WHERE slug = %s",
            rooms["Bilateral Room B"], SLUG)
    is_([c["title"] for c in k], ["Bilateral meeting: Japan – United States"], "and by title to admin")

    # The database constraint is the last word (no 500 when it fires).
    with s.db().cursor() as cur:
        try:
            cur.execute("INSERT INTO sessions (conference_id, kind, title, room_id, starts_at, ends_at,"
                        " visibility) SELECT conference_id, 'other', 'raw', room_id, starts_at, ends_at,"
                        " 'public' FROM sessions WHERE id = %s", (plenary1,))
            ok(False, "raw overlapping insert refused")
        except Exception as e:
            is_(getattr(e, "pgcode", None), "23P01", "raw overlapping insert refused by the constraint")
    # The constraint as backstop inside the function: a row the clash check
    # could not see yet (another transaction, uncommitted) still gives a 409
    # naming it once that transaction commits, never a 500. The race is made
    # certain: the request's INSERT is seen (pg_locks) waiting for the
    # uncommitted transaction before that transaction commits.
    import threading
    raw = s.db()
    raw.autocommit = False
    rcur = raw.cursor()
    rcur.execute("INSERT INTO sessions (conference_id, kind, title, room_id, starts_at, ends_at,"
                 " visibility) SELECT id, 'other', 'Racing import', %s, '2023-04-28 09:00+09',"
                 " '2023-04-28 10:00+09', 'public' FROM conferences WHERE slug = %s RETURNING id",
                 (rooms["Bilateral Room C"], SLUG))
    racing = rcur.fetchone()[0]
    box = {}
    t = threading.Thread(target=lambda: box.setdefault("r", s.request(
        "POST", BASE, body("Bilateral Room C", "28T09:30:00", "28T09:45:00", [], "Racer"), token=sec,
        timeout=PATIENCE * 3)))
    t.start()
    waiter = wait_lock_waiters(s, 1, blocker=raw.get_backend_pid())
    ok(waiter is not None and "r" not in box,
       "the request is seen waiting for the uncommitted row's transaction (pg_locks)")
    raw.commit()
    t.join(PATIENCE * 3)
    r = box.get("r")
    is_(getattr(r, "status", None), 409, "clash with a concurrent uncommitted row: 409")
    is_([c.get("session_id") for c in (r.json or {}).get("conflicts", [])], [racing],
        "and it names the row that won")
    raw.close()
    with s.db().cursor() as cur:
        cur.execute("DELETE FROM sessions WHERE id = %s", (racing,))
    r = s.request("GET", "/api/v1/conferences/%s/conflicts" % SLUG, token=sec)
    is_((r.json or {}).get("items"), [], "no rule broken afterwards")
    is_(s.stop(), 0, "kaigid exits 0 on SIGTERM (clean under ASan too)")
done_testing()
