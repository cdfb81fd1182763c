#!/usr/bin/python3
# 14-me-tokens.t — GET /api/v1/me (who the token is; absent keys null) and
# API tokens through the API: POST/GET /conferences/{slug}/tokens and
# DELETE /tokens/{id}. The secretariat issues liaison tokens, an admin
# secretariat tokens (403 names the role needed); the token is shown once,
# stored only as its SHA-256, never logged; the list has no secrets; a
# revoked token is refused on its next request; each issue and revocation
# is audited; `kaigid token create` still makes the first admin.
import hashlib
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
C = "/api/v1/conferences/" + SLUG
TOKENS = C + "/tokens"


def fields(r):
    """The field names of a 422."""
    return sorted(e.get("field") for e in (r.json or {}).get("errors", []))


def check_me(s, admin, sec, jp):
    r = s.request("GET", "/api/v1/me")
    is_(r.status, 401, "/me without a token: 401")
    is_(s.request("GET", "/api/v1/me", token="B" * 40).status, 401, "/me, unknown token: 401")
    r = s.request("GET", "/api/v1/me", token=admin)
    is_(r.status, 200, "/me as admin: 200")
    j = r.json or {}
    is_((j.get("role"), j.get("conference"), j.get("delegation"), j.get("participant_id")),
        ("admin", None, None, None), "admin: role, every scope null")
    ok(all(k in j for k in ("role", "conference", "delegation", "participant_id")),
       "the four keys are present even when null")
    j = s.request("GET", "/api/v1/me", token=sec).json or {}
    is_((j.get("role"), j.get("conference"), j.get("delegation"), j.get("timezone")),
        ("secretariat", SLUG, None, "Asia/Tokyo"), "secretariat: its conference (slug), zone")
    j = s.request("GET", "/api/v1/me", token=jp).json or {}
    is_((j.get("role"), j.get("conference"), j.get("delegation"), j.get("participant_id")),
        ("liaison", SLUG, "JP", None), "liaison: conference and delegation code")
    is_(j.get("token_id"), one(s, "SELECT id FROM api_tokens WHERE token_hash = %s",
                               hashlib.sha256(jp.encode()).hexdigest()), "token_id is the token's row")


def check_issue(s, admin, sec, jp, sec_other):
    r = s.request("POST", TOKENS, {"role": "liaison", "delegation": "CA", "label": "Ottawa desk"},
                  token=sec)
    is_(r.status, 201, "the secretariat issues a liaison token")
    j = r.json or {}
    tok = j.get("token", "")
    like(tok, r"^[A-Za-z0-9_-]{43}$", "token: 256 bits, base64url")
    is_((j.get("role"), j.get("conference"), j.get("delegation"), j.get("label")),
        ("liaison", SLUG, "CA", "Ottawa desk"), "role, conference, delegation, label")
    is_(one(s, "SELECT token_hash FROM api_tokens WHERE id = %s", j.get("id")),
        hashlib.sha256(tok.encode()).hexdigest(), "stored: only the SHA-256")
    is_(one(s, "SELECT count(*) FROM api_tokens t, audit_log a WHERE t.token_hash = %s"
               " OR a.after::text LIKE %s OR a.after::text LIKE %s", tok, "%" + tok + "%",
            "%" + hashlib.sha256(tok.encode()).hexdigest() + "%"), 0,
        "neither the token nor its hash is in api_tokens or the audit log in the clear")
    me = s.request("GET", "/api/v1/me", token=tok).json or {}
    is_((me.get("role"), me.get("delegation")), ("liaison", "CA"), "the new token works as CA's liaison")
    is_(one(s, "SELECT count(*) FROM audit_log WHERE entity = 'api_token' AND action = 'create'"
               " AND entity_id = %s AND role = 'secretariat'", j.get("id")), 1, "issue audited")
    is_(s.request("POST", TOKENS, {"role": "liaison", "delegation": one(
        s, "SELECT id FROM delegations WHERE code = 'FR'")}, token=admin).status, 201,
        "an admin issues a liaison token, delegation by id")
    r = s.request("POST", TOKENS, {"role": "secretariat"}, token=sec)
    is_(r.status, 403, "the secretariat may not issue a secretariat token")
    like((r.json or {}).get("detail", ""), r"admin", "... and the 403 names the role needed")
    r = s.request("POST", TOKENS, {"role": "secretariat", "label": "second desk"}, token=admin)
    is_(r.status, 201, "an admin issues a secretariat token")
    sec2 = (r.json or {}).get("token", "")
    is_((s.request("GET", "/api/v1/me", token=sec2).json or {}).get("role"), "secretariat",
        "it works as a secretariat token")
    r = s.request("POST", TOKENS, {"role": "liaison", "delegation": "JP"}, token=jp)
    is_(r.status, 403, "a liaison may not issue tokens")
    like((r.json or {}).get("detail", ""), r"secretariat", "... and the 403 names the secretariat role")
    is_((r.json or {}).get("required_role"), "secretariat", "required_role: secretariat")
    is_(s.request("POST", TOKENS, {"role": "liaison", "delegation": "JP"}, token=sec_other).status,
        403, "another conference's secretariat: 403")
    is_(s.request("POST", TOKENS, {"role": "liaison", "delegation": "JP"}).status, 401,
        "no token: 401")
    is_(s.request("POST", "/api/v1/conferences/nope/tokens", {"role": "liaison", "delegation": "JP"},
                  token=admin).status, 404, "unknown conference: 404")
    return j, sec2


