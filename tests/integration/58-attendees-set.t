#!/usr/bin/python3
"""58-attendees-set.t — an INSERT into session_attendees does its trigger's
work once per statement (sql/570_attendees_insert_set.sql; issue 21: at
100 times the Takasaki meeting a plan's write spent 2.8 of its 5.6 s in the
per-row trigger, 64,070 calls).

On a conference of its own (two delegations, a head represented by a
deputy, sessions that overlap, a cancelled one, a participant of another
conference), each insert below is run twice, rolled back each time: with
240's row trigger put back for INSERT, and with 570's statement trigger.
Both must leave the same busy rows and the same sessions touched, or fail
with the same SQLSTATE and constraint, storing nothing:
- several attendances of several sessions in one INSERT, among them a
  represented one (its representative busy, not the head), a remote one,
  a cancelled session (no busy row) and a representative who also attends
  (one busy row);
- a participant of another conference (23503);
- a representative of another delegation (23514);
- a person booked twice at overlapping times (23P01, busy_no_overlap),
  also within the one INSERT.
And the set path calls the row function no time and its own once for an
INSERT of many rows (counted with track_functions).
"""
import os
import sys

import psycopg2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "attendees-set-2026"
ROW_PATH = """ALTER TABLE session_attendees DISABLE TRIGGER session_attendees_inserted;
CREATE TRIGGER test_attendees_row AFTER INSERT ON session_attendees
    FOR EACH ROW EXECUTE FUNCTION kaigi_attendees_after()"""


def q(cur, sql, *args):
    cur.execute(sql, args)
    return cur.fetchall() if cur.description else None


def setup(cur):
    """The conferences, by SQL; returns ids by name."""
    ids = {}
    for slug, title in ((SLUG, "Attendees set"), (SLUG + "-other", "Other")):
        ids[slug] = q(cur, "INSERT INTO conferences (slug, title, timezone, start_date, end_date,"
                           " changeover_minutes) VALUES (%s, %s, 'Asia/Tokyo', '2026-06-01',"
                           " '2026-06-01', 10) RETURNING id", slug, title)[0][0]
    cid, other = ids[SLUG], ids[SLUG + "-other"]
    for code in ("JP", "FR"):
        ids[code] = q(cur, "INSERT INTO delegations (conference_id, code, name) VALUES (%s, %s, %s)"
                           " RETURNING id", cid, code, code)[0][0]
    ids["XX"] = q(cur, "INSERT INTO delegations (conference_id, code, name) VALUES (%s, 'XX', 'XX')"
                       " RETURNING id", other)[0][0]
    for name, d, role in (("jp-head", "JP", "head"), ("jp-deputy", "JP", "deputy"),
                          ("jp-staff", "JP", "staff"), ("fr-head", "FR", "head"),
                          ("fr-deputy", "FR", "deputy"), ("xx-head", "XX", "head")):
        conf = other if d == "XX" else cid
        ids[name] = q(cur, "INSERT INTO participants (conference_id, delegation_id, name, role)"
                           " VALUES (%s, %s, %s, %s) RETURNING id", conf, ids[d], name, role)[0][0]
    for name, start, end, status in (("A", "10:00", "11:00", "confirmed"),
                                     ("B", "10:30", "11:30", "confirmed"),
                                     ("C", "14:00", "15:00", "cancelled"),
                                     ("D", "16:00", "17:00", "confirmed")):
        ids[name] = q(cur, "INSERT INTO sessions (conference_id, kind, title, starts_at, ends_at,"
                           " status, visibility) VALUES (%s, 'plenary', %s,"
                           " ('2026-06-01 ' || %s || '+09')::timestamptz, ('2026-06-01 ' || %s || '+09')::timestamptz, %s,"
                           " 'public') RETURNING id", cid, name, start, end, status)[0][0]
    return ids


def observe(cur, sids):
    """What the insert left: busy rows, which sessions it touched."""
    busy = q(cur, "SELECT session_id, participant_id, conference_id, lower(during), upper(during)"
                  " FROM busy WHERE session_id = ANY(%s) ORDER BY 1, 2", sids)
    clocks = q(cur, "SELECT id, updated_at = now() FROM sessions WHERE id = ANY(%s) ORDER BY id", sids)
    changes = q(cur, "SELECT session_id, count(*) FROM session_changes WHERE session_id = ANY(%s)"
                     " GROUP BY 1 ORDER BY 1", sids)
    return busy, clocks, changes


