#!/usr/bin/python3
"""36-sessions-page-set.t — the session list's pages ask the visibility
rule once per page as a set (sql/630_sessions_page_set.sql).

On the demo, given what later rules add (a confidential session, a
confirmed registration of a non-party, interpreters), for every actor
(nobody, an admin, the conference's secretariat and another's, the liaison
of every delegation): kaigi_sessions_page_draft read page by page (3 a
page, and with the kind and delegation filters) gives exactly the
sessions kaigi_session_visible lets that actor see, in (start, id) order,
each once. Reading the pages calls kaigi_session_visible for no session
(before: once for every session left after the cursor, on every page: 4.4
s a page at COP size). Through the API, the secretariat's and a liaison's
pages of GET /conferences/{slug}/sessions are the same lists.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, enrich_visibility, one, rows, visibility_actors  # noqa: E402


def by_rule(s, cid, actor, filt):
    """The ids the rule lets actor see, filtered as the page filters."""
    return [r[0] for r in rows(s, """SELECT s.id FROM sessions s WHERE s.conference_id = %s
        AND kaigi_session_visible(s.id, %s::jsonb)
        AND (%s::text IS NULL OR s.kind = %s::text)
        AND (%s::text IS NULL OR EXISTS (SELECT 1 FROM delegations d
            WHERE d.conference_id = s.conference_id AND d.code = %s::text
            AND (EXISTS (SELECT 1 FROM session_delegations sd WHERE sd.session_id = s.id
                    AND sd.delegation_id = d.id)
                OR EXISTS (SELECT 1 FROM session_attendees a JOIN participants p
                    ON p.id = a.participant_id WHERE a.session_id = s.id
                    AND p.delegation_id = d.id))))
        ORDER BY s.starts_at, s.id""", cid, json.dumps(actor), filt.get("kind"), filt.get("kind"),
        filt.get("delegation"), filt.get("delegation"))]


def by_pages(cur, actor, filt, limit=3):
    """Every page of kaigi_sessions_page_draft, on cursor cur: the ids."""
    out, after = [], "0"
    for _ in range(1000):
        cur.execute("SELECT kaigi_sessions_page_draft(%s::jsonb, %s, %s::jsonb, %s, %s)",
                    (json.dumps(actor), SLUG, json.dumps(filt), limit, after))
        page = cur.fetchone()[0]
        out += [x["id"] for x in page["items"]]
        if page["next"] is None:
            return out
        after = page["next"]
    return out + ["(no end)"]


def api_pages(s, token):
    out, url = [], "/api/v1/conferences/%s/sessions?limit=4" % SLUG
    while url:
        r = s.request("GET", url, token=token)
        if not is_(r.status, 200, "GET " + url):
            return out
        out += [x["id"] for x in r.json["items"]]
        url = ("/api/v1/conferences/%s/sessions?limit=4&cursor=%s" % (SLUG, r.json["next"])
               if r.json.get("next") else None)
    return out


def main(s):
    cid = one(s, "SELECT id FROM conferences WHERE slug = %s", SLUG)
    enrich_visibility(s, cid)
    every = visibility_actors(s, cid)
    filters = [{}, {"kind": "bilateral"}, {"delegation": "JP"}]
    conn = s.db()
    conn.autocommit = False
    differ, seen = [], 0
    with conn.cursor() as cur:
        cur.execute("SET LOCAL track_functions = 'all'")
        for a in every:
            for f in filters:
                got = by_pages(cur, a, f)
                want = by_rule(s, cid, a, f)
                seen += len(want)
                if got != want:
                    differ.append((a, f, got[:8], want[:8]))
        cur.execute("""SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions
            WHERE funcname = 'kaigi_session_visible'""")
        calls = cur.fetchone()[0]
        cur.execute("""SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions
            WHERE funcname = 'kaigi_session_json'""")
        json_calls = cur.fetchone()[0]
    conn.rollback()
    conn.close()
    diag("%d actors x %d filters, %d (actor, filter, session) rows" % (len(every), len(filters), seen))
    ok(seen > 100, "the lists are not empty (%d rows)" % seen)
    is_(differ[:2], [], "every actor's pages are the sessions the rule lets it see, in order, once")
    is_(calls, 0, "the pages asked no session's visibility alone")
    is_(json_calls, 0, "and built no session's object alone (sql/690)")
    page = one(s, "SELECT kaigi_sessions_page(%s::jsonb, %s, '{}', 1000, '0')",
               json.dumps({"role": "secretariat", "conference_id": cid}), SLUG)
    want = [one(s, "SELECT kaigi_session_json(%s)", x["id"]) for x in page["items"]]
    ok(len(want) > 10, "the secretariat's page has %d sessions" % len(want))
    is_(page["items"], want, "its items are kaigi_session_json's objects, in order")

    sec = s.token("secretariat", SLUG)
    is_(api_pages(s, sec), by_rule(s, cid, {"role": "secretariat", "conference_id": cid}, {}),
        "the secretariat's API pages")
    did = one(s, "SELECT id FROM delegations WHERE conference_id = %s AND code = 'JP'", cid)
    liaison = s.token("liaison", SLUG, delegation="JP")
    is_(api_pages(s, liaison),
        by_rule(s, cid, {"role": "liaison", "conference_id": cid, "delegation_id": did}, {}),
        "JP's liaison's API pages")


with Server() as s:
    main(s)
done_testing()
