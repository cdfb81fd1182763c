#!/usr/bin/python3
"""18-export-participants-set.t — the participants' export is built as one
query (sql/910_export_participants_set.sql), not two lists of the same
participants zipped by position (310's kaigi_export_zip).

On the demo (interpreters with language pairs among the participants), for
every actor (nobody, an admin, the conference's secretariat and another's,
the liaison of every delegation): kaigi_export(actor, slug, 'participants')
answers what 310's path (kaigi_export_without_registrations) answers, the
same objects in the same order, or the same refusal (KG401, KG403); and it
calls neither kaigi_export_zip nor kaigi_export_interpretation. Through the
API the secretariat's participants.csv has a row per participant and their
language pairs.
"""
import csv
import io
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, one, visibility_actors  # noqa: E402


def export(cur, fn, actor):
    """fn's participants for actor, or its SQLSTATE."""
    cur.execute("SAVEPOINT one")
    try:
        cur.execute("SELECT %s(%%s::jsonb, %%s, 'participants')" % fn, (json.dumps(actor), SLUG))
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
    zipped = ("kaigi_export_zip", "kaigi_export_interpretation")
    conn = s.db()
    conn.autocommit = False
    differ, rows, refusals, new_calls, old_calls = [], 0, 0, 0, 0
    with conn.cursor() as cur:
        cur.execute("SET LOCAL track_functions = 'all'")
        for a in visibility_actors(s, cid):
            before = calls(cur, zipped)
            new = export(cur, "kaigi_export", a)
            new_calls += calls(cur, zipped) - before
            before = calls(cur, zipped)
            old = export(cur, "kaigi_export_without_registrations", a)
            old_calls += calls(cur, zipped) - before
            if isinstance(new, list):
                rows += len(new)
            else:
                refusals += 1
            if new != old:
                differ.append((a, new if not isinstance(new, list) else new[:2],
                               old if not isinstance(old, list) else old[:2]))
    conn.rollback()
    conn.close()
    diag("%d rows exported over the actors; %d refusals" % (rows, refusals))
    ok(rows > 20 and refusals >= 2, "rows for some actors, refusals for others")
    is_(differ[:2], [], "every actor: the same rows, in the same order, or the same refusal as 310's zip")
    ok(old_calls > 0, "310's path zipped two lists (%d calls)" % old_calls)
    is_(new_calls, 0, "the export calls neither kaigi_export_zip nor kaigi_export_interpretation")

    sec = s.token("secretariat", conference=SLUG)
    r = s.request("GET", "/api/v1/conferences/%s/export/participants.csv" % SLUG, token=sec)
    is_(r.status, 200, "GET .../export/participants.csv as the secretariat: 200")
    got = list(csv.DictReader(io.StringIO(r.body.decode("utf-8"), newline="")))
    is_(len(got), one(s, "SELECT count(*) FROM participants WHERE conference_id = %s", cid),
        "a row per participant")
    ok(sum(1 for x in got if x.get("language_pairs")) == pairs, "with their language pairs")


with Server() as s:
    main(s)
done_testing()
