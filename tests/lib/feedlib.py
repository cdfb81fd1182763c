"""feedlib - helpers shared by the feed tests (tests/integration/3x-*.t).

events(body)        VEVENTs of a feed as dicts {UID: {prop: value}} (python3-icalendar)
uid_id(uid)         session id of "session-<id>@host"
expected_ids(s, scope) the session ids a scope may see, computed here in SQL
                    written independently of sql/030 (the visibility rule as
                    API.md states it), so the feed is checked against the contract
one(s, sql, *args)  first column of the first row (kaigitest's, as rows)
Stream(s, token, last_id) a client of the change stream (SSE); .until(id) reads
                    up to a positive marker
metric(s, name)     a kaigid counter summed over its labels (/metrics)
fresh(s, path, token) the feed rendered after the latest change (a cache miss
                    since the call)
flat(text)          text with its runs of white space made single spaces
pdf_lines(s, query, token) the programme.pdf's lines as pdftotext reads them,
                    without the printing time (or "status N")
programme(cur, slug, title, people, sessions, padding="") a conference of its
                    own (March 2025, Europe/Berlin, one delegation, 10 rooms)
                    with `people` participants and `sessions` public and
                    conference sessions, ten an hour; padding lengthens each
                    description
"""
import collections
import os
import re
import subprocess
import tempfile

import icalendar

from kaigitest import PATIENCE, is_, ok, one, rows, wait_until  # noqa: F401 (one, rows re-exported)

SLUG = "g7-digital-2023"


def metric(s, name):
    """kaigi_<name> summed over its labels, from /metrics."""
    r = s.request("GET", "/metrics")
    return sum(float(v) for v in re.findall(r"^kaigi_%s\{[^}]*\} (\S+)$" % name, r.text, re.M))


def feed_metrics(s):
    """{name: value} of the kaigi_feed_* lines of one worker's /metrics; a
    counter not shown yet is 0."""
    r = s.request("GET", "/metrics")
    m = collections.defaultdict(float)
    for x in re.finditer(r"^kaigi_(feed_\w+)\{[^}]*\} (\S+)$", r.text, re.M):
        m[x.group(1)] = float(x.group(2))
    return m


def fresh(s, path, token=None):
    """The feed rendered after the latest change (a cache miss since it)."""
    m0 = metric(s, "feed_cache_misses_total")
    got = []

    def fetch():
        got[:] = [s.request("GET", path, token=token)]
        return metric(s, "feed_cache_misses_total") > m0
    ok(wait_until(fetch, PATIENCE), "the feed %s was rendered again" % path[:60])
    return got[0]


def programme(cur, slug, title, people, sessions, padding=""):
    """A conference of sessions and participants (module docstring)."""
    cur.execute("""
        WITH c AS (INSERT INTO conferences (slug, title, timezone, start_date, end_date)
            VALUES (%s, %s, 'Europe/Berlin', '2025-03-01', '2025-03-31') RETURNING id),
        v AS (INSERT INTO venues (conference_id, name) SELECT id, 'Hall' FROM c
            RETURNING id, conference_id),
        d AS (INSERT INTO delegations (conference_id, code, name) SELECT id, 'DE', 'Germany'
            FROM c RETURNING id, conference_id),
        p AS (INSERT INTO participants (conference_id, delegation_id, name)
            SELECT d.conference_id, d.id, 'Participant ' || g FROM d, generate_series(1, %s) g)
        INSERT INTO rooms (conference_id, venue_id, name, capacity)
        SELECT v.conference_id, v.id, 'Room ' || g, 50 FROM v, generate_series(1, 10) g""",
                (slug, title, people))
    cur.execute("""
        INSERT INTO sessions (conference_id, kind, title, description, room_id,
            starts_at, ends_at, visibility)
        SELECT r.conference_id, 'other', 'Session ' || g || ' in ' || r.name,
            'Agenda item ' || g || ': digital trade, data free flow with trust, and the '
                || 'governance of artificial intelligence; interpretation EN/FR/JA.' || %s,
            r.id, timestamptz '2025-03-03 08:00 Europe/Berlin' + (g / 10) * interval '1 hour',
            timestamptz '2025-03-03 08:50 Europe/Berlin' + (g / 10) * interval '1 hour',
            CASE WHEN g %% 3 = 0 THEN 'conference' ELSE 'public' END
        FROM generate_series(0, %s - 1) g
        JOIN rooms r ON r.name = 'Room ' || (g %% 10 + 1)
            AND r.conference_id = (SELECT id FROM conferences WHERE slug = %s)""",
                (padding, sessions, slug))


