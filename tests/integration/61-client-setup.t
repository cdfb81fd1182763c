#!/usr/bin/python3
# 61-client-setup.t — the kaigi binary's set-up commands against a real
# kaigid on the demo database, with two conferences on the server:
#   * a conference-scoped token needs no --conference (the client asks GET
#     /api/v1/me), while an admin token still has to choose;
#   * kaigi whoami; kaigi token create|list|revoke (the token printed once,
#     usable at once, refused once revoked; 403 for a liaison, with the role
#     named);
#   * kaigi venue|room|delegation|participant add|edit|rm|list, rows named
#     by id, name, code, e-mail or ref (an ambiguous name lists the
#     candidates), rm refused (exit 4) while something refers to the row,
#     with the references printed; kaigi conference archive|unarchive and
#     kaigi conferences --archived;
# each with --json parsed back and the exit codes of kaigi(1).
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from kaigiclient import Kaigi, js  # noqa: E402

SLUG = "g7-digital-2023"


def check_scope(k, admin, sec, jp):
    rc, out, err = k("sessions", token=sec)
    is_(rc, 0, "kaigi sessions with a secretariat token, no --conference: exit 0")
    like(out, r"Bilateral meeting: Japan", "... lists the token's conference's sessions")
    rc, out, err = k("sessions", "--json", token=jp)
    is_(rc, 0, "a liaison token, no --conference: exit 0")
    ok(any(x.get("conference") == SLUG for x in (js(out) or {}).get("items", [])),
       "... its conference's sessions")
    rc, out, err = k("sessions", token=admin)
    is_(rc, 1, "an admin token (no conference) with two conferences: usage error")
    like(err, r"several conferences", "... asking to choose")
    rc, out, err = k("--conference", "second", "sessions", "--json", token=sec)
    is_(rc, 0, "--conference still wins over the token's conference")
    is_((js(out) or {}).get("items"), [], "... (the second conference has no sessions)")


def check_whoami(k, sec, jp):
    rc, out, err = k("whoami", token=jp)
    is_(rc, 0, "kaigi whoami: exit 0")
    like(out, r"role: +liaison", "shows the role")
    like(out, r"delegation: +JP", "shows the delegation")
    rc, out, err = k("whoami", "--json", token=sec)
    j = js(out) or {}
    is_((rc, j.get("role"), j.get("conference"), j.get("delegation")),
        (0, "secretariat", SLUG, None), "whoami --json: /me parsed back")
    rc, out, err = k("whoami", token="B" * 40)
    is_(rc, 2, "an unknown token: exit 2")


def check_tokens(s, k, sec, jp):
    rc, out, err = k("token", "create", "--role", "liaison", "--delegation", "IT", "--label",
                     "Rome desk", token=sec)
    is_(rc, 0, "kaigi token create: exit 0")
    m = [l.split()[-1] for l in out.splitlines() if l.startswith("token:")]
    ok(m and len(m[0]) == 43, "prints the token")
    like(out, r"shown only once", "... and says it is shown once")
    new = m[0] if m else ""
    rc, out, err = k("whoami", "--json", token=new)
    is_((rc, (js(out) or {}).get("delegation")), (0, "IT"), "the printed token works as IT's liaison")
    rc, out, err = k("token", "list", "--json", token=sec)
    items = (js(out) or {}).get("items", [])
    mine = [t for t in items if t.get("label") == "Rome desk"]
    is_((rc, len(mine)), (0, 1), "kaigi token list --json shows it")
    ok(new not in out, "the list never shows the secret")
    rc, out, err = k("token", "list", token=sec)
    like(out, r"Rome desk", "the table shows the label")
    rc, out, err = k("token", "revoke", str(mine[0]["id"] if mine else 0), token=sec)
    is_(rc, 0, "kaigi token revoke: exit 0")
    rc, out, err = k("whoami", token=new)
    is_(rc, 2, "the revoked token is refused (exit 2)")
    rc, out, err = k("token", "create", "--role", "liaison", "--delegation", "JP", token=jp)
    is_(rc, 2, "a liaison may not issue tokens: exit 2")
    like(err, r"secretariat", "... the error names the role needed")
    rc, out, err = k("token", "create", "--role", "secretariat", token=sec)
    is_(rc, 2, "the secretariat may not issue a secretariat token: exit 2")
    like(err, r"admin", "... the error names the admin role")
    rc, out, err = k("token", "create", "--role", "liaison", "--delegation", "XX", token=sec)
    is_(rc, 2, "unknown delegation: exit 2")
    like(err, r"codes are", "... listing the codes")
    rc, out, err = k("token", "create", token=sec)
    is_(rc, 1, "no --role: usage error")
    rc, out, err = k("token", "revoke", "x", token=sec)
    is_(rc, 1, "a bad id: usage error")
    rc, out, err = k("token", "revoke", "999999", token=sec)
    is_(rc, 2, "an unknown token: exit 2")


