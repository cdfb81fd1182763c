#!/usr/bin/python3
"""47-registrations-bulk.t — a statement that confirms many registrations
checks each session's seats once and queues their mail without asking the
visibility rule per row (sql/995_registrations_in_bulk.sql).

Before 995, every confirmed row ran the seats check, which counted the
session's confirmed registrations again (n²/2 rows for n), and its mail
trigger asked kaigi_session_visible whether the registrant sees the
session, which their registration answers: 1,000, 2,000 and 4,000
confirmed in one INSERT took 0.62, 1.50 and 3.64 s in the test cluster.

Here, in the test's own conference: 2,000 participants with an e-mail and
a restricted side event of 2,000 seats. All are registered, confirmed, in
one INSERT with the functions counted: the seats check runs once (the
session once), the rule never, and every registrant has one 'confirmed'
outbox row with the session's title. Made waiting and confirmed again in
one UPDATE: the same. With a seat fewer, the same INSERT is refused with
KG409 naming the session and its counts, and stores nothing; so is one
that fills two sessions, of which only the second overflows: the error
names that one.
"""
import os
import sys

import psycopg2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from planlib import calls, conference, plenary, q  # noqa: E402

N = 2000
COUNTED = ("kaigi_registration_fits", "kaigi_session_visible", "kaigi_release_visible")


def side_event(cur, cid, title, seats):
    return q(cur, "INSERT INTO sessions (conference_id, kind, title, starts_at, ends_at, visibility,"
                  " registration_capacity) VALUES (%s, 'side_event', %s, '2026-06-02 09:00+09',"
                  " '2026-06-02 10:00+09', 'restricted', %s) RETURNING id", cid, title, seats)[0][0]


def counted(cur, sql, *args):
    """Run sql in the open transaction; the calls of COUNTED it made."""
    q(cur, "SET LOCAL track_functions = 'all'")
    before = calls(cur, COUNTED)
    q(cur, sql, *args)
    after = calls(cur, COUNTED)
    return {f: after[f] - before[f] for f in COUNTED}


def register_all(cur, cid, sids):
    """Every participant registered, confirmed, for sessions sids in turn
    (the first N // len(sids) for the first, ...), in one INSERT."""
    return ("INSERT INTO registrations (conference_id, session_id, participant_id, status)"
            " SELECT %s, (%s::bigint[])[1 + (row_number() OVER (ORDER BY id) - 1) * %s / %s], id,"
            " 'confirmed' FROM participants WHERE conference_id = %s", cid, sids, len(sids), N, cid)


def confirmed(s, cid, sid):
    conn = s.db()
    conn.autocommit = False
    cur = conn.cursor()
    calls = counted(cur, *register_all(cur, cid, [sid]))
    is_(calls["kaigi_registration_fits"], 1, "%d confirmed in one INSERT: the seats checked once" % N)
    is_(calls["kaigi_session_visible"] + calls["kaigi_release_visible"], 0,
        "their mail queued without asking the visibility rule")
    rows = q(cur, "SELECT count(*), count(DISTINCT participant_id), min(was_title), max(was_title)"
                  " FROM outbox WHERE session_id = %s AND change = 'confirmed'", sid)[0]
    is_(list(rows), [N, N, "Side", "Side"], "every registrant has one 'confirmed' row with the title")
    q(cur, "UPDATE registrations SET status = 'waiting' WHERE session_id = %s", sid)
    calls = counted(cur, "UPDATE registrations SET status = 'confirmed' WHERE session_id = %s", sid)
    is_(calls["kaigi_registration_fits"], 1, "confirmed again in one UPDATE: the seats checked once")
    is_(calls["kaigi_session_visible"] + calls["kaigi_release_visible"], 0, "and the rule not asked")
    is_(q(cur, "SELECT count(*) FROM outbox WHERE session_id = %s AND change = 'confirmed'", sid)[0][0],
        2 * N, "a second 'confirmed' row each")
    conn.rollback()


def refused(s, cid, sids, name):
    conn = s.db()
    conn.autocommit = False
    cur = conn.cursor()
    err = None
    try:
        q(cur, *register_all(cur, cid, sids))
    except psycopg2.Error as e:
        err = e
    conn.rollback()
    is_(err and err.pgcode, "KG409", name + ": refused with KG409")
    like(str(err), r"session %d has %d confirmed registrations but %d seats"
         % (sids[-1], N // len(sids), N // len(sids) - 1), "naming the session that overflows and its counts")
    cur = s.db().cursor()
    is_(q(cur, "SELECT count(*) FROM registrations WHERE session_id = ANY (%s)", sids)[0][0], 0,
        "nothing stored")


def main(s):
    conn = s.db()
    cur = conn.cursor()
    cid = conference(cur, "bulk")
    plenary(cur, cid, N, 20)
    sid = side_event(cur, cid, "Side", N)
    confirmed(s, cid, sid)
    refused(s, cid, [side_event(cur, cid, "Small", N - 1)], "one seat fewer")
    refused(s, cid, [side_event(cur, cid, "First", N // 2), side_event(cur, cid, "Second", N // 2 - 1)],
            "two sessions, the second a seat short")


with Server(demo=False) as s:
    main(s)
done_testing()
