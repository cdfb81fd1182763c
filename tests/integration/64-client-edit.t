#!/usr/bin/python3
# 64-client-edit.t — the kaigi binary's remaining set-up commands against a
# real kaigid on the demo database:
#   * kaigi conference create (admin) and conference edit (If-Match; a new
#     --timezone with sessions needs --shift keep_wall_clock|keep_instants,
#     exit 4 without it);
#   * kaigi travel set FROM TO MINUTES (venues by name) and travel list;
#   * kaigi unavailable add|rm|list PERSON (by name, e-mail or ref; an
#     ambiguous name lists the candidates);
#   * kaigi bilateral edit ID (--window, --duration, --priority; exit 4 for a
#     scheduled request);
#   * kaigi conflicts prints warnings (over capacity) without failing;
#   * help and the man page name them;
# each with the exit codes of kaigi(1) and --json parsed back.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from kaigiclient import Kaigi, js  # noqa: E402

SLUG = "g7-digital-2023"


def one(db, q, *args):
    with db.cursor() as cur:
        cur.execute(q, args)
        return cur.fetchone()


def check_conference(s, k, admin, sec):
    rc, out, err = k("conference", "create", "cli-conf", "--title", "Client conference", "--timezone",
                     "Europe/Paris", "--from", "2025-03-28", "--to", "2025-03-31", token=admin)
    is_(rc, 0, "kaigi conference create: exit 0")
    like(out, r"slug: +cli-conf", "... prints the conference")
    rc, out, err = k("conference", "create", "cli-conf", "--title", "Again", "--timezone", "Europe/Paris",
                     "--from", "2025-03-28", "--to", "2025-03-31", token=admin)
    is_(rc, 4, "the same slug again: exit 4 (409)")
    rc, out, err = k("conference", "create", "cli-two", "--title", "X", "--timezone", "Europe/Paris",
                     "--from", "2025-03-28", "--to", "2025-03-31", token=sec)
    is_(rc, 2, "a secretariat token: exit 2 (403)")
    rc, out, err = k("conference", "create", "cli-two", "--title", "X", token=admin)
    ok(rc == 1 and "required" in err, "missing --timezone/--from/--to: usage error saying they are required")
    rc, out, err = k("conference", "create", "cli-two", "--title", "X", "--timezone", "Mars/Base",
                     "--from", "2025-03-28", "--to", "2025-03-31", token=admin)
    ok(rc == 2 and "timezone" in err, "an unknown zone: exit 2 naming the field")
    rc, out, err = k("conference", "edit", "cli-conf", "--title", "Renamed", "--json", token=admin)
    is_((rc, (js(out) or {}).get("title")), (0, "Renamed"), "kaigi conference edit SLUG --title: exit 0")
    rc, out, err = k("conference", "edit", "cli-conf", token=admin)
    ok(rc == 1 and "at least one option" in err, "conference edit with nothing to change: usage error")
    sec2 = s.token("secretariat", conference="cli-conf")
    r = s.request("POST", "/api/v1/conferences/cli-conf/sessions", {
        "kind": "plenary", "title": "Opening", "start": "2025-03-29T10:00:00+01:00",
        "end": "2025-03-29T11:00:00+01:00"}, token=sec2)
    sid = r.json["id"]
    rc, out, err = k("conference", "edit", "--timezone", "Europe/London", token=sec2)
    ok(rc == 4 and "keep_wall_clock" in err and "keep_instants" in err,
       "a new zone with sessions, no --shift: exit 4 naming both choices")
    rc, out, err = k("conference", "edit", "--timezone", "Europe/London", "--shift", "later", token=sec2)
    ok(rc == 1 and "keep_wall_clock" in err, "--shift later: usage error naming the valid values")
    rc, out, err = k("conference", "edit", "--timezone", "Europe/London", "--shift", "keep_wall_clock",
                     token=sec2)
    is_(rc, 0, "--shift keep_wall_clock: exit 0")
    is_(s.request("GET", "/api/v1/sessions/%d" % sid, token=sec2).json["start"], "2025-03-29T10:00:00+00:00",
        "... the session keeps its local time")


