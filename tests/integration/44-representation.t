#!/usr/bin/python3
"""44-representation.t — representation and remote attendance (issue 17, item 3).

An attendance has a mode: in_person, remote (with an https link) or
represented (by another participant of the same delegation). Checked here,
on the demo: attendee objects on POST and PATCH beside plain ids (a plain id
keeps its mode), shown in the session JSON; a represented head is not busy
(booked elsewhere at the same time: 201) while the representative is (a
clash: 409 naming them; the busy table holds the representative, not the
head); a representative of another delegation is 422 naming represented_by,
nothing changed; malformed objects (unknown mode, http link, link without
remote, represented without represented_by) are 422 naming the field; the
remote link is in the API and as RFC 7986 CONFERENCE;VALUE=URI in the feed
of a party (parsed with python3-icalendar), and absent from the API, the
delegation feed and the room feed of someone who may not see the session;
"represented by" in the feed's DESCRIPTION and in the PDF programme
(pdftotext); the solver's problem counts the representative busy, not the
head; the demo's Minister Kono, away for parliamentary obligations, is
represented at the DX Summit session he could not attend.
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, events, one  # noqa: E402

BASE = "/api/v1/conferences/%s/sessions" % SLUG
TOP = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
KAIGI = os.path.abspath(os.environ.get("KAIGI") or os.path.join(TOP, "client", "kaigi"))
LINK = "https://meet.example.org/jp-remote?pwd=abc123"
DEPUTY = "Deputy Head, Japan (illustrative)"
KONO = "Kono Taro"


def person(s, code, role):
    return one(s, "SELECT p.id FROM participants p JOIN delegations d ON d.id = p.delegation_id"
               " WHERE d.code = %s AND p.role = %s ORDER BY p.id LIMIT 1", code, role)


def room(s, name):
    return one(s, "SELECT id FROM rooms WHERE name = %s", name)


def at(t):
    return "2023-04-28T%s:00+09:00" % t


def session_body(rid, start, end, attendees, title, **extra):
    b = {"kind": "other", "title": title, "room_id": rid, "start": at(start),
         "end": at(end), "attendees": attendees}
    b.update(extra)
    return b


def counts(s):
    return (one(s, "SELECT count(*) FROM sessions"), one(s, "SELECT count(*) FROM session_attendees"),
            one(s, "SELECT count(*) FROM busy"), one(s, "SELECT max(version) FROM sessions"))


def attendee(js, pid):
    for a in (js or {}).get("attendees", []):
        if a.get("id") == pid:
            return a
    return None


def pdf_text(pdf):
    with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as f:
        f.write(pdf)
    p = subprocess.run(["pdftotext", "-enc", "UTF-8", f.name, "-"], capture_output=True)
    os.unlink(f.name)
    return p.stdout.decode("utf-8", "replace")


def flat(text):
    return " ".join(text.split())


def create_represented(s, sec, ids):
    """The restricted JP meeting: Kono represented, a member remote."""
    body = session_body(ids["room_c"], "09:00", "10:00", [
        {"participant_id": ids["kono"], "mode": "represented", "represented_by": ids["deputy"]},
        {"id": ids["member"], "mode": "remote", "link": LINK},
        ids["staff"]], "Representation test meeting", visibility="restricted",
        delegations=["JP"])
    r = s.request("POST", BASE, body, token=sec)
    if not is_(r.status, 201, "POST with attendee objects: 201"):
        diag(r.text[:400])
        return None
    js = r.json
    k, m, st = attendee(js, ids["kono"]), attendee(js, ids["member"]), attendee(js, ids["staff"])
    is_((k or {}).get("mode"), "represented", "the JSON shows Kono represented")
    is_((k or {}).get("represented_by"), ids["deputy"], "… by the deputy (id)")
    is_((k or {}).get("represented_by_name"), DEPUTY, "… by the deputy (name)")
    is_(((m or {}).get("mode"), (m or {}).get("link")), ("remote", LINK), "the member remote with the link")
    is_((st or {}).get("mode"), "in_person", "a plain id: in person")
    with s.db().cursor() as cur:
        cur.execute("SELECT participant_id FROM busy WHERE session_id = %s ORDER BY 1", (js["id"],))
        busy = [x[0] for x in cur.fetchall()]
    is_(busy, sorted([ids["deputy"], ids["member"], ids["staff"]]),
        "busy: the representative, the remote member and the staff; not the represented head")
    return js


def busy_rules(s, sec, ids, sid):
    # The represented head is free at that time: booked elsewhere, 201.
    r = s.request("POST", BASE, session_body(ids["room_b"], "09:15", "09:45", [ids["kono"]],
                                             "Kono elsewhere"), token=sec)
    is_(r.status, 201, "the represented head can be booked elsewhere at the same time: 201")
    if r.status == 201:
        s.request("POST", "/api/v1/sessions/%d/cancel" % r.json["id"], token=sec)
    # The representative is busy: 409 naming them and the meeting.
    before = counts(s)
    r = s.request("POST", BASE, session_body(ids["room_b"], "09:15", "09:45", [ids["deputy"]],
                                             "Deputy elsewhere"), token=sec)
    is_(r.status, 409, "the representative booked elsewhere at the same time: 409")
    got = [(c.get("resource"), c.get("session_id"), c.get("participant_id"))
           for c in (r.json or {}).get("conflicts", [])]
    is_(got, [("participant", sid, ids["deputy"])], "the 409 names the representative's meeting")
    is_(counts(s), before, "nothing written")
    # Making someone a representative while busy elsewhere: 409 too.
    r = s.request("POST", BASE, session_body(ids["room_b"], "11:00", "11:30", [ids["deputy"]],
                                             "Deputy at eleven"), token=sec)
    is_(r.status, 201, "the deputy at 11:00: 201")
    other = (r.json or {}).get("id")
    r = s.request("POST", BASE, session_body(ids["room_c"], "11:00", "11:30", [
        {"participant_id": ids["kono"], "mode": "represented", "represented_by": ids["deputy"]}],
        "Represented at eleven"), token=sec)
    is_(r.status, 409, "represented by someone busy then: 409")
    is_([(c.get("session_id"), c.get("participant_id")) for c in (r.json or {}).get("conflicts", [])],
        [(other, ids["deputy"])], "… naming the representative's other session")
    # And the head busy elsewhere does not stop being represented.
    r = s.request("POST", BASE, session_body(ids["room_c"], "11:00", "11:30", [
        {"participant_id": ids["deputy"], "mode": "represented", "represented_by": ids["member"]}],
        "Deputy represented at eleven"), token=sec)
    is_(r.status, 201, "a busy participant represented by a free one: 201")


def refusals(s, sec, ids, sid):
    before = counts(s)
    r = s.request("POST", BASE, session_body(ids["room_b"], "12:00", "12:30", [
        {"participant_id": ids["kono"], "mode": "represented", "represented_by": ids["ca_head"]}],
        "Represented by Canada"), token=sec)
    is_(r.status, 422, "represented_by of another delegation: 422")
    ok("represented_by" in [e.get("field") for e in (r.json or {}).get("errors", [])],
       "… naming represented_by")
    r = s.request("PATCH", "/api/v1/sessions/%d" % sid, {"attendees": [
        {"participant_id": ids["kono"], "mode": "represented", "represented_by": ids["ca_head"]}]},
        token=sec)
    is_(r.status, 422, "PATCH to a representative of another delegation: 422")
    r = s.request("PATCH", "/api/v1/sessions/%d" % sid, {"attendees": [
        {"participant_id": ids["kono"], "mode": "represented", "represented_by": ids["kono"]}]},
        token=sec)
    is_(r.status, 422, "represented by oneself: 422")
    is_(counts(s), before, "nothing changed")
    bad = [({"participant_id": ids["kono"], "mode": "absent"}, "mode"),
           ({"participant_id": ids["member"], "mode": "remote", "link": "http://x.example/"}, "link"),
           ({"participant_id": ids["member"], "mode": "remote", "link": "https://x y"}, "link"),
           ({"participant_id": ids["member"], "link": LINK}, "link"),
           ({"participant_id": ids["kono"], "mode": "represented"}, "represented_by"),
           ({"participant_id": ids["kono"], "represented_by": ids["deputy"]}, "represented_by"),
           ({"mode": "remote"}, "attendees"),
           ({"participant_id": ids["kono"], "seat": 3}, "seat"),
           ("x", "attendees")]
    for item, field in bad:
        r = s.request("PATCH", "/api/v1/sessions/%d" % sid, {"attendees": [item]}, token=sec)
        ok(r.status == 422 and field in [e.get("field") for e in (r.json or {}).get("errors", [])],
           "attendee %s: 422 naming %s" % (item, field))
    is_(counts(s), before, "still nothing changed")
    # A plain id keeps its attendee's mode.
    r = s.request("PATCH", "/api/v1/sessions/%d" % sid,
                  {"attendees": [ids["kono"], ids["member"], ids["staff"]]}, token=sec)
    is_(r.status, 200, "PATCH with plain ids: 200")
    is_((attendee(r.json, ids["kono"]) or {}).get("mode"), "represented", "… Kono still represented")
    is_((attendee(r.json, ids["member"]) or {}).get("link"), LINK, "… the member still remote")


def links(s, sec, ids, sid):
    jp_liaison = s.token("liaison", SLUG, "JP")
    ca_liaison = s.token("liaison", SLUG, "CA")
    r = s.request("GET", "/api/v1/sessions/%d" % sid, token=jp_liaison)
    is_((attendee(r.json, ids["member"]) or {}).get("link"), LINK, "the JP liaison sees the link")
    r = s.request("GET", "/api/v1/sessions/%d" % sid, token=ca_liaison)
    ok(r.status == 404 and LINK not in r.text, "the CA liaison: 404, no link")
    r = s.request("GET", BASE + "?limit=1000", token=ca_liaison)
    ok(r.status == 200 and LINK not in r.text, "nor in the CA liaison's session list")
    jp_feed = s.request("GET", "/feeds/%s.ics" % s.feed_token(SLUG, delegation="JP"))
    ev = [e for u, e in events(jp_feed.body).items() if u.startswith("session-%d@" % sid)]
    ev = ev[0] if ev else {}
    conf = ev.get("CONFERENCE")
    is_(str(conf) if conf is not None else None, LINK, "JP's feed: CONFERENCE is the link")
    is_(conf.params.get("VALUE") if conf is not None else None, "URI", "… with VALUE=URI")
    like(jp_feed.text, r"CONFERENCE;VALUE=URI:https://meet\.example\.org/", "… written as RFC 7986 says")
    like(flat(str(ev.get("DESCRIPTION", ""))), r"%s represented by %s" % (KONO, DEPUTY.replace("(", r"\(").replace(")", r"\)")),
         "JP's feed: DESCRIPTION says who represents Kono")
    for name, path in (("CA's feed", "/feeds/%s.ics" % s.feed_token(SLUG, delegation="CA")),
                       ("the room feed (anonymous)", "/api/v1/conferences/%s/rooms/%d/calendar.ics"
                        % (SLUG, ids["room_c"])),
                       ("the public feed", "/api/v1/conferences/%s/calendar.ics" % SLUG)):
        r = s.request("GET", path)
        ok(r.status == 200 and LINK not in r.text and "meet.example.org" not in r.text
           and "Representation test" not in r.text, "%s: no link, no title" % name)
    r = s.request("GET", "/api/v1/conferences/%s/rooms/%d/calendar.ics" % (SLUG, ids["room_c"]),
                  token=jp_liaison)
    ok(LINK in r.text.replace("\r\n ", ""), "the room feed for the JP liaison: the link")


def pdf(s, sec):
    r = s.request("GET", "/api/v1/conferences/%s/programme.pdf?delegation=JP" % SLUG, token=sec)
    is_(r.status, 200, "JP's programme: 200")
    text = flat(pdf_text(r.body))
    ok("Kono Taro (head) represented by %s" % DEPUTY in text,
       "the PDF says Kono is represented by the deputy")
    ok("(remote)" in text, "the PDF marks the remote attendee")


def demo(s, sec, ids):
    dx = one(s, "SELECT id FROM sessions WHERE title = 'WEF DX Summit: Digital Infrastructure and Governance'")
    r = s.request("GET", "/api/v1/sessions/%d" % dx)
    k = attendee(r.json, ids["kono"])
    is_(((k or {}).get("mode"), (k or {}).get("represented_by_name")), ("represented", DEPUTY),
        "the demo: Kono represented by the deputy at the session he could not attend")
    is_(one(s, "SELECT count(*) FROM busy WHERE session_id = %s AND participant_id = %s", dx, ids["kono"]),
        0, "… and not busy for it (his unavailability stands)")
    pub = s.request("GET", "/api/v1/conferences/%s/calendar.ics" % SLUG)
    csv = s.request("GET", "/api/v1/conferences/%s/export/sessions.csv" % SLUG, token=sec).text
    ok({"represented", "remote"} <= set(csv.splitlines()[0].split(",")) and
       "%s=%s" % (KONO, DEPUTY) in csv,
       "the sessions export has the represented column: Kono=the deputy")
    desc = [str(e.get("DESCRIPTION", "")) for u, e in events(pub.body).items()
            if u.startswith("session-%d@" % dx)]
    ok(desc and "%s represented by %s" % (KONO, DEPUTY) in desc[0], "the public feed says so")


def solver(s, ids, sid):
    """The bilateral solver's people: the representative busy, not the head."""
    got = one(s, "SELECT kaigi_bilateral_problem_people(c.id, 0, '2023-04-28 09:00+09',"
              " '2023-04-28 10:00+09', ARRAY[%s, %s]::bigint[]) FROM conferences c WHERE slug = %s",
              ids["kono"], ids["deputy"], SLUG)
    busy = {x["id"]: x["busy"] for x in got or []}
    is_(len(busy.get(ids["kono"], [None])), 0, "solver: the represented head is free 09:00–10:00")
    is_(len(busy.get(ids["deputy"], [])), 1, "solver: the representative is busy then")
    del sid


