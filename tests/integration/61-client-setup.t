#!/usr/bin/python3
# 61-client-setup.t — the kaigi binary's set-up commands against a real
# kaigid on the demo database, with two conferences on the server:
#   * a conference-scoped token needs no --conference (the client asks GET
#     /api/v1/me), while an admin token still has to choose;
#   * kaigi whoami; kaigi token create|list|revoke (the token printed once,
#     usable at once, refused once revoked; 403 for a liaison, with the role
#     named);
# each with --json parsed back and the exit codes of kaigi(1).
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
KAIGI = os.path.abspath(os.environ.get("KAIGI") or os.path.join(TOP, "client", "kaigi"))


class Kaigi:
    """Runs the kaigi binary with the server's URL and a token."""

    def __init__(self, server, token):
        self.s = server
        self.token = token

    def __call__(self, *args, token=None):
        env = dict(os.environ, KAIGI_CONFIG="/dev/null", TZ="UTC", KAIGI_URL=self.s.url,
                   KAIGI_TOKEN=token or self.token)
        env.pop("KAIGI_CONFERENCE", None)
        p = subprocess.run([KAIGI] + [str(a) for a in args], capture_output=True, text=True,
                           env=env, timeout=60)
        return p.returncode, p.stdout, p.stderr


def js(out):
    """Parse --json output (None when it is not JSON)."""
    try:
        return json.loads(out)
    except ValueError:
        return None


def check_scope(k, admin, sec, jp):
    rc, out, err = k("sessions", token=sec)
    is_(rc, 0, "kaigi sessions with a secretariat token, no --conference: exit 0")
    like(out, r"Bilateral meeting: Japan", "... lists the token's conference's sessions")
    rc, out, err = k("sessions", "--json", token=jp)
    is_(rc, 0, "a liaison token, no --conference: exit 0")
    ok(any(x.get("conference") == SLUG for x in (js(out) or {}).get("items", [])),
       "... its conference's sessions")
    rc, out, err = k("sessions", token=admin)
    is_(rc, 1, "an admin token (no conference) with two conferences: usage error")
    like(err, r"several conferences", "... asking to choose")
    rc, out, err = k("--conference", "second", "sessions", "--json", token=sec)
    is_(rc, 0, "--conference still wins over the token's conference")
    is_((js(out) or {}).get("items"), [], "... (the second conference has no sessions)")


def check_whoami(k, sec, jp):
    rc, out, err = k("whoami", token=jp)
    is_(rc, 0, "kaigi whoami: exit 0")
    like(out, r"role: +liaison", "shows the role")
    like(out, r"delegation: +JP", "shows the delegation")
    rc, out, err = k("whoami", "--json", token=sec)
    j = js(out) or {}
    is_((rc, j.get("role"), j.get("conference"), j.get("delegation")),
        (0, "secretariat", SLUG, None), "whoami --json: /me parsed back")
    rc, out, err = k("whoami", token="B" * 40)
    is_(rc, 2, "an unknown token: exit 2")


def check_tokens(s, k, sec, jp):
    rc, out, err = k("token", "create", "--role", "liaison", "--delegation", "IT", "--label",
                     "Rome desk", token=sec)
    is_(rc, 0, "kaigi token create: exit 0")
    m = [l.split()[-1] for l in out.splitlines() if l.startswith("token:")]
    ok(m and len(m[0]) == 43, "prints the token")
    like(out, r"shown only once", "... and says it is shown once")
    new = m[0] if m else ""
    rc, out, err = k("whoami", "--json", token=new)
    is_((rc, (js(out) or {}).get("delegation")), (0, "IT"), "the printed token works as IT's liaison")
    rc, out, err = k("token", "list", "--json", token=sec)
    items = (js(out) or {}).get("items", [])
    mine = [t for t in items if t.get("label") == "Rome desk"]
    is_((rc, len(mine)), (0, 1), "kaigi token list --json shows it")
    ok(new not in out, "the list never shows the secret")
    rc, out, err = k("token", "list", token=sec)
    like(out, r"Rome desk", "the table shows the label")
    rc, out, err = k("token", "revoke", str(mine[0]["id"] if mine else 0), token=sec)
    is_(rc, 0, "kaigi token revoke: exit 0")
    rc, out, err = k("whoami", token=new)
    is_(rc, 2, "the revoked token is refused (exit 2)")
    rc, out, err = k("token", "create", "--role", "liaison", "--delegation", "JP", token=jp)
    is_(rc, 2, "a liaison may not issue tokens: exit 2")
    like(err, r"secretariat", "... the error names the role needed")
    rc, out, err = k("token", "create", "--role", "secretariat", token=sec)
    is_(rc, 2, "the secretariat may not issue a secretariat token: exit 2")
    like(err, r"admin", "... the error names the admin role")
    rc, out, err = k("token", "create", "--role", "liaison", "--delegation", "XX", token=sec)
    is_(rc, 2, "unknown delegation: exit 2")
    like(err, r"codes are", "... listing the codes")
    rc, out, err = k("token", "create", token=sec)
    is_(rc, 1, "no --role: usage error")
    rc, out, err = k("token", "revoke", "x", token=sec)
    is_(rc, 1, "a bad id: usage error")
    rc, out, err = k("token", "revoke", "999999", token=sec)
    is_(rc, 2, "an unknown token: exit 2")


with Server() as s:
    admin = s.token("admin")
    r = s.request("POST", "/api/v1/conferences", {
        "slug": "second", "title": "Second", "timezone": "Europe/Paris",
        "start_date": "2025-01-01", "end_date": "2025-01-02"}, token=admin)
    is_(r.status, 201, "a second conference on the server")
    sec = s.token("secretariat", conference=SLUG)
    jp = s.token("liaison", conference=SLUG, delegation="JP")
    k = Kaigi(s, sec)
    check_scope(k, admin, sec, jp)
    check_whoami(k, sec, jp)
    check_tokens(s, k, sec, jp)
done_testing()
