#!/usr/bin/python3
# 22-visibility.t — a restricted session exists only for the secretariat,
# admin and its parties: the demo's Japan–Canada bilateral is visible to the
# secretariat, Japan's and Canada's liaisons, and does not exist (404, absent
# from lists) for Italy's liaison and for an anonymous caller. Conference
# sessions need a token of the conference.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
LIST = "/api/v1/conferences/%s/sessions" % SLUG


def listed(s, token, query=""):
    """Ids in every page of the list as this caller."""
    ids, cursor = [], None
    for _ in range(50):
        q = "?limit=3" + query + ("&cursor=" + cursor if cursor else "")
        r = s.request("GET", LIST + q, token=token)
        if r.status != 200:
            return None
        ids += [i["id"] for i in r.json["items"]]
        cursor = r.json["next"]
        if cursor is None:
            break
    return ids


with Server() as s:
    with s.db().cursor() as cur:
        cur.execute("INSERT INTO conferences (slug, title, timezone, start_date, end_date)"
                    " VALUES ('other-2024', 'Other', 'Europe/Paris', '2024-01-01', '2024-01-02')")
    callers = {
        "secretariat": s.token("secretariat", conference=SLUG),
        "admin": s.token("admin"),
        "Japan's liaison": s.token("liaison", conference=SLUG, delegation="JP"),
        "Canada's liaison": s.token("liaison", conference=SLUG, delegation="CA"),
        "Italy's liaison": s.token("liaison", conference=SLUG, delegation="IT"),
        "anonymous": None,
        "secretariat of another conference": s.token("secretariat", conference="other-2024"),
    }
    bilateral = one(s, "SELECT id FROM sessions WHERE title = 'Bilateral meeting: Japan – Canada'")
    lunch = one(s, "SELECT id FROM sessions WHERE visibility = 'conference'")
    public = one(s, "SELECT id FROM sessions WHERE title = 'Internet Governance'")
    n_public = one(s, "SELECT count(*) FROM sessions WHERE visibility = 'public'")
    sees = {"secretariat": True, "admin": True, "Japan's liaison": True, "Canada's liaison": True,
            "Italy's liaison": False, "anonymous": False, "secretariat of another conference": False}
    for who, tok in callers.items():
        r = s.request("GET", "/api/v1/sessions/%d" % bilateral, token=tok)
        ids = listed(s, tok)
        if sees[who]:
            is_(r.status, 200, "%s reads the Japan–Canada bilateral" % who)
            is_((r.json or {}).get("title"), "Bilateral meeting: Japan – Canada", "%s: its title" % who)
            ok(ids is not None and bilateral in ids, "%s finds it in the list" % who)
        else:
            is_(r.status, 404, "%s: the bilateral does not exist (404)" % who)
            ok("Canada" not in r.text and "Bilateral" not in r.text, "%s: the 404 says nothing of it" % who)
            ok(ids is not None and bilateral not in ids, "%s: absent from the list" % who)
        f = listed(s, tok, "&delegation=CA")
        is_(f is not None and bilateral in f, sees[who], "%s: delegation filter agrees" % who)
        ok(ids is not None and public in ids, "%s sees a public session" % who)

    # Conference visibility: any token of the conference, nobody else.
    for who, want in (("anonymous", 404), ("Italy's liaison", 200),
                      ("secretariat of another conference", 404), ("secretariat", 200)):
        is_(s.request("GET", "/api/v1/sessions/%d" % lunch, token=callers[who]).status, want,
            "working lunch (conference visibility) for %s: %d" % (who, want))
    is_(len(listed(s, None)), n_public, "anonymous lists exactly the public sessions")
    is_(len(listed(s, callers["Italy's liaison"])),
        one(s, "SELECT count(*) FROM sessions WHERE visibility <> 'restricted'") +
        one(s, "SELECT count(*) FROM sessions s JOIN session_delegations sd ON sd.session_id = s.id"
               " JOIN delegations d ON d.id = sd.delegation_id WHERE s.visibility = 'restricted'"
               " AND d.code = 'IT'"), "Italy lists the open sessions plus its own bilateral")

    # A party by attendance only: a restricted session Italy's head attends.
    sec = callers["secretariat"]
    it_head = one(s, "SELECT p.id FROM participants p JOIN delegations d ON d.id = p.delegation_id"
                     " WHERE d.code = 'IT' AND p.role = 'head'")
    r = s.request("POST", LIST, {"kind": "other", "title": "Private chat", "visibility": "restricted",
                                 "start": "2023-04-28T09:00:00+09:00", "end": "2023-04-28T09:30:00+09:00",
                                 "attendees": [it_head]}, token=sec)
    is_(r.status, 201, "restricted session with an Italian attendee")
    priv = (r.json or {}).get("id")
    is_(s.request("GET", "/api/v1/sessions/%d" % priv, token=callers["Italy's liaison"]).status, 200,
        "Italy (attendee's delegation) sees it")
    is_(s.request("GET", "/api/v1/sessions/%d" % priv, token=callers["Canada's liaison"]).status, 404,
        "Canada does not")
    # The liaison of a party may read but not change it.
    is_(s.request("PATCH", "/api/v1/sessions/%d" % bilateral, {"title": "x"},
                  token=callers["Japan's liaison"]).status, 403, "Japan's liaison may not change it")
    # The rule in one SQL function, kaigi_session_visible(id, actor).
    is_(one(s, "SELECT kaigi_session_visible(%s, '{\"role\":\"none\"}')", bilateral), False,
        "kaigi_session_visible: anonymous false")
    is_(one(s, "SELECT kaigi_session_visible(%s, jsonb_build_object('role', 'feed', "
               "'conference_id', conference_id, 'participant_id', %s)) FROM sessions WHERE id = %s",
            priv, it_head, priv), True, "kaigi_session_visible: a participant feed of an attendee")
    is_(s.stop(), 0, "kaigid exits 0 on SIGTERM (clean under ASan too)")
done_testing()
