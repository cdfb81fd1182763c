#!/usr/bin/python3
"""47-release-languages.t — releases carry the titles and descriptions in
other languages (issue 18 × issue 17; sql/210_release_languages.sql).

The demo (en, ja; four plenaries with Japanese titles) publishes by
release. After release 1 the secretariat gives the DFFT plenary a new
Japanese title and description and the press conference its first
Japanese title, in the draft. Until release 2: the public and delegation
feeds with ?lang=ja, the anonymous room feed, the page's data (the
anonymous session list and GET /sessions/{id}, with `titles`) and the
anonymous programme.pdf?lang=ja show release 1's Japanese texts, never the
draft's; the secretariat's room feed and PDF show the draft's. After
release 2 they show the new ones, and the change list reports both
sessions `retitled` (a title changed in another language), with `titles`
on each side. Release 1's snapshot holds the Japanese titles of its time.
"""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, events, one  # noqa: E402

API = "/api/v1/conferences/%s" % SLUG
FEED = API + "/calendar.ics?lang=ja"
JA_DFFT = "越境データ流通と信頼性のある自由なデータ流通（DFFT）の促進"
EN_DFFT = "Facilitation of Cross-Border Data Flows and Data Free Flow with Trust"
JA_DRAFT = "草案の新しい題名"
JA_DRAFT_DESC = "草案の説明。"
JA_PRESS = "議長記者会見"


def metric(s, name):
    r = s.request("GET", "/metrics")
    return sum(float(v) for v in re.findall(r"^kaigi_%s\{[^}]*\} (\S+)$" % name, r.text, re.M))


def fresh(s, path, token=None):
    """The feed rendered after the latest change (a cache miss since it)."""
    m0 = metric(s, "feed_cache_misses_total")
    got = []

    def fetch():
        got[:] = [s.request("GET", path, token=token)]
        return metric(s, "feed_cache_misses_total") > m0
    ok(wait_until(fetch, PATIENCE), "the feed %s was rendered again" % path)
    return got[0]


def summaries(body):
    return {str(e["SUMMARY"]): e for e in events(body).values()}


def pdf_text(s, token=None):
    r = s.request("GET", API + "/programme.pdf?lang=ja", token=token)
    with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as f:
        f.write(r.body)
    p = subprocess.run(["pdftotext", "-enc", "UTF-8", f.name, "-"], capture_output=True)
    os.unlink(f.name)
    return re.sub(r"\s+", "", p.stdout.decode("utf-8", "replace"))


def patch(s, sec, sid, body):
    r = s.request("GET", "/api/v1/sessions/%d" % sid, token=sec)
    r = s.request("PATCH", "/api/v1/sessions/%d" % sid, body, token=sec,
                  headers={"If-Match": r.headers.get("ETag")})
    is_(r.status, 200, "draft PATCH %r" % sorted(body))


def release(s, sec, n):
    r = s.request("POST", API + "/releases", {"name": "R%d" % n}, token=sec)
    is_((r.status, (r.json or {}).get("n")), (201, n), "release %d" % n)


def shows_release_1(s, what, path, token=None):
    ev = summaries(fresh(s, path, token).body)
    e = ev.get(JA_DFFT)
    ok(e is not None and e["SUMMARY"].params.get("LANGUAGE") == "ja" and
       str(e["DESCRIPTION"]).startswith("議題1"),
       "%s: release 1's Japanese title and description" % what)
    ok(JA_DRAFT not in ev and JA_PRESS not in ev, "%s: no draft Japanese title" % what)


def before_release_2(s, sec, ids, room):
    shows_release_1(s, "public feed ?lang=ja", FEED)
    jp = "/feeds/%s.ics?lang=ja" % s.feed_token(SLUG, delegation="JP")
    shows_release_1(s, "Japan's delegation feed ?lang=ja", jp)
    rpath = "/conferences/%s/rooms/%d/calendar.ics?lang=ja" % (SLUG, room)
    shows_release_1(s, "anonymous room feed ?lang=ja", rpath)
    mine = summaries(fresh(s, rpath, sec).body)
    ok(JA_DRAFT in mine, "the secretariat's room feed ?lang=ja: the draft's Japanese title")
    items = {i["id"]: i for i in s.request("GET", API + "/sessions?limit=1000").json["items"]}
    is_((items.get(ids["dfft"]) or {}).get("titles"), {"ja": JA_DFFT},
        "the page's data (anonymous list): release 1's titles")
    is_((items.get(ids["dfft"]) or {}).get("descriptions", {}).get("ja", "")[:3], "議題1",
        "... and descriptions")
    is_((items.get(ids["press"]) or {}).get("titles"), {},
        "... the press conference without a Japanese title, as released")
    r = s.request("GET", "/api/v1/sessions/%d" % ids["dfft"])
    is_((r.json or {}).get("titles"), {"ja": JA_DFFT}, "GET /sessions/{id} anonymous: release 1's titles")
    text = pdf_text(s)
    ok(JA_DRAFT not in text and JA_PRESS not in text and "越境データ流通" in text,
       "anonymous programme.pdf?lang=ja: release 1's Japanese titles, not the draft's")
    ok(JA_DRAFT in pdf_text(s, sec), "the secretariat's programme.pdf?lang=ja: the draft's")


def after_release_2(s, sec, ids):
    ev = summaries(fresh(s, FEED).body)
    ok(JA_DRAFT in ev and JA_PRESS in ev and JA_DFFT not in ev,
       "after release 2 the public feed ?lang=ja has the new Japanese titles")
    ok(JA_DRAFT in ev and str(ev[JA_DRAFT]["DESCRIPTION"]) == JA_DRAFT_DESC,
       "... and description")
    r = s.request("GET", API + "/releases/2/changes")
    items = {(i["change"], i["session_id"]): i for i in (r.json or {}).get("items", [])}
    ok(("retitled", ids["dfft"]) in items and ("retitled", ids["press"]) in items,
       "changes of release 2: both retitled in Japanese (%r)" % sorted(items))
    c = items.get(("retitled", ids["dfft"]), {})
    is_(((c.get("before") or {}).get("titles"), (c.get("after") or {}).get("titles")),
        ({"ja": JA_DFFT}, {"ja": JA_DRAFT}), "retitled: titles before and after")
    is_(c.get("title"), EN_DFFT, "retitled: title is still the default language's")
    is_(one(s, """SELECT rs.titles->>'ja' FROM release_sessions rs JOIN releases r
        ON r.id = rs.release_id WHERE r.n = 1 AND rs.session_id = %s""", ids["dfft"]),
        JA_DFFT, "release 1's snapshot keeps the Japanese title of its time")


def main(s):
    sec = s.token("secretariat", conference=SLUG)
    ids = {"dfft": one(s, "SELECT id FROM sessions WHERE title = %s", EN_DFFT),
           "press": one(s, "SELECT id FROM sessions WHERE title = 'Press conference of the chair'")}
    room = one(s, "SELECT room_id FROM sessions WHERE id = %s", ids["dfft"])
    r = s.request("PATCH", API, {"publish": "release"}, token=sec)
    is_((r.json or {}).get("publish"), "release", "publish release")
    release(s, sec, 1)
    shows_release_1(s, "public feed ?lang=ja after release 1", FEED)
    patch(s, sec, ids["dfft"], {"titles": {"ja": JA_DRAFT}, "descriptions": {"ja": JA_DRAFT_DESC}})
    patch(s, sec, ids["press"], {"titles": {"ja": JA_PRESS}})
    before_release_2(s, sec, ids, room)
    release(s, sec, 2)
    after_release_2(s, sec, ids)


with Server() as s:
    main(s)
done_testing()
