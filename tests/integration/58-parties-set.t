#!/usr/bin/python3
"""58-parties-set.t — an INSERT into session_delegations, and the feed log
of an INSERT into sessions, do their trigger's work once per statement
(sql/760_parties_insert_set.sql; issue 21: a plan's write of 19,102
bilaterals spent 1.1 of the 1.27 s of its parties' INSERT in the per-row
trigger).

On a conference of its own (two delegations, sessions, and a delegation
of another conference), each insert below is run twice, rolled back each
time: with 001's row trigger put back for INSERT, and with 760's statement
trigger. Both must leave the same parties, the same sessions touched
(updated_at, version, change log), or fail with the same SQLSTATE,
constraint and message, storing nothing:
- several parties of several sessions in one INSERT, one session
  created in the same transaction (not touched again: its creation is its
  change);
- a delegation of another conference (23503,
  session_delegations_conference_fkey), also after good rows.
Sessions inserted in one statement leave the same feed_changes rows
(conference, transaction) by 061's row trigger and by 760's statement
trigger. And the set paths call the row functions no time and their own
once for an INSERT of many rows (counted with track_functions).
"""
import os
import sys

import psycopg2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "parties-set-2026"
ROW_PATH = """ALTER TABLE session_delegations DISABLE TRIGGER session_delegations_inserted;
CREATE TRIGGER test_parties_row AFTER INSERT ON session_delegations
    FOR EACH ROW EXECUTE FUNCTION kaigi_session_delegations_after()"""
FEED_ROW_PATH = """ALTER TABLE sessions DISABLE TRIGGER sessions_feed_log_inserted;
CREATE TRIGGER test_feed_log_row AFTER INSERT ON sessions
    FOR EACH ROW EXECUTE FUNCTION kaigi_feed_log()"""
NEW_SESSION = """INSERT INTO sessions (conference_id, kind, title, starts_at, ends_at, visibility)
    VALUES (%s, 'side_event', 'E', '2026-06-01 18:00+09', '2026-06-01 19:00+09', 'restricted')
    RETURNING id"""


def q(cur, sql, *args):
    cur.execute(sql, args)
    return cur.fetchall() if cur.description else None


def setup(cur):
    """The conferences, by SQL; returns ids by name."""
    ids = {}
    for slug, title in ((SLUG, "Parties set"), (SLUG + "-other", "Other")):
        ids[slug] = q(cur, "INSERT INTO conferences (slug, title, timezone, start_date, end_date)"
                           " VALUES (%s, %s, 'Asia/Tokyo', '2026-06-01', '2026-06-01')"
                           " RETURNING id", slug, title)[0][0]
    cid, other = ids[SLUG], ids[SLUG + "-other"]
    for code, conf in (("JP", cid), ("FR", cid), ("DE", cid), ("XX", other)):
        ids[code] = q(cur, "INSERT INTO delegations (conference_id, code, name) VALUES (%s, %s, %s)"
                           " RETURNING id", conf, code, code)[0][0]
    for name, start, end in (("A", "10:00", "11:00"), ("B", "12:00", "13:00"),
                             ("C", "14:00", "15:00")):
        ids[name] = q(cur, "INSERT INTO sessions (conference_id, kind, title, starts_at, ends_at,"
                           " visibility) VALUES (%s, 'bilateral', %s,"
                           " ('2026-06-01 ' || %s || '+09')::timestamptz,"
                           " ('2026-06-01 ' || %s || '+09')::timestamptz, 'restricted')"
                           " RETURNING id", cid, name, start, end)[0][0]
    return ids


def observe(cur, sids):
    """What the insert left: parties, and which sessions it touched."""
    parties = q(cur, "SELECT session_id, delegation_id FROM session_delegations"
                     " WHERE session_id = ANY(%s) ORDER BY 1, 2", sids)
    clocks = q(cur, "SELECT id, updated_at = now(), version FROM sessions WHERE id = ANY(%s)"
                    " ORDER BY id", sids)
    changes = q(cur, "SELECT session_id, change, count(*) FROM session_changes"
                     " WHERE session_id = ANY(%s) AND xact = pg_current_xact_id()"
                     " GROUP BY 1, 2 ORDER BY 1, 2", sids)
    return parties, clocks, changes


def run(conn, path, rows, sids, new_session=False):
    """INSERT rows (session, delegation; 'new' for a session created in the
    same transaction) by path 'row' or 'set', rolled back: ('ok', observed)
    or ('error', sqlstate, constraint, message, stored parties)."""
    cur = conn.cursor()
    cur.execute("BEGIN")
    if path == "row":
        cur.execute(ROW_PATH)
    sids = list(sids)
    if new_session:
        new = q(cur, NEW_SESSION, new_session)[0][0]
        rows = [(new if r[0] == "new" else r[0], r[1]) for r in rows]
        sids.append(new)
    cur.execute("SAVEPOINT s")
    before = q(cur, "SELECT count(*) FROM session_delegations WHERE session_id = ANY(%s)", sids)
    values = ",".join(cur.mogrify("(%s, %s)", r).decode() for r in rows)
    try:
        cur.execute("INSERT INTO session_delegations (session_id, delegation_id) VALUES " + values)
        out = ("ok", observe(cur, sids))
    except psycopg2.Error as e:
        cur.execute("ROLLBACK TO SAVEPOINT s")
        stored = q(cur, "SELECT count(*) FROM session_delegations WHERE session_id = ANY(%s)", sids)
        msg = e.diag.message_primary
        if new_session:
            msg = msg.replace(str(sids[-1]), "<new>")
        out = ("error", e.pgcode, e.diag.constraint_name, msg, stored[0][0] - before[0][0])
    cur.execute("ROLLBACK")
    return out