def check_travel(s, k, db):
    a, b = one(db, "SELECT array_agg(v.name ORDER BY v.id) FROM venues v JOIN conferences c"
                   " ON c.id = v.conference_id WHERE c.slug = %s", SLUG)[0][:2]
    rc, out, err = k("travel", "set", a, b, 25)
    is_(rc, 0, "kaigi travel set FROM TO MINUTES (venue names): exit 0")
    got = one(db, "SELECT array_agg(t.minutes) FROM travel_times t JOIN venues f ON f.id = t.from_venue_id"
                  " JOIN venues g ON g.id = t.to_venue_id WHERE (f.name, g.name) IN ((%s, %s), (%s, %s))",
              a, b, b, a)[0]
    is_(got, [25, 25], "... stored both ways")
    rc, out, err = k("travel", "list", "--json")
    ok(rc == 0 and any(x.get("minutes") == 25 for x in (js(out) or {}).get("items", [])),
       "kaigi travel list --json")
    rc, out, err = k("travel", "set", a, b, "soon")
    ok(rc == 1 and "MINUTES" in err, "MINUTES not a number: usage error naming it")
    rc, out, err = k("travel", "set", "Nowhere Hall", b, 5)
    ok(rc == 1 and "Nowhere Hall" in err, "an unknown venue: usage error naming it")


def check_unavailable(s, k, db, sec):
    rc, out, err = k("unavailable", "add", "kono taro", "--from", "2023-04-30 06:00", "--to",
                     "2023-04-30 07:00", "--reason", "Flight", "--json")
    j = js(out) or {}
    is_((rc, j.get("start"), j.get("reason")), (0, "2023-04-30T06:00:00+09:00", "Flight"),
        "kaigi unavailable add NAME (any case), local times in the conference's zone")
    uid = j.get("id")
    rc, out, err = k("unavailable", "list", "Kono Taro")
    ok(rc == 0 and "Flight" in out, "kaigi unavailable list NAME")
    for d in ("JP", "CA"):
        r = s.request("POST", "/api/v1/conferences/%s/participants" % SLUG,
                      {"delegation": d, "name": "Sam Lee", "role": "staff", "email": "sam.%s@example.org" % d.lower(),
                       "ref": "SAM-" + d}, token=sec)
        assert r.status == 201, r
    rc, out, err = k("unavailable", "add", "Sam Lee", "--from", "2023-04-30 06:00", "--to", "2023-04-30 07:00")
    ok(rc == 1 and err.count("Sam Lee") >= 2, "an ambiguous name: usage error listing the candidates")
    rc, out, err = k("unavailable", "add", "SAM.ca@example.org", "--from", "2023-04-30 06:00", "--to",
                     "2023-04-30 07:00")
    is_(rc, 0, "... by e-mail: exit 0")
    rc, out, err = k("unavailable", "list", "SAM-CA", "--json")
    is_((rc, len((js(out) or {}).get("items", []))), (0, 1), "... listed by ref")
    rc, out, err = k("unavailable", "add", "Kono Taro", "--from", "noon", "--to", "2023-04-30 07:00")
    ok(rc == 1 and "--from" in err, "a bad time: usage error naming the option")
    rc, out, err = k("unavailable", "add", "Kono Taro", "--from", "2023-04-30 08:00", "--to", "2023-04-30 07:00")
    is_(rc, 2, "end before start: exit 2 (422)")
    rc, out, err = k("unavailable", "rm", "Kono Taro", uid)
    is_(rc, 0, "kaigi unavailable rm PERSON ID: exit 0")
    is_(one(db, "SELECT count(*) FROM unavailability WHERE id = %s", uid)[0], 0, "... removed")
    rc, out, err = k("unavailable", "rm", "Kono Taro", uid)
    is_(rc, 2, "... again: exit 2 (404)")
    rc, out, err = k("unavailable", "list", "Nobody Atall")
    ok(rc == 1 and "Nobody Atall" in err, "an unknown person: usage error naming them")


