#!/usr/bin/python3
"""40-ical-parsers.t — the renderer's feeds, read by three independent parsers.

build/<release|asan>/tests/test_ical writes sample feeds rendered by
server/ical.c (Asia/Tokyo; America/New_York either side of both DST
changes; one small feed per zone with awkward rules). They are served over loopback HTTP and read by
python3-icalendar (tests/ical/parse_python.py), Mozilla's ical.js
(tests/ical/parse_icaljs.js) and vdirsyncer (tests/ical/check_vdirsyncer.sh,
http -> filesystem sync). The parsers must accept them, agree with each other
and with the instants known here, and find every event. Broken copies of the
feed must be refused, so that acceptance means something.

No database and no kaigid: this tests the renderer and the drivers that the
feed tests (with a live kaigid) reuse. TAP on stdout.
"""
import functools
import glob
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("KAIGI_BUILD", "build/release")
DRIVERS = os.path.join(TOP, "tests", "ical")

TOKYO_TITLE = "日本・カナダ会談; trade, security \"quoted\" 🇯🇵"


def ev(uid, start, end, summary, status, seq, cats, loc):
    """One expected event in the drivers' normalised form."""
    return {"uid": "session-%d@kaigi.example" % uid, "start_utc": start,
            "end_utc": end, "summary": summary, "status": status,
            "sequence": seq, "categories": cats, "location": loc}


# Repeats the samples of tests/unit/test_ical.c; change both together.
EXPECTED = {
    "tokyo.ics": [
        # 10:00-11:30 Asia/Tokyo is 01:00-02:30Z
        ev(1, "2026-05-11T01:00:00Z", "2026-05-11T02:30:00Z", "Opening plenary",
           "CONFIRMED", 0, ["plenary"], "Main Hall, ICC Kyoto"),
        ev(2, "2026-05-11T03:00:00Z", "2026-05-11T03:45:00Z", TOKYO_TITLE,
           "CONFIRMED", 1, ["bilateral"], "Room 3; east, wing, ICC Kyoto"),
        ev(3, "2026-05-11T03:00:00Z", "2026-05-11T04:00:00Z", "Working lunch",
           "TENTATIVE", 0, ["working_meal"], "Room 5"),
        ev(4, "2026-05-11T09:00:00Z", "2026-05-11T11:00:00Z",
           "Cancelled reception", "CANCELLED", 2, ["side_event"],
           "Garden, ICC Kyoto"),
        ev(5, "2026-05-12T00:30:00Z", "2026-05-12T01:00:00Z", "Reserved",
           "CONFIRMED", 3, [], None),
        # 23:30 to 00:30 local, across midnight
        ev(6, "2026-05-12T14:30:00Z", "2026-05-12T15:30:00Z",
           "Late press briefing", "CONFIRMED", 0, ["press"],
           "Press room, ICC Kyoto"),
    ],
    "new_york.ics": [
        # 10:00 EST
        ev(11, "2026-01-15T15:00:00Z", "2026-01-15T16:00:00Z", "Winter plenary",
           "CONFIRMED", 0, ["plenary"], "Hall A, UN HQ"),
        # 03:00 EDT, first hour after spring forward
        ev(12, "2026-03-08T07:00:00Z", "2026-03-08T08:00:00Z", "Spring forward",
           "TENTATIVE", 0, ["other"], "Hall A, UN HQ"),
        # 10:00 EDT to 02:30 EST, across the fall back
        ev(13, "2026-10-31T14:00:00Z", "2026-11-01T07:30:00Z", "Long night",
           "CONFIRMED", 1, ["side_event"], "Hall B, UN HQ"),
    ],
}

n = 0
failed = 0


def ok(cond, what, diag=None):
    """Print one TAP line (and a diagnostic when it fails); return cond."""
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print("%sok %d - %s" % ("" if cond else "not ", n, what))
    if not cond and diag:
        for line in str(diag).rstrip().splitlines()[:40]:
            print("#   " + line)
    sys.stdout.flush()
    return cond


def run(argv):
    """Run a driver; (exit code, stdout, stderr)."""
    p = subprocess.run(argv, cwd=TOP, capture_output=True, text=True,
                       timeout=120)
    return p.returncode, p.stdout, p.stderr