def flat(text):
    """text with its runs of white space made single spaces."""
    return " ".join(str(text).split())


def pdf_lines(s, query, token):
    """The programme's lines as pdftotext reads them, without the printing time."""
    r = s.request("GET", "/api/v1/conferences/%s/programme.pdf%s" % (SLUG, query), token=token)
    if r.status != 200:
        return "status %d" % r.status
    with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as f:
        f.write(r.body)
    p = subprocess.run(["pdftotext", "-enc", "UTF-8", f.name, "-"], capture_output=True)
    os.unlink(f.name)
    lines = [flat(x) for x in p.stdout.decode("utf-8", "replace").splitlines()]
    return [x for x in lines if x and not x.startswith("Printed ")]


def events(body):
    """{uid: component} of a feed's VEVENTs (raises on a parse error)."""
    cal = icalendar.Calendar.from_ical(body)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def uid_id(uid):
    """Session id from a UID."""
    m = re.match(r"session-(\d+)@", uid)
    return int(m.group(1)) if m else None


def feed_ids(body):
    """Sorted session ids in a feed."""
    return sorted(uid_id(u) for u in events(body))


# The visibility rule of API.md, written out here on its own.
_PARTY = """(EXISTS (SELECT 1 FROM session_delegations sd WHERE sd.session_id = s.id
                 AND sd.delegation_id = %(d)s)
             OR EXISTS (SELECT 1 FROM session_attendees a JOIN participants p
                 ON p.id = a.participant_id WHERE a.session_id = s.id
                 AND p.delegation_id = %(d)s))"""


def expected_ids(s, scope, slug=SLUG):
    """Ids the scope may see: ("public",), ("delegation", code),
    ("participant", id), ("room", room_id) -> (ids, reserved ids)."""
    conf = one(s, "SELECT id FROM conferences WHERE slug = %s", slug)
    base = "SELECT s.id FROM sessions s WHERE s.conference_id = %(c)s AND "
    args = {"c": conf}
    if scope[0] == "public":
        sql = base + "s.visibility = 'public'"
    elif scope[0] == "delegation":
        args["d"] = one(s, "SELECT id FROM delegations WHERE conference_id = %s"
                        " AND code = %s", conf, scope[1])
        sql = base + ("(s.visibility IN ('public', 'conference') OR "
                      "(s.visibility = 'restricted' AND " + _PARTY + "))")
    elif scope[0] == "participant":
        args["p"] = scope[1]
        sql = base + ("(s.visibility IN ('public', 'conference') OR EXISTS ("
                      "SELECT 1 FROM session_attendees a WHERE a.session_id = s.id"
                      " AND a.participant_id = %(p)s))")
    elif scope[0] == "room":
        args["r"] = scope[1]
        sql = base + "s.room_id = %(r)s"
        reserved = [r[0] for r in rows(s, base + "s.room_id = %(r)s AND "
                                       "s.visibility <> 'public' ORDER BY 1", args)]
        return sorted(r[0] for r in rows(s, sql, args)), reserved
    else:
        raise ValueError(scope)
    return sorted(r[0] for r in rows(s, sql + " ORDER BY 1", args)), []


# ---------------------------------------------------------------- the change stream
# An SSE client for GET /conferences/{slug}/changes. kaigid sends the headers
# once the stream's starting point is fixed (after the latest change, or
# after Last-Event-ID), so a change made after Stream() returns is always
# delivered to a caller who may see it.

import http.client  # noqa: E402
import json  # noqa: E402
import queue  # noqa: E402
import socket  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

