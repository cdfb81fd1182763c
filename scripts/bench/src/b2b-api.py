#!/usr/bin/python3
"""b2b-api.py — the B2B instances played through kaigid's HTTP API (run by
scripts/bench/b2b --via-api, which starts the cluster and kaigid).

For each instance (as `b2b -d` prints it): a one-day conference in UTC from
09:00, one 15-minute slot a cell of the day, changeover 0; one venue with
the tables as bilateral rooms of two seats; each business a delegation with
its head of delegation; forbidden slots as the head's unavailability (runs
of slots merged); each meeting a bilateral request at head level between
the two delegations, its session (morning or afternoon) as its window,
a fixed meeting's slot as its fixed_start, its precedences as "after"
(set by PATCH once every request exists; a request whose fixed start or
precedences the API refuses as infeasible, 409, is withdrawn and so left
unplaced), the
others accepted by the secretariat. Then POST /conferences/{slug}/schedule with
{"time_limit_ms": LIMIT}, timed from the request to the answer, and the
stored result read back: the scheduled requests and their sessions (start,
end, room, attendees). Written to OUT/<instance>.ans for `b2b -a OUT`,
which checks it independently: "wall SECONDS", then per placed meeting
"MEETING START END TABLE" (minutes from 09:00; a room that is not one of
the tables is written as table count, a session whose attendees are not
the two heads is left out, so the check reports it unplaced).

Usage: b2b-api.py PORT TOKEN B2B-BINARY OUT LIMIT-MS FILE...
"""
import datetime
import json
import subprocess
import sys

from benchapi import Api, budget, hhmm

DAY = "2030-01-07"
START = 9 * 60      # minutes of the day's first slot


def at(minutes):
    """An instant of the conference day, minutes from midnight UTC."""
    return "%sT%s:00+00:00" % (DAY, hhmm(minutes))


def minute_of(ts):
    """Minutes from 09:00 of an RFC 3339 instant on the day."""
    t = datetime.datetime.fromisoformat(ts).astimezone(datetime.timezone.utc)
    return t.hour * 60 + t.minute - START + (t.date().toordinal() -
                                              datetime.date.fromisoformat(DAY).toordinal()) * 1440


def runs(slots):
    """Consecutive slots merged: [(first, last + 1)]."""
    out = []
    for s in sorted(slots):
        if out and out[-1][1] == s:
            out[-1][1] = s + 1
        else:
            out.append([s, s + 1])
    return out