def check_invalid(s, sec):
    before = one(s, "SELECT count(*) FROM api_tokens")
    for body, want in (({}, ["role"]), ({"role": "admin"}, ["role"]), ({"role": "chair"}, ["role"]),
                       ({"role": "liaison"}, ["delegation"]),
                       ({"role": "secretariat", "delegation": "JP"}, ["delegation"]),
                       ({"role": "liaison", "delegation": "J P"}, ["delegation"]),
                       ({"role": "liaison", "delegation": "JP", "label": 3}, ["label"]),
                       ({"role": "liaison", "delegation": "JP", "scope": "x"}, ["scope"]),
                       ([], [""])):
        r = s.request("POST", TOKENS, body, token=sec)
        is_((r.status, fields(r)), (422, want), "422 naming %s for %r" % (want, body))
    r = s.request("POST", TOKENS, {"role": "liaison", "delegation": "XX"}, token=sec)
    is_(r.status, 422, "unknown delegation: 422")
    like((r.json or {}).get("detail", ""), r"codes are .*\bJP\b", "... listing the valid codes")
    r = s.request("POST", TOKENS, raw=b"{", token=sec, headers={"Content-Type": "application/json"})
    is_(r.status, 400, "malformed JSON: 400")
    is_(one(s, "SELECT count(*) FROM api_tokens"), before, "no refused request stored a token")


def check_list(s, sec, jp, sec_other, created):
    r = s.request("GET", TOKENS, token=sec)
    is_(r.status, 200, "the secretariat lists the conference's tokens")
    items = (r.json or {}).get("items", [])
    ok(created["id"] in [t["id"] for t in items], "the new token is listed")
    ok(all("token" not in t and "token_hash" not in t for t in items), "no secret in the list")
    ok(not [t for t in items if t.get("conference") != SLUG], "only this conference's tokens")
    r = s.request("GET", TOKENS + "?limit=1", token=sec)
    is_((len(r.json["items"]), r.json["next"] is not None), (1, True), "paged")
    is_(s.request("GET", TOKENS, token=jp).status, 403, "a liaison may not list tokens")
    is_(s.request("GET", TOKENS, token=sec_other).status, 403, "another conference's secretariat: 403")
    is_(s.request("GET", "/api/v1/conferences/nope/tokens", token=sec).status, 404,
        "unknown conference: 404")


def check_revoke(s, admin, sec, jp, sec_other, created, sec2):
    tid = created["id"]
    is_(s.request("DELETE", "/api/v1/tokens/%d" % tid, token=jp).status, 403,
        "a liaison may not revoke")
    is_(s.request("DELETE", "/api/v1/tokens/%d" % tid, token=sec_other).status, 404,
        "another conference's secretariat: 404 (not its business)")
    is_(s.request("DELETE", "/api/v1/tokens/999999", token=sec).status, 404, "unknown id: 404")
    is_(s.request("DELETE", "/api/v1/tokens/abc", token=sec).status, 404, "malformed id: 404")
    r = s.request("DELETE", "/api/v1/tokens/%d" % tid, token=sec)
    is_(r.status, 204, "the secretariat revokes the liaison token")
    is_(s.request("GET", "/api/v1/me", token=created["token"]).status, 401,
        "the revoked token is refused on its next request")
    is_(s.request("DELETE", "/api/v1/tokens/%d" % tid, token=sec).status, 204, "revoking twice: 204")
    is_(one(s, "SELECT count(*) FROM audit_log WHERE entity = 'api_token' AND action = 'revoke'"
               " AND entity_id = %s", tid), 1, "revocation audited once")
    listed = [t for t in s.request("GET", TOKENS, token=sec).json["items"] if t["id"] == tid]
    ok(listed and listed[0]["revoked_at"], "the list shows revoked_at")
    sid = (one(s, "SELECT id FROM api_tokens WHERE token_hash = %s",
               hashlib.sha256(sec2.encode()).hexdigest()))
    r = s.request("DELETE", "/api/v1/tokens/%d" % sid, token=sec)
    is_(r.status, 403, "the secretariat may not revoke another secretariat token")
    like((r.json or {}).get("detail", ""), r"admin", "... the 403 names the admin role")
    is_(s.request("DELETE", "/api/v1/tokens/%d" % sid, token=admin).status, 204,
        "an admin revokes a secretariat token")
    is_(s.request("GET", "/api/v1/me", token=sec2).status, 401, "which is refused from then on")


with Server() as s:
    admin = s.token("admin")
    sec = s.token("secretariat", conference=SLUG)
    jp = s.token("liaison", conference=SLUG, delegation="JP")
    r = s.request("POST", "/api/v1/conferences", {
        "slug": "other", "title": "Other", "timezone": "Europe/Paris",
        "start_date": "2025-01-01", "end_date": "2025-01-02"}, token=admin)
    is_(r.status, 201, "a second conference")
    sec_other = s.token("secretariat", conference="other")
    check_me(s, admin, sec, jp)
    created, sec2 = check_issue(s, admin, sec, jp, sec_other)
    check_invalid(s, sec)
    check_list(s, sec, jp, sec_other, created)
    check_revoke(s, admin, sec, jp, sec_other, created, sec2)
    with open(s.log_path, "rb") as f:
        log = f.read()
    ok(created["token"].encode() not in log and sec2.encode() not in log and
       hashlib.sha256(sec2.encode()).hexdigest().encode() not in log,
       "no token and no hash in kaigid's log")
done_testing()
