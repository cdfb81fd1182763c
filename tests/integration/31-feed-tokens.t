#!/usr/bin/python3
# 31-feed-tokens.t — POST /conferences/{slug}/feed-tokens and DELETE
# /feed-tokens/{id}: who may issue and revoke, what comes back (the token once,
# url, webcal_url), that only a SHA-256 is stored, that a participant token
# shows what the participant attends, and that a revoked token is 404 at once
# (also after it had been cached) and stays 404.
import hashlib
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, one, feed_ids, expected_ids  # noqa: E402

ISSUE = "/api/v1/conferences/%s/feed-tokens" % SLUG


def check_issue(s, sec, it, jp):
    r = s.request("POST", ISSUE, {"delegation": "IT"}, token=sec)
    is_(r.status, 201, "secretariat issues a delegation feed token")
    j = r.json or {}
    tok = j.get("token", "")
    like(tok, r"^[A-Za-z0-9_-]{43}$", "token: 256 bits, base64url")
    is_(j.get("url"), "%s/feeds/%s.ics" % (s.url, tok), "url: http(s) link to the feed")
    is_(j.get("webcal_url"), "webcal://127.0.0.1:%d/feeds/%s.ics" % (s.port, tok), "webcal_url")
    ok(isinstance(j.get("id"), int) and j.get("delegation") == "IT", "id and delegation")
    stored = one(s, "SELECT token_hash FROM feed_tokens WHERE id = %s", j.get("id"))
    is_(stored, hashlib.sha256(tok.encode()).hexdigest(), "stored: only the SHA-256")
    is_(one(s, "SELECT count(*) FROM feed_tokens WHERE token_hash = %s", tok), 0,
        "the raw token is nowhere in feed_tokens")
    is_(s.request("GET", j["url"][len(s.url):]).status, 200, "the url serves the feed")
    r = s.request("POST", ISSUE, {"delegation": "IT"}, token=it)
    is_(r.status, 201, "Italy's liaison issues Italy's feed token")
    r = s.request("POST", ISSUE, {"delegation": "JP"}, token=it)
    is_(r.status, 403, "Italy's liaison may not issue Japan's")
    vv = one(s, "SELECT id FROM participants WHERE name = 'Valentino Valentini'")
    r = s.request("POST", ISSUE, {"participant_id": vv}, token=it)
    is_(r.status, 201, "Italy's liaison issues a token for Italy's head")
    kono = one(s, "SELECT id FROM participants WHERE name = 'Kono Taro'")
    is_(s.request("POST", ISSUE, {"participant_id": kono}, token=it).status, 403,
        "... but not for Japan's")
    is_(s.request("POST", ISSUE, {"delegation": "IT"}).status, 401, "no token: 401")
    for body, what in (({}, "empty body"), ({"delegation": "IT", "participant_id": vv}, "both"),
                       ({"delegation": 5.5}, "delegation not text"), ({"participant_id": "x"}, "bad id"),
                       ({"delegation": "IT", "colour": "red"}, "unknown field")):
        is_(s.request("POST", ISSUE, body, token=sec).status, 422, "%s: 422" % what)
    is_(s.request("POST", ISSUE, {"delegation": "XX"}, token=sec).status, 422,
        "unknown delegation: 422")
    is_(s.request("POST", "/api/v1/conferences/nope/feed-tokens", {"delegation": "IT"},
                  token=sec).status, 404, "unknown conference: 404")
    return j, kono


def check_participant(s, sec, kono):
    r = s.request("POST", ISSUE, {"participant_id": kono}, token=sec)
    is_(r.status, 201, "secretariat issues Minister Kono's feed token")
    f = s.request("GET", "/feeds/%s.ics" % r.json["token"])
    want, _ = expected_ids(s, ("participant", kono))
    is_(feed_ids(f.body), want, "participant feed: attended + public + conference (%d)" % len(want))
    like(f.text, r"NAME:G7 Digital and Tech Ministers' Meeting — Kono Taro", "NAME names him")
    deputy = one(s, "SELECT id FROM participants WHERE name LIKE 'Deputy Head, Japan%%'")
    r = s.request("POST", ISSUE, {"participant_id": deputy}, token=sec)
    f = s.request("GET", "/feeds/%s.ics" % r.json["token"])
    ok("Japan – Canada" not in f.text,
       "Japan's deputy (not attending) does not see the Japan–Canada bilateral in a participant feed")


def check_revoke(s, sec, it, jp, issued):
    path = "/feeds/%s.ics" % issued["token"]
    for _ in range(3):
        s.request("GET", path)       # cached now
    is_(s.request("DELETE", "/api/v1/feed-tokens/%d" % issued["id"], token=jp).status, 404,
        "Japan's liaison cannot revoke Italy's token (404)")
    is_(s.request("GET", path).status, 200, "still served")
    r = s.request("DELETE", "/api/v1/feed-tokens/%d" % issued["id"], token=it)
    is_(r.status, 204, "Italy's liaison revokes Italy's token: 204")
    codes = [s.request("GET", path).status for _ in range(10)]
    is_(codes, [404] * 10, "revoked: 404 at once and on every request")
    r = s.request("GET", path)
    is_(r.headers.get("Content-Type"), "application/problem+json", "404, never an empty calendar")
    is_(s.request("DELETE", "/api/v1/feed-tokens/%d" % issued["id"], token=sec).status, 204,
        "revoking again: 204")
    ok(one(s, "SELECT revoked_at IS NOT NULL FROM feed_tokens WHERE id = %s", issued["id"]),
       "revoked_at is set")
    is_(s.request("DELETE", "/api/v1/feed-tokens/999999", token=sec).status, 404,
        "unknown id: 404")
    is_(s.request("DELETE", "/api/v1/feed-tokens/%d" % issued["id"]).status, 401, "no token: 401")
    is_(one(s, "SELECT count(*) FROM audit_log WHERE entity = 'feed_token'"), 6,
        "issue and revoke are audited")


def check_public_url():
    """With public_url set, links and UIDs use it."""
    with Server(args=["--set", "public_url=https://cal.example.org/"]) as s:
        sec = s.token("secretariat", conference=SLUG)
        r = s.request("POST", ISSUE, {"delegation": "IT"}, token=sec)
        tok = r.json["token"]
        is_(r.json["url"], "https://cal.example.org/feeds/%s.ics" % tok, "public_url: url")
        is_(r.json["webcal_url"], "webcal://cal.example.org/feeds/%s.ics" % tok, "public_url: webcal_url")
        f = s.request("GET", "/feeds/%s.ics" % tok)
        like(f.text, r"UID:session-\d+@cal\.example\.org\r\n", "public_url: UIDs name its host")
        s.stop()


check_public_url()
with Server() as s:
    sec = s.token("secretariat", conference=SLUG)
    it = s.token("liaison", conference=SLUG, delegation="IT")
    jp = s.token("liaison", conference=SLUG, delegation="JP")
    issued, kono = check_issue(s, sec, it, jp)
    check_participant(s, sec, kono)
    check_revoke(s, sec, it, jp, issued)
    is_(s.stop(), 0, "SIGTERM: kaigid exits 0")
done_testing()
