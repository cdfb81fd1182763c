#!/usr/bin/python3
"""43-languages-set.t — a feed in another language reads its sessions'
texts once per feed (sql/670_feed_lang_set.sql, server/feed.c).

The ?lang= feeds joined kaigi_feed_lang (a SQL function with a FROM, never
inlined) to every row: four lookups and two calls a row, about 4,500 rows
for a personal feed at COP size. Now the feed asks kaigi_feed_texts once
and picks per row by an inlined expression. Checked here, in live and in
release mode (a Japanese retitle in the draft after the release must not
show): every event's SUMMARY and DESCRIPTION, with their LANGUAGE, equal
kaigi_feed_lang's choice for the public, JP's and a room's feed; and
kaigid's backend called kaigi_feed_lang for none of it
(track_functions, through PGOPTIONS; pool_size=1 so one backend counts).
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, events, one, rows  # noqa: E402

API = "/api/v1/conferences/%s" % SLUG


def want(s, src, *args):
    """{session id: (title, title lang, description, description lang)} by
    kaigi_feed_lang over the feed rows src (a SQL set) yields."""
    got = rows(s, "SELECT f.id, l.title, l.title_lang, l.description, l.description_lang"
                  " FROM " + src + " f CROSS JOIN LATERAL kaigi_feed_lang(f, 'ja', %s::jsonb) l"
                  " WHERE f.id IS NOT NULL AND NOT f.reserved", *args)
    return {r[0]: (r[1], r[2], r[3] or "", r[4] if r[3] else None) for r in got}


def shown(body):
    """The same, read from a feed's VEVENTs (reserved ones left out)."""
    out = {}
    for uid, e in events(body).items():
        if not uid.startswith("session-"):
            continue
        sid = int(uid.split("-")[1].split("@")[0])
        d = e.get("DESCRIPTION")
        out[sid] = (str(e["SUMMARY"]), e["SUMMARY"].params.get("LANGUAGE"),
                    str(d) if d is not None else "", d.params.get("LANGUAGE") if d is not None else None)
    return out


def same(got, expected, name):
    """The feed's events equal kaigi_feed_lang's choice: title and its
    language, the description's language, and the description as the start
    of the feed's (which adds attendance and interpretation lines)."""
    differ = [(k, got.get(k), v) for k, v in sorted(expected.items())
              if got.get(k) is None or got[k][:2] != v[:2] or got[k][3] != v[3]
              or not got[k][2].startswith(v[2])]
    is_(sorted(got), sorted(expected), name + ": the same events")
    is_(differ[:2], [], name + ": every event's texts and languages are kaigi_feed_lang's")


STATS = []


def calls(s, name):
    """Calls of function name counted so far (one connection, kept)."""
    if not STATS:
        STATS.append(s.db())
    with STATS[0].cursor() as cur:
        cur.execute("SELECT pg_stat_clear_snapshot()")
        cur.execute("SELECT coalesce(sum(calls), 0) FROM pg_stat_user_functions WHERE funcname = %s", (name,))
        return int(cur.fetchone()[0])


def check(s, sec, tok, room, mode):
    did = one(s, "SELECT id FROM delegations WHERE code = 'JP'")
    cid = one(s, "SELECT id FROM conferences WHERE slug = %s", SLUG)
    feeds = [("public", "/conferences/%s/calendar.ics?lang=ja" % SLUG, None,
              want(s, "kaigi_feed_public(%s)", SLUG, '{"role": "none"}')),
             ("JP's", "/feeds/%s.ics?lang=ja" % tok, None,
              want(s, "kaigi_feed_rows(%s, 'x', jsonb_build_object('role', 'feed', 'conference_id', %s,"
                      " 'delegation_id', %s), NULL)", cid, cid, did, '{"role": "none"}'))]
    for name, path, token, expected in feeds:
        r = s.request("GET", path, token=token)
        is_(r.status, 200, "%s: %s feed ?lang=ja" % (mode, name))
        got = shown(r.body)
        ok(len(got) > 0 and any(v[1] == "ja" for v in got.values()), "%s: %s feed has Japanese titles"
           % (mode, name))
        same(got, expected, "%s: %s feed" % (mode, name))
    r = s.request("GET", "%s/rooms/%d/calendar.ics?lang=ja" % (API, room), token=sec)
    is_(r.status, 200, "%s: the room's feed ?lang=ja (secretariat: the draft)" % mode)
    sec_actor = '{"role": "secretariat", "conference_id": %d}' % cid
    same(shown(r.body), want(s, "kaigi_feed_room(%s, %s, %s::jsonb)", SLUG, room, sec_actor, sec_actor),
         "%s: the room's feed" % mode)


def main(s):
    sec = s.token("secretariat", conference=SLUG)
    tok = s.feed_token(SLUG, delegation="JP")
    room = one(s, "SELECT r.id FROM rooms r JOIN sessions x ON x.room_id = r.id"
                  " WHERE x.titles ? 'ja' ORDER BY r.id LIMIT 1")
    ok(one(s, "SELECT count(*) FROM sessions WHERE titles ? 'ja'") > 0, "the demo has Japanese titles")
    before = calls(s, "kaigi_feed_lang")
    check(s, sec, tok, room, "live")
    is_(s.request("PATCH", API, {"publish": "release"}, token=sec).status, 200, "release mode")
    is_(s.request("POST", API + "/releases", {"name": "one"}, token=sec).status, 201, "released")
    sid = one(s, "SELECT min(id) FROM sessions WHERE titles ? 'ja' AND visibility = 'public'")
    with s.db().cursor() as cur:
        cur.execute("UPDATE sessions SET titles = titles || '{\"ja\": \"草案のみ\"}' WHERE id = %s", (sid,))
    check(s, sec, tok, room, "release")
    ok(not any("草案のみ" in v[0] for v in shown(s.request(
        "GET", "/conferences/%s/calendar.ics?lang=ja" % SLUG).body).values()),
       "release: the draft's Japanese retitle is not in the public feed")
    time.sleep(1.2)             # the backend flushes its counts after a second
    s.request("GET", API + "/venues", token=sec)
    got, took = wait_for(lambda: calls(s, "kaigi_feed_texts") > 0, timeout=15)
    ok(got, "kaigid's backend asked kaigi_feed_texts (%.1f s)" % took)
    is_(calls(s, "kaigi_feed_lang") - before, 0, "and kaigi_feed_lang for no row")


with Server(args=("--set", "pool_size=1"), env={"PGOPTIONS": "-c track_functions=all"}) as s:
    main(s)
done_testing()
