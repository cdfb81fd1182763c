#!/usr/bin/python3
# 46-releases.t — schedule releases (issue 18): conferences.publish,
# POST/GET /conferences/{slug}/releases, /releases/{n}/changes.
#
# In release mode a draft change (made in the database, as any writer
# could) is absent from the public feed, a delegation's feed, the page's
# data (the anonymous session list) and the anonymous programme.pdf until a
# release publishes it; the secretariat sees the draft; the public feed
# after a release is the release's snapshot (release_sessions) event by
# event; a draft edit keeps the feed's bytes and ETag (after the cache was
# dropped and the feed rendered again), a release changes them; the change
# list is exact per audience (the restricted Japan–Canada bilateral only in
# its parties'); a liaison asks for its own delegation only; the mail of a
# release-mode conference waits for the release (kaigi_outbox_close leaves
# it) and the release closes it; publish live is today's behaviour. The
# change stream shows an anonymous caller no draft change, and announces a
# release to it ("released", with the release's number); a webhook gets it
# as "release.created".
import json
import os
import re
import sys
import tempfile
import subprocess

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, Stream, one, rows, events, uid_id  # noqa: E402

FEED = "/api/v1/conferences/%s/calendar.ics" % SLUG
REL = "/api/v1/conferences/%s/releases" % SLUG
PDF = "/api/v1/conferences/%s/programme.pdf" % SLUG


def metric(s, name):
    r = s.request("GET", "/metrics")
    return sum(float(v) for v in re.findall(r"^kaigi_%s\{[^}]*\} (\S+)$" % name, r.text, re.M))


def sql(s, q, *args):
    with s.db().cursor() as cur:
        cur.execute(q, args)


def fresh_feed(s, path):
    """The feed rendered after the latest change (a cache miss once it was dropped)."""
    m0 = metric(s, "feed_cache_misses_total")
    got = []

    def fetch():
        r = s.request("GET", path)
        got[:] = [r]
        return metric(s, "feed_cache_misses_total") > m0
    ok(wait_until(fetch, PATIENCE), "the feed %s was rendered again after the change" % path)
    return got[0]


def session_list(s, token=None):
    r = s.request("GET", "/api/v1/conferences/%s/sessions?limit=1000" % SLUG, token=token)
    return {i["id"]: i for i in (r.json or {}).get("items", [])}


def pdf_text(s, token=None):
    r = s.request("GET", PDF, token=token)
    with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as f:
        f.write(r.body)
    p = subprocess.run(["pdftotext", "-enc", "UTF-8", f.name, "-"], capture_output=True)
    os.unlink(f.name)
    return re.sub(r"\s+", "", p.stdout.decode("utf-8", "replace"))


def snapshot_matches(s, body, n):
    """Is the public feed exactly release n's public rows?"""
    want = {r[0]: r[1:] for r in rows(s, """
        SELECT rs.session_id, rs.title, kaigi_epoch(rs.starts_at), kaigi_epoch(rs.ends_at),
               rs.sequence, upper(rs.status)
        FROM release_sessions rs JOIN releases r ON r.id = rs.release_id
        JOIN conferences c ON c.id = r.conference_id
        WHERE c.slug = %s AND r.n = %s AND rs.visibility = 'public'""", SLUG, n)}
    got = {}
    for uid, e in events(body).items():
        got[uid_id(uid)] = (str(e["SUMMARY"]), int(e.decoded("DTSTART").timestamp()),
                            int(e.decoded("DTEND").timestamp()), int(e["SEQUENCE"]),
                            str(e["STATUS"]))
    if got != want:
        diag("feed %r\nrelease %r" % (sorted(got.items())[:3], sorted(want.items())[:3]))
    return got == want


def changes(s, n, token=None, query=""):
    r = s.request("GET", "%s/%d/changes%s" % (REL, n, query), token=token)
    if r.status != 200:
        return r.status
    return sorted((i["change"], i["session_id"]) for i in r.json["items"])


def live_mode(s, sec, press):
    """publish live (the default): a change is in the public feed at once."""
    r = s.request("GET", "/api/v1/conferences/%s" % SLUG)
    is_((r.json or {}).get("publish"), "live", "publish is live by default")
    sql(s, "UPDATE sessions SET title = 'Press (live)' WHERE id = %s", press)
    body = fresh_feed(s, FEED).body
    ok(any(str(e["SUMMARY"]) == "Press (live)" for e in events(body).values()),
       "live mode: a change is in the public feed at once")
    is_(s.request("POST", REL, {}, token=sec).status, 409, "live mode: POST releases is 409")
    r = s.request("PATCH", "/api/v1/conferences/%s" % SLUG, {"publish": "weekly"}, token=sec)
    is_(r.status, 422, "publish weekly: 422")
    like(r.text, r"live.*release", "the problem names live and release")


