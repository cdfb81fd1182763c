#!/usr/bin/python3
"""cop-gen.py — the rows of a COP-sized conference, as the import API's CSV
files (one per kind) plus feed tokens; used by scripts/bench/cop.

    cop-gen.py SCALE OUTDIR

At scale 1: 200 delegations, 100,000 participants (ref P000000...; the first
participant of each delegation is its head, the next COP_DEPUTIES (default
2) its deputies, the rest members and staff), 300 rooms in 2 venues, 5,000
sessions over 12 days (60 % public, 30 % conference, 10 % restricted; each
restricted one is attended by one participant of its own, so personal feeds
differ), 20,000 bilateral requests between delegations, and one feed token
per participant for 100,000 of them. Every count scales by SCALE (rooms at
least 5, delegations 10..200). Times are in Asia/Dubai; no room is booked
twice and no participant attends two sessions, so the database's exclusion
constraints hold. Writes venues.csv, rooms.csv, delegations.csv,
participants.csv, sessions.csv, bilaterals.csv (the import API's columns,
docs/API.md) and tokens.csv (ref, raw token, SHA-256 hex of the token), and
prints the counts as shell assignments.
"""
import base64
import csv
import datetime
import hashlib
import os
import random
import sys

DAYS = 12
FIRST_DAY = datetime.date(2025, 11, 10)
TZ = "+04:00"           # Asia/Dubai, no DST
SLOTS = 8               # one-hour slots from 09:00
DEPUTIES = int(os.environ.get("COP_DEPUTIES", "2"))   # per delegation


def sizes(scale):
    """The counts at this scale."""
    r = lambda n: max(1, int(round(n * scale)))  # noqa: E731
    return {"DELEGATIONS": min(200, max(10, r(2000))), "PARTICIPANTS": r(100000),
            "ROOMS": max(5, r(300)), "SESSIONS": r(5000), "BILATERALS": r(20000),
            "TOKENS": r(100000)}


def at(day, hour, minute=0):
    """RFC 3339 local time in Dubai."""
    d = FIRST_DAY + datetime.timedelta(days=day)
    return "%sT%02d:%02d:00%s" % (d.isoformat(), hour, minute, TZ)


def writer(out, name, header):
    """A CSV writer with its header written."""
    fh = open(os.path.join(out, name), "w", newline="")
    w = csv.writer(fh)
    w.writerow(header)
    return fh, w


def delegate_role(j):
    """The role of a delegation's j-th participant: its head, then
    DEPUTIES deputies, then members and staff. (Until this was by the
    participant's overall index, i % 4, which 200 delegations share with
    i % 200: a quarter of the delegations were all deputies, 500 each at
    COP size, so a deputy-level bilateral with one of them had 500
    attendees.)"""
    if j == 0:
        return "head"
    if j <= DEPUTIES:
        return "deputy"
    return "member" if j % 2 else "staff"


