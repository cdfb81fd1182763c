"""planlib - helpers shared by the tests that write an auto-schedule's plan
the way kaigid writes it and read its plans (tests/integration/58-plan-*.t,
58-transition-plans.t).

q(cur, sql, *args)          run one statement; its rows, or None
conference(cur, slug, days) a conference of its own (Asia/Tokyo, from
                            2026-06-01 for days days); its id
plenary(cur, cid, n, ndel)  n participants with an e-mail in ndel delegations
                            D00.., and a plenary all of them attend; its id
move(cur, sid)              session sid 30 minutes later (outbox rows for all
                            who attend it)
hall(cur, cid, n)           a venue "Hall" with n bilateral rooms R00..
                            of 10 seats; the venue's id
heads(cur, cid, n, extra)   n delegations D00.. with a head each (and the
                            roles in extra, unnamed by e-mail); their ids
                            and the heads' ids
accept_all(cur, cid, dels, n) n accepted 30-minute requests between the
                            first pairs of dels; how many
dry_run(s, slug, n)         the auto-scheduler's dry run's placements, with
                            ok() that it placed at least 90 % of n
plan_of(cur, cid, placed)   the plan kaigid would write for them (current
                            request versions)
explained(conn, sql, *args) run sql in conn's transaction with auto_explain
                            reporting every statement's plan with its rows;
                            its rows and the notices' texts (the
                            transaction stays open); SHOW_PLANS=1 prints
                            the plans
write_explained(conn, cid, slug, plan)
                            write the plan that way (kaigi_bilateral_plan);
                            the notices' texts
plan_rows(notices)          the rows every plan node in explained()'s
                            notices handled (actual rows x loops, and the
                            rows its filters removed), added up
rows_read(cur, table)       the rows of table this transaction has read so
                            far: scans and index fetches
                            (pg_stat_xact_user_tables)
calls(cur, names)           the calls so far in this transaction of each
                            function named (pg_stat_xact_user_functions;
                            SET LOCAL track_functions = 'all' first)
"""
import collections
import datetime
import json
import os
import re

from kaigitest import diag, ok


def q(cur, sql, *args):
    cur.execute(sql, args)
    return cur.fetchall() if cur.description else None


def conference(cur, slug, days=3):
    return q(cur, "INSERT INTO conferences (slug, title, timezone, start_date, end_date)"
                  " VALUES (%s, %s, 'Asia/Tokyo', '2026-06-01', %s) RETURNING id",
             slug, slug, "2026-06-%02d" % days)[0][0]


def plenary(cur, cid, n, ndel):
    dels = [q(cur, "INSERT INTO delegations (conference_id, code, name) VALUES (%s, %s, %s)"
                   " RETURNING id", cid, "D%02d" % i, "Delegation %02d" % i)[0][0]
            for i in range(ndel)]
    q(cur, """INSERT INTO participants (conference_id, delegation_id, name, email)
        SELECT %s, (%s::bigint[])[1 + i %% %s], 'Person ' || i, 'p' || i || '@example.org'
        FROM generate_series(1, %s) i""", cid, dels, ndel, n)
    sid = q(cur, "INSERT INTO sessions (conference_id, kind, title, starts_at, ends_at)"
                 " VALUES (%s, 'plenary', 'Plenary', '2026-06-01 09:00+09', '2026-06-01 10:00+09')"
                 " RETURNING id", cid)[0][0]
    q(cur, "INSERT INTO session_delegations (session_id, delegation_id)"
           " SELECT %s, unnest(%s::bigint[])", sid, dels)
    return sid


def move(cur, sid):
    q(cur, "UPDATE sessions SET starts_at = starts_at + interval '30 minutes',"
           " ends_at = ends_at + interval '30 minutes' WHERE id = %s", sid)


def hall(cur, cid, n):
    venue = q(cur, "INSERT INTO venues (conference_id, name) VALUES (%s, 'Hall') RETURNING id", cid)[0][0]
    for i in range(n):
        q(cur, "INSERT INTO rooms (conference_id, venue_id, name, capacity, kind)"
               " VALUES (%s, %s, %s, 10, 'bilateral')", cid, venue, "R%02d" % i)
    return venue