def first_release(s, sec, ids):
    r = s.request("PATCH", "/api/v1/conferences/%s" % SLUG, {"publish": "release"}, token=sec)
    is_((r.json or {}).get("publish"), "release", "PATCH publish release")
    body = fresh_feed(s, FEED).body
    is_(len(events(body)), 0, "release mode before the first release: the public feed has no events")
    is_(session_list(s), {}, "... and the page's data (anonymous session list) no sessions")
    ok(len(session_list(s, sec)) > 10, "the secretariat's session list shows the draft")
    e0 = s.request("GET", FEED).headers.get("etag")
    r = s.request("POST", REL, {"name": "R1", "comment": "first"}, token=sec)
    is_((r.status, (r.json or {}).get("n"), (r.json or {}).get("name")), (201, 1, "R1"),
        "POST releases: 201, release 1")
    r1 = fresh_feed(s, FEED)
    isnt(r1.headers.get("etag"), e0, "a release changes the feed's ETag")
    ok(snapshot_matches(s, r1.body, 1), "the public feed after release 1 is its snapshot")
    is_(sorted(session_list(s)), sorted(ids["public"]),
        "the page's data after release 1: the public sessions")
    return r1


def draft_edits(s, ids):
    sql(s, "UPDATE sessions SET starts_at = '2023-04-30 16:30+09', ends_at = '2023-04-30 17:10+09'"
        " WHERE id = %s", ids["press"])
    sql(s, "UPDATE sessions SET title = 'Retitled in the draft' WHERE id = %s", ids["plenary"])
    sql(s, "UPDATE sessions SET room_id = (SELECT id FROM rooms WHERE name = 'Bilateral Room C')"
        " WHERE id = %s", ids["side1"])
    sql(s, "UPDATE sessions SET status = 'cancelled' WHERE id = %s", ids["side2"])
    sql(s, "UPDATE sessions SET starts_at = '2023-04-29 19:15+09', ends_at = '2023-04-29 19:45+09'"
        " WHERE id = %s", ids["bil"])
    # Edited and put back: Kono's mail must not report it.
    sql(s, "UPDATE sessions SET title = 'Briefly renamed' WHERE id = %s", ids["bil_it"])
    sql(s, "UPDATE sessions SET title = 'Bilateral meeting: Japan – Italy' WHERE id = %s", ids["bil_it"])
    return one(s, """INSERT INTO sessions (conference_id, kind, title, starts_at, ends_at, visibility)
        SELECT id, 'other', 'Added in the draft', '2023-04-30 08:00+09', '2023-04-30 08:30+09',
        'public' FROM conferences WHERE slug = %s RETURNING id""", SLUG)


def draft_hidden(s, sec, r1, jp_feed, jp_body, ids):
    r = fresh_feed(s, FEED)
    is_(r.headers.get("etag"), r1.headers.get("etag"), "a draft edit keeps the public feed's ETag")
    ok(r.body == r1.body, "... and its bytes: the draft change is absent")
    is_(s.request("GET", FEED, headers={"If-None-Match": r1.headers.get("etag")}).status, 304,
        "If-None-Match of release 1's ETag: 304")
    ok(fresh_feed(s, jp_feed).body == jp_body, "Japan's delegation feed: the draft is absent")
    lst = session_list(s)
    ok("Retitled in the draft" not in [i["title"] for i in lst.values()],
       "the page's data: the draft title is absent")
    ok("Retitled in the draft" in [i["title"] for i in session_list(s, sec).values()],
       "the secretariat's list shows the draft title")
    r = s.request("GET", "/api/v1/sessions/%d" % ids["plenary"])
    ok(r.status == 200 and r.json["title"] != "Retitled in the draft",
       "GET /sessions/{id} anonymous: the released title, not the draft's")
    is_(s.request("GET", "/api/v1/sessions/%d" % ids["new"]).status, 404,
        "GET /sessions/{id} anonymous: a session added in the draft is 404")
    is_(s.request("GET", "/api/v1/sessions/%d" % ids["new"], token=sec).status, 200,
        "... the secretariat's 200")
    ok("Retitledinthedraft" not in pdf_text(s), "anonymous programme.pdf: the draft title is absent")
    ok("Retitledinthedraft" in pdf_text(s, sec), "the secretariat's programme.pdf shows the draft")