def run(conn, path, rows, sids):
    """INSERT rows (session, participant, mode, represented_by) by path
    'row' or 'set', rolled back: ('ok', observed) or ('error', sqlstate,
    constraint, stored attendances)."""
    cur = conn.cursor()
    cur.execute("BEGIN")
    if path == "row":
        cur.execute(ROW_PATH)
    cur.execute("SAVEPOINT s")
    before = q(cur, "SELECT count(*) FROM session_attendees WHERE session_id = ANY(%s)", sids)[0][0]
    values = ",".join(cur.mogrify("(%s, %s, %s, %s)", r).decode() for r in rows)
    try:
        cur.execute("INSERT INTO session_attendees (session_id, participant_id, mode,"
                    " represented_by) VALUES " + values)
        out = ("ok", observe(cur, sids))
    except psycopg2.Error as e:
        cur.execute("ROLLBACK TO SAVEPOINT s")
        stored = q(cur, "SELECT count(*) FROM session_attendees WHERE session_id = ANY(%s)", sids)
        out = ("error", e.pgcode, e.diag.constraint_name, stored[0][0] - before)
    cur.execute("ROLLBACK")
    return out


def same(conn, name, rows, sids, expect):
    """Both paths alike; expect 'ok' or the SQLSTATE."""
    row, st = run(conn, "row", rows, sids), run(conn, "set", rows, sids)
    is_(st, row, "%s: the set path leaves what the row path leaves" % name)
    if st != row:
        diag("row path: %r\nset path: %r" % (row, st))
    is_(st[0] if expect == "ok" else st[1], expect, "%s: %s" % (name, expect))
    if st[0] == "ok":
        ok(len(st[1][0]) > 0, "%s: busy rows written (%d)" % (name, len(st[1][0])))
    else:
        is_(st[3], 0, "%s: nothing stored" % name)
        note("%s: %s" % (name, st))
    return st


def calls(conn, rows):
    """Calls of the row and the set function for one INSERT (rolled back)."""
    cur = conn.cursor()
    cur.execute("BEGIN")
    cur.execute("SET LOCAL track_functions = 'all'")
    values = ",".join(cur.mogrify("(%s, %s, %s, %s)", r).decode() for r in rows)
    cur.execute("INSERT INTO session_attendees (session_id, participant_id, mode, represented_by)"
                " VALUES " + values)
    got = dict(q(cur, "SELECT funcname, calls FROM pg_stat_xact_user_functions"
                      " WHERE funcname IN ('kaigi_attendees_after', 'kaigi_attendees_inserted')"))
    cur.execute("ROLLBACK")
    return got.get("kaigi_attendees_after", 0), got.get("kaigi_attendees_inserted", 0)


def main(s):
    conn = s.db()
    conn.autocommit = True
    ids = setup(conn.cursor())
    sids = [ids[x] for x in "ABCD"]
    A, B, C, D = sids
    many = [(A, ids["jp-head"], "represented", ids["jp-deputy"]),
            (A, ids["fr-head"], "remote", None),
            (A, ids["fr-deputy"], "in_person", None),
            (C, ids["jp-staff"], "in_person", None),
            (D, ids["jp-head"], "represented", ids["jp-deputy"]),
            (D, ids["jp-deputy"], "in_person", None),
            (D, ids["fr-head"], "in_person", None)]
    st = same(conn, "seven attendances of three sessions", many, sids, "ok")
    if st[0] == "ok":
        busy = {(b[0], b[1]) for b in st[1][0]}
        ok((A, ids["jp-deputy"]) in busy and (A, ids["jp-head"]) not in busy,
           "the representative is busy for A, the represented head is not")
        ok(not any(b[0] == C for b in busy), "no busy row for the cancelled session")
        is_(sum(1 for b in busy if b[0] == D and b[1] == ids["jp-deputy"]), 1,
            "one busy row for D's deputy, attending and representing")
    same(conn, "a participant of another conference",
         [(A, ids["fr-head"], "in_person", None), (A, ids["xx-head"], "in_person", None)],
         sids, "23503")
    same(conn, "a representative of another delegation",
         [(A, ids["jp-head"], "represented", ids["fr-deputy"])], sids, "23514")
    with conn.cursor() as cur:
        cur.execute("INSERT INTO session_attendees (session_id, participant_id) VALUES (%s, %s)",
                    (A, ids["jp-staff"]))
    same(conn, "a person already busy at an overlapping time",
         [(D, ids["fr-head"], "in_person", None), (B, ids["jp-staff"], "in_person", None)],
         sids, "23P01")
    same(conn, "two overlapping sessions in one INSERT",
         [(A, ids["fr-head"], "in_person", None), (B, ids["fr-head"], "in_person", None)],
         sids, "23P01")
    row, stmt = calls(conn, many)
    is_(row, 0, "an INSERT of seven attendances calls the row function no time")
    is_(stmt, 1, "and the statement function once")


with Server() as s:
    main(s)
done_testing()