def serve(root):
    """Serve root on 127.0.0.1, an ephemeral port, in a thread; the server."""
    handler = functools.partial(QuietHandler, directory=root)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static files as `python3 -m http.server` serves them, without logging."""
    extensions_map = {".ics": "text/calendar; charset=utf-8"}

    def log_message(self, *args):
        pass


def parsers(url):
    """Run both parsing drivers on url; {name: (rc, events or None, stderr)}."""
    out = {}
    for name, argv in (("python3-icalendar",
                        ["/usr/bin/python3", DRIVERS + "/parse_python.py", url]),
                       ("ical.js", ["node", DRIVERS + "/parse_icaljs.js", url])):
        rc, so, se = run(argv)
        try:
            events = json.loads(so) if rc == 0 else None
        except ValueError:
            events = None
        out[name] = (rc, events, se)
    return out


def check_feed(base, name, tmp):
    """All checks of one good feed."""
    url = base + name
    want = EXPECTED[name]
    got = parsers(url)
    for parser, (rc, events, err) in got.items():
        ok(rc == 0 and events is not None, "%s: %s accepts it" % (name, parser),
           err)
        ok(events == want, "%s: %s reads the known events and UTC instants"
           % (name, parser), json.dumps(events, ensure_ascii=False, indent=1))
    a, b = (got[p][1] for p in ("python3-icalendar", "ical.js"))
    ok(a is not None and a == b, "%s: python3-icalendar and ical.js agree" % name)
    vdir = os.path.join(tmp, "vdir-" + name)
    rc, so, se = run(["env", "VDIR_DIR=" + vdir,
                      DRIVERS + "/check_vdirsyncer.sh", url])
    ok(rc == 0 and so.strip() == str(len(want)),
       "%s: vdirsyncer syncs it over HTTP, %d items" % (name, len(want)),
       "rc=%d out=%r\n%s" % (rc, so, se))
    check_vdir_items(name, vdir, want)


def check_vdir_items(name, vdir, want):
    """What vdirsyncer stored: one item per event, same summaries, a VTIMEZONE."""
    import icalendar
    summaries, zoned = [], True
    for path in sorted(glob.glob(os.path.join(vdir, "*.ics"))):
        with open(path, "rb") as f:
            cal = icalendar.Calendar.from_ical(f.read())
        tzids = {str(z["TZID"]) for z in cal.walk("VTIMEZONE")}
        for e in cal.walk("VEVENT"):
            summaries.append(str(e["SUMMARY"]))
            zoned = zoned and e["DTSTART"].params.get("TZID") in tzids
    ok(sorted(summaries) == sorted(w["summary"] for w in want) and zoned,
       "%s: vdirsyncer's items carry every SUMMARY, each with its VTIMEZONE"
       % name, summaries)


def broken_copies(src, tmp):
    """Broken variants of a good feed: {file name: what is wrong}."""
    with open(src, "rb") as f:
        good = f.read()
    vtz = good[good.index(b"BEGIN:VTIMEZONE"):good.index(b"END:VTIMEZONE\r\n") + 15]
    cases = {
        "truncated.ics": (good[:len(good) // 2], "cut in the middle"),
        "no-vtimezone.ics": (good.replace(vtz, b""), "no VTIMEZONE"),
        "no-name.ics": (b"".join(l for l in good.splitlines(True)
                                 if not l.startswith(b"NAME:")), "no NAME"),
        "bad-line.ics": (good.replace(b"END:VTIMEZONE\r\n",
                                      b"END:VTIMEZONE\r\nthis is no property\r\n"),
                         "a line that is no property"),
    }
    for fname, (data, _) in cases.items():
        with open(os.path.join(tmp, fname), "wb") as f:
            f.write(data)
    return {k: v[1] for k, v in cases.items()}


def check_zone_feeds(base, tmp):
    """Zones with odd rules: both parsers read 01:00Z in July and January."""
    names = sorted(os.path.basename(p)
                   for p in glob.glob(os.path.join(tmp, "zone-*.ics")))
    ok(len(names) >= 8, "test_ical wrote the per-zone feeds", names)
    want = ["2026-07-01T01:00:00Z", "2027-01-05T01:00:00Z"]
    for name in names:
        for parser, (rc, events, err) in parsers(base + name).items():
            got = sorted(e["start_utc"] for e in events) if events else None
            ok(rc == 0 and got == want, "%s: %s reads 01:00Z in both seasons"
               % (name, parser), "%s %s" % (got, err))


def check_zone_source(base, tmp):
    """The parsers read local times through the feed's VTIMEZONE, not by name."""
    with open(os.path.join(tmp, "tokyo.ics"), "rb") as f:
        good = f.read()
    moved = good.replace(b"TZOFFSETFROM:+0900", b"TZOFFSETFROM:+0800") \
        .replace(b"TZOFFSETTO:+0900", b"TZOFFSETTO:+0800")
    with open(os.path.join(tmp, "tokyo-plus8.ics"), "wb") as f:
        f.write(moved)
    for parser, (rc, events, err) in parsers(base + "tokyo-plus8.ics").items():
        first = events[0]["start_utc"] if events else None
        ok(rc == 0 and first == "2026-05-11T02:00:00Z",
           "%s converts with the feed's VTIMEZONE (+0800 copy: 10:00 -> 02:00Z)"
           % parser, "%s %s" % (first, err))


def check_refusals(base, tmp):
    """The parsers refuse broken feeds, vdirsyncer a missing one."""
    for fname, what in broken_copies(os.path.join(tmp, "tokyo.ics"), tmp).items():
        for parser, (rc, _, err) in parsers(base + fname).items():
            ok(rc != 0 and err.strip() != "",
               "%s refuses a feed with %s" % (parser, what))
    rc, so, se = run([DRIVERS + "/check_vdirsyncer.sh", base + "absent.ics"])
    ok(rc != 0, "vdirsyncer check fails on a 404")


def main():
    """Render, serve, parse, compare."""
    binary = os.path.join(TOP, BUILD, "tests", "test_ical")
    if not os.access(binary, os.X_OK):
        print("Bail out! %s not built (make unit)" % binary)
        return 1
    if not os.path.isdir(os.path.join(TOP, "tests", "node_modules", "ical.js")):
        print("Bail out! ical.js missing: npm ci --prefix tests (scripts/deps)")
        return 1
    tmp = tempfile.mkdtemp(prefix="kaigi-ical-")
    srv = None
    try:
        rc, so, se = run([binary, tmp])
        ok(rc == 0, "test_ical renders and writes the sample feeds", so + se)
        srv = serve(tmp)
        base = "http://127.0.0.1:%d/" % srv.server_address[1]
        for name in EXPECTED:
            check_feed(base, name, tmp)
        check_zone_feeds(base, tmp)
        check_zone_source(base, tmp)
        check_refusals(base, tmp)
    finally:
        if srv is not None:
            srv.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    print("1..%d" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