def build(api, inst, slug):
    """The conference of an instance; returns (request ids, heads, tables)."""
    slot = inst["minutes"]
    end = START + inst["slots"] * slot
    api.call("POST", "/conferences", {
        "slug": slug, "title": "B2B " + inst["name"], "timezone": "UTC",
        "start_date": DAY, "end_date": DAY, "changeover_minutes": 0,
        "day_start": hhmm(START), "day_end": hhmm(end)})
    c = "/conferences/" + slug
    venue = api.call("POST", c + "/venues", {"name": "Forum hall"})["id"]
    tables = [api.call("POST", c + "/rooms", {"venue_id": venue, "name": "Table %d" % (k + 1),
                                              "capacity": 2, "kind": "bilateral"})["id"]
              for k in range(inst["tables"])]
    heads = []
    for b in range(inst["businesses"]):
        code = "B%03d" % (b + 1)
        api.call("POST", c + "/delegations", {"code": code, "name": "Business %d" % (b + 1),
                                              "kind": "member"})
        heads.append(api.call("POST", c + "/participants", {
            "delegation": code, "name": "Head of business %d" % (b + 1), "role": "head"})["id"])
        for s, e in runs(inst["forbidden"][b]):
            api.call("POST", "/participants/%d/unavailability" % heads[b], {
                "start": at(START + s * slot), "end": at(START + e * slot), "reason": "forbidden"})
    noon = START + inst["morning"] * slot
    ids = []
    refused_fixed = set()
    for p1, p2, sess, fixed in inst["meetings"]:
        body = {"requester": "B%03d" % (p1 + 1), "counterpart": "B%03d" % (p2 + 1),
                "duration_minutes": slot, "level": "head", "priority": 1}
        if sess == 1:
            body.update(earliest=at(START), latest=at(noon))
        elif sess == 2:
            body.update(earliest=at(noon), latest=at(end))
        if fixed >= 0:
            body["fixed_start"] = at(START + fixed * slot)
        status, doc = api.send("POST", c + "/bilaterals", body)
        if status == 409 and "fixed_start" in body:
            # The fixed start is infeasible (its window, a forbidden slot):
            # the request exists, withdrawn, so left unplaced.
            del body["fixed_start"]
            doc = api.call("POST", c + "/bilaterals", body)
            api.call("POST", "/bilaterals/%d/withdraw" % doc["id"], {})
            refused_fixed.add(doc["id"])
        elif status != 201:
            sys.exit("b2b-api: POST %s/bilaterals: %d %s" % (c, status, json.dumps(doc)[:400]))
        ids.append(doc["id"])
    refused = set(refused_fixed)
    for m, before in enumerate(inst.get("after", [])):
        if not before or ids[m] in refused:
            continue
        status, doc = api.send("PATCH", "/bilaterals/%d" % ids[m], {"after": [ids[k] for k in before]})
        if status == 409 and doc.get("cause") in ("precedence", "cycle"):
            refused.add(ids[m])     # cannot come after them: left unplaced
            api.call("POST", "/bilaterals/%d/withdraw" % ids[m], {})
        elif status != 200:
            sys.exit("b2b-api: PATCH /bilaterals/%d: %d %s" % (ids[m], status, json.dumps(doc)[:400]))
    if refused:
        print("b2b-api: %s: %d request(s) refused their fixed start or precedences (409)"
              " and were withdrawn" % (inst["name"], len(refused)), file=sys.stderr)
    for rid in ids:
        if rid not in refused:
            api.call("POST", "/bilaterals/%d/accept" % rid, {})
    return ids, heads, tables


def read_back(api, inst, slug, ids, heads, tables):
    """Lines "MEETING START END TABLE" from the stored sessions; problems."""
    c = "/conferences/" + slug
    reqs = {b["id"]: b for b in api.call("GET", c + "/bilaterals?limit=1000")["items"]}
    sess = {s["id"]: s for s in api.call("GET", c + "/sessions?kind=bilateral&limit=1000")["items"]}
    lines, bad = [], 0
    for m, rid in enumerate(ids):
        sid = reqs.get(rid, {}).get("session_id")
        if sid is None:
            continue
        s = sess.get(sid)
        p1, p2 = inst["meetings"][m][0], inst["meetings"][m][1]
        who = sorted(a["id"] if isinstance(a, dict) else a for a in s.get("attendees", [])) if s else []
        if s is None or who != sorted([heads[p1], heads[p2]]):
            bad += 1
            continue
        table = tables.index(s["room_id"]) if s["room_id"] in tables else len(tables)
        lines.append("%d %d %d %d" % (m, minute_of(s["start"]), minute_of(s["end"]), table))
    return lines, bad


def main():
    port, token, b2b, out, limit = sys.argv[1:6]
    api = Api(int(port), token, "b2b-api")
    for n, path in enumerate(sys.argv[6:]):
        inst = json.loads(subprocess.run([b2b, "-d", path], check=True, capture_output=True,
                                         text=True).stdout)
        slug = "b2b-%d" % n
        ids, heads, tables = build(api, inst, slug)
        plan, wall = api.schedule(slug, limit)
        lines, bad = read_back(api, inst, slug, ids, heads, tables)
        st = plan.get("stats", {})
        print("b2b-api: %-24s wall %.3f s, solver %.0f ms (%s), placed %s, breaks %s%s" % (
            inst["name"], wall, st.get("elapsed_ms", -1), st.get("search", "?"), st.get("placed"),
            st.get("breaks"), ", %d sessions with other attendees" % bad if bad else ""),
            file=sys.stderr)
        print("b2b-api: %-24s %s" % (inst["name"], budget(st, wall)), file=sys.stderr)
        with open("%s/%s.ans" % (out, inst["name"]), "w") as f:
            f.write("wall %.3f\n" % wall)
            f.write("".join(x + "\n" for x in lines))


if __name__ == "__main__":
    main()
