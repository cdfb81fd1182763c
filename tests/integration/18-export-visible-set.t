#!/usr/bin/python3
"""18-export-visible-set.t — the sessions' export asks the visibility rule
once as a set (sql/850_export_visible_set.sql).

On the demo, given what later rules add (a confidential session, a
confirmed registration of a non-party), for every actor that may export
sessions (an admin, the conference's secretariat and another's, the liaison
of every delegation, nobody): kaigi_export(actor, slug, 'sessions') lists
exactly the sessions kaigi_session_visible lets that actor see, in (start,
id) order, each once, with the interpretation and capacity columns of the
same rows. Exporting calls kaigi_session_visible for no session (before:
once per session for each of the sheet, its interpretation columns and its
capacity: 46.7 s at COP size, and export.xlsx a 503). The CSV through the
API has the same rows.

An export's read has import_timeout_ms, not statement_timeout_ms (the
COP's workbook still takes about 20 s): with statement_timeout_ms = 500,
an export held 1.5 s by a lock on participants answers 200, where the
participants' list held the same way is a 503.
"""
import csv
import io
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, enrich_visibility, one, rows, visibility_actors  # noqa: E402


def by_rule(s, cid, actor):
    """(title, capacity, interpretation) of the sessions the rule lets
    actor see, in (start, id) order."""
    return [list(r) for r in rows(s, """SELECT s.title, s.registration_capacity,
            nullif(array_to_string(s.interpretation, ';'), '')
        FROM sessions s WHERE s.conference_id = %s AND kaigi_session_visible(s.id, %s::jsonb)
        ORDER BY s.starts_at, s.id""", cid, json.dumps(actor))]


def enrich(s, cid):
    """What the later rules add (feedlib), and a capacity to export."""
    enrich_visibility(s, cid)
    with s.db().cursor() as cur:
        cur.execute("UPDATE sessions SET registration_capacity = 40 WHERE id = (SELECT min(id)"
                    " FROM sessions WHERE conference_id = %s AND visibility = 'public')", (cid,))


def main(s):
    cid = one(s, "SELECT id FROM conferences WHERE slug = %s", SLUG)
    enrich(s, cid)
    conn = s.db()
    conn.autocommit = False
    differ, seen, refused = [], 0, 0
    with conn.cursor() as cur:
        cur.execute("SET LOCAL track_functions = 'all'")
        for a in visibility_actors(s, cid):
            want = by_rule(s, cid, a)
            cur.execute("SAVEPOINT one")
            try:
                cur.execute("SELECT kaigi_export(%s::jsonb, %s, 'sessions')", (json.dumps(a), SLUG))
            except Exception:   # may not export (401/403 as the list): not a row count
                cur.execute("ROLLBACK TO SAVEPOINT one")
                refused += 1
                continue
            got = [[x.get("title"), x.get("capacity"), x.get("interpretation")]
                   for x in cur.fetchone()[0]]
            seen += len(want)
            if got != want:
                differ.append((a, got[:4], want[:4]))
        cur.execute("""SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions
            WHERE funcname = 'kaigi_session_visible'""")
        calls = cur.fetchone()[0]
    conn.rollback()
    conn.close()
    diag("%d (actor, session) rows exported; %d actors may not export" % (seen, refused))
    ok(seen > 100, "the exports are not empty (%d rows)" % seen)
    is_(differ[:2], [], "every actor's export is the sessions the rule lets it see, in order, once,"
        " with their capacity and interpretation")
    is_(calls, 0, "exporting asked no session's visibility alone")

    sec = s.token("secretariat", SLUG)
    r = s.request("GET", "/api/v1/conferences/%s/export/sessions.csv" % SLUG, token=sec)
    is_(r.status, 200, "the secretariat's sessions.csv")
    titles = [row["title"] for row in csv.DictReader(io.StringIO(r.body.decode("utf-8-sig")))]
    is_(titles, [x[0] for x in by_rule(s, cid, {"role": "secretariat", "conference_id": cid})],
        "... its rows are the rule's, in order")
    r = s.request("GET", "/api/v1/conferences/%s/export.xlsx" % SLUG, token=sec)
    ok(r.status == 200 and r.body[:2] == b"PK", "the workbook: 200, a zip (%d)" % r.status)


def held(s, sec, path):
    """GET path while a test transaction holds participants locked for 1.5 s,
    three times statement_timeout_ms: an export's read has import_timeout_ms
    (a COP's workbook takes longer than an ordinary statement), so it waits
    and answers 200, where an ordinary statement is cut with 503."""
    import threading
    conn = s.db()
    conn.autocommit = False
    with conn.cursor() as cur:
        cur.execute("LOCK TABLE participants IN ACCESS EXCLUSIVE MODE")
        box = {}
        t = threading.Thread(target=lambda: box.setdefault("r", s.request(
            "GET", "/api/v1/conferences/%s/%s" % (SLUG, path), token=sec, timeout=60)))
        t.start()
        time.sleep(1.5)
    conn.rollback()
    conn.close()
    t.join()
    return box["r"]


with Server() as s:
    main(s)
with Server(args=["--set", "statement_timeout_ms=500"]) as s:
    sec = s.token("secretariat", SLUG)
    for path in ("export/participants.csv", "export.xlsx"):
        r = held(s, sec, path)
        is_(r.status, 200, "%s waited 1.5 s for a lock, past statement_timeout_ms (500): 200" % path)
    r = held(s, sec, "participants?limit=5")
    is_(r.status, 503, "the participants' list, held the same way: 503 (the lock and the"
        " timeout are real)")
    r = s.request("GET", "/api/v1/conferences/%s/participants?limit=5" % SLUG, token=sec)
    is_(r.status, 200, "the same list afterwards: 200")
done_testing()
