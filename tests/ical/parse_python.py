#!/usr/bin/python3
"""parse_python.py — read a kaigi feed with python3-icalendar (Debian).

    tests/ical/parse_python.py FILE-or-URL

Fails (exit 1, message on stderr) on any parse error, on a missing calendar
or event property that the feed contract (shared/API.md, Feeds) requires, and
on a TZID without its VTIMEZONE. Otherwise prints the events as a JSON array
sorted by UID: {uid, start_utc, end_utc, summary, status, sequence,
categories, location}, and with --languages (after the source) also
summary_language and description_language (the LANGUAGE parameters, null
when absent; issue 17). Local times are turned into UTC through the feed's
own VTIMEZONE (Timezone.to_tz()), not through the zone database by name.
"""
import datetime
import json
import sys
import urllib.request

import icalendar

CAL_REQUIRED = ("PRODID", "VERSION", "CALSCALE", "METHOD", "NAME",
                "X-WR-CALNAME", "X-WR-TIMEZONE", "REFRESH-INTERVAL",
                "X-PUBLISHED-TTL")
EVENT_REQUIRED = ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "STATUS",
                  "SEQUENCE", "CREATED", "LAST-MODIFIED")


def fail(msg):
    """Print why the feed is refused and exit 1."""
    if len(msg) > 400:
        msg = msg[:400] + "..."
    print("parse_python: " + msg, file=sys.stderr)
    sys.exit(1)


def read(src):
    """The bytes of a file path or an http(s) URL."""
    if src.startswith(("http://", "https://")):
        with urllib.request.urlopen(src, timeout=30) as r:
            if r.status != 200:
                fail("%s: HTTP %d" % (src, r.status))
            return r.read()
    with open(src, "rb") as f:
        return f.read()


def check_calendar(cal):
    """The calendar-level properties the contract requires."""
    if cal.name != "VCALENDAR":
        fail("top-level component is %s" % cal.name)
    for name in CAL_REQUIRED:
        if name not in cal:
            fail("calendar lacks " + name)
    if str(cal["VERSION"]) != "2.0":
        fail("VERSION is %s" % cal["VERSION"])
    if str(cal["METHOD"]).upper() != "PUBLISH":
        fail("METHOD is %s" % cal["METHOD"])
    ri = cal["REFRESH-INTERVAL"]
    if str(ri.params.get("VALUE", "")).upper() != "DURATION":
        fail("REFRESH-INTERVAL lacks VALUE=DURATION")


def local_until(vtz):
    """Work around python3-icalendar 4.0.3 (collective/icalendar#708).

    RFC 5545 3.3.10 wants UNTIL in UTC inside STANDARD/DAYLIGHT, whose
    DTSTART is local time; Timezone.to_tz() hands both to dateutil, which
    refuses the mix. Rewrite UNTIL as the same instant in the observance's
    local time before the change (UTC + TZOFFSETFROM), which is what it means.
    """
    for obs in vtz.subcomponents:
        rule = obs.get("RRULE")
        if rule is None or "UNTIL" not in rule:
            continue
        until = rule["UNTIL"][0]
        if isinstance(until, datetime.datetime) and until.tzinfo is not None:
            off = obs["TZOFFSETFROM"].td
            rule["UNTIL"] = [(until.astimezone(datetime.timezone.utc) + off)
                             .replace(tzinfo=None)]


def zones(cal):
    """Map TZID -> tzinfo built from the feed's own VTIMEZONEs."""
    out = {}
    for c in cal.walk("VTIMEZONE"):
        tzid = str(c["TZID"])
        if tzid in out:
            fail("two VTIMEZONEs for " + tzid)
        local_until(c)
        try:
            out[tzid] = c.to_tz()
        except Exception as e:
            fail("VTIMEZONE %s: %s" % (tzid, e))
    if not out:
        fail("no VTIMEZONE")
    return out


def to_utc(prop, tzs, what):
    """A DTSTART/DTEND property as an ISO 8601 UTC string."""
    tzid = prop.params.get("TZID")
    if tzid is None:
        fail("%s without TZID" % what)
    if tzid not in tzs:
        fail("%s: TZID %s has no VTIMEZONE" % (what, tzid))
    if not isinstance(prop.dt, datetime.datetime):
        fail("%s is not a DATE-TIME" % what)
    # The wall-clock time as written (to_ical() would say "Z" for TZID=UTC).
    local = prop.dt.replace(tzinfo=None)
    aware = tzs[tzid].localize(local, is_dst=None)
    return aware.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def categories(ev):
    """CATEGORIES as a list of strings ([] if absent)."""
    if "CATEGORIES" not in ev:
        return []
    props = ev["CATEGORIES"]
    if not isinstance(props, list):
        props = [props]
    out = []
    for p in props:
        out.extend(str(c) for c in getattr(p, "cats", [p]))
    return out


def event(ev, tzs):
    """One VEVENT as the normalised dict."""
    for name in EVENT_REQUIRED:
        if name not in ev or ev[name] is None:
            fail("event %s lacks %s" % (ev.get("UID", "?"), name))
    uid = str(ev["UID"])
    return {
        "uid": uid,
        "start_utc": to_utc(ev["DTSTART"], tzs, uid + " DTSTART"),
        "end_utc": to_utc(ev["DTEND"], tzs, uid + " DTEND"),
        "summary": str(ev["SUMMARY"]),
        "status": str(ev["STATUS"]).upper(),
        "sequence": int(ev["SEQUENCE"]),
        "categories": categories(ev),
        "location": str(ev["LOCATION"]) if "LOCATION" in ev else None,
    }


def main():
    """Parse argv[1] and print its events."""
    if len(sys.argv) not in (2, 3) or sys.argv[2:] not in ([], ["--languages"]):
        fail("usage: parse_python.py FILE-or-URL [--languages]")
    try:
        cal = icalendar.Calendar.from_ical(read(sys.argv[1]))
    except Exception as e:  # any parse failure is a refusal
        fail("cannot parse: %s" % e)
    for c in cal.walk():
        if c.errors:
            fail("errors in %s: %s" % (c.name, c.errors))
    check_calendar(cal)
    tzs = zones(cal)
    events = [event(e, tzs) for e in cal.walk("VEVENT")]
    if sys.argv[2:] == ["--languages"]:
        for d, e in zip(events, cal.walk("VEVENT")):
            for prop in ("SUMMARY", "DESCRIPTION"):
                p = e.get(prop)
                d[prop.lower() + "_language"] = None if p is None else p.params.get("LANGUAGE")
    uids = [e["uid"] for e in events]
    if len(set(uids)) != len(uids):
        fail("duplicate UID")
    events.sort(key=lambda e: e["uid"])
    json.dump(events, sys.stdout, ensure_ascii=False, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        raise
    except Exception as e:  # a crash is a refusal too, with a short message
        fail("%s: %s" % (type(e).__name__, e))
