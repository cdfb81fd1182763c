#!/usr/bin/python3
# 64-client-release.t — kaigi release create|list|changes and kaigi mail
# against a real kaigid on the demo database, its mail going to a Maildir:
# release create in a live conference exits 4 with the server's problem;
# in release mode it publishes releases 1 and 2 (say which); release list
# shows both (table and --json); release changes 2 names the Japan–Canada
# bilateral's move for Japan (secretariat --delegation JP, Japan's liaison)
# and not for Italy; Italy's liaison asking for Japan exits 2; both
# --delegation and --participant exit 1 before asking the server; the
# release's mail to Japan's head reaches the Maildir and kaigi mail lists
# it with its recipient and decoded subject (as Python's email reads it);
# kaigi mail on a directory that is no Maildir exits 1; help names them.
import email
import email.policy
import glob
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
KAIGI = os.path.abspath(os.environ.get("KAIGI") or os.path.join(TOP, "client", "kaigi"))
BIL = "Bilateral meeting: Japan – Canada"


def kaigi(s, *args, token=None, cwd=None):
    """Run kaigi with the server's URL (and a token); (rc, stdout, stderr)."""
    env = dict(os.environ, KAIGI_CONFIG="/dev/null", TZ="UTC", KAIGI_URL=s.url,
               KAIGI_CONFERENCE=SLUG)
    env.pop("KAIGI_TOKEN", None)
    if token:
        env["KAIGI_TOKEN"] = token
    p = subprocess.run([KAIGI] + [str(a) for a in args], capture_output=True, text=True,
                       env=env, timeout=120, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


def releases(s, sec):
    rc, o, e = kaigi(s, "release", "create", token=sec)
    is_(rc, 4, "release create in a live conference: exit 4 (409)")
    like(e, r"publish", "... with the server's problem naming publish")
    r = s.request("PATCH", "/api/v1/conferences/%s" % SLUG, {"publish": "release"}, token=sec)
    is_(r.status, 200, "publish release (API)")
    rc, o, e = kaigi(s, "release", "create", "--name", "R1", "--comment", "first", token=sec)
    is_(rc, 0, "release create --name R1: exit 0") or diag(e)
    like(o, r"^release 1 R1: \d+ sessions$", "... says which release")
    with s.db().cursor() as cur:
        cur.execute("UPDATE participants SET email = 'kono@example.org' WHERE id = "
                    "(SELECT min(a.participant_id) FROM session_attendees a JOIN participants p"
                    " ON p.id = a.participant_id JOIN delegations d ON d.id = p.delegation_id"
                    " JOIN sessions s ON s.id = a.session_id WHERE s.title = %s AND d.code = 'JP')",
                    (BIL,))
        cur.execute("UPDATE sessions SET starts_at = '2023-04-29 19:15+09',"
                    " ends_at = '2023-04-29 19:45+09' WHERE title = %s", (BIL,))
    rc, o, e = kaigi(s, "release", "create", "--name", "R2", token=sec)
    like(o, r"^release 2 R2: ", "release create --name R2: release 2")
    rc, o, e = kaigi(s, "release", "list", token=sec)
    like(o, r"(?m)^1\s+R1\s.*first$", "release list: release 1 with its comment")
    like(o, r"(?m)^2\s+R2\s", "release list: release 2")
    rc, o, e = kaigi(s, "--json", "release", "list")
    j = json.loads(o or "[]")
    is_([i["n"] for i in (j["items"] if isinstance(j, dict) else j)] if rc == 0 else rc, [1, 2],
        "release list --json (no token): both")


def changes(s, sec, jp, it):
    rc, o, e = kaigi(s, "release", "changes", "2", "--delegation", "JP", token=sec)
    like(o, r"(?m)^moved\s+\d+\s+" + BIL, "release changes 2 --delegation JP: the bilateral moved")
    like(o, r"19:15", "... to 19:15")
    rc, o, e = kaigi(s, "release", "changes", "2", token=jp)
    like(o, BIL, "Japan's liaison: its own changes name the bilateral")
    rc, o, e = kaigi(s, "release", "changes", "2", token=it)
    is_((rc, BIL in o), (0, False), "Italy's liaison: exit 0, no bilateral")
    rc, o, e = kaigi(s, "release", "changes", "2", "--delegation", "JP", token=it)
    is_(rc, 2, "Italy's liaison asking for Japan: exit 2")
    rc, o, e = kaigi(s, "release", "changes", "2", "--delegation", "JP", "--participant", "1",
                     token=sec)
    is_(rc, 1, "--delegation and --participant: exit 1")


def mail(s, d):
    ok(wait_until(lambda: glob.glob(os.path.join(d, "new", "*")), PATIENCE),
       "release 2's mail reached the Maildir")
    files = sorted(glob.glob(os.path.join(d, "new", "*")))
    msg = email.message_from_bytes(open(files[0], "rb").read(), policy=email.policy.default)
    rc, o, e = kaigi(s, "mail", "--maildir", d)
    is_(rc, 0, "kaigi mail: exit 0") or diag(e)
    like(o, "kono@example.org", "kaigi mail: the recipient")
    ok(str(msg["Subject"]) in o, "kaigi mail: the subject, decoded (%s)" % msg["Subject"])
    rc, o2, e = kaigi(s, "mail", "list", "--maildir", d)
    is_(o2, o, "kaigi mail list: the same")
    rc, o, e = kaigi(s, "--json", "mail", "--maildir", d)
    j = json.loads(o or "[]")
    is_([m.get("message_id") for m in j], [str(msg["Message-ID"])], "--json: the Message-ID")
    rc, o, e = kaigi(s, "mail", "--maildir", tempfile.mkdtemp())
    is_(rc, 1, "kaigi mail on a directory that is no Maildir: exit 1")
    rc, o, e = kaigi(s, "mail", "--maildir", os.path.join(tempfile.mkdtemp(), "nowhere"))
    is_(rc, 1, "kaigi mail --maildir on a path that does not exist: exit 1")
    fresh = tempfile.mkdtemp()      # a fresh `make run`: no var/mail until the first delivery
    rc, o, e = kaigi(s, "mail", cwd=fresh)
    is_(rc, 0, "kaigi mail before any delivery (no var/mail yet): exit 0") or diag(e)
    like(e, r"no mail yet: var/mail does not exist", "... saying there is no mail yet, and why")
    rc, o, e = kaigi(s, "--json", "mail", cwd=fresh)
    is_((rc, o.strip()), (0, "[]"), "... --json: an empty list")
    rc, o, e = kaigi(s, "help")
    like(o, r"release changes.*\n(.*\n)*\s+mail\s", "help lists release changes and mail")


d = tempfile.mkdtemp(prefix="kaigi-maildir-")
with Server(env={"KAIGI_MAILDIR": d}) as s:
    sec = s.token("secretariat", conference=SLUG)
    releases(s, sec)
    changes(s, sec, s.token("liaison", conference=SLUG, delegation="JP"),
            s.token("liaison", conference=SLUG, delegation="IT"))
    mail(s, d)
done_testing()
