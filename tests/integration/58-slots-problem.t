#!/usr/bin/python3
"""58-slots-problem.t — the problem of one request reads only what can
change its slots, in one pass (sql/620_slots_problem_set.sql).

A five-day conference (Europe/Paris, 08:00-20:00) with two bilateral
rooms, three heads, a plenary every day that all three attend, "other"
sessions filling room A every day, changeover 10 minutes, and edge cases
near one request's window (13:00-18:00 on day 4): a session of a head the
evening before, one of the same head ending 5 minutes before the window
(no slot at 13:00), one of the other head starting at its end (no slot
ending at 18:00), room A busy at the window's start. Requests: one with a window on day 4 (accepted), one scheduled on
day 2 with a window there, one without a window.

- The slots through the API are the same whether the problem reads the
  windows' hull a day wider each side (kaigi_bilateral_span) or the whole
  conference (span replaced by the conference's bounds for the check), for
  every request; and the narrowed problem has fewer busy intervals.
- The rooms' busy lists are the sessions in each room over the span
  (computed here from the sessions table), each room's one string
  "start end,..." (sql/740_problem_rooms_text.sql), and the people's equal 240's
  kaigi_bilateral_problem_people (untouched) for the same span.
- Building both problems calls kaigi_bilateral_minute and
  kaigi_move_sessions 0 times (pg_stat_xact_user_functions; before: two
  calls of the first per busy interval, and the second read every session
  with its people).
- kaigi_bilateral_minute equals 040's formula on every session instant
  and on edge instants (before 1970, fractions of a second, a leap day),
  each also a microsecond either side and just under a minute later, near
  and farther than 2^31 s from the origin (sql/810 counts in float8 there).
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "slots-problem"
C = "/api/v1/conferences/" + SLUG
DAYS = ["2026-09-%02d" % d for d in range(7, 12)]
ACTOR = '{"role": "admin"}'
WIDE = """CREATE OR REPLACE FUNCTION kaigi_bilateral_span(p_conference_id bigint,
    reqs bilateral_requests[], OUT lo timestamptz, OUT hi timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT k.first_start - interval '1 day', k.last_end + interval '1 day'
    FROM kaigi_bilateral_bounds(p_conference_id) k
$$"""


def must(r, status, what):
    if not is_(r.status, status, what):
        diag(r.text[:800])
    return r.json if r.status == status else {}


def at(day, hhmm):
    return "%sT%s:00+02:00" % (DAYS[day], hhmm)


def session(s, sec, what, room, day, start, end, attendees=()):
    body = {"kind": "other", "title": what, "start": at(day, start), "end": at(day, end)}
    if room is not None:
        body["room_id"] = room
    if attendees:
        body["attendees"] = list(attendees)
    return must(s.request("POST", C + "/sessions", body, token=sec), 201, what)["id"]


def setup(s):
    admin = s.token("admin")
    must(s.request("POST", "/api/v1/conferences", {
        "slug": SLUG, "title": "Slots", "timezone": "Europe/Paris", "start_date": DAYS[0],
        "end_date": DAYS[-1], "day_start": "08:00", "day_end": "20:00",
        "changeover_minutes": 10}, token=admin), 201, "conference")
    sec = s.token("secretariat", SLUG)
    heads = {}
    for code in ("FR", "DE", "IT"):
        must(s.request("POST", C + "/delegations", {"code": code, "name": code, "kind": "member"},
                       token=sec), 201, "delegation " + code)
        heads[code] = must(s.request("POST", C + "/participants", {"delegation": code, "name": "Head " + code,
                                                                   "role": "head"}, token=sec), 201,
                           "head of " + code)["id"]
    v = must(s.request("POST", C + "/venues", {"name": "Hall"}, token=sec), 201, "venue")
    rooms = [must(s.request("POST", C + "/rooms", {"venue_id": v["id"], "name": n, "capacity": 4,
                                                  "kind": "bilateral"}, token=sec), 201, "room " + n)["id"]
             for n in ("A", "B")]
    for d in range(5):
        session(s, sec, "Plenary %d" % d, None, d, "09:00", "10:00", heads.values())
        for h in ("11:00", "14:00", "17:00"):
            session(s, sec, "Reserved %d %s" % (d, h), rooms[0], d, h, "%02d:30" % (int(h[:2]) + 1))
    session(s, sec, "Dinner FR, day 3", None, 2, "19:00", "19:45", [heads["FR"]])
    session(s, sec, "Briefing FR, day 4", None, 3, "12:15", "12:55", [heads["FR"]])
    session(s, sec, "Call DE, day 4", None, 3, "18:00", "18:30", [heads["DE"]])
    session(s, sec, "Room A at the window's start", rooms[0], 3, "13:00", "13:30")
    return sec, heads, rooms


def requests(s, sec):
    def bil(body, what):
        b = must(s.request("POST", C + "/bilaterals", body, token=sec), 201, what)
        must(s.request("POST", "/api/v1/bilaterals/%d/accept" % b["id"], {}, token=sec), 200,
             what + " accepted")
        return b["id"]
    day4 = bil({"requester": "FR", "counterpart": "DE", "duration_minutes": 30,
                "earliest": at(3, "13:00"), "latest": at(3, "18:00")}, "FR-DE on day 4")
    day2 = bil({"requester": "DE", "counterpart": "IT", "duration_minutes": 30,
                "earliest": at(1, "12:00"), "latest": at(1, "16:00")}, "DE-IT on day 2")
    must(s.request("POST", "/api/v1/bilaterals/%d/schedule" % day2, {}, token=sec), 201, "DE-IT scheduled")
    anyday = bil({"requester": "FR", "counterpart": "IT", "duration_minutes": 45}, "FR-IT, no window")
    return {"day 4": day4, "day 2, scheduled": day2, "no window": anyday}


def slots(s, sec, reqs):
    out = {}
    for what, b in reqs.items():
        out[what] = must(s.request("GET", "/api/v1/bilaterals/%d/slots?limit=100" % b, token=sec), 200,
                         "slots of " + what)
    return out


def intervals(busy):
    """A busy list: people's arrays, or a room's string "s e,s e" (sql/740)."""
    if isinstance(busy, str):
        return [[int(v) for v in x.split(" ")] for x in busy.split(",") if x]
    return busy


def busy_count(pb):
    return sum(len(intervals(x["busy"])) for x in pb["rooms"] + pb["people"])


def problems(s, reqs):
    """{what: problem} built in one transaction, and the calls counted."""
    conn = s.db()
    conn.autocommit = False
    with conn.cursor() as cur:
        cur.execute("SET LOCAL track_functions = 'all'")
        pbs = {}
        for what, b in reqs.items():
            cur.execute("SELECT kaigi_bilateral_slots_problem(%s, %s)", (ACTOR, b))
            pbs[what] = cur.fetchone()[0]
        cur.execute("""SELECT funcname, sum(calls) FROM pg_stat_xact_user_functions
            WHERE funcname IN ('kaigi_bilateral_minute', 'kaigi_move_sessions') GROUP BY 1""")
        calls = dict(cur.fetchall())
    conn.rollback()
    conn.close()
    return pbs, calls


def rooms_expected(s, pb, lo, hi, skip):
    """Each room's busy [start, end] minutes over [lo, hi], from the table."""
    want = {}
    for r in pb["rooms"]:
        want[r["id"]] = sorted(list(x) for x in rows(s, """
            SELECT floor((extract(epoch FROM greatest(starts_at, %s::timestamptz)) - %s) / 60)::int,
                   ceil((extract(epoch FROM least(ends_at, %s::timestamptz)) - %s) / 60)::int
            FROM sessions WHERE room_id = %s AND status <> 'cancelled'
                AND during && tstzrange(%s, %s) AND id <> ALL (%s)""",
            lo, pb["origin"], hi, pb["origin"], r["id"], lo, hi, skip))
    return want


def check_parts(s, reqs, pbs):
    for what, b in reqs.items():
        pb = pbs[what]
        lo, hi, skip = rows(s, """SELECT k.lo, k.hi, coalesce(array_remove(ARRAY[r.session_id], NULL), '{}')
            FROM bilateral_requests r, kaigi_bilateral_span(r.conference_id, ARRAY[r]) k
            WHERE r.id = %s""", b)[0]
        ok(all(isinstance(r["busy"], str) for r in pb["rooms"]), "%s: each room's busy time is one string"
           " (sql/740)" % what)
        got = {r["id"]: sorted(intervals(r["busy"])) for r in pb["rooms"]}
        is_(got, rooms_expected(s, pb, lo, hi, skip), "%s: the rooms' busy time over the span" % what)
        if skip:        # 240's form counts the request's own session, which the problem leaves out
            continue
        ref = one(s, "SELECT kaigi_bilateral_problem_people(r.conference_id, %s, %s, %s, %s)"
                     " FROM bilateral_requests r WHERE r.id = %s",
                  pb["origin"], lo, hi, [p["id"] for p in pb["people"]], b)
        is_({p["id"]: sorted(p["busy"]) for p in pb["people"]},
            {p["id"]: sorted(p["busy"]) for p in ref},
            "%s: the people's busy time as 240's kaigi_bilateral_problem_people gives it" % what)


def check_minute(s):
    bad, tried = rows(s, """SELECT count(*) FILTER (WHERE bad), count(*) FROM (SELECT
            kaigi_bilateral_minute(o, ts) <> floor((extract(epoch FROM ts) - o) / 60)::int
            OR kaigi_bilateral_minute(o, ts, true) <> ceil((extract(epoch FROM ts) - o) / 60)::int AS bad FROM (
        SELECT ts + d AS ts, o FROM (SELECT starts_at AS ts FROM sessions UNION ALL SELECT ends_at FROM sessions
            UNION ALL SELECT unnest(ARRAY[timestamptz '1969-12-31 23:59:59.5+00',
                timestamptz '1900-02-28 12:00:00.000001+00', timestamptz '2028-02-29 23:59:30+09',
                timestamptz '1970-01-01 00:00:00+00', timestamptz '2999-12-31 23:59:59.999999+00',
                timestamptz '2038-01-19 03:14:08+00', timestamptz '1901-12-13 20:45:52+00',
                timestamptz '2094-09-07 00:00:00+00', timestamptz '2120-03-01 00:00:00+00'])) t,
            unnest(ARRAY[0, 1788732000, -86400, 59, 4294967296]::bigint[]) o,
            unnest(ARRAY[interval '0', interval '1 microsecond', interval '-1 microsecond',
                interval '0.5 second', interval '59.999999 second']) d) x) y""")[0]
    is_(bad, 0, "kaigi_bilateral_minute equals 040's formula on every instant tried (%d)" % tried)


with Server() as s:
    sec, heads, rooms = setup(s)
    reqs = requests(s, sec)
    narrow = slots(s, sec, reqs)
    ok(all(narrow[w]["items"] for w in reqs), "every request has slots")
    starts = [x["start"][11:16] for x in narrow["day 4"]["items"]]
    ok(starts and "13:00" not in starts and "17:30" not in starts,
       "day 4: no slot inside the changeover after 12:55 or before 18:00 (%s)" % starts)
    pbs, calls = problems(s, reqs)
    is_(calls, {}, "the problems called neither kaigi_bilateral_minute nor kaigi_move_sessions")
    check_parts(s, reqs, pbs)
    with s.db().cursor() as cur:
        cur.execute(WIDE)
    wide = slots(s, sec, reqs)
    wpbs, _ = problems(s, reqs)
    for what in reqs:
        is_(json.dumps(narrow[what], sort_keys=True), json.dumps(wide[what], sort_keys=True),
            "%s: the same slots as with the whole conference read" % what)
    for what in ("day 4", "day 2, scheduled"):
        ok(busy_count(pbs[what]) < busy_count(wpbs[what]),
           "%s: the problem reads fewer busy intervals (%d, whole conference %d)"
           % (what, busy_count(pbs[what]), busy_count(wpbs[what])))
    is_(busy_count(pbs["no window"]), busy_count(wpbs["no window"]),
        "no window: the problem reads the whole conference")
    check_minute(s)
done_testing()
