#!/usr/bin/python3
# 22-confidential.t — confidential meetings (issue 17, item 5): a bilateral
# request flagged confidential from the start (create and PATCH) is placed as
# a confidential session; its parties and the secretariat see everything,
# everyone else sees at most a busy block: the room feed's SUMMARY:Busy,
# CLASS:CONFIDENTIAL, with no title, no delegation, no session id (in the
# draft and in release mode); a 409 for a non-party says "Busy" with no
# session id. The audit log keeps the whole. Change mail reaches only those
# who may see it. A restricted session is shown as before (Reserved).
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
C = "/api/v1/conferences/" + SLUG
TOPICS = "Operation Quiet Harbour (confidential test)"
WORDS = ("France", "Germany", "FR", "DE", "Quiet Harbour", "Wissing")


def events(text):
    """The VEVENTs of a feed, unfolded."""
    text = text.replace("\r\n ", "")
    return text.split("BEGIN:VEVENT")[1:]


def at(evs, start):
    """The events starting at DTSTART local time start ('20230430T150000')."""
    return [e for e in evs if re.search(r"DTSTART;TZID=Asia/Tokyo:%s" % start, e)]


def clean(ev):
    """Nothing of the meeting in a busy block but its time."""
    return not any(re.search(r"\b%s\b" % re.escape(w), ev) for w in WORDS)