def check_venues_rooms(k, jp):
    rc, out, err = k("venue", "add", "--name", "Annex", "--address", "1 Main St", "--json")
    annex = js(out) or {}
    is_((rc, annex.get("name"), annex.get("address")), (0, "Annex", "1 Main St"), "venue add --json")
    rc, out, err = k("venue", "list")
    like(out, r"(?m)^%d +Annex +1 Main St$" % annex.get("id", 0), "venue list shows it")
    rc, out, err = k("venue", "edit", "annex", "--name", "Annexe")
    is_(rc, 0, "venue edit by name (any case)")
    like(out, r"name: +Annexe", "... prints the changed row")
    like(out, r"version: +2", "... at version 2")
    rc, out, err = k("venue", "add", "--name", "ANNEXE")
    is_(rc, 4, "a venue name again: exit 4 (409)")
    like(err, r"already has name", "... saying so")
    rc, out, err = k("room", "add", "--venue", "Annexe", "--name", "Salon", "--capacity", "20",
                     "--kind", "bilateral", "--ref", "R-7", "--json")
    room = js(out) or {}
    is_((rc, room.get("venue_id"), room.get("usable_for_bilaterals"), room.get("ref")),
        (0, annex.get("id"), True, "R-7"), "room add --venue by name, with a ref")
    rc, out, err = k("room", "list", "--venue", "Annexe")
    is_((rc, [l.split()[1] for l in out.splitlines()[1:]]), (0, ["Salon"]), "room list --venue filters")
    rc, out, err = k("room", "edit", "R-7", "--capacity", "24", "--bilaterals", "no", "--json")
    j = js(out) or {}
    is_((rc, j.get("capacity"), j.get("usable_for_bilaterals")), (0, 24, False), "room edit by ref")
    rc, out, err = k("room", "edit", "Salon", "--capacity", "0")
    is_(rc, 2, "room edit --capacity 0: exit 2 (422)")
    like(err, r"capacity", "... naming capacity")
    rc, out, err = k("room", "edit", "Salon", "--capacity", "many")
    is_(rc, 1, "a capacity that is no number: usage error")
    rc, out, err = k("room", "add", "--venue", "Annexe", "--capacity", "3")
    is_(rc, 1, "room add without --name: usage error")
    rc, out, err = k("room", "rm", "Bilateral Room A")
    is_(rc, 4, "room rm of a room with sessions: exit 4")
    like(err, r"sessions [0-9]+ Bilateral meeting: Japan – Canada 2023-04-29T11:40", "... lists its sessions")
    rc, out, err = k("venue", "rm", "Annexe")
    is_(rc, 4, "venue rm of a venue with a room: exit 4")
    like(err, r"rooms [0-9]+ Salon", "... lists the room")
    rc, out, err = k("room", "rm", "Salon")
    is_((rc, out.strip()), (0, "deleted room %s (Salon)" % room.get("id")), "room rm")
    rc, out, err = k("venue", "rm", "Annexe")
    is_(rc, 0, "then venue rm")
    rc, out, err = k("venue", "rm", "Annexe")
    is_(rc, 1, "venue rm of a venue that is gone: usage error")
    like(err, r"no venue 'Annexe'", "... saying there is none")
    rc, out, err = k("venue", "add", "--name", "Liaison's", token=jp)
    is_(rc, 2, "venue add as a liaison: exit 2")
    like(err, r"secretariat", "... naming the role needed")


