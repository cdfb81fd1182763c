#!/usr/bin/python3
"""58-plan-travel.t — a plan's travel check finds each attendee's other
sessions by index, never by pairing the plan with every session
(sql/790_plan_travel_fenced.sql).

On the planted 2,000 with interpreters, its bilaterals cleared and the
tables analyzed, the next schedule's write joined its 1,993 placements to
every session first (4 million pairs), then looked up travel times for
each pair: 17.2 s, a 503 at the write's statement timeout.

Here, read from the plan rather than timed: a conference of its own (two
venues 20 minutes apart, 12 bilateral rooms in each, 30 delegations with a
head each, 3 days, a plenary a day that every head attends) with 300
accepted requests. The tables are analyzed while the conference has only
its plenaries, as after a cleared schedule; the auto-scheduler's dry run
gives a plan, and the plan is written in one transaction as kaigid writes
it, with auto_explain reporting every statement's plan. The travel check's
plan must read sessions by key only (no sequential scan of sessions), and
the plan is stored: every request scheduled. A plan that breaks the travel
time is still refused (280's rule), nothing stored: a bilateral in the
other venue 10 minutes after its heads' plenary, 20 minutes away.
"""
import datetime
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from planlib import accept_all, conference, dry_run, heads, plan_of, q, write_explained  # noqa: E402

SLUG = "plan-travel"
D = 30


def setup(s):
    cur = s.db().cursor()
    cid = conference(cur, SLUG)
    venues = [q(cur, "INSERT INTO venues (conference_id, name) VALUES (%s, %s) RETURNING id",
                cid, name)[0][0] for name in ("North", "South")]
    q(cur, "INSERT INTO travel_times (conference_id, from_venue_id, to_venue_id, minutes)"
           " VALUES (%s, %s, %s, 20), (%s, %s, %s, 20)", cid, venues[0], venues[1], cid, venues[1], venues[0])
    for v, venue in enumerate(venues):
        for i in range(12):
            q(cur, "INSERT INTO rooms (conference_id, venue_id, name, capacity, kind)"
                   " VALUES (%s, %s, %s, 10, 'bilateral')", cid, venue, "R%d%02d" % (v, i))
    hall = q(cur, "INSERT INTO rooms (conference_id, venue_id, name, capacity, kind)"
                  " VALUES (%s, %s, 'Plenary hall', 100, 'plenary') RETURNING id", cid, venues[0])[0][0]
    dels, hs = heads(cur, cid, D)
    for day in (1, 2, 3):
        sid = q(cur, "INSERT INTO sessions (conference_id, kind, title, room_id, starts_at, ends_at)"
                     " VALUES (%s, 'plenary', %s, %s, %s, %s) RETURNING id", cid, "Plenary %d" % day, hall,
                "2026-06-0%dT09:00:00+09:00" % day, "2026-06-0%dT10:00:00+09:00" % day)[0][0]
        for h in hs:
            q(cur, "INSERT INTO session_attendees (session_id, participant_id) VALUES (%s, %s)", sid, h)
    n = accept_all(cur, cid, dels, 300)
    for table in ("sessions", "busy", "session_attendees"):
        q(cur, "ANALYZE " + table)
    return cid, n


def travel_plans(notices):
    """The auto_explain texts of the travel check's statement."""
    out, cur = [], None
    for n in notices:
        if "Query Text:" in n:
            cur = n if "travel_times" in n and "unnest(p_rows)" in n else None
            if cur is not None:
                out.append(cur)
    return out


def sparse_statistics(s, cid, placed):
    """The same write, rolled back, under the statistics of a sessions table
    holding about one row per page (a fresh-clone CI at aa40c0b met such
    statistics: before sql/994, each placement and person scanned every
    session)."""
    conn = s.db()
    conn.autocommit = False
    cur = conn.cursor()
    q(cur, "UPDATE pg_class SET reltuples = 3, relpages = 3 WHERE oid = 'sessions'::regclass")
    plans = travel_plans(write_explained(conn, cid, SLUG, plan_of(cur, cid, placed)))
    conn.rollback()
    seq = [ln.strip() for p in plans for ln in p.splitlines() if "Seq Scan on sessions" in ln]
    ok(len(plans) == 1 and not seq, "with one session per page in the statistics, the travel check still"
       " reads sessions by key only (%d plan(s), %d sequential scans of sessions)" % (len(plans), len(seq)))
    for x in seq:
        diag(x)


