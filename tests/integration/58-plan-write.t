#!/usr/bin/python3
"""58-plan-write.t — an auto-schedule's plan written as a set (issue 20,
sql/290_plan_write.sql) keeps every rule of the per-row placement.

On a conference of its own (two venues 30 minutes apart, changeover 10,
two en-ja interpreters, a side event of one head in the far venue):
- the same plan (a topic, a confidential request, one needing en-ja for an
  hour, a deputy-level one) written one by one (kaigi_bilateral_apply_by_row)
  and as a set stores the same thing: requests, sessions (title,
  visibility, SEQUENCE, version, pairs), attendees, parties, interpreters
  (two, picked), busy rows, change log, links and audit rows in the same
  order with the same content; and the set path placed none one by one;
- what a plain INSERT would let through is refused with the per-row path's
  problem and nothing is stored: a placement within travel time of the
  head's side event (changeover alone passes), two placements of the plan
  itself within travel time of each other, a room already taken, a room
  not for bilaterals (422), two meetings needing more interpreters than
  there are;
- through the API, the plan is written: every request placed, the one
  needing en-ja with its two interpreters, two audit rows a placement,
  nothing on /conflicts.
"""
import datetime
import json
import os
import sys

import psycopg2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "plan-write-2026"


def at(hhmm):
    """Unix seconds of 2026-06-01 hh:mm in Tokyo."""
    h, m = (int(x) for x in hhmm.split(":"))
    t = datetime.datetime(2026, 6, 1, h, m, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))
    return int(t.timestamp())


def q(cur, sql, *args):
    cur.execute(sql, args)
    return cur.fetchall() if cur.description else None


def setup(s):
    """The conference, by SQL; returns ids by name."""
    cur = s.db().cursor()
    cid = q(cur, "INSERT INTO conferences (slug, title, timezone, start_date, end_date,"
                 " changeover_minutes, languages) VALUES (%s, 'Plan write', 'Asia/Tokyo',"
                 " '2026-06-01', '2026-06-01', 10, '{en,ja}') RETURNING id", SLUG)[0][0]
    ids = {"conf": cid}
    for v in ("Messe", "Theatre"):
        ids[v] = q(cur, "INSERT INTO venues (conference_id, name) VALUES (%s, %s) RETURNING id", cid, v)[0][0]
    q(cur, "INSERT INTO travel_times (conference_id, from_venue_id, to_venue_id, minutes)"
           " VALUES (%s, %s, %s, 30), (%s, %s, %s, 30)",
      cid, ids["Messe"], ids["Theatre"], cid, ids["Theatre"], ids["Messe"])
    for name, venue, kind in (("R1", "Messe", "bilateral"), ("R2", "Messe", "bilateral"),
                              ("R3", "Theatre", "bilateral"), ("Press", "Messe", "other"),
                              ("Hall", "Theatre", "side_event")):
        ids[name] = q(cur, "INSERT INTO rooms (conference_id, venue_id, name, capacity, kind, booths)"
                           " VALUES (%s, %s, %s, 10, %s, 2) RETURNING id", cid, ids[venue], name, kind)[0][0]
    for code in ("A", "B", "C", "D", "E", "F", "INT"):
        ids[code] = q(cur, "INSERT INTO delegations (conference_id, code, name) VALUES (%s, %s, %s)"
                           " RETURNING id", cid, code, "Delegation " + code)[0][0]
    for code, name, role, pairs in (("A", "a", "head", []), ("B", "b", "head", []), ("C", "c", "head", []),
                                    ("D", "d", "head", []), ("E", "e", "head", []), ("F", "f", "head", []),
                                    ("A", "a2", "deputy", []), ("INT", "i1", "interpreter", ["en-ja"]),
                                    ("INT", "i2", "interpreter", ["en-ja"])):
        ids[name] = q(cur, "INSERT INTO participants (conference_id, delegation_id, name, role,"
                           " language_pairs) VALUES (%s, %s, %s, %s, %s) RETURNING id",
                      cid, ids[code], name, role, pairs)[0][0]
    sid = q(cur, "INSERT INTO sessions (conference_id, kind, title, room_id, starts_at, ends_at)"
                 " VALUES (%s, 'side_event', 'Side event', %s, to_timestamp(%s), to_timestamp(%s))"
                 " RETURNING id", cid, ids["Hall"], at("09:00"), at("10:00"))[0][0]
    q(cur, "INSERT INTO session_attendees (session_id, participant_id) VALUES (%s, %s)", sid, ids["c"])
    for name, rq, cp, minutes, extra in (("r1", "A", "B", 30, {"topics": "Trade"}),
                                         ("r2", "C", "D", 30, {"confidential": True}),
                                         ("r3", "E", "F", 60, {"interpretation": ["en-ja"]}),
                                         ("r4", "A", "B", 30, {"level": "deputy"}),
                                         ("r5", "C", "D", 60, {"interpretation": ["en-ja"]})):
        cols = ["conference_id", "requester_delegation_id", "counterpart_delegation_id",
                "duration_minutes", "status"] + list(extra)
        vals = [cid, ids[rq], ids[cp], minutes, "accepted"] + list(extra.values())
        ids[name] = q(cur, "INSERT INTO bilateral_requests (%s) VALUES (%s) RETURNING id"
                      % (", ".join(cols), ", ".join(["%s"] * len(vals))), *vals)[0][0]
    return ids