def kaigi(s, token, *args):
    env = dict(os.environ, KAIGI_CONFIG="/dev/null", TZ="UTC", KAIGI_URL=s.url,
               KAIGI_TOKEN=token, KAIGI_CONFERENCE=SLUG)
    p = subprocess.run([KAIGI] + [str(a) for a in args], capture_output=True, text=True,
                       env=env, timeout=60)
    return p.returncode, p.stdout, p.stderr


def client(s, sec, ids):
    """kaigi session create/attend with --represented and --remote; show prints the mode."""
    rc, out, err = kaigi(s, sec, "--json", "session", "create", "--kind", "other", "--title",
                         "Client representation", "--start", "2023-04-28 18:00", "--duration", "30",
                         "--room", "Bilateral Room B", "--attendee", ids["staff"],
                         "--represented", "%s=%s" % (KONO, DEPUTY))
    got = json.loads(out) if rc == 0 else {}
    is_((attendee(got, ids["kono"]) or {}).get("represented_by"), ids["deputy"],
        "kaigi session create --represented NAME=NAME: Kono represented by the deputy")
    sid = got.get("id", 0)
    rc, out, err = kaigi(s, sec, "session", "attend", sid, "--remote",
                         "%s=%s" % (ids["member"], LINK), "--remove", ids["staff"])
    is_(rc, 0, "kaigi session attend --remote --remove: exit 0")
    rc, out, err = kaigi(s, sec, "session", "show", sid)
    text = flat(out)
    ok("Kono Taro (JP) represented by %s" % DEPUTY in text and
       "remote %s" % LINK in text and "Liaison Officer" not in text,
       "kaigi session show: who is represented, who is remote, the staff gone")
    if not ok(rc == 0, "kaigi session show: exit 0"):
        diag(out + err)
    rc, out, err = kaigi(s, sec, "session", "attend", sid, "--represented", "%s=%s" % (KONO, ids["ca_head"]))
    ok(rc != 0 and "represented_by" in err, "a representative of another delegation: refused, naming represented_by")


def main():
    with Server() as s:
        sec = s.token("secretariat", SLUG)
        ids = {"kono": person(s, "JP", "head"), "deputy": person(s, "JP", "deputy"),
               "member": person(s, "JP", "member"), "staff": person(s, "JP", "staff"),
               "ca_head": person(s, "CA", "head"),
               "room_b": room(s, "Bilateral Room B"), "room_c": room(s, "Bilateral Room C")}
        demo(s, sec, ids)
        js = create_represented(s, sec, ids)
        if js is None:
            bail("cannot create the represented meeting")
        busy_rules(s, sec, ids, js["id"])
        refusals(s, sec, ids, js["id"])
        links(s, sec, ids, js["id"])
        pdf(s, sec)
        solver(s, ids, js["id"])
        client(s, sec, ids)
    done_testing()


main()