def stream_hidden(s):
    """The change stream's rows for an anonymous caller and for the secretariat."""
    q = """SELECT count(*) FILTER (WHERE visible AND change <> 'released') FROM conferences c,
        kaigi_changes_since(c.id, 0, %s::jsonb, 100000) WHERE c.slug = %s"""
    is_(one(s, q, '{"role": "none"}', SLUG), 0,
        "release mode: the anonymous change stream shows no draft change")
    is_(one(s, """SELECT string_agg(change || ' ' || (event::jsonb->>'release'), ',') FROM conferences c,
        kaigi_changes_since(c.id, 0, '{"role": "none"}'::jsonb, 100000) WHERE c.slug = %s AND visible""",
            SLUG), "released 1", "... only that release 1 was published")
    cid = one(s, "SELECT id FROM conferences WHERE slug = %s", SLUG)
    ok(one(s, q, json.dumps({"role": "secretariat", "conference_id": cid}), SLUG) > 0,
       "... the secretariat's does")


def mail_waits(s):
    sql(s, "SELECT kaigi_outbox_close(0)")
    n = one(s, """SELECT count(*) FROM outbox o JOIN conferences c ON c.id = o.conference_id
        WHERE c.slug = %s AND o.batch_id IS NULL""", SLUG)
    ok(n > 0, "release mode: the draft's mail waits for the release (%d rows not batched)" % n)


def check_changes(s, ids, tokens):
    pub = sorted([("added", ids["new"]), ("moved", ids["press"]), ("retitled", ids["plenary"]),
                  ("re-roomed", ids["side1"]), ("cancelled", ids["side2"])])
    party = sorted(pub + [("moved", ids["bil"])])
    is_(changes(s, 2), pub, "changes of release 2, public: added, moved, re-roomed, cancelled, retitled")
    is_(changes(s, 2, tokens["it"]), pub, "Italy's liaison: the public changes, not the bilateral")
    is_(changes(s, 2, tokens["jp"]), party, "Japan's liaison: + the Japan–Canada bilateral moved")
    is_(changes(s, 2, tokens["sec"], "?delegation=CA"), party, "secretariat, ?delegation=CA: + the bilateral")
    is_(changes(s, 2, tokens["sec"], "?delegation=IT"), pub, "secretariat, ?delegation=IT: no bilateral")
    is_(changes(s, 2, tokens["sec"], "?participant=%d" % ids["kono"]), party,
        "secretariat, ?participant= (an attendee of the bilateral): + the bilateral")
    is_(changes(s, 2, tokens["it"], "?delegation=JP"), 404, "Italy's liaison asking for Japan: 404")
    is_(changes(s, 2, None, "?delegation=JP"), 404, "anonymous asking for Japan: 404")
    is_(changes(s, 3, tokens["sec"]), 404, "a release that does not exist: 404")
    items = {(i["change"], i["session_id"]): i for i in
             s.request("GET", "%s/2/changes" % REL).json["items"]}
    m = items.get(("moved", ids["press"]), {})
    is_(((m.get("before") or {}).get("start"), (m.get("after") or {}).get("start")),
        (ids["press_start"], "2023-04-30T16:30:00+09:00"), "moved: before and after starts")
    is_((items.get(("re-roomed", ids["side1"]), {}).get("after") or {}).get("room"), "Bilateral Room C",
        "re-roomed: the new room")
    is_(items.get(("retitled", ids["plenary"]), {}).get("title"), "Retitled in the draft",
        "retitled: the new title")
    is_((items.get(("cancelled", ids["side2"]), {}).get("after") or {}).get("status"), "cancelled",
        "cancelled: after is the cancelled session")
    one_ = changes(s, 1)
    ok(one_ != 404 and all(c == "added" for c, _ in one_) and
       sorted(i for _, i in one_) == sorted(ids["public"]),
       "changes of release 1, public: every public session added")


