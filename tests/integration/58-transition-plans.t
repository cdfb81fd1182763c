#!/usr/bin/python3
"""58-transition-plans.t — the statement triggers over transition tables
plan their joins for the rows of each call, not for the rows of the
connection's first call (sql/800_transition_plans_per_call.sql).

A conference set up through the API inserts its sessions, attendees and
parties one at a time on kaigid's pooled connections; PL/pgSQL kept the
plans those one-row calls made, and the first schedule's thousands of rows
ran through them (on the planted 2,000 with interpreters: the attendees'
trigger 788 ms instead of 120, the parties' 423 ms).

Here: a conference of its own (30 delegations with a head with an e-mail,
a deputy and two staff each, 24 bilateral rooms, 3 days, 300 accepted requests); the
auto-scheduler's dry run gives the plan. One connection first adds a
session with one attendee and one party (its triggers plan for one row),
then writes the plan as kaigid does (kaigi_bilateral_plan), with
auto_explain reporting every plan: each statement of the attendees',
parties' and invitations' triggers handles at most 20 rows (the sum of
every plan node's rows times loops) per row of its transition table. The
parties' check planned for one row read the conference's sessions by its
index once per party (153 per row); the attendees' check paired every
session with every participant in a hash (an OR kept its NOT EXISTS from
becoming an anti-join). The plan is stored with its busy rows, parties
and invitations.
"""
import collections
import datetime
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "transition-plans"
D = 30


def q(cur, sql, *args):
    cur.execute(sql, args)
    return cur.fetchall() if cur.description else None


def setup(s):
    cur = s.db().cursor()
    cid = q(cur, "INSERT INTO conferences (slug, title, timezone, start_date, end_date)"
                 " VALUES (%s, 'Transition plans', 'Asia/Tokyo', '2026-06-01', '2026-06-03') RETURNING id",
            SLUG)[0][0]
    venue = q(cur, "INSERT INTO venues (conference_id, name) VALUES (%s, 'Hall') RETURNING id", cid)[0][0]
    for i in range(24):
        q(cur, "INSERT INTO rooms (conference_id, venue_id, name, capacity, kind)"
               " VALUES (%s, %s, %s, 10, 'bilateral')", cid, venue, "R%02d" % i)
    dels = []
    for i in range(D):
        d = q(cur, "INSERT INTO delegations (conference_id, code, name) VALUES (%s, %s, %s) RETURNING id",
              cid, "D%02d" % i, "Delegation %02d" % i)[0][0]
        q(cur, "INSERT INTO participants (conference_id, delegation_id, name, role, email)"
               " VALUES (%s, %s, %s, 'head', %s)", cid, d, "Head %02d" % i, "head%02d@example.org" % i)
        for role in ("deputy", "staff", "staff"):
            q(cur, "INSERT INTO participants (conference_id, delegation_id, name, role)"
                   " VALUES (%s, %s, %s, %s)", cid, d, "%s %02d" % (role, i), role)
        dels.append(d)
    pairs = [(dels[a], dels[b]) for a in range(D) for b in range(a + 1, D)][:300]
    for a, b in pairs:
        q(cur, "INSERT INTO bilateral_requests (conference_id, requester_delegation_id,"
               " counterpart_delegation_id, duration_minutes, status) VALUES (%s, %s, %s, 30, 'accepted')",
          cid, a, b)
    return cid, len(pairs), dels


def one_row_first(cur, cid, dels):
    """A session with one attendee and one party: the triggers' first call."""
    sid = q(cur, "INSERT INTO sessions (conference_id, kind, title, starts_at, ends_at)"
                 " VALUES (%s, 'other', 'Warm-up', '2026-06-03T19:00:00+09:00',"
                 " '2026-06-03T19:30:00+09:00') RETURNING id", cid)[0][0]
    head = q(cur, "SELECT id FROM participants WHERE delegation_id = %s AND role = 'head'", dels[0])[0][0]
    q(cur, "INSERT INTO session_attendees (session_id, participant_id) VALUES (%s, %s)", sid, head)
    q(cur, "INSERT INTO session_delegations (session_id, delegation_id) VALUES (%s, %s)", sid, dels[0])


