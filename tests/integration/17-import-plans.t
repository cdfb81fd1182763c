#!/usr/bin/python3
# 17-import-plans.t — an import's lookups stay index lookups while the
# import fills the tables they look in (sql/660_import_plans.sql; issue
# 21: the import API at COP size).
#
# An import is one transaction of a row at a time, and every row looks up
# the kind it imports by its natural key. The plans came from the
# statistics of before the import: for a new conference in an empty
# database, tables without its rows, so the lookup walked all of the
# conference's rows and filtered on the ref, and PL/pgSQL kept that plan
# for every later row while the import kept filling the table: the n-th
# row read the n - 1 before it. Counted here, not timed: into a new
# conference of an empty database, N sessions and N bilateral requests,
# then N more of each in the same transaction (an import of 2N rows, in
# two calls so that the second half can be counted alone). Once the table
# holds N of the import's rows, the next N must read a few rows each from
# sessions and bilateral_requests (a request's lookup by its pair reads
# its requester's requests), not all those before: 3,000 and 23,374 rows
# for N = 500 with 660, against 3.75 million for the requests without it.
#
# An import that stores nothing leaves the table's size to the planner as
# it was (sql/710_import_undone_statistics.sql): a dry run of 300 sessions,
# and an import of 300 with one bad row, into the empty sessions table
# leave pg_class.reltuples at no rows (660's ANALYZE at the 256th row had
# left 256 there, written outside the transaction).

import datetime
import json
import os
import sys

import psycopg2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import one, rows  # noqa: E402

N = 500
SLUG = "plans"
TABLES = ("sessions", "bilateral_requests")


def read(cur):
    """Rows read from TABLES by this transaction so far (sequential scans
    and index fetches)."""
    cur.execute("""SELECT relname, seq_tup_read + coalesce(idx_tup_fetch, 0)
        FROM pg_stat_xact_user_tables WHERE relname = ANY (%s)""", (list(TABLES),))
    got = dict(cur.fetchall())
    return [got.get(t, 0) for t in TABLES]


def run(cur, cid, kind, items):
    """kaigi_import as kaigid calls it: the rows it created, and the rows
    it read from TABLES."""
    actor = json.dumps({"role": "secretariat", "conference_id": cid})
    before = read(cur)
    cur.execute("SELECT kaigi_import(%s::jsonb, %s, %s, %s::jsonb, false)::text",
                (actor, SLUG, kind, json.dumps(items)))
    created = json.loads(cur.fetchone()[0]).get("created", [])
    return len(created), [b - a for a, b in zip(before, read(cur))]


def sessions(lo, hi):
    def at(i, plus):
        t = datetime.datetime(2025, 11, 10 + i % 10, 7) + datetime.timedelta(minutes=i // 10 + plus)
        return t.strftime("%Y-%m-%dT%H:%M:00+04:00")
    return [{"row": i - lo + 2, "ref": "PLAN-S%04d" % i, "kind": "side_event", "title": "Side event %d" % i,
             "start": at(i, 0), "end": at(i, 30), "visibility": "public"} for i in range(lo, hi)]


def bilaterals(codes, lo, hi):
    pairs = [(a, b) for a in codes for b in codes if a != b]
    return [{"row": i - lo + 2, "ref": "PLAN-B%04d" % i, "requester": a, "counterpart": b,
             "duration_minutes": "30", "earliest": "2025-11-10T09:00:00+04:00",
             "latest": "2025-11-20T18:00:00+04:00"} for i, (a, b) in list(enumerate(pairs))[lo:hi]]


def delegations(n):
    return [{"row": i + 2, "ref": "PLAN-D%02d" % i, "code": "D%02d" % i, "name": "Party %d" % i,
             "kind": "organization"} for i in range(n)]


def stored_size(s):
    """What the planner takes sessions' size to be (-1: never analyzed)."""
    return one(s, "SELECT reltuples FROM pg_class WHERE relname = 'sessions'")


def undone(s, cur, cid):
    """Imports that store nothing, into the empty sessions table."""
    actor = json.dumps({"role": "secretariat", "conference_id": cid})
    cur.execute("SELECT kaigi_import(%s::jsonb, %s, 'sessions', %s::jsonb, true)::text",
                (actor, SLUG, json.dumps(sessions(0, 300))))
    is_(len(json.loads(cur.fetchone()[0]).get("created", [])), 300, "a dry run of 300 sessions would create them")
    ok(stored_size(s) <= 0, "after it the planner takes sessions to hold no rows (reltuples %s)" % stored_size(s))
    bad = sessions(0, 300)
    bad[150]["end"] = bad[150]["start"]
    try:
        cur.execute("SELECT kaigi_import(%s::jsonb, %s, 'sessions', %s::jsonb, false)::text",
                    (actor, SLUG, json.dumps(bad)))
        code = None
    except psycopg2.Error as e:
        code = e.pgcode
    is_(code, "KG422", "an import of 300 sessions with one bad row: KG422, nothing stored")
    ok(stored_size(s) <= 0, "after it too (reltuples %s)" % stored_size(s))
    is_(one(s, "SELECT count(*) FROM sessions"), 0, "and no session is stored")


def main(s):
    conn = s.db()
    with conn.cursor() as cur:
        cur.execute("""INSERT INTO conferences (slug, title, timezone, start_date, end_date)
            VALUES (%s, 'Plans', 'Asia/Dubai', '2025-11-10', '2025-11-21') RETURNING id""", (SLUG,))
        cid = cur.fetchone()[0]
        run(cur, cid, "delegations", delegations(40))
        undone(s, cur, cid)
    codes = [r[0] for r in rows(s, "SELECT code FROM delegations WHERE conference_id = %s ORDER BY code", cid)]
    is_(len(codes), 40, "a new conference of 40 delegations")
    conn.autocommit = False
    with conn.cursor() as cur:
        for kind, make, at in (("sessions", lambda lo, hi: sessions(lo, hi), 0),
                               ("bilaterals", lambda lo, hi: bilaterals(codes, lo, hi), 1)):
            n1, r1 = run(cur, cid, kind, make(0, N))
            n2, r2 = run(cur, cid, kind, make(N, 2 * N))
            is_((n1, n2), (N, N), "%s: %d created, then %d more in the same transaction" % (kind, N, N))
            diag("%s: rows read from %s: %d for the first %d, %d for the next %d"
                 % (kind, TABLES[at], r1[at], N, r2[at], N))
            ok(r2[at] < N * N // 5, "%s: the second %d rows read %d rows of %s, under %d (a lookup"
               " each by index; reading the table for each would be over %d)"
               % (kind, N, r2[at], TABLES[at], N * N // 5, N * N))
    conn.commit()
    conn.autocommit = True
    is_(one(s, "SELECT count(*) FROM bilateral_requests WHERE conference_id = %s", cid), 2 * N,
        "and the requests are stored")


with Server(demo=False) as s:
    main(s)
done_testing()
