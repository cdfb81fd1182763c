#!/usr/bin/python3
"""18-export-rows-set.t — the participants', sessions' and bilateral
requests' exports are built as one query each
(sql/910_export_participants_set.sql, sql/920_export_sessions_bilaterals_set.sql),
not as lists of the same rows zipped by position (310's and 510's
kaigi_export_zip).

On the demo (interpreters with language pairs, sessions and requests
needing interpretation, a session with a capacity), for every actor
(nobody, an admin, the conference's secretariat and another's, the liaison
of every delegation) and each of the three kinds: kaigi_export answers what
510's path answers (OLD below), the same objects in the same order, or the
same refusal (KG401, KG403); and it calls neither kaigi_export_zip nor
kaigi_export_interpretation nor kaigi_export_capacity. Through the API the
secretariat's participants.csv has a row per participant and their
language pairs, and its sessions.csv the interpretation and capacity.
"""
import csv
import io
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, one, visibility_actors  # noqa: E402


# 510's kaigi_export for each kind (910 and 920 replaced it).
OLD = {
    "participants": "kaigi_export_without_registrations(%(a)s::jsonb, %(slug)s, 'participants')",
    "sessions": "kaigi_export_zip(kaigi_export_without_registrations(%(a)s::jsonb, %(slug)s, 'sessions'),"
                " kaigi_export_capacity(%(a)s::jsonb, kaigi_core_conference(%(slug)s)), 'title')",
    "bilaterals": "kaigi_export_without_registrations(%(a)s::jsonb, %(slug)s, 'bilaterals')",
}
ZIPPED = ("kaigi_export_zip", "kaigi_export_interpretation", "kaigi_export_capacity")


def export(cur, sql, actor):
    """sql's rows for actor, or its SQLSTATE."""
    cur.execute("SAVEPOINT one")
    try:
        cur.execute("SELECT " + sql, {"a": json.dumps(actor), "slug": SLUG})
        return cur.fetchone()[0]
    except Exception as e:  # noqa: BLE001 (psycopg2's error: its code is compared)
        cur.execute("ROLLBACK TO SAVEPOINT one")
        return getattr(e, "pgcode", str(e))


def calls(cur, names):
    cur.execute("SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions"
                " WHERE funcname = ANY (%s)", (list(names),))
    return cur.fetchone()[0]


def main(s):
    cid = one(s, "SELECT id FROM conferences WHERE slug = %s", SLUG)
    pairs = one(s, "SELECT count(*) FROM participants WHERE conference_id = %s"
                   " AND cardinality(language_pairs) > 0", cid)
    ok(pairs > 0, "the demo has %d participants with language pairs" % pairs)
    with s.db().cursor() as cur:
        cur.execute("UPDATE sessions SET registration_capacity = 40 WHERE id = (SELECT min(id)"
                    " FROM sessions WHERE conference_id = %s AND visibility = 'public')", (cid,))
        cur.execute("UPDATE bilateral_requests SET interpretation = '{ja-en}' WHERE id = (SELECT min(id)"
                    " FROM bilateral_requests WHERE conference_id = %s)", (cid,))
    conn = s.db()
    conn.autocommit = False
    for kind in ("participants", "sessions", "bilaterals"):
        differ, rows, refusals, new_calls, old_calls = [], 0, 0, 0, 0
        with conn.cursor() as cur:
            cur.execute("SET LOCAL track_functions = 'all'")
            for a in visibility_actors(s, cid):
                before = calls(cur, ZIPPED)
                new = export(cur, "kaigi_export(%%(a)s::jsonb, %%(slug)s, '%s')" % kind, a)
                new_calls += calls(cur, ZIPPED) - before
                before = calls(cur, ZIPPED)
                old = export(cur, OLD[kind], a)
                old_calls += calls(cur, ZIPPED) - before
                if isinstance(new, list):
                    rows += len(new)
                else:
                    refusals += 1
                if new != old:
                    differ.append((a, new if not isinstance(new, list) else new[:2],
                                   old if not isinstance(old, list) else old[:2]))
        conn.rollback()
        diag("%s: %d rows exported over the actors; %d refusals" % (kind, rows, refusals))
        ok(rows > 20 and (refusals >= 2) == (kind == "participants"),
           "%s: rows for the actors who may list them, refusals for the others" % kind)
        is_(differ[:2], [], "%s, every actor: the same rows, in the same order, or the same refusal as"
            " 510's path" % kind)
        ok(old_calls > 0, "%s: 510's path zipped lists of the same rows (%d calls)" % (kind, old_calls))
        is_(new_calls, 0, "%s: no call of kaigi_export_zip, _interpretation or _capacity" % kind)
    conn.close()

    sec = s.token("secretariat", conference=SLUG)
    r = s.request("GET", "/api/v1/conferences/%s/export/participants.csv" % SLUG, token=sec)
    is_(r.status, 200, "GET .../export/participants.csv as the secretariat: 200")
    got = list(csv.DictReader(io.StringIO(r.body.decode("utf-8"), newline="")))
    is_(len(got), one(s, "SELECT count(*) FROM participants WHERE conference_id = %s", cid),
        "a row per participant")
    ok(sum(1 for x in got if x.get("language_pairs")) == pairs, "with their language pairs")
    r = s.request("GET", "/api/v1/conferences/%s/export/sessions.csv" % SLUG, token=sec)
    got = list(csv.DictReader(io.StringIO(r.body.decode("utf-8"), newline="")))
    is_(len(got), one(s, "SELECT count(*) FROM sessions WHERE conference_id = %s", cid),
        "sessions.csv: a row per session")
    ok(any(x.get("capacity") == "40" for x in got) and any(x.get("interpretation") for x in got),
       "with the capacity and interpretation columns filled where set")


with Server() as s:
    main(s)
done_testing()