def plan(s, ids, *items):
    """A plan {placed, unplaced, stats} of (request, room, hh:mm), with the requests' versions now."""
    cur = s.db().cursor()
    return json.dumps({"placed": [{"bilateral_id": ids[b], "room_id": ids[r], "start": at(t), "version": q(
        cur, "SELECT version FROM bilateral_requests WHERE id = %s", ids[b])[0][0]} for b, r, t in items],
        "unplaced": [], "stats": {}})


def actor(ids):
    return json.dumps({"role": "secretariat", "conference_id": ids["conf"], "token_id": None})


def snapshot(s, ids):
    """Everything a plan could write in the conference."""
    cur = s.db().cursor()
    return q(cur, "SELECT (SELECT json_agg(json_build_array(id, status, session_id, version) ORDER BY id)"
               " FROM bilateral_requests WHERE conference_id = %s),"
               " (SELECT count(*) FROM sessions WHERE conference_id = %s),"
               " (SELECT count(*) FROM audit_log WHERE conference_id = %s),"
               " (SELECT count(*) FROM session_changes WHERE conference_id = %s),"
               " (SELECT count(*) FROM busy WHERE conference_id = %s),"
               " (SELECT count(*) FROM session_interpreters)", *([ids["conf"]] * 5))


def written(cur, cid):
    """What the plan wrote, with each session named by its request (ids differ)."""
    reqs = q(cur, "SELECT id, status, version, session_id FROM bilateral_requests"
                  " WHERE conference_id = %s ORDER BY id", cid)
    name = {r[3]: "S%d" % r[0] for r in reqs if r[3]}
    per = q(cur, """SELECT b.id, row_to_json(x)::jsonb - 'id' - 'during',
        (SELECT json_agg(participant_id ORDER BY participant_id) FROM session_attendees WHERE session_id = x.id),
        (SELECT json_agg(delegation_id ORDER BY delegation_id) FROM session_delegations WHERE session_id = x.id),
        (SELECT json_agg(json_build_array(participant_id, pair, auto) ORDER BY participant_id)
           FROM session_interpreters WHERE session_id = x.id),
        (SELECT json_agg(json_build_array(participant_id, during::text) ORDER BY participant_id)
           FROM busy WHERE session_id = x.id),
        (SELECT json_agg(change ORDER BY id) FROM session_changes WHERE session_id = x.id),
        (SELECT json_agg(live) FROM bilateral_sessions WHERE session_id = x.id)
        FROM bilateral_requests b JOIN sessions x ON x.id = b.session_id
        WHERE b.conference_id = %s ORDER BY b.id""", cid)
    audit = []
    for action, entity, eid, role, before, after in q(
            cur, "SELECT action, entity, entity_id, role, before, after FROM audit_log"
                 " WHERE conference_id = %s ORDER BY id", cid):
        if entity == "session":
            eid, after = name.get(eid), dict(after, id=name.get(after.get("id")))
        else:
            after = dict(after, session_id=name.get(after.get("session_id")))
        audit.append((action, entity, eid, role, before, after))
    return [r[:3] for r in reqs], per, audit


def calls(cur, fn):
    """Calls of function fn in this transaction (track_functions = all)."""
    return q(cur, "SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions"
                  " WHERE funcname = %s", fn)[0][0]


def test_same_as_per_row(s, ids):
    """One plan, written one by one and as a set (rolled back between): the same rows."""
    p = plan(s, ids, ("r1", "R1", "10:00"), ("r2", "R2", "10:40"), ("r3", "R3", "10:00"),
             ("r4", "R1", "11:00"))
    conn = s.db()
    conn.autocommit = False
    cur = conn.cursor()
    q(cur, "SET LOCAL track_functions = 'all'")
    q(cur, "SAVEPOINT before_plan")
    q(cur, "SELECT kaigi_bilateral_apply_by_row(%s::jsonb, %s, %s::jsonb -> 'placed')", actor(ids), ids["conf"], p)
    by_row = written(cur, ids["conf"])
    is_(calls(cur, "kaigi_bilateral_place"), 4, "one by one: kaigi_bilateral_place four times")
    q(cur, "ROLLBACK TO SAVEPOINT before_plan")
    placed_before = calls(cur, "kaigi_bilateral_place")
    q(cur, "SELECT kaigi_bilateral_plan(%s::jsonb, %s, %s::jsonb, false)", actor(ids), SLUG, p)
    as_set = written(cur, ids["conf"])
    is_(calls(cur, "kaigi_bilateral_place") - placed_before, 0, "as a set: no placement one by one")
    conn.rollback()
    is_(as_set[0], by_row[0], "the same requests: scheduled, versions")
    is_(len(as_set[1]), 4, "four sessions")
    for a, b in zip(as_set[1], by_row[1]):
        is_(a, b, "request %d: the same session, attendees, parties, interpreters, busy rows,"
                  " change log and link" % a[0])
    is_(as_set[2], by_row[2], "the same %d audit rows, in the same order, with the same content" % len(by_row[2]))
    r3 = [x for x in as_set[1] if x[0] == ids["r3"]][0]
    is_((len(r3[4] or []), r3[1].get("interpretation")), (2, ["en-ja"]),
        "the hour needing en-ja has two interpreters picked")
    r2 = [x for x in as_set[1] if x[0] == ids["r2"]][0]
    is_(r2[1].get("visibility"), "confidential", "the confidential request's session is confidential")
    is_([a[:2] for a in as_set[2]].count(("schedule", "bilateral_request")), 4, "four 'schedule' audit rows")


