#!/usr/bin/python3
# 60-client-agenda.t — kaigi agenda on a static feed, from a file and over
# HTTP: days grouped in the reader's zone (a Tokyo breakfast lands on the
# previous day in Berlin), cancelled sessions marked, --from/--days, --json,
# webcal:// for loopback, and the error paths with their exit codes.
# Needs no kaigid: the feed is written here and served by a local server.
import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("KAIGI_BUILD")
KAIGI = os.path.abspath(os.environ.get("KAIGI") or (os.path.join(ROOT, BUILD, "kaigi") if BUILD
                                     else os.path.join(ROOT, "client", "kaigi")))

VTZ = ("BEGIN:VTIMEZONE\r\nTZID:Asia/Tokyo\r\nBEGIN:STANDARD\r\n"
       "DTSTART:19700101T000000\r\nTZOFFSETFROM:+0900\r\nTZOFFSETTO:+0900\r\n"
       "TZNAME:JST\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n")


def event(uid, start, end, summary, location, status="CONFIRMED", kind="PLENARY"):
    return ("BEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:20230401T000000Z\r\n"
            "DTSTART;TZID=Asia/Tokyo:%s\r\nDTEND;TZID=Asia/Tokyo:%s\r\n"
            "SUMMARY:%s\r\nLOCATION:%s\r\nCATEGORIES:%s\r\nSTATUS:%s\r\n"
            "SEQUENCE:0\r\nEND:VEVENT\r\n" % (uid, start, end, summary, location,
                                            kind, status))


FEED = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//kaigi//test//EN\r\n"
        "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n" + VTZ +
        event("s1@t", "20230428T100000", "20230428T170000",
              "WEF Public-Private DX Summit", "Hall A\\, G-Messe", kind="SIDE_EVENT") +
        event("s2@t", "20230429T063000", "20230429T073000",
              "Working breakfast of heads", "Salon\\, Hotel", kind="WORKING_MEAL") +
        event("s3@t", "20230429T090000", "20230429T103000",
              "Session 1: DFFT", "Plenary Hall\\, G-Messe") +
        event("s4@t", "20230429T110000", "20230429T113000",
              "Japan–Canada bilateral", "Bilateral Room 1\\, G-Messe", kind="BILATERAL") +
        event("s5@t", "20230430T140000", "20230430T150000",
              "Press conference", "Press Room\\, G-Messe", status="CANCELLED", kind="PRESS") +
        "END:VCALENDAR\r\n")

n = 0
failed = 0


def ok(cond, name, diag=None):
    global n, failed
    n += 1
    if not cond:
        failed += 1
        print("not ok %d - %s" % (n, name))
        if diag:
            for line in str(diag).splitlines():
                print("# " + line)
    else:
        print("ok %d - %s" % (n, name))


def kaigi(*args, env=None):
    e = dict(os.environ)
    e.pop("KAIGI_URL", None)
    e.pop("KAIGI_TOKEN", None)
    e["KAIGI_CONFIG"] = "/dev/null"
    e["TZ"] = "UTC"
    if env:
        e.update(env)
    p = subprocess.run([KAIGI] + list(args), capture_output=True, text=True,
                       env=e, timeout=60)
    return p.returncode, p.stdout, p.stderr


def day_block(out, heading):
    """The lines under a day heading, up to the next blank line."""
    lines = out.splitlines()
    if heading not in lines:
        return []
    i = lines.index(heading) + 1
    block = []
    while i < len(lines) and lines[i].strip():
        block.append(lines[i])
        i += 1
    return block


class FeedHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/feed.ics":
            body = FEED.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    def log_message(self, *a):
        pass


def write(tmp, name, events):
    path = os.path.join(tmp, name)
    with open(path, "w", newline="") as f:
        f.write("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n" + VTZ +
                "".join("BEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:20230401T000000Z\r\n%s\r\n"
                        "SUMMARY:%s\r\nEND:VEVENT\r\n" % e for e in events) +
                "END:VCALENDAR\r\n")
    return path