TABLES = {"new_attendees": "kaigi_attendees_inserted", "new_parties": "kaigi_session_delegations_inserted",
          "new_people": "kaigi_outbox_invited"}


def reads(notices):
    """{trigger function: [(rows its transition table gave, rows all its
    other plan nodes gave: rows x loops), ...]} per statement reported, the
    function known by the transition table its statement names."""
    out = collections.defaultdict(list)
    for n in notices:
        names = [t for t in TABLES if re.search(r"\b%s\b" % t, n)]
        if len(names) != 1:
            continue
        mine = other = 0
        for ln in n.splitlines():
            m = re.search(r"actual rows=(\d+) loops=(\d+)", ln)
            if m is None:
                continue
            if "Named Tuplestore Scan" in ln:
                mine = max(mine, int(m.group(1)))
            else:
                other += int(m.group(1)) * int(m.group(2))
        out[TABLES[names[0]]].append((mine, other))
    return out


def main(s):
    cid, n, dels = setup(s)
    sec = s.token("secretariat", conference=SLUG)
    r = s.request("POST", "/api/v1/conferences/%s/schedule" % SLUG, {"dry_run": True, "time_limit_ms": 3000},
                  token=sec)
    placed = r.json.get("placed", []) if r.status == 200 else []
    ok(len(placed) >= n * 9 // 10, "the dry run places %d of %d requests" % (len(placed), n))
    conn = s.db()
    conn.autocommit = False
    cur = conn.cursor()
    one_row_first(cur, cid, dels)
    actor = json.dumps({"role": "secretariat", "conference_id": cid, "token_id": None})
    version = dict(q(cur, "SELECT id, version FROM bilateral_requests WHERE conference_id = %s", cid))
    plan = {"placed": [{"bilateral_id": p["bilateral_id"], "room_id": p["room_id"],
                        "start": int(datetime.datetime.fromisoformat(p["start"]).timestamp()),
                        "version": version[p["bilateral_id"]]} for p in placed], "unplaced": [], "stats": {}}
    q(cur, "LOAD 'auto_explain'")
    for k, v in (("log_min_duration", "0"), ("log_nested_statements", "on"), ("log_analyze", "on"),
                 ("log_timing", "off"), ("log_level", "notice")):
        q(cur, "SET LOCAL auto_explain.%s = %s" % (k, v))
    conn.notices = collections.deque()
    q(cur, "SELECT kaigi_bilateral_plan(%s::jsonb, %s, %s::jsonb, false)", actor, SLUG, json.dumps(plan))
    q(cur, "SET LOCAL auto_explain.log_min_duration = -1")
    seen = reads(list(conn.notices))
    for fn in ("kaigi_attendees_inserted", "kaigi_session_delegations_inserted", "kaigi_outbox_invited"):
        big = [x for x in seen.get(fn, []) if x[0] >= 100]
        worst = max((o / m for m, o in big), default=None)
        ok(big and worst <= 20, "%s: each statement over its %s rows handles at most 20 rows per row"
           " (worst %.1f; the parties' check planned for one row read the conference's sessions per party,"
           " the attendees' paired every session with every participant)"
           % (fn, "/".join(str(m) for m, o in big), worst or 0))
    got = q(cur, """SELECT (SELECT count(*) FROM bilateral_requests WHERE conference_id = %s
            AND status = 'scheduled'),
        (SELECT count(*) FROM busy b JOIN sessions s ON s.id = b.session_id
            WHERE s.conference_id = %s AND s.kind = 'bilateral'),
        (SELECT count(*) FROM session_delegations d JOIN sessions s ON s.id = d.session_id
            WHERE s.conference_id = %s AND s.kind = 'bilateral'),
        (SELECT count(*) FROM outbox WHERE conference_id = %s AND change = 'invited')""",
            cid, cid, cid, cid)[0]
    conn.commit()
    k = len(placed)
    is_(tuple(got), (k, 2 * k, 2 * k, 2 * k + 1),
        "stored: %d requests scheduled, their heads busy, their parties, their invitations" % k)


with Server(demo=False) as s:
    main(s)
done_testing()
