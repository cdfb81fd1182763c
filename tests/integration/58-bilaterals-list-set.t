#!/usr/bin/python3
"""58-bilaterals-list-set.t — a page of the bilateral requests' list builds
its objects in one query (sql/900_bilaterals_list_set.sql), not with a
kaigi_bilateral_json call per request.

On the demo, one request made confidential: for every actor (nobody, an
admin, the conference's secretariat and another's, the liaison of every
delegation) and status filter, every page of kaigi_bilaterals_list (2 a
page) equals the page 040's body gives (kept here as pg_temp.list_040),
objects, order and cursor; reading them calls kaigi_bilateral_json for no
request (040's calls it once per request of a page). Through the API the
secretariat's pages of GET /conferences/{slug}/bilaterals are the same.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, one, visibility_actors  # noqa: E402

LIST_040 = """CREATE FUNCTION pg_temp.list_040(p_actor jsonb, p_slug text, p_status text,
    p_limit int, p_cursor bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	WITH c AS (SELECT id FROM conferences WHERE slug = p_slug),
	page AS (
		SELECT b.id, row_number() OVER (ORDER BY b.id) AS n
		FROM bilateral_requests b, c
		WHERE b.conference_id = c.id AND b.id > p_cursor
		    AND (p_status IS NULL OR b.status = p_status)
		    AND kaigi_bilateral_visible(b, p_actor)
		ORDER BY b.id LIMIT p_limit + 1
	)
	SELECT jsonb_build_object(
	    'items', coalesce((SELECT jsonb_agg(kaigi_bilateral_json(id) ORDER BY n)
		FROM page WHERE n <= p_limit), '[]'::jsonb),
	    'next', (SELECT to_jsonb(id::text) FROM page WHERE n = p_limit
		AND EXISTS (SELECT 1 FROM page WHERE n > p_limit)))
	FROM c
$$"""


def pages(cur, fn, actor, status):
    """Every page of fn (2 a page) for actor and status filter."""
    out, after = [], 0
    for _ in range(100):
        cur.execute("SELECT %s(%%s::jsonb, %%s, %%s, 2, %%s)" % fn, (json.dumps(actor), SLUG, status, after))
        page = cur.fetchone()[0]
        out.append(page)
        if page is None or page["next"] is None:
            return out
        after = int(page["next"])
    return out


def json_calls(cur):
    cur.execute("SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions"
                " WHERE funcname = 'kaigi_bilateral_json'")
    return cur.fetchone()[0]


def main(s):
    cid = one(s, "SELECT id FROM conferences WHERE slug = %s", SLUG)
    with s.db().cursor() as cur:
        cur.execute("UPDATE bilateral_requests SET confidential = true WHERE id = (SELECT min(id)"
                    " FROM bilateral_requests WHERE conference_id = %s)", (cid,))
    conn = s.db()
    conn.autocommit = False
    differ, items, calls_new, calls_old = [], 0, 0, 0
    with conn.cursor() as cur:
        cur.execute("SET LOCAL track_functions = 'all'")
        cur.execute(LIST_040)
        for a in visibility_actors(s, cid):
            for status in (None, "scheduled", "accepted"):
                before = json_calls(cur)
                new = pages(cur, "kaigi_bilaterals_list", a, status)
                calls_new += json_calls(cur) - before
                before = json_calls(cur)
                old = pages(cur, "pg_temp.list_040", a, status)
                calls_old += json_calls(cur) - before
                items += sum(len(p["items"]) for p in new if p)
                if new != old:
                    differ.append((a, status, new[:1], old[:1]))
    conn.rollback()
    conn.close()
    ok(items > 20, "the pages are not empty (%d objects)" % items)
    is_(differ[:2], [], "every page of every actor and filter: the same objects, order and cursor as 040's")
    ok(calls_old >= items, "040's pages called kaigi_bilateral_json per request (%d calls)" % calls_old)
    is_(calls_new, 0, "the pages call kaigi_bilateral_json for no request")

    sec = s.token("secretariat", conference=SLUG)
    got, after = [], None
    for _ in range(100):
        r = s.request("GET", "/api/v1/conferences/%s/bilaterals?limit=2%s"
                      % (SLUG, "&cursor=" + after if after else ""), token=sec)
        if r.status != 200:
            break
        got += r.json["items"]
        after = r.json.get("next")
        if not after:
            break
    want = one(s, """SELECT jsonb_agg(kaigi_bilateral_json(id) ORDER BY id) FROM bilateral_requests
        WHERE conference_id = %s""", cid)
    is_(r.status, 200, "GET .../bilaterals as the secretariat: 200")
    ok(got == want, "its pages are every request's object, in id order (%d)" % len(got))


with Server() as s:
    main(s)
done_testing()