def check_zones(tmp):
    """A floating time and an unknown TZID are read in the reader's zone, and
    said so: never silently taken as UTC."""
    path = write(tmp, "zones.ics", [
        ("float@t", "DTSTART:20230429T100000\r\nDTEND:20230429T110000", "Floating meeting"),
        ("mars@t", "DTSTART;TZID=Mars/Olympus:20230429T120000\r\n"
                   "DTEND;TZID=Mars/Olympus:20230429T130000", "Martian lunch"),
        ("tokyo@t", "DTSTART;TZID=Asia/Tokyo:20230429T150000\r\n"
                    "DTEND;TZID=Asia/Tokyo:20230429T160000", "Known zone"),
        ("utc@t", "DTSTART:20230429T070000Z\r\nDTEND:20230429T080000Z", "UTC one")])
    rc, out, err = kaigi("agenda", "--feed", path, "--tz", "Europe/Berlin")
    sat = day_block(out, "Saturday 29 April 2023")
    ok(rc == 0 and any("10:00–11:00" in l and "Floating meeting" in l for l in sat),
       "a floating time is a wall-clock time in the reader's zone (10:00 in Berlin)", out + err)
    ok("1 event(s) have a floating time" in err and "Europe/Berlin" in err,
       "... and kaigi says so on stderr", err)
    ok(any("12:00–13:00" in l and "Martian lunch" in l for l in sat),
       "an unknown TZID is read in the reader's zone too (not as UTC)", out)
    ok("unknown time zone 'Mars/Olympus'" in err and "1 event(s)" in err and "may be wrong" in err,
       "... and kaigi names the unknown zone", err)
    ok(any("08:00–09:00" in l and "Known zone" in l for l in sat)
       and any("09:00–10:00" in l and "UTC one" in l for l in sat),
       "zoned and UTC times are converted as before, without a warning for them", out)
    rc, out, err = kaigi("agenda", "--feed", path, "--tz", "Asia/Tokyo", "--json")
    by = {e["uid"]: e for e in json.loads(out)["events"]} if rc == 0 else {}
    ok(by.get("float@t", {}).get("start") == "2023-04-29T10:00:00+09:00"
       and by["float@t"].get("floating") is True and by["mars@t"].get("floating") is True
       and "floating" not in by["tokyo@t"], "--json marks those events \"floating\"", out + err)


def check_dst(tmp):
    """Offsets belong to the instant: the hour Moscow repeated in 2014 (no DST
    flag to tell the two apart) and Berlin's autumn hour."""
    path = write(tmp, "dst.ics", [
        ("m1@t", "DTSTART:20141025T213000Z\r\nDTEND:20141025T220000Z", "First 01:30"),
        ("m2@t", "DTSTART:20141025T223000Z\r\nDTEND:20141025T230000Z", "Second 01:30"),
        ("b1@t", "DTSTART;TZID=Europe/Berlin:20231029T023000\r\n"
                 "DTEND:20231029T013000Z", "Berlin repeated")])
    rc, out, err = kaigi("agenda", "--feed", path, "--tz", "Europe/Moscow", "--json")
    by = {e["uid"]: e for e in json.loads(out)["events"]} if rc == 0 else {}
    ok(by.get("m1@t", {}).get("start") == "2014-10-26T01:30:00+04:00"
       and by.get("m2@t", {}).get("start") == "2014-10-26T01:30:00+03:00",
       "Moscow's repeated 01:30: each with its own offset", out + err)
    rc, out, err = kaigi("agenda", "--feed", path, "--tz", "Europe/Berlin", "--json")
    by = {e["uid"]: e for e in json.loads(out)["events"]} if rc == 0 else {}
    ok(by.get("b1@t", {}).get("start") == "2023-10-29T02:30:00+02:00"
       and by["b1@t"].get("end") == "2023-10-29T02:30:00+01:00",
       "Berlin: a local 02:30 is the first, the end at 01:30Z the second 02:30", by.get("b1@t"))


