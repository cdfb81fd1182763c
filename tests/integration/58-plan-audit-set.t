#!/usr/bin/python3
"""58-plan-audit-set.t — an auto-schedule's audit rows are written as a set
(sql/490_plan_audit_set.sql).

kaigi_session_json_of(ids) must give, for every session of the demo, the
object kaigi_session_json gives for it alone: the demo has interpreters,
a represented head, delegations in protocol order; one attendance is made
remote with a link, and one session gets a registration capacity, so that
every branch is compared. Then kaigid (track_functions) schedules the
demo's two accepted open requests: the plan's audit rows must be written
by kaigi_bilateral_plan_audit, without one kaigi_session_json call per
placement (290's write made one each), and carry the sessions' JSON.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"


def enrich(s):
    with s.db().cursor() as cur:
        cur.execute("""UPDATE session_attendees SET mode = 'remote', link = 'https://meet.example/kaigi'
            WHERE (session_id, participant_id) = (SELECT a.session_id, a.participant_id
                FROM session_attendees a WHERE a.mode = 'in_person' ORDER BY 1, 2 LIMIT 1)""")
        cur.execute("""UPDATE sessions SET registration_capacity = 40
            WHERE id = (SELECT min(id) FROM sessions)""")


def compare(s):
    with s.db().cursor() as cur:
        cur.execute("""SELECT x.id, kaigi_session_json(x.id), j.j FROM sessions x
            LEFT JOIN kaigi_session_json_of(ARRAY(SELECT id FROM sessions)) j ON j.session_id = x.id
            ORDER BY x.id""")
        rows = cur.fetchall()
    ok(len(rows) >= 15, "%d sessions of the demo" % len(rows))
    is_([r[0] for r in rows if r[1] != r[2]], [], "kaigi_session_json_of gives each the object of kaigi_session_json")
    seen = {k for r in rows for k in ("interpreters", "represented_by", "link", "capacity")
            if (k in ("interpreters", "capacity") and r[1].get(k)) or any(k in a for a in r[1]["attendees"])}
    is_(sorted(seen), ["capacity", "interpreters", "link", "represented_by"],
        "the objects compared have interpreters, a representative, a link and a capacity")


def schedule(s):
    db = one(s, "SELECT current_database()")
    with s.db().cursor() as cur:
        cur.execute('ALTER DATABASE "%s" SET track_functions = \'all\'' % db)
    s.stop(drop=False)
    with Server(db_url=s.db_url) as k:
        sec = k.token("secretariat", conference=SLUG)
        before = one(k, "SELECT count(*) FROM audit_log WHERE entity = 'session' AND action = 'create'")
        r = k.request("POST", "/api/v1/conferences/%s/schedule" % SLUG, {}, token=sec)
        is_((r.status, len((r.json or {}).get("placed", []))), (200, 2), "the two accepted requests placed")

        def calls(fn):
            return one(k, "SELECT coalesce(sum(calls), 0) FROM pg_stat_user_functions"
                          " WHERE funcname = %s", fn)
        ok(wait_until(lambda: calls("kaigi_session_json_of") >= 1, PATIENCE),
           "kaigid wrote the plan's audit rows as a set")
        is_(calls("kaigi_session_json"), 0, "without building a session's JSON per placement")
        with k.db().cursor() as cur:
            cur.execute("""SELECT a.after = kaigi_session_json(a.entity_id) FROM audit_log a
                WHERE a.entity = 'session' AND a.action = 'create' ORDER BY a.id OFFSET %s""", (before,))
            is_([x[0] for x in cur.fetchall()], [True, True], "… and the rows carry each session's JSON")


with Server() as s:
    enrich(s)
    compare(s)
    schedule(s)
done_testing()