def people(out, n):
    """delegations.csv and participants.csv; returns the delegation codes."""
    fh, w = writer(out, "delegations.csv", ["ref", "code", "name", "kind"])
    codes = ["D%03d" % i for i in range(n["DELEGATIONS"])]
    for i, c in enumerate(codes):
        w.writerow(["DEL-" + c, c, "Party %d" % i, "member" if i % 10 else "organization"])
    fh.close()
    fh, w = writer(out, "participants.csv",
                   ["ref", "delegation", "name", "title", "role", "email", "timezone"])
    for i in range(n["PARTICIPANTS"]):
        c = codes[i % len(codes)]
        role = delegate_role(i // len(codes))
        w.writerow(["P%06d" % i, c, "Delegate %d of %s" % (i, c), "Negotiator %d" % (i % 97),
                    role, "p%06d@cop.example.org" % i, ""])
    fh.close()
    return codes


def venues(out, n):
    """venues.csv and rooms.csv; returns [(venue, room)]."""
    fh, w = writer(out, "venues.csv", ["name", "address"])
    vs = ["Blue Zone", "Green Zone"]
    for v in vs:
        w.writerow([v, "Expo City, Dubai"])
    fh.close()
    fh, w = writer(out, "rooms.csv", ["ref", "venue", "name", "capacity", "kind",
                                      "usable_for_bilaterals"])
    rooms = []
    for i in range(n["ROOMS"]):
        v = vs[i % 2]
        name = "Room %d" % i
        w.writerow(["R%03d" % i, v, name, 50 + (i % 20) * 50, "plenary" if i < 10 else "other",
                    "true" if i % 3 == 2 else "false"])
        rooms.append((v, name))
    fh.close()
    return rooms


def sessions(out, n, rooms, codes):
    """sessions.csv: session i in room i % ROOMS, in slot i // ROOMS."""
    fh, w = writer(out, "sessions.csv", ["ref", "kind", "title", "description", "venue", "room",
                                         "start", "end", "status", "visibility", "attendees",
                                         "delegations"])
    nr, np_ = len(rooms), n["PARTICIPANTS"]
    if n["SESSIONS"] > nr * DAYS * SLOTS:
        sys.exit("cop-gen: more sessions than room slots")
    kinds = ["plenary", "side_event", "other", "press", "working_meal"]
    for i in range(n["SESSIONS"]):
        v, room = rooms[i % nr]
        k = i // nr
        day, slot = k % DAYS, (k // DAYS) % SLOTS
        vis = "public" if i % 10 < 6 else "conference" if i % 10 < 9 else "restricted"
        att = dels = ""
        kind = kinds[i % len(kinds)]
        if vis == "restricted":
            p = i % np_         # i < SESSIONS <= PARTICIPANTS: one session each
            att, dels, kind = "P%06d" % p, codes[p % len(codes)], "bilateral"
        w.writerow(["S%05d" % i, kind,
                    "Session %d: %s" % (i, ["Mitigation", "Adaptation", "Loss and damage",
                                            "Finance", "Global stocktake"][i % 5]),
                    "Agenda item %d of the Conference of the Parties: consultations on the "
                    "draft decision text; interpretation in the six UN languages; doors "
                    "open 30 minutes before." % i,
                    v, room, at(day, 9 + slot), at(day, 9 + slot, 50),
                    "tentative" if i % 17 == 0 else "confirmed", vis, att, dels])
    fh.close()


def bilaterals(out, n, codes):
    """bilaterals.csv: requests between two different delegations."""
    fh, w = writer(out, "bilaterals.csv", ["ref", "requester", "counterpart", "duration_minutes",
                                           "earliest", "latest", "priority", "level", "topics",
                                           "status"])
    d = len(codes)
    for j in range(n["BILATERALS"]):
        a = j % d
        b = (a + 1 + (j // d) % (d - 1)) % d
        w.writerow(["B%06d" % j, codes[a], codes[b], 30 + 15 * (j % 3), at(j % DAYS, 8),
                    at(j % DAYS, 20), 1 + j % 5, "head" if j % 4 else "deputy",
                    "bilateral consultations %d" % j, "requested"])
    fh.close()


def tokens(out, n):
    """tokens.csv: ref, raw token (base64url of 32 random bytes), its SHA-256 hex."""
    fh, w = writer(out, "tokens.csv", ["ref", "token", "hash"])
    rnd = random.SystemRandom()
    for i in range(min(n["TOKENS"], n["PARTICIPANTS"])):
        raw = base64.urlsafe_b64encode(rnd.getrandbits(256).to_bytes(32, "big")).decode().rstrip("=")
        w.writerow(["P%06d" % i, raw, hashlib.sha256(raw.encode()).hexdigest()])
    fh.close()


def main():
    scale, out = float(sys.argv[1]), sys.argv[2]
    n = sizes(scale)
    codes = people(out, n)
    rooms = venues(out, n)
    sessions(out, n, rooms, codes)
    bilaterals(out, n, codes)
    tokens(out, n)
    for k, v in n.items():
        print("%s=%d" % (k, v))


main()