def main(s):
    cid, n = setup(s)
    placed = dry_run(s, SLUG, n)
    sparse_statistics(s, cid, placed)
    conn = s.db()
    conn.autocommit = False
    cur = conn.cursor()
    plans = travel_plans(write_explained(conn, cid, SLUG, plan_of(cur, cid, placed)))
    scheduled = q(cur, "SELECT count(*) FROM bilateral_requests WHERE conference_id = %s"
                       " AND status = 'scheduled'", cid)[0][0]
    conn.commit()
    is_(len(plans), 1, "the travel check ran once, its plan reported")
    seq = [ln.strip() for p in plans for ln in p.splitlines() if "Seq Scan on sessions" in ln]
    ok(plans and not seq, "its plan reads sessions by key only (%d sequential scans of sessions)" % len(seq))
    for x in seq:
        diag(x)
    for p in plans[:1]:
        for ln in p.splitlines():
            if "Nested Loop" in ln or "Hash Join" in ln or "Scan" in ln:
                note(ln.rstrip())
    is_(scheduled, len(placed), "the plan is stored: %d requests scheduled" % len(placed))
    refused(s, cid)


def refused(s, cid):
    """A plan whose one placement is 10 minutes after its heads' plenary
    (North, until 10:00) in South, 20 minutes away: refused, nothing stored."""
    conn = s.db()
    conn.autocommit = False
    cur = conn.cursor()
    hall_sid = q(cur, "SELECT id FROM sessions WHERE conference_id = %s AND title = 'Plenary 1'", cid)[0][0]
    ds = []
    for code in ("X1", "X2"):
        d = q(cur, "INSERT INTO delegations (conference_id, code, name) VALUES (%s, %s, %s) RETURNING id",
              cid, code, code)[0][0]
        h = q(cur, "INSERT INTO participants (conference_id, delegation_id, name, role)"
                   " VALUES (%s, %s, %s, 'head') RETURNING id", cid, d, "Head " + code)[0][0]
        q(cur, "INSERT INTO session_attendees (session_id, participant_id) VALUES (%s, %s)", hall_sid, h)
        ds.append(d)
    b, version = q(cur, "INSERT INTO bilateral_requests (conference_id, requester_delegation_id,"
                        " counterpart_delegation_id, duration_minutes, status)"
                        " VALUES (%s, %s, %s, 30, 'accepted') RETURNING id, version", cid, ds[0], ds[1])[0]
    room = q(cur, """SELECT r.id FROM rooms r JOIN venues v ON v.id = r.venue_id
        WHERE v.conference_id = %s AND v.name = 'South' AND NOT EXISTS (SELECT 1 FROM sessions s
            WHERE s.room_id = r.id AND s.status <> 'cancelled'
            AND tstzrange(s.starts_at, s.ends_at) && tstzrange('2026-06-01T10:00:00+09:00',
                '2026-06-01T11:00:00+09:00'))
        ORDER BY r.id LIMIT 1""", cid)[0][0]
    conn.commit()
    start = int(datetime.datetime.fromisoformat("2026-06-01T10:10:00+09:00").timestamp())
    plan = {"placed": [{"bilateral_id": b, "room_id": room, "start": start, "version": version}],
            "unplaced": [], "stats": {}}
    actor = json.dumps({"role": "secretariat", "conference_id": cid, "token_id": None})
    try:
        q(cur, "SELECT kaigi_bilateral_plan(%s::jsonb, %s, %s::jsonb, false)", actor, SLUG, json.dumps(plan))
        err = None
    except Exception as e:  # noqa: BLE001 (psycopg2's error, its text read below)
        err = str(e)
    conn.rollback()
    ok(err is not None and "travel" in err.lower(),
       "a placement 10 minutes after the plenary in the venue 20 minutes away: refused, naming the travel"
       " (%s)" % (err or "stored").splitlines()[0])
    is_(q(cur, "SELECT status FROM bilateral_requests WHERE id = %s", b)[0][0], "accepted", "nothing stored")
    conn.commit()


with Server(demo=False) as s:
    main(s)
done_testing()
