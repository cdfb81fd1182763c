#!/usr/bin/python3
"""36-release-json-grouped.t — a release-mode page builds its sessions' JSON
in one grouped query per list (sql/680_release_json_grouped.sql).

kaigi_release_sessions_json(c, release, ids) must give, for every row of
every release, the object kaigi_release_session_json(row, c) gives: the
demo has a represented head, interpreters and remote links; a change
between two releases (an attendee in another mode, a party added) makes
the releases differ. The release-mode session list of JP's liaison and of
the public must be those objects in the list's order, and building a page
must call neither per-row builder.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, one, rows  # noqa: E402

C = "/api/v1/conferences/" + SLUG


def per_row(s, rid, cid):
    return {r[0]: r[1] for r in rows(s, """SELECT rs.session_id, kaigi_release_session_json(rs, c)
        FROM release_sessions rs, conferences c WHERE rs.release_id = %s AND c.id = %s""", rid, cid)}


def grouped(s, rid, cid):
    return {r[0]: r[1] for r in rows(s, """SELECT x.session_id, x.j FROM conferences c,
        kaigi_release_sessions_json(c, %s, ARRAY(SELECT session_id FROM release_sessions
            WHERE release_id = %s)) x WHERE c.id = %s""", rid, rid, cid)}


def main(s):
    cid = one(s, "SELECT id FROM conferences WHERE slug = %s", SLUG)
    sec = s.token("secretariat", conference=SLUG)
    ok(one(s, "SELECT count(*) FROM session_attendees WHERE represented_by IS NOT NULL") > 0,
       "the demo has a represented attendance")
    ok(one(s, "SELECT count(*) FROM session_interpreters") > 0, "and interpreters")
    is_(s.request("PATCH", C, {"publish": "release"}, token=sec).status, 200, "release mode")
    is_(s.request("POST", C + "/releases", {"name": "one"}, token=sec).status, 201, "released")
    with s.db().cursor() as cur:
        cur.execute("""UPDATE session_attendees SET mode = 'remote', link = 'https://meet.example.org/x'
            WHERE (session_id, participant_id) = (SELECT session_id, participant_id FROM session_attendees
                WHERE mode = 'in_person' ORDER BY session_id, participant_id LIMIT 1)""")
        cur.execute("""INSERT INTO session_delegations (session_id, delegation_id)
            SELECT x.id, d.id FROM sessions x, delegations d WHERE x.conference_id = %s
              AND d.conference_id = %s AND NOT EXISTS (SELECT 1 FROM session_delegations sd
                WHERE sd.session_id = x.id AND sd.delegation_id = d.id)
            ORDER BY x.id, d.id LIMIT 1""", (cid, cid))
    is_(s.request("POST", C + "/releases", {"name": "two"}, token=sec).status, 201, "released again")
    rids = [r[0] for r in rows(s, "SELECT id FROM releases WHERE conference_id = %s ORDER BY n", cid)]
    sides = []
    for rid in rids:
        want, got = per_row(s, rid, cid), grouped(s, rid, cid)
        sides.append(want)
        is_(sorted(got), sorted(want), "release %d: an object for every row" % rid)
        differ = [k for k in want if got.get(k) != want[k]]
        is_(differ[:3], [], "release %d: every object equals kaigi_release_session_json's" % rid)
    ok(sides[0] != sides[1], "the two releases differ")
    ok(any(a.get("link") for j in sides[1].values() for a in j["attendees"]), "a link is among them")

    did = one(s, "SELECT id FROM delegations WHERE code = 'JP'")
    for name, actor in (("JP's liaison", {"role": "liaison", "conference_id": cid, "delegation_id": did}),
                        ("the public", {"role": "none"})):
        page = one(s, "SELECT kaigi_sessions_page(%s::jsonb, %s, '{}', 1000, '0')", json.dumps(actor), SLUG)
        ids = [x["id"] for x in page["items"]]
        ok(len(ids) > 0, "%s's page has %d sessions" % (name, len(ids)))
        is_(page["items"], [sides[1][i] for i in ids], "%s's page: those objects, in the list's order" % name)
    conn = s.db()
    conn.autocommit = False
    with conn.cursor() as cur:
        cur.execute("SET LOCAL track_functions = 'all'")
        cur.execute("SELECT kaigi_sessions_page(%s::jsonb, %s, '{}', 1000, '0')",
                    (json.dumps({"role": "liaison", "conference_id": cid, "delegation_id": did}), SLUG))
        cur.execute("""SELECT funcname, sum(calls) FROM pg_stat_xact_user_functions
            WHERE funcname IN ('kaigi_release_session_json', 'kaigi_release_attendance_json',
                'kaigi_release_sessions_json') GROUP BY funcname""")
        got = {k: int(v) for k, v in cur.fetchall()}
    conn.rollback()
    is_(got, {"kaigi_release_sessions_json": 1}, "a page builds its objects once, with no per-row builder")


with Server() as s:
    main(s)
done_testing()
