#!/usr/bin/python3
"""88-programme-days-set.t — the PDF programme's days are built in one
query (sql/880_programme_days_set.sql), and are the document that 086's
aggregate of kaigi_programme_item made, session by session, for every
kind of reader.

On the COP bench's conference (12,019 sessions the secretariat sees) the
old aggregate took 10.9 s of SQL, past the 10 s statement timeout under
any load; the set took 0.5-0.7 s.

On the demo conference, with one attendance represented by a colleague
and a session with interpretation (both printed in an item): for the
secretariat, the public, each delegation's liaison, each delegation as
the secretariat's chosen reader (its attendees listed) and four
participants as their programme reads them, in two time zones, for the
draft and for a release, kaigi_programme_days equals the old aggregate byte for byte. And
the days call kaigi_programme_item never, kaigi_delegation_rank at most
once per delegation, and kaigi_interp_note only for the sessions with
interpretation pairs (once each).

Seen failing on the old code: 18 calls of kaigi_programme_item, and of
kaigi_release_programme_item and kaigi_release_visible for the release,
36 of kaigi_delegation_rank.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"

OLD = """SELECT coalesce(jsonb_agg(jsonb_build_object('date', day::text,
        'label', to_char(day, 'FMDay FMDD FMMonth YYYY'), 'items', items) ORDER BY day), '[]'::jsonb)
    FROM (SELECT day, jsonb_agg(kaigi_programme_item(s, %(tz)s, %(did)s)
            ORDER BY (s).starts_at, (s).ends_at, (s).id) AS items
        FROM (SELECT s, (s.starts_at AT TIME ZONE %(tz)s)::date AS day FROM sessions s
            WHERE s.id IN (SELECT kaigi_sessions_visible(%(cid)s, %(actor)s::jsonb))
                AND s.status <> 'cancelled') seen
        GROUP BY day) per_day"""
NEW = "SELECT kaigi_programme_days(%(cid)s, %(actor)s::jsonb, %(tz)s, %(did)s)"
OLD_RELEASE = """SELECT coalesce(jsonb_agg(jsonb_build_object('date', day::text,
        'label', to_char(day, 'FMDay FMDD FMMonth YYYY'), 'items', items) ORDER BY day), '[]'::jsonb)
    FROM (SELECT day, jsonb_agg(kaigi_release_programme_item(rs, %(tz)s, %(did)s)
            ORDER BY (rs).starts_at, (rs).ends_at, (rs).session_id) AS items
        FROM (SELECT rs, (rs.starts_at AT TIME ZONE %(tz)s)::date AS day FROM release_sessions rs
            WHERE rs.release_id = %(rid)s AND rs.status <> 'cancelled'
                AND kaigi_release_visible(rs, %(actor)s::jsonb)) seen
        GROUP BY day) per_day"""
NEW_RELEASE = "SELECT kaigi_release_programme_days(%(rid)s, %(actor)s::jsonb, %(tz)s, %(did)s)"


def q(cur, sql, args=None):
    cur.execute(sql, args)
    return cur.fetchall() if cur.description else None


def enrich(cur, cid):
    """One attendance represented by a colleague, and a session with a
    pair and an interpreter; (represented, with interpretation)."""
    p, sid, other = q(cur, """SELECT a.participant_id, a.session_id, min(o.id)
        FROM session_attendees a JOIN participants p ON p.id = a.participant_id
        JOIN sessions s ON s.id = a.session_id
        JOIN participants o ON o.delegation_id = p.delegation_id AND o.id <> p.id
        WHERE s.conference_id = %s AND s.status <> 'cancelled'
        GROUP BY 1, 2 ORDER BY 2, 1 LIMIT 1""", (cid,))[0]
    q(cur, "UPDATE session_attendees SET mode = 'represented', represented_by = %s"
           " WHERE session_id = %s AND participant_id = %s RETURNING 1", (other, sid, p))
    q(cur, "UPDATE sessions SET interpretation = ARRAY['ja-en'] WHERE id = %s RETURNING 1", (sid,))
    interp = q(cur, """SELECT p.id FROM participants p WHERE p.conference_id = %s
        AND p.id NOT IN (SELECT participant_id FROM session_attendees WHERE session_id = %s)
        ORDER BY p.id DESC LIMIT 1""", (cid, sid))[0][0]
    q(cur, "INSERT INTO session_interpreters (session_id, participant_id, pair)"
           " VALUES (%s, %s, 'ja-en') RETURNING 1", (sid, interp))
    return q(cur, """SELECT count(*) FILTER (WHERE a.represented_by IS NOT NULL),
            (SELECT count(*) FROM sessions WHERE conference_id = %s AND cardinality(interpretation) > 0)
        FROM session_attendees a JOIN sessions s ON s.id = a.session_id WHERE s.conference_id = %s""",
             (cid, cid))[0]


def readers(cur, cid):
    """(name, actor, delegation id) of each kind of reader."""
    out = [("the secretariat", {"role": "admin"}, None), ("the public", {"role": "none"}, None)]
    for did, code in q(cur, "SELECT id, code FROM delegations WHERE conference_id = %s ORDER BY id", (cid,)):
        liaison = {"role": "liaison", "conference_id": cid, "delegation_id": did}
        out.append(("%s's liaison" % code, liaison, did))
        out.append(("%s for the secretariat" % code, {"role": "admin"}, did))
    for pid, rd in q(cur, """SELECT p.id, kaigi_programme_reader('{"role": "admin"}', c, NULL, p.id::text)
            FROM participants p JOIN conferences c ON c.id = p.conference_id
            WHERE c.id = %s ORDER BY p.id LIMIT 4""", (cid,)):
        out.append(("participant %d" % pid, rd["actor"], rd.get("delegation_id")))
    return out


def calls(cur):
    return dict(q(cur, """SELECT funcname, calls FROM pg_stat_xact_user_functions
        WHERE funcname IN ('kaigi_programme_item', 'kaigi_delegation_rank', 'kaigi_interp_note',
            'kaigi_release_programme_item', 'kaigi_release_visible', 'kaigi_release_interp_note')"""))


def main(s):
    conn = s.db()
    conn.autocommit = False
    cur = conn.cursor()
    cid = q(cur, "SELECT id FROM conferences WHERE slug = %s", (SLUG,))[0][0]
    represented, interpreted = enrich(cur, cid)
    ok(represented >= 1 and interpreted >= 1,
       "the demo has %d represented attendance(s), %d session(s) with interpretation" % (represented, interpreted))
    q(cur, "UPDATE conferences SET publish = 'release' WHERE id = %s", (cid,))
    q(cur, "SELECT kaigi_release_create('{\"role\": \"admin\"}', '{}', %s)", (SLUG,))
    rid = q(cur, "SELECT max(id) FROM releases WHERE conference_id = %s", (cid,))[0][0]
    for what, old_sql, new_sql in (("086", OLD, NEW), ("the release's (130)", OLD_RELEASE, NEW_RELEASE)):
        bad, n = [], 0
        for name, actor, did in readers(cur, cid):
            for tz in ("Asia/Tokyo", "America/New_York"):
                args = {"cid": cid, "rid": rid, "actor": json.dumps(actor), "tz": tz, "did": did}
                old, new = q(cur, old_sql, args)[0][0], q(cur, new_sql, args)[0][0]
                n += 1
                if old != new or not new:
                    bad.append("%s in %s" % (name, tz))
        is_(bad, [], "the days as %s made them, for all %d readers and zones" % (what, n))
    items = q(cur, NEW, {"cid": cid, "actor": '{"role": "admin"}', "tz": "Asia/Tokyo", "did": None})[0][0]
    ok(any("interpretation" in i for d in items for i in d["items"]),
       "an item carries its interpretation line")
    q(cur, "SET LOCAL track_functions = 'all'")
    ndel = q(cur, "SELECT count(*) FROM delegations WHERE conference_id = %s", (cid,))[0][0]
    q(cur, NEW, {"cid": cid, "actor": '{"role": "admin"}', "tz": "Asia/Tokyo", "did": None})
    q(cur, NEW_RELEASE, {"rid": rid, "actor": '{"role": "admin"}', "tz": "Asia/Tokyo", "did": None})
    got = calls(cur)
    ok(got.get("kaigi_programme_item", 0) == 0 and got.get("kaigi_release_programme_item", 0) == 0
       and got.get("kaigi_release_visible", 0) == 0 and got.get("kaigi_delegation_rank", 0) <= 2 * ndel
       and 0 < got.get("kaigi_interp_note", 0) <= interpreted
       and got.get("kaigi_release_interp_note", 0) <= interpreted,
       "the days, draft and release: no item function, no visibility rule per session, a rank per"
       " delegation at most (%d each), the interpretation line only where there are pairs (%d): %s"
       % (ndel, interpreted, got))
    conn.rollback()


with Server() as s:
    main(s)
done_testing()