def check_bilateral(s, k, db, sec):
    r = s.request("POST", "/api/v1/conferences/%s/bilaterals" % SLUG,
                  {"requester": "IT", "counterpart": "DE", "duration_minutes": 30}, token=sec)
    bid = r.json["id"]
    rc, out, err = k("bilateral", "edit", bid, "--duration", 45, "--priority", 5, "--window",
                     "2023-04-29 09:00/2023-04-29 18:00", "--json")
    j = js(out) or {}
    is_((rc, j.get("duration_minutes"), j.get("priority"), j.get("earliest"), j.get("latest")),
        (0, 45, 5, "2023-04-29T09:00:00+09:00", "2023-04-29T18:00:00+09:00"),
        "kaigi bilateral edit ID --duration --priority --window: exit 0")
    rc, out, err = k("bilateral", "edit", bid, "--priority", 9)
    ok(rc == 1 and "priority" in err, "--priority 9: usage error naming it")
    rc, out, err = k("bilateral", "edit", bid, "--window", "tomorrow")
    ok(rc == 1 and "START/END" in err, "--window without START/END: usage error saying so")
    rc, out, err = k("bilateral", "edit", bid)
    ok(rc == 1 and "at least one option" in err, "nothing to change: usage error")
    rc, out, err = k("bilateral", "edit", 99999999, "--priority", 2)
    is_(rc, 2, "an unknown request: exit 2 (404)")
    sched = one(db, "SELECT id FROM bilateral_requests WHERE status = 'scheduled' ORDER BY id LIMIT 1")[0]
    rc, out, err = k("bilateral", "edit", sched, "--priority", 2)
    ok(rc == 4 and "scheduled" in err, "a scheduled request: exit 4 saying so")


def check_conflicts(s, k, db, sec):
    rid, rname, cap = one(db, "SELECT r.id, r.name, r.capacity FROM rooms r JOIN conferences c"
                              " ON c.id = r.conference_id WHERE c.slug = %s ORDER BY r.capacity, r.id"
                              " LIMIT 1", SLUG)
    r = s.request("POST", "/api/v1/conferences/%s/sessions" % SLUG, {
        "kind": "side_event", "title": "Big reception", "room_id": rid, "expected_attendance": cap + 100,
        "start": "2023-04-30T21:00:00+09:00", "end": "2023-04-30T21:30:00+09:00"}, token=sec)
    assert r.status == 201, r
    rc, out, err = k("conflicts")
    ok(rc == 0 and "warning: over_capacity" in out and "Big reception" in out
       and "seats %d" % cap in out, "kaigi conflicts prints the over-capacity warning, exit 0")


def check_help(k):
    rc, out, err = k("--help")
    for name in ("conference create", "conference edit", "travel set", "unavailable add", "unavailable rm",
                 "unavailable list", "bilateral edit"):
        like(out, r"\n  %s " % name, "kaigi --help lists %s" % name)
    rc, out, err = k("help", "unavailable")
    ok(rc == 0 and "PERSON" in out, "kaigi help unavailable")
    with open(os.path.join(TOP, "man", "kaigi.1")) as f:
        man = f.read()
    for name in ("conference create", "conference edit", "travel set", "unavailable add", "bilateral edit"):
        ok((".B " + name) in man, "the man page describes %s" % name)


def part(fn, *args):
    """One part; an exception fails it and lets the others run."""
    try:
        fn(*args)
    except Exception as e:  # noqa: BLE001
        ok(False, "%s ran through (%s: %s)" % (fn.__name__, type(e).__name__, e))


with Server() as s:
    db = s.db()
    admin = s.token("admin")
    sec = s.token("secretariat", conference=SLUG)
    k = Kaigi(s, sec)
    part(check_conference, s, k, admin, sec)
    part(check_travel, s, k, db)
    part(check_unavailable, s, k, db, sec)
    part(check_bilateral, s, k, db, sec)
    part(check_conflicts, s, k, db, sec)
    part(check_help, k)
done_testing()
