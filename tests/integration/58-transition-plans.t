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
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from planlib import accept_all, conference, dry_run, hall, heads, plan_of, q, write_explained  # noqa: E402

SLUG = "transition-plans"
D = 30


def setup(s):
    cur = s.db().cursor()
    cid = conference(cur, SLUG)
    hall(cur, cid, 24)
    dels, hs = heads(cur, cid, D, ("deputy", "staff", "staff"))
    return cid, accept_all(cur, cid, dels, 300), dels, hs


def one_row_first(cur, cid, dels, head):
    """A session with one attendee and one party: the triggers' first call."""
    sid = q(cur, "INSERT INTO sessions (conference_id, kind, title, starts_at, ends_at)"
                 " VALUES (%s, 'other', 'Warm-up', '2026-06-03T19:00:00+09:00',"
                 " '2026-06-03T19:30:00+09:00') RETURNING id", cid)[0][0]
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
    cid, n, dels, hs = setup(s)
    placed = dry_run(s, SLUG, n)
    conn = s.db()
    conn.autocommit = False
    cur = conn.cursor()
    one_row_first(cur, cid, dels, hs[0])
    notices = write_explained(conn, cid, SLUG, plan_of(cur, cid, placed))
    seen = reads(notices)
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
