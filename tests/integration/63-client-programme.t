#!/usr/bin/python3
# 63-client-programme.t — kaigi programme against a real kaigid on the demo
# database: the liaison's welcome pack, the secretariat's pack of another
# delegation in another zone, the public programme without a token, -o -
# into a pipe; the file is a PDF whose text (pdftotext) names the
# delegation and zone; refusals (another delegation for a liaison, an
# unknown zone) exit 2 with the server's problem and leave an existing
# FILE as it was; usage errors (no -o, both --delegation and
# --participant, a participant that is no id, -o - to a terminal) exit 1
# before asking the server; --json reports the file and its size; help.
import json
import os
import pty
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
KAIGI = os.path.abspath(os.environ.get("KAIGI") or os.path.join(TOP, "client", "kaigi"))


def kaigi(s, *args, token=None, text=True):
    """Run kaigi with the server's URL (and a token); (rc, stdout, stderr)."""
    env = dict(os.environ, KAIGI_CONFIG="/dev/null", TZ="UTC", KAIGI_URL=s.url)
    env.pop("KAIGI_TOKEN", None)
    env.pop("KAIGI_CONFERENCE", None)
    if token:
        env["KAIGI_TOKEN"] = token
    p = subprocess.run([KAIGI] + [str(a) for a in args], capture_output=True, text=text,
                       env=env, timeout=120)
    return p.returncode, p.stdout, p.stderr


def text_of(path):
    """pdftotext of a file."""
    p = subprocess.run(["pdftotext", "-enc", "UTF-8", path, "-"], capture_output=True, timeout=60)
    return p.stdout.decode("utf-8", "replace") if p.returncode == 0 else ""


def is_pdf(path):
    """Does the file hold a whole PDF?"""
    with open(path, "rb") as f:
        data = f.read()
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-64:]


def check_packs(s, d, jp, sec):
    """The files kaigi writes."""
    out = os.path.join(d, "jp.pdf")
    rc, o, e = kaigi(s, "programme", "-o", out, token=jp)
    is_(rc, 0, "liaison: exit 0") or diag(e)
    ok(os.path.exists(out) and is_pdf(out), "liaison: the file is a whole PDF")
    like(o, r"wrote .*jp\.pdf \(\d+ bytes\)", "liaison: says what it wrote")
    t = text_of(out)
    like(t, r"Japan \(JP\)", "liaison: its delegation's welcome pack (no --conference needed)")
    like(t, r"Asia/Tokyo", "liaison: in the conference's zone by default")
    like(t, r"Bilateral meeting: Japan – Canada", "liaison: with its restricted bilaterals")
    ca = os.path.join(d, "ca.pdf")
    rc, o, e = kaigi(s, "programme", "--delegation", "CA", "--tz", "Europe/Berlin", "-o", ca,
                     "--json", token=sec)
    is_(rc, 0, "secretariat --delegation CA --tz Europe/Berlin: exit 0") or diag(e)
    j = json.loads(o) if o.strip().startswith("{") else {}
    is_(j, {"file": ca, "bytes": os.path.getsize(ca)}, "--json: the file and its size")
    t = text_of(ca)
    like(t, r"Canada \(CA\)", "secretariat: Canada's pack")
    like(t, r"All times are in Europe/Berlin", "... in Berlin time")
    ok("Bilateral meeting: Japan – Italy" not in t, "... without JP's bilateral with Italy")
    pub = os.path.join(d, "public.pdf")
    rc, o, e = kaigi(s, "programme", "--conference", SLUG, "--output", pub)
    is_(rc, 0, "no token, --output: exit 0") or diag(e)
    t = text_of(pub)
    like(t, r"Public programme", "no token: the public programme")
    ok("Bilateral meeting" not in t, "no token: no bilateral")
    rc, o, e = kaigi(s, "programme", "--conference", SLUG, "-o", "-", text=False)
    ok(rc == 0 and o.startswith(b"%PDF-") and b"%%EOF" in o[-64:],
       "-o - into a pipe: the PDF on standard output")


def check_refusals(s, d, jp):
    """Server refusals keep an existing file; usage errors need no server."""
    out = os.path.join(d, "keep.pdf")
    with open(out, "w") as f:
        f.write("old")
    rc, o, e = kaigi(s, "programme", "--delegation", "CA", "-o", out, token=jp)
    is_(rc, 2, "liaison asking for another delegation: exit 2")
    like(e, r"Not Found \(HTTP 404\): no such delegation", "... with the server's problem")
    rc, o, e = kaigi(s, "programme", "--tz", "Mars/Olympus", "-o", out, token=jp)
    is_(rc, 2, "an unknown zone: exit 2")
    like(e, r"IANA", "... saying the zone must be an IANA name")
    is_(open(out).read(), "old", "a refused request leaves the existing file as it was")
    ok(not [n for n in os.listdir(d) if n.endswith(".tmp")], "no .tmp file left")
    for args, why in ((("programme",), "no -o"),
                      (("programme", "--delegation", "JP", "--participant", "1", "-o", out),
                       "both --delegation and --participant"),
                      (("programme", "--participant", "abc", "-o", out), "a participant that is no id"),
                      (("programme", "-o"), "-o without a file")):
        rc, o, e = kaigi(s, *args, token=jp)
        is_(rc, 1, "%s: exit 1" % why)
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update(KAIGI_CONFIG="/dev/null", KAIGI_URL=s.url, KAIGI_TOKEN=jp)
        os.execv(KAIGI, [KAIGI, "programme", "-o", "-"])
    seen = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    _, status = os.waitpid(pid, 0)
    ok(os.WEXITSTATUS(status) == 1 and b"%PDF" not in seen and b"terminal" in seen,
       "-o - to a terminal: refused (exit 1), no PDF on the screen")


def check_help(s):
    """kaigi --help and kaigi help programme."""
    rc, o, e = kaigi(s, "--help")
    like(o, r"\n  programme +save the printed programme", "kaigi --help lists programme")
    rc, o, e = kaigi(s, "help", "programme")
    like(o + e, r"usage: kaigi programme \[--delegation CODE \| --participant ID\] \[--tz ZONE\]",
         "kaigi help programme: its usage")


with Server() as s:
    if not ok(shutil.which("pdftotext"), "pdftotext (poppler-utils) is installed"):
        diag("scripts/deps installs poppler-utils")
    else:
        jp = s.token("liaison", conference=SLUG, delegation="JP")
        sec = s.token("secretariat", conference=SLUG)
        d = tempfile.mkdtemp(prefix="programme-", dir=os.environ.get("KAIGI_TEST_TMPDIR"))
        check_packs(s, d, jp, sec)
        check_refusals(s, d, jp)
        check_help(s)
done_testing()
