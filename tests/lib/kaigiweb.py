"""kaigiweb.py — running a browser script of tests/web/ from a .t file.

Each script (timetable.js, print.js, workbench.js, setup.js, journey.js,
move-repair.js) drives Debian's headless Chromium through playwright-core
and prints one JSON report as its last line: {steps: {name: {ok, value |
error}}, console, pageErrors, axe, shots}. run_browser() runs one with the
server's URL and a token, in a throwaway Chromium profile, screenshots in
$KAIGI_WEB_SHOTS (or a folder of $KAIGI_TEST_TMPDIR); step() turns a step
into a test and gives its value; narrow() checks the widest element on a
390 px screen.
"""
import json
import os
import shutil
import subprocess
import tempfile

from kaigitest import TOP, diag, note, ok

CHROMIUM = os.environ.get("KAIGI_WEB_CHROMIUM", "/usr/bin/chromium")


def shots_dir(label):
    """Where a script's screenshots go."""
    tmp = os.environ.get("KAIGI_TEST_TMPDIR") or tempfile.mkdtemp()
    shots = os.environ.get("KAIGI_WEB_SHOTS") or os.path.join(tmp, "web-%s-%d" % (label, os.getpid()))
    os.makedirs(shots, exist_ok=True)
    return shots


def run_browser(s, script, token, label, env=None, args=(), shots=None, timeout=300):
    """Run tests/web/SCRIPT; its JSON report, or None (said in a diag)."""
    shots = shots or shots_dir(label)
    profile = tempfile.mkdtemp(prefix="chromium-", dir=os.path.dirname(shots))
    full = dict(os.environ, KAIGI_WEB_URL=s.url, KAIGI_WEB_TOKEN=token or "", KAIGI_WEB_SHOTS=shots,
                KAIGI_WEB_PROFILE=profile, KAIGI_WEB_CHROMIUM=CHROMIUM, **(env or {}))
    try:
        p = subprocess.run(["node", os.path.join(TOP, "tests", "web", script)] + list(args), env=full,
                           cwd=TOP, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        diag("tests/web/%s timed out" % script)
        return None
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if p.stderr:
        diag(p.stderr.decode("utf-8", "replace")[-3000:])
    try:
        report = json.loads(p.stdout.decode("utf-8").strip().splitlines()[-1])
    except (ValueError, IndexError):
        diag("no report from %s: %r" % (script, p.stdout[-2000:]))
        return None
    note("screenshots: %s" % shots)
    return report


def step(report, name):
    """A step's value, after a test that it ran without error."""
    st = report["steps"].get(name) if report else None
    if not ok(st is not None and st["ok"], "browser: %s" % name):
        diag(st["error"] if st else "step did not run")
        if st and st.get("seen"):
            diag("the pages then: %r" % st["seen"])
        return None
    return st.get("value", True)


def narrow(v, name, width=390):
    """Nothing wider than a phone's screen (the step measured "overflow")."""
    if v and "overflow" in v:
        ok(v["overflow"] <= width, "%s: nothing wider than %d px (%d)" % (name, width, v["overflow"]))
