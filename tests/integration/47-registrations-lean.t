#!/usr/bin/python3
"""47-registrations-lean.t — a row of a registrations sheet (and POST
/sessions/{id}/registrations) does its work once and counts no more of
its session's confirmed registrations than the seats, by the session's
key (sql/999_registration_row_lean.sql; a 4,000-row sheet for one session
took 9.6 s on the COP bench's conference).

In one transaction, on a registrations table analysed while empty (as a
new conference's is, so that the plans of the first rows read it whole),
a sheet of 600 rows over 60 side events of 5 seats each, imported by the
secretariat. Then:
  * 300 rows confirmed and 300 waiting, each session 5 and 5;
  * the visibility rule is not asked (the secretariat sees every session
    of its conference): 600 calls before;
  * kaigi_registration_json once a row (twice before: the audit's and
    the answer's);
  * the registration rows read stay under 60,000 (663,800 before: each
    row counted its session's confirmed ones twice, by scans of the
    whole table).
Then the seats check still refuses: a capacity lowered under the
confirmed count is KG409 naming the count, and a sixth confirmed row
written directly is refused; and a room of 2,147,483,647 seats takes a
registration (the check counts to one past the seats, in bigint).
"""
import json
import os
import sys

import psycopg2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from planlib import calls, conference, plenary, q, rows_read  # noqa: E402


def setup(cur):
    cid = conference(cur, "reg-lean", 3)
    plenary(cur, cid, 1200, 10)
    venue = q(cur, "INSERT INTO venues (conference_id, name) VALUES (%s, 'Hall') RETURNING id", cid)[0][0]
    room = q(cur, "INSERT INTO rooms (conference_id, venue_id, name, capacity) VALUES (%s, %s, 'Room', 100)"
                  " RETURNING id", cid, venue)[0][0]
    q(cur, """INSERT INTO sessions (conference_id, kind, title, room_id, registration_capacity, starts_at, ends_at)
        SELECT %s, 'side_event', 'Event ' || i, %s, CASE WHEN i <= 60 THEN 5 END,
            timestamptz '2026-06-02 08:00+09' + i * interval '10 minutes',
            timestamptz '2026-06-02 08:05+09' + i * interval '10 minutes'
        FROM generate_series(1, 90) i""", cid, room)
    q(cur, "ANALYZE registrations")
    return cid


def main(s):
    conn = s.db()
    conn.autocommit = False
    cur = conn.cursor()
    cid = setup(cur)
    rows = [{"row": i + 2, "session": "Event %d" % (1 + i // 10), "participant": "p%d@example.org" % (i + 1)}
            for i in range(600)]
    q(cur, "SET LOCAL track_functions = 'all'")
    before = rows_read(cur, "registrations")
    actor = json.dumps({"role": "secretariat", "conference_id": cid, "token_id": None})
    out = q(cur, "SELECT kaigi_import(%s::jsonb, 'reg-lean', 'registrations', %s::jsonb, false)",
            actor, json.dumps(rows))[0][0]
    is_(len(out.get("created", [])), 600, "the sheet's 600 rows created")
    read = rows_read(cur, "registrations") - before
    made = calls(cur, ("kaigi_session_visible", "kaigi_registration_json"))
    got = q(cur, """SELECT status, count(*), min(n), max(n) FROM (SELECT g.status, g.session_id, count(*) n
        FROM registrations g JOIN sessions s ON s.id = g.session_id
        WHERE s.conference_id = %s AND s.registration_capacity = 5 GROUP BY 1, 2) x GROUP BY 1 ORDER BY 1""", cid)
    is_(got, [("confirmed", 60, 5, 5), ("waiting", 60, 5, 5)], "each event: 5 confirmed, 5 waiting")
    is_(made["kaigi_session_visible"], 0, "the visibility rule not asked for the secretariat")
    is_(made["kaigi_registration_json"], 600, "the registration's JSON built once a row")
    ok(read < 60000, "%d registration rows read for 600 rows (under 60,000)" % read)

    sid = q(cur, "SELECT id FROM sessions WHERE conference_id = %s AND title = 'Event 1'", cid)[0][0]
    q(cur, "SAVEPOINT a")
    try:
        q(cur, "UPDATE sessions SET registration_capacity = 3 WHERE id = %s", sid)
        ok(False, "a capacity under the confirmed count is refused")
    except psycopg2.Error as e:
        is_(e.pgcode, "KG409", "a capacity of 3 under 5 confirmed: KG409")
        like(e.pgerror, r"has 5 confirmed registrations but 3 seats", "naming the whole count")
    q(cur, "ROLLBACK TO SAVEPOINT a")
    try:
        q(cur, "UPDATE registrations SET status = 'confirmed' WHERE session_id = %s AND status = 'waiting'", sid)
        ok(False, "a sixth confirmed registration is refused")
    except psycopg2.Error as e:
        is_(e.pgcode, "KG409", "five more confirmed in a session of 5 seats: KG409")
    q(cur, "ROLLBACK TO SAVEPOINT a")

    big = q(cur, "INSERT INTO rooms (conference_id, venue_id, name, capacity) SELECT %s, venue_id, 'Dome', 2147483647"
                 " FROM rooms WHERE conference_id = %s LIMIT 1 RETURNING id", cid, cid)[0][0]
    dome = q(cur, "INSERT INTO sessions (conference_id, kind, title, room_id, starts_at, ends_at) VALUES"
                  " (%s, 'side_event', 'In the dome', %s, '2026-06-03 09:00+09', '2026-06-03 10:00+09')"
                  " RETURNING id", cid, big)[0][0]
    pid = q(cur, "SELECT id FROM participants WHERE conference_id = %s ORDER BY id DESC LIMIT 1", cid)[0][0]
    got = q(cur, "SELECT kaigi_registration_create(%s::jsonb, %s, %s::jsonb)->>'status'",
            actor, dome, json.dumps({"participant_id": pid}))[0][0]
    is_(got, "confirmed", "a room of 2,147,483,647 seats: confirmed (its seats plus one counted in bigint)")
    conn.rollback()


with Server() as s:
    main(s)
done_testing()