def check_people(k, jp):
    rc, out, err = k("delegation", "add", "--code", "NZ", "--name", "New Zeland", "--kind", "guest")
    is_(rc, 0, "delegation add")
    rc, out, err = k("delegation", "edit", "nz", "--name", "New Zealand", "--ref", "D-1", "--json")
    is_((rc, (js(out) or {}).get("name"), (js(out) or {}).get("ref")), (0, "New Zealand", "D-1"),
        "delegation edit by code")
    rc, out, err = k("delegation", "list")
    like(out, r"NZ +New Zealand +guest +D-1", "delegation list")
    for n in ("Aide", "Aide"):
        rc, out, err = k("participant", "add", "--delegation", "NZ", "--name", n, "--role", "staff")
        is_(rc, 0, "participant add %s" % n)
    rc, out, err = k("participant", "edit", "Aide", "--title", "x")
    is_(rc, 1, "participant edit of an ambiguous name: usage error")
    like(err, r"names 2 participants", "... saying how many")
    ok(len([l for l in err.splitlines() if l.strip().endswith("Aide")]) == 2, "... listing both")
    rc, out, err = k("participant", "list", "--delegation", "NZ", "--json")
    ids = [p["id"] for p in (js(out) or {}).get("items", [])]
    is_(len(ids), 2, "participant list --delegation filters")
    rc, out, err = k("participant", "edit", str(ids[0]), "--email", "aide@example.org", "--ref", "P-1")
    is_(rc, 0, "participant edit by id")
    rc, out, err = k("participant", "edit", "AIDE@example.org", "--timezone", "Pacific/Auckland", "--json")
    is_((rc, (js(out) or {}).get("timezone")), (0, "Pacific/Auckland"), "participant edit by e-mail")
    rc, out, err = k("participant", "edit", "P-1", "--email", "", "--json")
    is_((rc, (js(out) or {}).get("email")), (0, None), "participant edit by ref; \"\" clears the e-mail")
    rc, out, err = k("participant", "edit", str(ids[1]), "--email", "x")
    is_(rc, 2, "a bad e-mail: exit 2")
    rc, out, err = k("delegation", "rm", "NZ")
    is_(rc, 4, "delegation rm with participants: exit 4")
    like(err, r"participants [0-9]+ Aide", "... lists them")
    rc, out, err = k("participant", "rm", "Kono Taro", token=jp)
    is_(rc, 4, "participant rm of someone in sessions (as Japan's liaison): exit 4")
    like(err, r"sessions [0-9]+ ", "... lists the sessions")
    for pid in ids:
        rc, out, err = k("participant", "rm", str(pid))
        is_(rc, 0, "participant rm %d" % pid)
    rc, out, err = k("delegation", "rm", "D-1", "--json")
    is_((rc, (js(out) or {}).get("ok")), (0, True), "delegation rm by ref, --json")


def check_archive(k, admin):
    rc, out, err = k("conference", "archive")
    is_(rc, 0, "conference archive (the token's conference)")
    like(out, r"archived", "... says so")
    rc, out, err = k("conferences", token=admin)
    ok(rc == 0 and SLUG not in out and "second" in out, "kaigi conferences no longer shows it")
    rc, out, err = k("conferences", "--archived", token=admin)
    ok(rc == 0 and SLUG in out, "kaigi conferences --archived does")
    rc, out, err = k("conference", "unarchive", SLUG, "--json", token=admin)
    is_((rc, (js(out) or {}).get("archived")), (0, False), "conference unarchive SLUG --json")
    rc, out, err = k("conference", "archive", "nope", token=admin)
    is_(rc, 2, "archiving an unknown conference: exit 2")


with Server() as s:
    admin = s.token("admin")
    r = s.request("POST", "/api/v1/conferences", {
        "slug": "second", "title": "Second", "timezone": "Europe/Paris",
        "start_date": "2025-01-01", "end_date": "2025-01-02"}, token=admin)
    is_(r.status, 201, "a second conference on the server")
    sec = s.token("secretariat", conference=SLUG)
    jp = s.token("liaison", conference=SLUG, delegation="JP")
    k = Kaigi(s, sec)
    check_scope(k, admin, sec, jp)
    check_whoami(k, sec, jp)
    check_tokens(s, k, sec, jp)
    check_venues_rooms(k, jp)
    check_people(k, jp)
    check_archive(k, admin)
done_testing()