def check_loopback():
    """Only loopback addresses and localhost keep webcal:// on plain http."""
    for host, scheme in (("127.evil.example", "https"), ("localhost.evil.example", "https"),
                         ("127.0.0.1.evil.example", "https"), ("[::1]:1", "http"),
                         ("127.0.0.2:1", "http"), ("LOCALHOST:1", "http")):
        rc, out, err = kaigi("agenda", "--timeout", "5", "--feed", "webcal://%s/f.ics" % host)
        ok(rc == 3 and "%s://%s/f.ics" % (scheme, host) in err,
           "webcal://%s is %s://" % (host, scheme), (rc, err))


def main():
    tmp = tempfile.mkdtemp(prefix="kaigi-agenda-")
    path = os.path.join(tmp, "feed.ics")
    with open(path, "w", newline="") as f:
        f.write(FEED)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FeedHandler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    port = srv.server_address[1]

    rc, out, err = kaigi("agenda", "--feed", path, "--tz", "Europe/Berlin")
    ok(rc == 0, "agenda from a file exits 0", err)
    ok("Times in Europe/Berlin" in out, "agenda names the reader's zone", out)
    fri = day_block(out, "Friday 28 April 2023")
    ok(any("23:30–00:30" in l and "Working breakfast" in l for l in fri),
       "06:30 Tokyo breakfast is on the previous day (Fri 23:30) in Berlin", out)
    sat = day_block(out, "Saturday 29 April 2023")
    ok(any("02:00–03:30" in l and "Session 1" in l for l in sat),
       "09:00 Tokyo is 02:00 in Berlin, same day", out)
    ok(not any("breakfast" in l for l in sat), "breakfast not under Saturday in Berlin", out)
    sun = day_block(out, "Sunday 30 April 2023")
    ok(any("[cancelled] Press conference" in l for l in sun), "cancelled session is marked", out)

    rc, out, err = kaigi("agenda", "--feed", path, "--tz", "Asia/Tokyo")
    sat = day_block(out, "Saturday 29 April 2023")
    ok(rc == 0 and any("06:30–07:30" in l and "breakfast" in l for l in sat),
       "in Tokyo the breakfast is Saturday 06:30", out)

    rc, out, err = kaigi("agenda", "--feed", path, "--tz", "Asia/Tokyo",
                         "--from", "2023-04-29", "--days", "1")
    ok(rc == 0 and "Saturday 29 April 2023" in out and "Friday" not in out
       and "Sunday" not in out, "--from/--days keeps one day", out)

    rc, out, err = kaigi("agenda", "--feed", path, "--tz", "Europe/Berlin", "--json")
    try:
        doc = json.loads(out)
    except ValueError:
        doc = None
    ok(rc == 0 and doc is not None, "--json output parses", out + err)
    if doc:
        by = {e["uid"]: e for e in doc["events"]}
        ok(doc["timezone"] == "Europe/Berlin" and len(doc["events"]) == 5,
           "--json has the zone and all five events", doc)
        ok(by["s2@t"]["start"] == "2023-04-28T23:30:00+02:00",
           "--json start in the reader's zone with offset", by.get("s2@t"))
        ok(by["s5@t"]["status"] == "CANCELLED", "--json keeps the cancelled status")
        ok(by["s4@t"]["summary"] == "Japan–Canada bilateral", "UTF-8 summary intact")

    url = "http://127.0.0.1:%d/feed.ics" % port
    rc, out, err = kaigi("agenda", "--feed", url, "--tz", "Europe/Berlin")
    ok(rc == 0 and "23:30–00:30" in out, "agenda over HTTP", err)
    rc, out, err = kaigi("agenda", "--feed", "webcal://127.0.0.1:%d/feed.ics" % port,
                         "--tz", "Asia/Tokyo")
    ok(rc == 0 and "06:30–07:30" in out, "webcal:// on loopback maps to http://", err)

    rc, out, err = kaigi("agenda", "--feed", "webcal://kaigi.invalid/feeds/x.ics")
    ok(rc == 3 and "https://kaigi.invalid/feeds/x.ics" in err,
       "webcal:// on another host means https://", (rc, err))
    rc, out, err = kaigi("agenda", "--insecure-webcal-http", "--feed",
                         "webcal://kaigi.invalid/feeds/x.ics")
    ok(rc == 3 and "http://kaigi.invalid/feeds/x.ics" in err,
       "--insecure-webcal-http makes it http://", (rc, err))
    rc, out, err = kaigi("agenda", "--feed", "gopher://kaigi.invalid/x.ics")
    ok(rc == 1 and "unsupported scheme" in err, "an unsupported scheme: exit 1", (rc, err))

    rc, out, err = kaigi("agenda", "--feed", "http://127.0.0.1:%d/nope.ics" % port)
    ok(rc == 2 and "404" in err, "a 404 feed exits 2 and says 404", (rc, err))
    srv.shutdown()
    srv.server_close()
    rc, out, err = kaigi("agenda", "--feed", url)
    ok(rc == 3 and "Connection refused" in err and url in err,
       "connection refused exits 3 and names the URL", (rc, err))

    mute = socket.socket()
    mute.bind(("127.0.0.1", 0))
    mute.listen(4)      # accepts connections (backlog), never answers
    rc, out, err = kaigi("agenda", "--timeout", "1", "--feed",
                         "http://127.0.0.1:%d/feed.ics" % mute.getsockname()[1])
    ok(rc == 3 and "timed out" in err, "a server that never answers: exit 3, timed out", (rc, err))
    mute.close()

    rc, out, err = kaigi("agenda", "--feed", path, "--tz", "Mars/Olympus")
    ok(rc == 1 and "unknown time zone" in err, "unknown zone exits 1", (rc, err))
    rc, out, err = kaigi("agenda", "--feed", os.path.join(tmp, "missing.ics"))
    ok(rc == 1 and "missing.ics" in err, "missing file exits 1", (rc, err))
    bad = os.path.join(tmp, "bad.ics")
    with open(bad, "w") as f:
        f.write("hello\n")
    rc, out, err = kaigi("agenda", "--feed", bad)
    ok(rc == 1 and "VCALENDAR" in err, "a non-calendar exits 1", (rc, err))
    odd = os.path.join(tmp, "odd.ics")
    with open(odd, "w") as f:
        f.write("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
                "BEGIN:VEVENT\r\nUID:nodate@t\r\nSUMMARY:No time at all\r\nEND:VEVENT\r\n"
                "BEGIN:VEVENT\r\nUID:day@t\r\nDTSTART;VALUE=DATE:20230428\r\n"
                "DTEND;VALUE=DATE:20230429\r\nSUMMARY:Arrival day\r\nEND:VEVENT\r\n"
                "END:VCALENDAR\r\n")
    rc, out, err = kaigi("agenda", "--feed", odd, "--tz", "America/Los_Angeles")
    fri = day_block(out, "Friday 28 April 2023")
    ok(rc == 0 and any("all day" in l and "Arrival day" in l for l in fri)
       and "No time at all" not in out,
       "an all-day event stays on its date in any zone; one without DTSTART is left out", out)
    check_zones(tmp)
    check_dst(tmp)
    check_loopback()
    rc, out, err = kaigi("agenda")
    ok(rc == 1 and "usage: kaigi agenda" in err, "no --feed is a usage error", (rc, err))
    rc, out, err = kaigi("agenda", "--feed", path, "--days", "zero")
    ok(rc == 1, "bad --days is a usage error", (rc, err))
    rc, out, err = kaigi("help", "agenda")
    ok(rc == 0 and "--feed URL|FILE" in out, "kaigi help agenda", (rc, out))
    print("1..%d" % n)
    return 1 if failed else 0


sys.exit(main())