def same(conn, name, rows, sids, expect, new_session=False):
    """Both paths alike; expect 'ok' or the SQLSTATE."""
    row = run(conn, "row", rows, sids, new_session)
    st = run(conn, "set", rows, sids, new_session)
    if new_session and st[0] == "ok":	# the new session's id differs between the runs
        row, st = strip_new(row, len(sids)), strip_new(st, len(sids))
    is_(st, row, "%s: the set path leaves what the row path leaves" % name)
    if st != row:
        diag("row path: %r\nset path: %r" % (row, st))
    is_(st[0] if expect == "ok" else st[1], expect, "%s: %s" % (name, expect))
    if st[0] == "ok":
        ok(len(st[1][0]) > 0, "%s: parties written (%d)" % (name, len(st[1][0])))
    else:
        is_(st[4], 0, "%s: nothing stored" % name)
        note("%s: %s" % (name, st))
    return st


def strip_new(out, known):
    """Observed rows with the new session's id (the largest) as 'new'."""
    parties, clocks, changes = out[1]
    new = max(c[0] for c in clocks)
    sub = (lambda r: ("new",) + tuple(r[1:]) if r[0] == new else tuple(r))
    return ("ok", ([sub(r) for r in parties], [sub(r) for r in clocks],
                   [sub(r) for r in changes]))


def feed_rows(conn, path, cids):
    """feed_changes rows of the transaction after an INSERT of sessions in
    conferences cids, by path 'row' or 'set', rolled back."""
    cur = conn.cursor()
    cur.execute("BEGIN")
    if path == "row":
        cur.execute(FEED_ROW_PATH)
    values = ",".join(cur.mogrify("(%s, 'plenary', 'F', '2026-06-01 20:00+09',"
                                  " '2026-06-01 21:00+09')", (c,)).decode() for c in cids)
    cur.execute("INSERT INTO sessions (conference_id, kind, title, starts_at, ends_at) VALUES "
                + values)
    got = q(cur, "SELECT conference_id FROM feed_changes WHERE xact = pg_current_xact_id()"
                 " ORDER BY 1")
    cur.execute("ROLLBACK")
    return [r[0] for r in got]


def calls(conn, sql, funcs):
    """Calls of funcs during sql (rolled back). The backend's counts not yet
    reported stay in the view after a transaction: the difference counts."""
    cur = conn.cursor()
    cur.execute("BEGIN")
    cur.execute("SET LOCAL track_functions = 'all'")
    count = ("SELECT f, coalesce((SELECT calls FROM pg_stat_xact_user_functions"
             " WHERE funcname = f), 0) FROM unnest(%s::text[]) f")
    before = dict(q(cur, count, list(funcs)))
    cur.execute(sql)
    after = dict(q(cur, count, list(funcs)))
    cur.execute("ROLLBACK")
    return [after[f] - before[f] for f in funcs]


def main(s):
    conn = s.db()
    conn.autocommit = True
    ids = setup(conn.cursor())
    cid, other = ids[SLUG], ids[SLUG + "-other"]
    sids = [ids[x] for x in "ABC"]
    A, B, C = sids
    JP, FR, DE, XX = ids["JP"], ids["FR"], ids["DE"], ids["XX"]
    many = [(A, JP), (A, FR), (B, JP), (B, DE), (C, FR)]
    st = same(conn, "five parties of three sessions", many, sids, "ok")
    if st[0] == "ok":
        ok(all(c[1] for c in st[1][1]), "every session touched (updated_at = now())")
        is_([c[1:] for c in st[1][2]], [("updated", 1)] * 3, "one change each, 'updated'")
    st = same(conn, "parties of a session created in the same transaction",
              [("new", JP), ("new", DE), (A, DE)], sids, "ok", new_session=cid)
    if st[0] == "ok":
        is_([c[1:] for c in st[1][2] if c[0] == "new"], [("created", 1)],
            "the new session's one change is its creation")
    same(conn, "a delegation of another conference", [(A, XX)], sids, "23503")
    same(conn, "a delegation of another conference after good rows",
         [(A, JP), (B, FR), (C, XX), (C, DE)], sids, "23503")
    row, stmt = feed_rows(conn, "row", [cid, other, cid]), feed_rows(conn, "set", [cid, other, cid])
    is_(stmt, row, "an INSERT of sessions in two conferences logs the same feed changes")
    is_(stmt, sorted([cid, other]), "one row per conference")
    values = ",".join("(%d, %d)" % r for r in many)
    got = calls(conn, "INSERT INTO session_delegations (session_id, delegation_id) VALUES " + values,
                ("kaigi_session_delegations_after", "kaigi_session_delegations_inserted"))
    is_(got, [0, 1], "an INSERT of five parties calls the row function no time, its own once")
    got = calls(conn, "INSERT INTO sessions (conference_id, kind, title, starts_at, ends_at)"
                      " SELECT %d, 'plenary', 'G' || g, '2026-06-01 20:00+09',"
                      " '2026-06-01 21:00+09' FROM generate_series(1, 6) g" % cid,
                ("kaigi_feed_log", "kaigi_feed_log_inserted"))
    is_(got, [0, 1], "an INSERT of six sessions logs the feed once, by the statement function")


with Server() as s:
    main(s)
done_testing()
