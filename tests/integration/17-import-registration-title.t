#!/usr/bin/python3
"""17-import-registration-title.t — a registrations sheet finds each row's
session by an index on its title (sql/997_registration_session_by_title.sql).

A row names its session by ref or, as a secretariat's sheet does, by title
in any case. Before 997 no index held the lowered title, so each row read
every session of the conference: an import's cost grew with rows times
sessions (2,000 rows: 5.0 s among 2,500 sessions, 7.7 s among 10,000;
now 3.9-4.0 s at each size).

Counted here, not timed: a conference with 3,000 side events (analysed
while it had none, as a new installation's statistics are) and 300
participants; a sheet of 300 registrations naming the sessions by title in
another case. The import must read fewer than 20 session rows per sheet
row (the old code read all 3,000 for each: 900,000), store every
registration for the right session, and still refuse a title two sessions
share, naming the count.
"""
import json
import os
import sys

import psycopg2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from planlib import conference, plenary, q, rows_read  # noqa: E402

SLUG = "titles"
S = 3000
N = 300


def setup(cur):
    cid = conference(cur, SLUG, days=30)
    q(cur, "ANALYZE sessions")	# empty: a new installation's statistics
    plenary(cur, cid, N, 10)
    q(cur, """INSERT INTO sessions (conference_id, kind, title, starts_at, ends_at, registration_capacity)
        SELECT %s, 'side_event', 'Side event ' || i,
            '2026-06-02 09:00+09'::timestamptz + make_interval(mins => 5 * i),
            '2026-06-02 09:30+09'::timestamptz + make_interval(mins => 5 * i), 10
        FROM generate_series(1, %s) i""", cid, S)
    return cid


def sheet(n):
    return [{"row": i + 2, "session": "SIDE EVENT %d" % (1 + (i * 7) % S),
             "participant": "p%d@example.org" % (i + 1)} for i in range(n)]


def imported(s, cid):
    conn = s.db()
    conn.autocommit = False
    cur = conn.cursor()
    actor = json.dumps({"role": "secretariat", "conference_id": cid, "token_id": None})
    before = rows_read(cur, "sessions")
    q(cur, "SELECT kaigi_import(%s::jsonb, %s, 'registrations', %s::jsonb, false)", actor, SLUG,
      json.dumps(sheet(N)))
    n = rows_read(cur, "sessions") - before
    conn.commit()
    ok(n < 20 * N, "an import of %d rows naming sessions by title read %d session rows (bound %d)" % (N, n, 20 * N))
    got = q(s.db().cursor(), """SELECT count(*), count(*) FILTER (WHERE s.title = 'Side event '
            || (1 + ((substr(p.email, 2, strpos(p.email, '@') - 2)::int - 1) * 7) %% %s))
        FROM registrations g JOIN sessions s ON s.id = g.session_id
        JOIN participants p ON p.id = g.participant_id WHERE g.conference_id = %s""", S, cid)[0]
    is_(list(got), [N, N], "every registration stored, each for the session its row names")


def ambiguous(s, cid):
    cur = s.db().cursor()
    q(cur, """INSERT INTO sessions (conference_id, kind, title, starts_at, ends_at)
        VALUES (%s, 'side_event', 'Twin', '2026-06-20 09:00+09', '2026-06-20 10:00+09'),
               (%s, 'side_event', 'twin', '2026-06-20 11:00+09', '2026-06-20 12:00+09')""", cid, cid)
    conn = s.db()
    conn.autocommit = False
    err = None
    try:
        q(conn.cursor(), "SELECT kaigi_import(%s::jsonb, %s, 'registrations', %s::jsonb, false)",
          json.dumps({"role": "secretariat", "conference_id": cid, "token_id": None}), SLUG,
          json.dumps([{"row": 2, "session": "TWIN", "participant": "p1@example.org"}]))
    except psycopg2.Error as e:
        err = e
    conn.rollback()
    is_(err and err.pgcode, "KG422", "a title two sessions share: refused")
    like(str(err), r"2 sessions are titled TWIN", "naming how many share it")


def main(s):
    cid = setup(s.db().cursor())
    imported(s, cid)
    ambiguous(s, cid)


with Server(demo=False) as s:
    main(s)
done_testing()