def main(s):
    sec = s.token("secretariat", conference=SLUG)
    tokens = {"sec": sec, "jp": s.token("liaison", conference=SLUG, delegation="JP"),
              "it": s.token("liaison", conference=SLUG, delegation="IT")}
    cid = one(s, "SELECT id FROM conferences WHERE slug = %s", SLUG)
    pick = "SELECT id FROM sessions WHERE conference_id = %s AND kind = %s AND visibility = 'public' ORDER BY id"
    side = [r[0] for r in rows(s, pick, cid, "side_event")]
    ids = {"press": one(s, "SELECT id FROM sessions WHERE title = 'Press conference of the chair'"),
           "bil": one(s, "SELECT id FROM sessions WHERE title = 'Bilateral meeting: Japan – Canada'"),
           "bil_it": one(s, "SELECT id FROM sessions WHERE title = 'Bilateral meeting: Japan – Italy'"),
           "plenary": one(s, pick, cid, "plenary"), "side1": side[0], "side2": side[1],
           "kono": one(s, "SELECT min(participant_id) FROM session_attendees a JOIN participants p"
                       " ON p.id = a.participant_id JOIN delegations d ON d.id = p.delegation_id"
                       " WHERE a.session_id = (SELECT id FROM sessions WHERE title ="
                       " 'Bilateral meeting: Japan – Canada') AND d.code = 'JP'")}
    live_mode(s, sec, ids["press"])
    ids["press_start"] = s.request("GET", "/api/v1/sessions/%d" % ids["press"]).json["start"]
    ids["public"] = [r[0] for r in rows(s, "SELECT id FROM sessions WHERE conference_id = %s"
                                         " AND visibility = 'public'", cid)]
    jp_feed = "/feeds/%s.ics" % s.feed_token(SLUG, delegation="JP")
    r1 = first_release(s, sec, ids)
    jp_body = fresh_feed(s, jp_feed).body
    sql(s, "UPDATE participants SET email = 'kono@example.org' WHERE id = %s", ids["kono"])
    ids["new"] = draft_edits(s, ids)
    draft_hidden(s, sec, r1, jp_feed, jp_body, ids)
    mail_waits(s)
    stream_hidden(s)
    hook = s.request("POST", "/api/v1/conferences/%s/webhooks" % SLUG,
                     {"url": "http://127.0.0.1:9/", "secret": "s3cret-s3cret", "events": ["release.created"]},
                     token=sec)
    is_(hook.status, 201, "a webhook for release.created")
    st = Stream(s, last_id=one(s, "SELECT max(id) FROM session_changes"))   # from here, whenever it starts
    r = s.request("POST", REL, {"name": "R2"}, token=sec)
    is_((r.json or {}).get("n"), 2, "POST releases: release 2")
    got = st.until(one(s, "SELECT max(id) FROM session_changes"))
    st.close()
    is_([(e["event"], e["data"].get("release"), e["data"].get("session")) for e in got], [("released", 2, None)],
        "the anonymous change stream announces release 2, and nothing of the draft")
    body = one(s, "SELECT body FROM webhook_deliveries WHERE webhook_id = %s", (hook.json or {}).get("id"))
    d = json.loads(body) if body else {}
    is_((d.get("event"), d.get("release"), d.get("name")), ("release.created", 2, "R2"),
        "the webhook gets release.created with its number and name")
    r2 = fresh_feed(s, FEED)
    isnt(r2.headers.get("etag"), r1.headers.get("etag"), "release 2 changes the ETag")
    ok(snapshot_matches(s, r2.body, 2), "the public feed after release 2 is its snapshot")
    ok("Retitledinthedraft" in pdf_text(s), "anonymous programme.pdf after release 2: the new title")
    is_(one(s, """SELECT count(*) FROM outbox o JOIN conferences c ON c.id = o.conference_id
        WHERE c.slug = %s AND o.batch_id IS NULL""", SLUG), 0, "release 2 closed the pending mail")
    is_(one(s, "SELECT count(*) FROM outbox_batches WHERE participant_id = %s", ids["kono"]), 1,
        "... into one batch for the participant")
    got = [r[0] for r in rows(s, "SELECT DISTINCT o.session_id FROM outbox o JOIN outbox_batches b"
                              " ON b.id = o.batch_id WHERE b.participant_id = %s", ids["kono"])]
    ok(ids["bil"] in got and ids["bil_it"] not in got,
       "... reporting the moved bilateral, not the one edited and put back (%r)" % got)
    check_changes(s, ids, tokens)
    r = s.request("GET", REL, token=tokens["it"])
    is_([(i["n"], i["name"]) for i in (r.json or {}).get("items", [])], [(1, "R1"), (2, "R2")],
        "GET releases: {items: [1, 2]}")
    is_(s.request("POST", REL, {"name": 7}, token=sec).status, 422, "name not a text: 422")
    is_(s.request("POST", REL, {}, token=tokens["jp"]).status, 403, "a liaison may not publish: 403")
    s.request("PATCH", "/api/v1/conferences/%s" % SLUG, {"publish": "live"}, token=sec)
    sql(s, "UPDATE sessions SET title = 'Live again' WHERE id = %s", ids["plenary"])
    ok(any(str(e["SUMMARY"]) == "Live again" for e in events(fresh_feed(s, FEED).body).values()),
       "back to publish live: a change is in the public feed at once")


with Server() as s:
    main(s)
done_testing()