with Server() as s:
    sec = s.token("secretariat", conference=SLUG)
    fr = s.token("liaison", conference=SLUG, delegation="FR")
    de = s.token("liaison", conference=SLUG, delegation="DE")
    it = s.token("liaison", conference=SLUG, delegation="IT")

    # The flag on create and PATCH.
    r = s.request("POST", C + "/bilaterals", {"requester": "FR", "counterpart": "DE",
                                              "duration_minutes": 30, "topics": TOPICS,
                                              "confidential": True}, token=fr)
    is_(r.status, 201, "France's liaison asks for a confidential bilateral")
    bid = (r.json or {}).get("id")
    is_((r.json or {}).get("confidential"), True, "the request says confidential")
    r = s.request("POST", C + "/bilaterals", {"requester": "FR", "counterpart": "DE",
                                              "duration_minutes": 30, "confidential": "yes"},
                  token=fr)
    ok(r.status == 422 and "confidential" in r.text, "confidential must be true or false (422)")
    r = s.request("GET", "/api/v1/bilaterals/%d" % bid, token=sec)
    r = s.request("PATCH", "/api/v1/bilaterals/%d" % bid, {"confidential": False}, token=sec,
                  headers={"If-Match": '"%d"' % r.json["version"]})
    ok(r.status == 200 and r.json["confidential"] is False, "PATCH turns it off")
    r = s.request("PATCH", "/api/v1/bilaterals/%d" % bid, {"confidential": True}, token=sec,
                  headers={"If-Match": '"%d"' % r.json["version"]})
    ok(r.status == 200 and r.json["confidential"] is True, "and on again")
    r = s.request("GET", C + "/bilaterals", token=de)
    mine = [b for b in r.json["items"] if b["id"] == bid]
    ok(mine and mine[0]["confidential"] is True, "Germany's liaison sees the flag")
    is_(s.request("GET", "/api/v1/bilaterals/%d" % bid, token=it).status, 404,
        "Italy's liaison does not see the request")

    # Placed: the session is confidential.
    is_(s.request("POST", "/api/v1/bilaterals/%d/accept" % bid, {}, token=de).status, 200,
        "Germany accepts")
    r = s.request("POST", "/api/v1/bilaterals/%d/schedule" % bid, {}, token=sec)
    ok(r.status in (200, 201), "the secretariat places it (%d)" % r.status)
    sid, title = r.json["id"], r.json["title"]
    is_(r.json["visibility"], "confidential", "its session is confidential")
    room, start = r.json["room_id"], r.json["start"]
    local = re.sub(r"[-:]", "", start[:19])
    note("placed: session %d, room %d, %s (%s)" % (sid, room, start, title))

    # Who sees it.
    for who, tok in (("secretariat", sec), ("France", fr), ("Germany", de)):
        r = s.request("GET", "/api/v1/sessions/%d" % sid, token=tok)
        ok(r.status == 200 and r.json["title"] == title and TOPICS in r.json["description"],
           "%s reads it whole" % who)
    for who, tok in (("Italy", it), ("anonymous", None)):
        r = s.request("GET", "/api/v1/sessions/%d" % sid, token=tok)
        ok(r.status == 404 and "France" not in r.text, "%s: 404, naming nothing" % who)
        r = s.request("GET", C + "/sessions?limit=1000", token=tok)
        ok(r.status == 200 and sid not in [i["id"] for i in r.json["items"]]
           and title not in r.text, "%s: not in the list" % who)

    # Room feed: a busy block for everyone but its parties and the secretariat.
    for who, tok, q in (("anonymous", None, ""), ("Italy's liaison", it, ""),
                        ("anonymous, ?lang=ja", None, "?lang=ja")):
        r = s.request("GET", C + "/rooms/%d/calendar.ics%s" % (room, q), token=tok)
        ev = at(events(r.text), local)
        ok(r.status == 200 and len(ev) == 1, "%s: the room feed has one event then" % who)
        ev = ev[0] if ev else ""
        ok("SUMMARY:Busy" in ev and "CLASS:CONFIDENTIAL" in ev,
           "%s: SUMMARY:Busy and CLASS:CONFIDENTIAL" % who)
        ok("session-%d@" % sid not in r.text and re.search(r"UID:busy-[0-9a-f]{32}@", ev),
           "%s: its UID names no session" % who)
        ok(clean(ev) and title not in r.text and "DESCRIPTION" not in ev and "LOCATION" not in ev
           and "CATEGORIES" not in ev, "%s: no title, delegation, topics, place or kind" % who)
    busy_uid = re.search(r"UID:(busy-[0-9a-f]+@\S+)", ev).group(1) if ev else None
    r = s.request("GET", C + "/rooms/%d/calendar.ics" % room, token=sec)
    ev = at(events(r.text), local)
    ok(ev and "session-%d@" % sid in ev[0] and title in ev[0] and "CLASS:CONFIDENTIAL" in ev[0],
       "the secretariat's room feed shows it whole, CLASS:CONFIDENTIAL")
    ftok = s.feed_token(SLUG, delegation="FR")
    r = s.request("GET", "/feeds/%s.ics" % ftok)
    ev = [e for e in events(r.text) if "session-%d@" % sid in e]
    ok(ev and title in ev[0] and "CLASS:CONFIDENTIAL" in ev[0], "France's feed shows it whole")
    ftok = s.feed_token(SLUG, delegation="IT")
    r = s.request("GET", "/feeds/%s.ics" % ftok)
    ok(r.status == 200 and title not in r.text and local not in r.text
       and "session-%d@" % sid not in r.text, "not in Italy's feed")
    r = s.request("GET", C + "/calendar.ics")
    ok(r.status == 200 and not at(events(r.text), local) and "Busy" not in r.text,
       "not in the public feed, not even busy")

    # Restricted is as before: the JP–CA bilateral is Reserved, by its id.
    jpca = one(s, "SELECT id FROM sessions WHERE title = 'Bilateral meeting: Japan – Canada'")
    room_a = one(s, "SELECT room_id FROM sessions WHERE id = %s", jpca)
    r = s.request("GET", C + "/rooms/%d/calendar.ics" % room_a)
    ev = [e for e in events(r.text) if "session-%d@" % jpca in e]
    ok(ev and "SUMMARY:Reserved" in ev[0] and "CLASS" not in ev[0] and "Canada" not in ev[0],
       "a restricted session is still Reserved in the room feed, by its UID, no CLASS")

    # 409: the secretariat is told everything; a non-party only "Busy".
    end = one(s, "SELECT to_char(ends_at AT TIME ZONE 'Asia/Tokyo', "
                 "'YYYY-MM-DD\"T\"HH24:MI:SS+09:00') FROM sessions WHERE id = %s", sid)
    r = s.request("POST", C + "/sessions", {"kind": "other", "title": "Clash", "room_id": room,
                                            "start": start, "end": end}, token=sec)
    ok(r.status == 409 and r.json["conflicts"][0].get("title") == title
       and r.json["conflicts"][0].get("session_id") == sid,
       "the secretariat's 409 names the confidential session")
    cid = one(s, "SELECT id FROM conferences WHERE slug = %s", SLUG)
    it_id = one(s, "SELECT id FROM delegations WHERE code = 'IT' AND conference_id = %s", cid)
    actor = '{"role": "liaison", "conference_id": %d, "delegation_id": %d}' % (cid, it_id)
    k = one(s, "SELECT kaigi_session_conflicts_json(%s::jsonb, %s, %s, %s::timestamptz,"
               " %s::timestamptz, '{}', NULL)", actor, cid, room, start, end)
    note("conflicts for Italy's liaison: %r" % k)
    ok(k and k[0].get("title") == "Busy" and "session_id" not in k[0] and clean(str(k)),
       "kaigi_session_conflicts_json: a non-party's conflict is Busy, without session_id"
       " (no route gives a non-party a 409 on another's room today)")
    ks, ke = one(s, "SELECT array[kaigi_ts(starts_at, 'Asia/Tokyo'), kaigi_ts(ends_at, 'Asia/Tokyo')]"
                    " FROM sessions WHERE id = %s", jpca)
    k = one(s, "SELECT kaigi_session_conflicts_json(%s::jsonb, %s, %s, %s::timestamptz,"
               " %s::timestamptz, '{}', NULL)", actor, cid, room_a, ks, ke)
    ok(k and k[0].get("title") == "Reserved" and k[0].get("session_id") == jpca,
       "a restricted one stays Reserved, with its session_id (unchanged)")

    # The audit log keeps everything.
    r = s.request("GET", C + "/audit?limit=1000", token=sec)
    rows = [a for a in r.json["items"] if a.get("entity_id") == sid or
            (a.get("after") or {}).get("id") == sid]
    ok(rows and any((a.get("after") or {}).get("title") == title and
                    (a.get("after") or {}).get("visibility") == "confidential" for a in rows),
       "the audit log holds the session whole (title, visibility)")
    rows = [a for a in r.json["items"] if (a.get("after") or {}).get("id") == bid]
    ok(rows and any((a.get("after") or {}).get("confidential") is True and
                    (a.get("after") or {}).get("topics") == TOPICS for a in rows),
       "and the request whole (confidential, topics)")

    # Mail: only who may see it. France's liaison officer (a party's member,
    # not attending), Italy's head: no row; the two heads: a row each.
    emails = {}
    for code, role in (("FR", "head"), ("DE", "head"), ("FR", "staff"), ("IT", "head")):
        pid = one(s, "SELECT p.id FROM participants p JOIN delegations d ON d.id = p.delegation_id"
                     " WHERE d.code = %s AND p.role = %s AND p.conference_id = %s", code, role, cid)
        r = s.request("GET", "/api/v1/participants/%d" % pid, token=sec)
        addr = "%s-%s@example.org" % (code.lower(), role)
        r = s.request("PATCH", "/api/v1/participants/%d" % pid, {"email": addr}, token=sec,
                      headers={"If-Match": r.headers.get("ETag")})
        is_(r.status, 200, "%s %s gets an e-mail address" % (code, role))
        emails[pid] = "%s %s" % (code, role)
    r = s.request("GET", "/api/v1/sessions/%d" % sid, token=sec)
    r = s.request("PATCH", "/api/v1/sessions/%d" % sid, {"title": title + " (moved)"}, token=sec,
                  headers={"If-Match": r.headers.get("ETag")})
    is_(r.status, 200, "the secretariat retitles it")
    with s.db().cursor() as cur:
        cur.execute("SELECT participant_id FROM outbox WHERE session_id = %s", (sid,))
        got = sorted(emails.get(p, str(p)) for (p,) in cur.fetchall())
    is_(got, ["DE head", "FR head"], "change mail is queued for its attendees only")

    # The secretariat's export carries it, and imports again as it is.
    r = s.request("GET", C + "/export/sessions.csv", token=sec)
    ok(r.status == 200 and "confidential" in r.text and title in r.text,
       "the secretariat's sessions.csv holds it, visibility confidential")
    r = s.request("POST", C + "/import?kind=sessions&dry_run=true", raw=r.body, token=sec,
                  headers={"Content-Type": "text/csv"})
    ok(r.status == 200, "and imports again as it is (dry run: %d %s)" % (r.status, r.text[:200]))

    # The client: kaigi bilateral request --confidential, edit --not-confidential.
    import json
    import subprocess
    env = dict(os.environ, KAIGI_CONFIG="/dev/null", TZ="UTC", KAIGI_URL=s.url, KAIGI_TOKEN=sec)
    env.pop("KAIGI_CONFERENCE", None)
    kaigi = os.path.abspath(os.environ.get("KAIGI") or os.path.join(TOP, "client", "kaigi"))
    p = subprocess.run([kaigi, "--json", "bilateral", "request", "--requester", "IT",
                        "--counterpart", "GB", "--duration", "30", "--confidential"],
                       capture_output=True, text=True, env=env, timeout=60)
    b = json.loads(p.stdout) if p.returncode == 0 else {}
    ok(b.get("confidential") is True, "kaigi bilateral request --confidential (%d %s)"
       % (p.returncode, p.stderr.strip()))
    p = subprocess.run([kaigi, "--json", "bilateral", "edit", str(b.get("id", 0)),
                        "--not-confidential"], capture_output=True, text=True, env=env, timeout=60)
    ok(p.returncode == 0 and json.loads(p.stdout).get("confidential") is False,
       "kaigi bilateral edit --not-confidential (%d %s)" % (p.returncode, p.stderr.strip()))

    # Release mode: the busy block comes from the release, and a draft
    # edit keeps the feed's bytes.
    r = s.request("GET", "/api/v1/conferences/" + SLUG, token=sec)
    r = s.request("PATCH", "/api/v1/conferences/" + SLUG, {"publish": "release"}, token=sec,
                  headers={"If-Match": r.headers.get("ETag")})
    is_(r.status, 200, "release mode")
    is_(s.request("POST", C + "/releases", {"name": "one"}, token=sec).status, 201, "release 1")
    r1 = s.request("GET", C + "/rooms/%d/calendar.ics?lang=en" % room)  # a key not cached before
    ev = at(events(r1.text), local)
    ok(ev and "SUMMARY:Busy" in ev[0] and clean(ev[0]) and busy_uid in ev[0]
       and "session-%d@" % sid not in r1.text, "release mode: the same busy block")
    r = s.request("GET", "/api/v1/sessions/%d" % sid, token=sec)
    r = s.request("PATCH", "/api/v1/sessions/%d" % sid, {"visibility": "restricted"}, token=sec,
                  headers={"If-Match": r.headers.get("ETag")})
    is_(r.status, 200, "the draft made restricted")
    r2 = s.request("GET", C + "/rooms/%d/calendar.ics?lang=en" % room)
    is_(r2.headers.get("ETag"), r1.headers.get("ETag"), "the released room feed keeps its bytes")
    r2 = s.request("GET", C + "/rooms/%d/calendar.ics?lang=ja" % room, token=it)
    ev = at(events(r2.text), local)
    ok(ev and "SUMMARY:Busy" in ev[0] and busy_uid in ev[0] and clean(ev[0]),
       "read afresh (Italy's liaison, ?lang=ja: never cached), it is still the release's busy block")
    is_(s.request("POST", C + "/releases", {"name": "two"}, token=sec).status, 201, "release 2")

    def released():
        """The room feed's event then, once the release reached the cache."""
        ev = at(events(s.request("GET", C + "/rooms/%d/calendar.ics" % room).text), local)
        return ev if ev and "SUMMARY:Reserved" in ev[0] else None
    ev = wait_until(released, 10) or [""]
    ok("session-%d@" % sid in ev[0] and "CLASS" not in ev[0] and clean(ev[0]),
       "released as restricted: Reserved, as restricted sessions are (within 10 s)")
    is_(s.stop(), 0, "kaigid exits 0")
done_testing()