CHANGES = "/api/v1/conferences/%s/changes"


class Stream:
    """An SSE client on its own thread: .status, .headers, .events (queue of
    {id, event, data}), .comments (count), .ended (threading.Event)."""

    def __init__(self, s, token=None, last_id=None, path=None, timeout=60):
        hdrs = {"Accept": "text/event-stream"}
        if token:
            hdrs["Authorization"] = "Bearer " + token
        if last_id is not None:
            hdrs["Last-Event-ID"] = str(last_id)
        self.conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=timeout)
        self.conn.connect()
        self.sock = self.conn.sock      # the response keeps using it after getresponse()
        self.conn.request("GET", path or CHANGES % SLUG, headers=hdrs)
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.headers = dict((k.lower(), v) for k, v in self.resp.getheaders())
        self.events = queue.Queue()
        self.comments = 0
        self.ended = threading.Event()
        self.body = b""
        if self.status == 200:
            threading.Thread(target=self._read, daemon=True).start()
        else:
            self.body = self.resp.read()
            self.ended.set()

    def _read(self):
        ev = {}
        try:
            while True:
                line = self.resp.readline()
                if not line:
                    break
                line = line.decode().rstrip("\r\n")
                if line == "":
                    if "data" in ev:
                        self.events.put(ev)
                    ev = {}
                elif line.startswith(":"):
                    self.comments += 1
                else:
                    k, _, v = line.partition(":")
                    ev[k] = v[1:] if v.startswith(" ") else v
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            pass
        self.ended.set()

    def get(self, timeout=60.0):
        """Next event {id, event, data (parsed)}, or None when none came in time."""
        try:
            ev = self.events.get(timeout=timeout)
        except queue.Empty:
            return None
        ev["data"] = json.loads(ev["data"])
        return ev

    def until(self, last_id, timeout=60.0):
        """Every event up to and including the one with id last_id (a positive
        marker: a change made after the ones checked), in order. Returns the
        list, ending with the marker; without it when time ran out."""
        got = []
        deadline = time.monotonic() + timeout
        while True:
            ev = self.get(max(0.0, deadline - time.monotonic()))
            if ev is None:
                return got
            got.append(ev)
            if int(ev["id"]) >= last_id:
                return got

    def close(self):
        """Hang up: shut the socket down first, so that the reader thread's
        readline returns at once (closing the response would wait for it)."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.ended.wait(10)
        self.conn.close()
        self.resp.close()


def ids(events):
    """The ids of a list of events."""
    return [int(e["id"]) for e in events]


def visibility_actors(s, cid):
    """Nobody, an admin, the conference's secretariat and another's, and
    the liaison of every delegation of conference cid."""
    out = [{"role": "none"}, {"role": "admin"},
           {"role": "secretariat", "conference_id": cid},
           {"role": "secretariat", "conference_id": cid + 1000}]
    for (d,) in rows(s, "SELECT id FROM delegations WHERE conference_id = %s ORDER BY id", cid):
        out.append({"role": "liaison", "conference_id": cid, "delegation_id": d})
    return out


def enrich_visibility(s, cid):
    """What the later rules add: confidential, a registration."""
    with s.db().cursor() as cur:
        cur.execute("""UPDATE sessions SET visibility = 'confidential' WHERE id = (SELECT min(id)
            FROM sessions WHERE conference_id = %s AND visibility = 'restricted')""", (cid,))
        cur.execute("""INSERT INTO registrations (conference_id, session_id, participant_id, status,
                confirmed_at)
            SELECT %s, s.id, p.id, 'confirmed', now() FROM sessions s, participants p
            WHERE s.conference_id = %s AND s.visibility = 'restricted'
              AND p.conference_id = %s AND NOT kaigi_session_visible(s.id, jsonb_build_object(
                'role', 'liaison', 'conference_id', %s, 'delegation_id', p.delegation_id))
            ORDER BY s.id, p.id LIMIT 1""", (cid, cid, cid, cid))
        is_(cur.rowcount, 1, "a confirmed registration of a non-party")
