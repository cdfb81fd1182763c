#!/usr/bin/python3
"""48-outbox-set.t — a change's outbox rows are written as a set
(sql/350_outbox_set.sql).

Changing a public session writes one row per participant concerned (an
attendee, or a member of a party delegation, with an e-mail) without
asking kaigi_session_visible once per participant: 100's trigger did, and
a plenary of 20,000 took 6.4 s to move (scripts/bench/mail-load). The
calls are counted in the changing transaction (pg_stat_xact_user_functions).
A restricted session still reaches only those who may see it (its
attendees and interpreters), not the other members of its party
delegations; since sql/991 those are asked as one set too.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import one, rows  # noqa: E402

CONCERNED = """SELECT p.id FROM participants p JOIN sessions s ON s.id = %(sid)s
    WHERE p.conference_id = s.conference_id AND p.email IS NOT NULL AND p.notify
    AND (p.id IN (SELECT participant_id FROM session_attendees WHERE session_id = s.id)
      OR p.delegation_id IN (SELECT delegation_id FROM session_delegations
                             WHERE session_id = s.id))"""


def move(s, sid):
    """Retitle session sid in one transaction (a change the mail reports,
    with no clash to meet): the ids written to
    the outbox, and how often kaigi_session_visible was called doing it."""
    conn = s.db()
    conn.autocommit = False
    with conn.cursor() as cur:
        cur.execute("SET LOCAL track_functions = 'all'")
        cur.execute("UPDATE sessions SET title = title || ' (changed)' WHERE id = %s", (sid,))
        cur.execute("SELECT participant_id FROM outbox WHERE session_id = %s", (sid,))
        ids = sorted(r[0] for r in cur.fetchall())
        cur.execute("""SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions
            WHERE funcname = 'kaigi_session_visible'""")
        calls = cur.fetchone()[0]
    conn.commit()
    conn.close()
    return ids, calls


def main(s):
    with s.db().cursor() as cur:
        cur.execute("UPDATE participants SET email = 'set' || id || '@example.org', notify = true")
    pub = one(s, """SELECT s.id FROM sessions s WHERE s.visibility = 'public'
        AND s.status <> 'cancelled' ORDER BY (SELECT count(*) FROM session_delegations sd
        JOIN participants p ON p.delegation_id = sd.delegation_id
        WHERE sd.session_id = s.id) DESC, s.id LIMIT 1""")
    ok(pub is not None, "the demo has a public session")
    want = sorted(r[0] for r in rows(s, CONCERNED, {"sid": pub}))
    ok(len(want) > 5, "%d participants are concerned by it" % len(want))
    ids, calls = move(s, pub)
    is_(ids, want, "changing it wrote one outbox row for each of them")
    is_(calls, 0, "without asking kaigi_session_visible per participant")

    res = one(s, """SELECT s.id FROM sessions s WHERE s.visibility = 'restricted'
        AND s.status <> 'cancelled' AND EXISTS (SELECT 1 FROM session_attendees a
        WHERE a.session_id = s.id) AND EXISTS (SELECT 1 FROM session_delegations sd
        JOIN participants p ON p.delegation_id = sd.delegation_id
        WHERE sd.session_id = s.id AND p.id NOT IN (SELECT participant_id
            FROM session_attendees WHERE session_id = s.id)) ORDER BY s.id LIMIT 1""")
    ok(res is not None, "the demo has a restricted session with attendees and other party members")
    cand = sorted(r[0] for r in rows(s, CONCERNED, {"sid": res}))
    seen = sorted(r[0] for r in rows(s, CONCERNED + """ AND kaigi_session_visible(s.id,
        jsonb_build_object('role', 'feed', 'conference_id', s.conference_id,
                           'participant_id', p.id))""", {"sid": res}))
    ok(0 < len(seen) < len(cand), "of its %d party members, %d may see it" % (len(cand), len(seen)))
    ids, calls = move(s, res)
    is_(ids, seen, "a restricted session's change reaches those only")
    is_(calls, 0, "asking who sees it as one set (kaigi_session_viewers, sql/991), not per participant")


with Server() as s:
    main(s)
done_testing()
