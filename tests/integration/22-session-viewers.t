#!/usr/bin/python3
"""22-session-viewers.t — who sees a session in their participant feed, as a
set, equals the rule asked person by person (sql/640_outbox_visibility.sql).

The mail of a session made restricted writes its rows from
kaigi_session_viewers (the draft) and kaigi_release_viewers (the last
release) instead of asking kaigi_session_visible and kaigi_release_visible
once per person concerned. For every session and every participant of the
demo, given what each later rule adds (a confidential session, a confirmed
registration of a non-party, interpreters) and released once, the sets
must equal the rules: a clause added to a rule alone fails here. And
making a public session restricted asks neither rule per person.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, one, rows  # noqa: E402

C = "/api/v1/conferences/" + SLUG


def enrich(s, cid):
    with s.db().cursor() as cur:
        cur.execute("""UPDATE sessions SET visibility = 'confidential' WHERE id = (SELECT min(id)
            FROM sessions WHERE conference_id = %s AND visibility = 'restricted')""", (cid,))
        cur.execute("""INSERT INTO registrations (conference_id, session_id, participant_id, status,
                confirmed_at)
            SELECT %s, s.id, p.id, 'confirmed', now() FROM sessions s, participants p
            WHERE s.conference_id = %s AND s.visibility = 'restricted'
              AND p.conference_id = %s AND NOT kaigi_session_visible(s.id, jsonb_build_object(
                'role', 'feed', 'conference_id', %s, 'participant_id', p.id))
            ORDER BY s.id DESC, p.id LIMIT 1""", (cid, cid, cid, cid))


def main(s):
    cid = one(s, "SELECT id FROM conferences WHERE slug = %s", SLUG)
    sec = s.token("secretariat", conference=SLUG)
    enrich(s, cid)
    ok(one(s, "SELECT count(*) FROM session_interpreters") > 0, "the demo has interpreters")
    plenary = one(s, "SELECT min(id) FROM sessions WHERE visibility = 'public' AND conference_id = %s", cid)
    with s.db().cursor() as cur:	# a plenary of every delegation, everyone mailed
        cur.execute("""INSERT INTO session_delegations (session_id, delegation_id)
            SELECT %s, d.id FROM delegations d WHERE d.conference_id = %s
            ON CONFLICT DO NOTHING""", (plenary, cid))
        cur.execute("""UPDATE participants SET email = 'p' || id || '@example.org', notify = true
            WHERE conference_id = %s""", (cid,))
    is_(s.request("PATCH", C, {"publish": "release"}, token=sec).status, 200, "release mode")
    is_(s.request("POST", C + "/releases", {"name": "one"}, token=sec).status, 201, "released")
    rid = one(s, "SELECT id FROM releases WHERE conference_id = %s", cid)
    people = [r[0] for r in rows(s, "SELECT id FROM participants WHERE conference_id = %s", cid)]
    sessions = [r[0] for r in rows(s, "SELECT id FROM sessions WHERE conference_id = %s ORDER BY id", cid)]
    differ, pairs = [], 0
    for sid in sessions:
        actor = "jsonb_build_object('role', 'feed', 'conference_id', %d, 'participant_id', p.id)" % cid
        rule = {r[0] for r in rows(s, "SELECT p.id FROM participants p WHERE p.conference_id = %s"
                                      " AND kaigi_session_visible(%s, " + actor + ")", cid, sid)}
        got = {r[0] for r in rows(s, "SELECT x FROM kaigi_session_viewers(%s) x", sid)}
        rrule = {r[0] for r in rows(s, "SELECT p.id FROM participants p, release_sessions rs"
                                       " WHERE p.conference_id = %s AND rs.release_id = %s"
                                       " AND rs.session_id = %s AND kaigi_release_visible(rs, " + actor + ")",
                                    cid, rid, sid)}
        rgot = {r[0] for r in rows(s, "SELECT x FROM kaigi_release_viewers(%s, %s) x", rid, sid)}
        pairs += len(rule)
        if rule != got or rrule != rgot:
            differ.append((sid, sorted(rule ^ got), sorted(rrule ^ rgot)))
    diag("%d sessions x %d participants, %d (session, viewer) pairs" % (len(sessions), len(people), pairs))
    is_(differ[:3], [], "the viewers' sets equal the rules for every session and participant, draft and release")
    ok(any(len({r[0] for r in rows(s, "SELECT x FROM kaigi_session_viewers(%s) x", sid)}) < len(people)
           for sid in sessions), "some session is seen by fewer than everyone")

    want = one(s, "SELECT count(*) FROM participants p WHERE p.conference_id = %s AND p.id NOT IN"
                  " (SELECT participant_id FROM session_attendees WHERE session_id = %s)", cid, plenary)
    conn = s.db()
    conn.autocommit = False
    with conn.cursor() as cur:
        cur.execute("SET LOCAL track_functions = 'all'")
        cur.execute("UPDATE sessions SET visibility = 'restricted' WHERE id = %s", (plenary,))
        cur.execute("SELECT count(*) FROM outbox WHERE session_id = %s AND change = 'hidden'", (plenary,))
        hidden = cur.fetchone()[0]
        cur.execute("""SELECT funcname, sum(calls) FROM pg_stat_xact_user_functions
            WHERE funcname IN ('kaigi_session_visible', 'kaigi_release_visible') GROUP BY funcname""")
        got = dict(cur.fetchall())
    conn.rollback()
    is_(hidden, want, "a public plenary of every delegation made restricted: a 'hidden' row for each"
        " participant who does not attend it (%d)" % want)
    is_(got, {}, "and no rule asked per person")


with Server() as s:
    main(s)
done_testing()