def heads(cur, cid, n, extra=()):
    dels, hs = [], []
    for i in range(n):
        d = q(cur, "INSERT INTO delegations (conference_id, code, name) VALUES (%s, %s, %s) RETURNING id",
              cid, "D%02d" % i, "Delegation %02d" % i)[0][0]
        hs.append(q(cur, "INSERT INTO participants (conference_id, delegation_id, name, role, email)"
                         " VALUES (%s, %s, %s, 'head', %s) RETURNING id",
                    cid, d, "Head %02d" % i, "head%02d@example.org" % i)[0][0])
        for role in extra:
            q(cur, "INSERT INTO participants (conference_id, delegation_id, name, role)"
                   " VALUES (%s, %s, %s, %s)", cid, d, "%s %02d" % (role, i), role)
        dels.append(d)
    return dels, hs


def accept_all(cur, cid, dels, n):
    pairs = [(dels[a], dels[b]) for a in range(len(dels)) for b in range(a + 1, len(dels))][:n]
    for a, b in pairs:
        q(cur, "INSERT INTO bilateral_requests (conference_id, requester_delegation_id,"
               " counterpart_delegation_id, duration_minutes, status) VALUES (%s, %s, %s, 30, 'accepted')",
          cid, a, b)
    return len(pairs)


def dry_run(s, slug, n):
    sec = s.token("secretariat", conference=slug)
    r = s.request("POST", "/api/v1/conferences/%s/schedule" % slug, {"dry_run": True, "time_limit_ms": 3000},
                  token=sec)
    placed = r.json.get("placed", []) if r.status == 200 else []
    ok(len(placed) >= n * 9 // 10, "the dry run places %d of %d requests" % (len(placed), n))
    return placed


def plan_of(cur, cid, placed):
    version = dict(q(cur, "SELECT id, version FROM bilateral_requests WHERE conference_id = %s", cid))
    return {"placed": [{"bilateral_id": p["bilateral_id"], "room_id": p["room_id"],
                        "start": int(datetime.datetime.fromisoformat(p["start"]).timestamp()),
                        "version": version[p["bilateral_id"]]} for p in placed], "unplaced": [], "stats": {}}


def explained(conn, sql, *args):
    cur = conn.cursor()
    q(cur, "LOAD 'auto_explain'")
    for k, v in (("log_min_duration", "0"), ("log_nested_statements", "on"), ("log_analyze", "on"),
                 ("log_timing", "off"), ("log_level", "notice")):
        q(cur, "SET LOCAL auto_explain.%s = %s" % (k, v))
    conn.notices = collections.deque()	# every notice (psycopg2's list keeps 50)
    out = q(cur, sql, *args)
    q(cur, "SET LOCAL auto_explain.log_min_duration = -1")
    if os.environ.get("SHOW_PLANS"):
        diag("".join(conn.notices))
    return out, list(conn.notices)


def plan_rows(notices):
    total = loops = 0
    for line in "".join(notices).splitlines():
        m = re.search(r"actual rows=(\d+) loops=(\d+)", line)
        if m:
            loops = int(m.group(2))
            total += int(m.group(1)) * loops
            continue
        m = re.search(r"Rows Removed by (?:Filter|Join Filter|Index Recheck): (\d+)", line)
        if m:	# per loop, as the rows, of the node above
            total += int(m.group(1)) * loops
    return total


def rows_read(cur, table):
    return q(cur, """SELECT coalesce(sum(seq_tup_read + coalesce(idx_tup_fetch, 0)), 0)
        FROM pg_stat_xact_user_tables WHERE relname = %s""", table)[0][0]


def calls(cur, names):
    got = dict(q(cur, "SELECT funcname, sum(calls) FROM pg_stat_xact_user_functions"
                      " WHERE funcname = ANY (%s) GROUP BY 1", list(names)))
    return {f: int(got.get(f, 0)) for f in names}


def write_explained(conn, cid, slug, plan):
    actor = json.dumps({"role": "secretariat", "conference_id": cid, "token_id": None})
    return explained(conn, "SELECT kaigi_bilateral_plan(%s::jsonb, %s, %s::jsonb, false)",
                     actor, slug, json.dumps(plan))[1]
