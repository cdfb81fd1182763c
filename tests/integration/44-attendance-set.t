#!/usr/bin/python3
"""44-attendance-set.t — a feed's attendance lines, read once per feed as a
set, equal the per-row function (sql/380_feed_attendance_set.sql).

kaigid joined kaigi_feed_attendance(f) to every row of a feed (represented
lines, remote links, the interpretation line): 0.31 ms a row, 140 of 145
ms of a cold personal feed of 450 events. It now joins
kaigi_feed_attendances(conference) once, to the rows their reader may
see. For every row of the feed of every kind of reader (nobody, the
secretariat, each delegation, each participant) the two must give the
same note and links: the demo's represented minister and interpreters,
plus a remote attendance with a link and one with two. Then kaigid itself
is watched (track_functions): serving feeds calls the per-row function
for no row, and the feeds still carry the lines.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, one, rows  # noqa: E402

PER_ROW = """SELECT f.id, a.att_note, a.att_links
    FROM kaigi_feed_rows(%(cid)s, 'x', %(actor)s::jsonb, NULL) f, kaigi_feed_attendance(f) a
    ORDER BY f.id"""
AS_SET = """SELECT f.id, a.att_note, a.att_links
    FROM kaigi_feed_rows(%(cid)s, 'x', %(actor)s::jsonb, NULL) f
    LEFT JOIN kaigi_feed_attendances(%(cid)s) a
        ON a.session_id = f.id AND NOT coalesce(f.reserved, false)
    ORDER BY f.id"""


def actors(s, cid):
    out = [{"role": "none"}, {"role": "secretariat", "conference_id": cid}]
    for (d,) in rows(s, "SELECT id FROM delegations WHERE conference_id = %s", cid):
        out.append({"role": "feed", "conference_id": cid, "delegation_id": d})
    for (p,) in rows(s, "SELECT id FROM participants WHERE conference_id = %s", cid):
        out.append({"role": "feed", "conference_id": cid, "participant_id": p})
    return out


def enrich(s, cid):
    """Remote attendances with links: one session with one, another with two."""
    with s.db().cursor() as cur:
        cur.execute("""UPDATE session_attendees a SET mode = 'remote',
                link = 'https://meet.example.org/' || a.session_id || '-' || a.participant_id
            FROM (SELECT session_id, participant_id, row_number() OVER
                    (PARTITION BY session_id ORDER BY participant_id) AS k
                  FROM session_attendees WHERE mode = 'in_person'
                    AND session_id IN (SELECT id FROM sessions WHERE conference_id = %s
                                       ORDER BY id LIMIT 2)) x
            WHERE a.session_id = x.session_id AND a.participant_id = x.participant_id
              AND x.k <= 2 RETURNING a.session_id""", (cid,))
        return len(cur.fetchall())


def main(s):
    cid = one(s, "SELECT id FROM conferences WHERE slug = %s", SLUG)
    ok(enrich(s, cid) >= 2, "remote attendances with links")
    kinds = one(s, """SELECT count(*) FILTER (WHERE att_note LIKE '%%represented by%%')::text || ','
        || count(*) FILTER (WHERE att_note LIKE '%%Interpretation:%%') || ','
        || count(*) FILTER (WHERE att_links IS NOT NULL) FROM kaigi_feed_attendances(%s)""", cid)
    ok(all(int(k) > 0 for k in kinds.split(",")),
       "the set has represented, interpretation and link lines (%s)" % kinds)
    differ, n = [], 0
    for a in actors(s, cid):
        arg = {"cid": cid, "actor": json.dumps(a)}
        want, got = rows(s, PER_ROW, arg), rows(s, AS_SET, arg)
        n += len(want)
        if want != got:
            differ.append((a, [w for w, g in zip(want, got) if w != g][:2]))
    diag("%d feed rows compared" % n)
    is_(differ[:2], [], "every row of every reader's feed: the set equals the per-row lines")

    db = one(s, "SELECT current_database()")
    with s.db().cursor() as cur:
        cur.execute('ALTER DATABASE "%s" SET track_functions = \'all\'' % db)
    s.stop(drop=False)
    with Server(db_url=s.db_url) as k:
        tok = k.feed_token(SLUG, delegation="JP")
        body = k.request("GET", "/feeds/%s.ics" % tok).body.decode()
        body += k.request("GET", "/conferences/%s/calendar.ics?lang=ja" % SLUG).body.decode()

        def calls(fn):
            return one(k, "SELECT coalesce(sum(calls), 0) FROM pg_stat_user_functions"
                          " WHERE funcname = %s", fn)
        ok(wait_until(lambda: calls("kaigi_feed_attendances") >= 2, PATIENCE),
           "kaigid read the attendances as a set")
        is_(calls("kaigi_feed_attendance"), 0, "and asked no row alone")
        ok("represented by" in body.replace("\r\n ", ""), "JP's feed names a representative")


with Server() as s:
    main(s)
done_testing()
