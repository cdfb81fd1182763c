#!/usr/bin/python3
"""22-visible-set.t — the visibility rule as a set equals the rule per
session (sql/370_visible_set.sql).

Feeds and the programme ask kaigi_sessions_seen(conference, actor) once
instead of kaigi_session_visible(session, actor) for every session. The
two must agree for every actor and every session: nobody, an admin, the
secretariat of the conference and of another, the liaison and the feed of
every delegation, the feed of every participant. The demo is given what
each later rule adds: a confidential session, a confirmed registration
(180) to a restricted session of someone who is no party to it, and its
interpreters (260). A rule added to one of the two and not the other
fails here. The feeds' reserved rows follow the set, and reading a feed
calls kaigi_session_visible for no session.
"""
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, feed_ids, one, rows  # noqa: E402


def actors(s, cid):
    out = [{"role": "none"}, {"role": "admin"},
           {"role": "secretariat", "conference_id": cid},
           {"role": "secretariat", "conference_id": cid + 1000}]
    for (d,) in rows(s, "SELECT id FROM delegations WHERE conference_id = %s", cid):
        out.append({"role": "liaison", "conference_id": cid, "delegation_id": d})
        out.append({"role": "feed", "conference_id": cid, "delegation_id": d})
    for (p,) in rows(s, "SELECT id FROM participants WHERE conference_id = %s", cid):
        out.append({"role": "feed", "conference_id": cid, "participant_id": p,
                    "delegation_id": None})
    return out


def by_rule(s, cid, actor):
    return sorted(r[0] for r in rows(s, """SELECT id FROM sessions WHERE conference_id = %s
        AND kaigi_session_visible(id, %s::jsonb)""", cid, json.dumps(actor)))


def by_set(s, cid, actor):
    return sorted(r[0] for r in rows(s, "SELECT DISTINCT x FROM kaigi_sessions_seen(%s, %s::jsonb) x",
                                     cid, json.dumps(actor)))


def enrich(s, cid):
    """What the later rules add: confidential, a registration, interpreters."""
    with s.db().cursor() as cur:
        cur.execute("""UPDATE sessions SET visibility = 'confidential' WHERE id = (SELECT min(id)
            FROM sessions WHERE conference_id = %s AND visibility = 'restricted')""", (cid,))
        cur.execute("""INSERT INTO registrations (conference_id, session_id, participant_id, status,
                confirmed_at)
            SELECT %s, s.id, p.id, 'confirmed', now() FROM sessions s, participants p
            WHERE s.conference_id = %s AND s.visibility = 'restricted'
              AND p.conference_id = %s AND NOT kaigi_session_visible(s.id, jsonb_build_object(
                'role', 'feed', 'conference_id', %s, 'delegation_id', p.delegation_id))
            ORDER BY s.id, p.id LIMIT 1 RETURNING participant_id""", (cid, cid, cid, cid))
        return cur.fetchone()[0]


def main(s):
    cid = one(s, "SELECT id FROM conferences WHERE slug = %s", SLUG)
    registrant = enrich(s, cid)
    ok(one(s, "SELECT count(*) FROM session_interpreters i JOIN sessions x ON x.id = i.session_id"
              " WHERE x.visibility <> 'public'") > 0, "interpreters of non-public sessions")
    every = actors(s, cid)
    differ, seen = [], 0
    for a in every:
        rule, got = by_rule(s, cid, a), by_set(s, cid, a)
        seen += len(rule)
        if rule != got:
            differ.append((a, sorted(set(rule) ^ set(got))))
    diag("%d actors, %d (actor, session) pairs visible" % (len(every), seen))
    is_(differ[:3], [], "the set equals the rule for every actor and session")
    reg = {"role": "feed", "conference_id": cid, "participant_id": registrant, "delegation_id": None}
    ok(len(by_set(s, cid, reg)) > len(by_set(s, cid, {"role": "none"})) + 0,
       "the registrant's feed sees more than the public")

    tok = s.feed_token(SLUG, delegation="JP")
    body = s.request("GET", "/feeds/%s.ics" % tok).body
    did = one(s, "SELECT id FROM delegations WHERE conference_id = %s AND code = 'JP'", cid)
    want = by_rule(s, cid, {"role": "feed", "conference_id": cid, "delegation_id": did})
    is_(feed_ids(body), want, "JP's feed holds exactly the sessions the rule lets it see")
    conn = s.db()
    conn.autocommit = False
    with conn.cursor() as cur:
        cur.execute("SET LOCAL track_functions = 'all'")
        cur.execute("SELECT count(*) FROM kaigi_feed_public(%s)", (SLUG,))
        cur.execute("SELECT count(*) FROM kaigi_feed_token(%s)",
                    (hashlib.sha256(tok.encode()).hexdigest(),))
        cur.execute("""SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions
            WHERE funcname = 'kaigi_session_visible'""")
        is_(cur.fetchone()[0], 0, "reading the public and JP's feed asks no session's "
            "visibility alone")
        cur.execute("""SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions
            WHERE funcname = 'kaigi_sessions_seen'""")
        is_(cur.fetchone()[0], 2, "and asks for the set once per feed")
    conn.rollback()


with Server() as s:
    main(s)
done_testing()
