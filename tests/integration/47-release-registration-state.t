#!/usr/bin/python3
"""47-release-registration-state.t — in release mode the registration calls
answer a liaison from the session as the last release shows it, never from
the draft's state (sql/780_registration_release_state.sql).

On the demo, published by release (release 1 made with a side event of
seats in it), the secretariat cancels that event in the draft only. For
Japan's liaison the event is still confirmed: GET /sessions/{id} says so,
and so does its feed. Before 780 the liaison's registration answered 409
"the session is cancelled" (the draft's state), telling a cancellation the
secretariat had not published; now it is taken (201, confirmed) like any
registration for a confirmed event. The secretariat, which sees the draft,
still gets the 409, and after release 2 publishes the cancellation the
liaison gets it too, and nothing more is stored.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
C = "/api/v1/conferences/" + SLUG


def call(s, tok, method, path, body=None, want=200):
    r = s.request(method, path, body, token=tok)
    if r.status != want:
        raise RuntimeError("%s %s: %r" % (method, path, r))
    return r.json


def person(s, sec, name):
    return call(s, sec, "POST", C + "/participants", {"delegation": "JP", "name": name,
                                                       "role": "staff"}, want=201)["id"]


def register(s, tok, sid, pid):
    return s.request("POST", "/api/v1/sessions/%d/registrations" % sid, {"participant_id": pid},
                     token=tok)


def stored(s, sid):
    return one(s, "SELECT count(*) FROM registrations WHERE session_id = %s", sid)


def main(s):
    sec = s.token("secretariat", conference=SLUG)
    jp = s.token("liaison", conference=SLUG, delegation="JP")
    a, b, c = (person(s, sec, "State tester %s" % x) for x in "ABC")
    lunch = call(s, sec, "POST", C + "/sessions", {
        "kind": "side_event", "title": "Released lunch", "capacity": 10,
        "start": "2023-04-29T12:00:00+09:00", "end": "2023-04-29T13:00:00+09:00"}, want=201)["id"]
    call(s, sec, "PATCH", C, {"publish": "release"})
    call(s, sec, "POST", C + "/releases", {"name": "r1"}, want=201)
    call(s, sec, "POST", "/api/v1/sessions/%d/cancel" % lunch, {})

    is_(call(s, jp, "GET", "/api/v1/sessions/%d" % lunch)["status"], "confirmed",
        "the liaison sees the event as released, not cancelled")
    is_(call(s, sec, "GET", "/api/v1/sessions/%d" % lunch)["status"], "cancelled",
        "the secretariat sees the draft's cancellation")
    r = register(s, jp, lunch, a)
    is_(r.status, 201, "the liaison's registration is taken (was 409: the draft's cancellation)")
    ok("cancel" not in r.text.lower(), "its answer says nothing of a cancellation: %s" % r.text)
    is_((r.json or {}).get("status"), "confirmed", "confirmed: a seat is free")
    is_(stored(s, lunch), 1, "stored")

    r = register(s, sec, lunch, b)
    is_(r.status, 409, "the secretariat sees the draft: 409")
    like(r.text, "cancelled", "naming the cancellation")
    is_(r.headers.get("Content-Type"), "application/problem+json", "as problem+json")

    call(s, sec, "POST", C + "/releases", {"name": "r2"}, want=201)
    is_(call(s, jp, "GET", "/api/v1/sessions/%d" % lunch)["status"], "cancelled",
        "after release 2 the liaison sees it cancelled")
    r = register(s, jp, lunch, c)
    is_(r.status, 409, "and its registration is refused")
    like(r.text, "cancelled", "naming the cancellation it now sees")
    is_(stored(s, lunch), 1, "nothing more stored")


with Server() as s:
    main(s)
done_testing()