def refused(s, ids, p, code, pattern, what):
    """Plan p is refused with code and a message like pattern; nothing stored."""
    before = snapshot(s, ids)
    try:
        q(s.db().cursor(), "SELECT kaigi_bilateral_plan(%s::jsonb, %s, %s::jsonb, false)", actor(ids), SLUG, p)
        ok(False, what + ": refused")
        ok(False, what + ": the problem")
        detail = None
    except psycopg2.Error as e:
        is_(e.pgcode, code, what + ": " + code)
        like(str(e).split("\n")[0], pattern, what + ": the problem says why")
        detail = json.loads(e.diag.message_detail or "{}")
    is_(snapshot(s, ids), before, what + ": nothing stored")
    return detail or {}


def test_refusals(s, ids):
    d = refused(s, ids, plan(s, ids, ("r1", "R1", "10:00"), ("r2", "R2", "10:15")), "KG409",
                "double-book", "c 15 minutes after the side event in the other venue (travel 30)")
    is_(sorted({k.get("reason") for k in d.get("conflicts", [])}), ["travel"], "the clash is travel time")
    d = refused(s, ids, plan(s, ids, ("r1", "R1", "10:00"), ("r4", "R3", "10:45")), "KG409",
                "double-book", "b in two placements of the plan 15 minutes apart across venues")
    is_(sorted({k.get("reason") for k in d.get("conflicts", [])}), ["travel"], "the clash is travel time")
    cur = s.db().cursor()
    sid = q(cur, "INSERT INTO sessions (conference_id, kind, title, room_id, starts_at, ends_at)"
                 " VALUES (%s, 'other', 'Taken', %s, to_timestamp(%s), to_timestamp(%s)) RETURNING id",
            ids["conf"], ids["R2"], at("12:00"), at("13:00"))[0][0]
    d = refused(s, ids, plan(s, ids, ("r1", "R1", "10:00"), ("r3", "R2", "12:30")), "KG409",
                "double-book", "a room already taken")
    is_([k.get("session_id") for k in d.get("conflicts", [])], [sid], "the clash names the session")
    q(cur, "DELETE FROM sessions WHERE id = %s", sid)
    d = refused(s, ids, plan(s, ids, ("r1", "R1", "10:00"), ("r4", "Press", "11:00")), "KG422",
                "cannot be placed there", "a room not for bilaterals")
    is_(d.get("bilateral_id"), ids["r4"], "the 422 names the request")
    refused(s, ids, plan(s, ids, ("r3", "R3", "14:00"), ("r5", "R1", "14:00")), "KG409",
            "not enough free interpreters", "two hours needing en-ja at once, two interpreters")


def test_api(s, ids):
    """Through the API: everything placed, with interpreters and audit rows."""
    sec = s.token("secretariat", SLUG)
    audit0 = q(s.db().cursor(), "SELECT count(*) FROM audit_log WHERE conference_id = %s", ids["conf"])[0][0]
    r = s.request("POST", "/api/v1/conferences/%s/schedule" % SLUG, {}, token=sec)
    is_(r.status, 200, "POST /schedule: 200")
    if r.status != 200:
        diag(r.text[:800])
        return
    is_((len(r.json["placed"]), r.json["unplaced"]), (5, []), "all five placed")
    cur = s.db().cursor()
    is_(q(cur, "SELECT count(*) FROM session_interpreters i JOIN bilateral_requests b"
               " ON b.session_id = i.session_id WHERE b.conference_id = %s", ids["conf"])[0][0], 4,
        "two interpreters each for the two hours needing en-ja")
    is_(q(cur, "SELECT count(*) FROM audit_log WHERE conference_id = %s", ids["conf"])[0][0] - audit0, 10,
        "two audit rows a placement")
    r = s.request("GET", "/api/v1/conferences/%s/conflicts" % SLUG, token=sec)
    is_(r.json and r.json["items"], [], "GET /conflicts: empty")


with Server(demo=False) as s:
    ids = setup(s)
    test_same_as_per_row(s, ids)
    test_refusals(s, ids)
    test_api(s, ids)
done_testing()
