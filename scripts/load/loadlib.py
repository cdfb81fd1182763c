"""loadlib - the booking storm and its checks, shared by scripts/load/*.

A storm is N client threads, each with its own keep-alive HTTP connection,
that create, move (PATCH with If-Match) and cancel sessions in three rooms
with six people during four hours, so that most attempts clash. Every
attempt is recorded with its answer. Each write carries a unique title
("storm c07-123"), so afterwards the audit log (written in the same
transaction as the change) tells exactly which writes were committed:

  acknowledged (2xx)   must be committed, with the acknowledged times
  refused (409, 412)   must not be committed
  unknown (503, connection lost, timeout)   may be either; counted

and the final rows must equal the last committed write of each session.
No overlap may be stored (rooms, people with changeover, busy table), and
the conflict report must be empty.

Unknown is a failure unless a fault was being injected: without a fault
every write is answered 2xx, 409 or 412 ("unknown 0"). Faults
(fault="db-restart" or "kill") are injected by a fault thread while the
storm runs; it opens a fault window before it strikes and marks the moment
the service is back (Storm.fault_begin, Storm.mark). A 503 (db-restart,
kill) or a lost connection (kill only) is tolerated only for a request that
overlapped a window, which closes at the first acknowledged write after the
mark (at most RECOVERY_BOUND_S later). The clients go on writing past the
storm's nominal end until that first acknowledgement or the bound, so the
recovery figure measures recovery, never the storm's remaining length.
Figures are printed as TAP notes and returned as a dict.

The scripts run on their own PostgreSQL cluster (kaigitest.Cluster) with a
kaigid of their own, so they work both under tests/run and by hand.
"""

import datetime
import http.client
import json
import os
import random
import signal
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
if not os.environ.get("KAIGID"):
    os.environ["KAIGID"] = os.path.join(
        TOP, os.environ.get("KAIGI_BUILD", "build/release"), "kaigid")

from kaigitest import *  # noqa: E402,F401,F403
import kaigitest  # noqa: E402

SLUG = "g7-digital-2023"
ROOMS = ("Bilateral Room A", "Bilateral Room B", "Bilateral Room C")
DAY = "2023-04-29"
WINDOW_START = 8 * 60          # minutes after midnight, conference time
WINDOW_END = 12 * 60
TZ = "+09:00"
OK_STATUS = {"create": {201}, "move": {200}, "cancel": {200}}
REFUSED_STATUS = {"create": {409}, "move": {409, 412}, "cancel": {409, 412}}
RECOVERY_BOUND_S = 5.0         # writes acknowledged again this soon after a fault


def hhmm(minutes):
    """An instant on DAY at minutes after midnight (conference zone)."""
    return "%sT%02d:%02d:00%s" % (DAY, minutes // 60, minutes % 60, TZ)


def epoch(text):
    """Seconds since the epoch of an RFC 3339 instant."""
    return datetime.datetime.fromisoformat(text).timestamp()


def workers_rss_kb(pid):
    """Resident set size in kB of kaigid's serving processes: the workers
    under supervisor pid (the supervisor itself serves nothing). None when
    it has no worker."""
    sizes = [rss_kb(w) for w in worker_pids(pid)]
    sizes = [kb for kb in sizes if kb is not None]
    return sum(sizes) if sizes else None


def rss_kb(pid):
    """Resident set size of a process in kB (None if it is gone)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


class Target:
    """Where the clients send requests; the port may change (kill mode)."""

    def __init__(self, port):
        self.port = port


class Attempt:
    """One write and its answer."""
    __slots__ = ("op", "marker", "sid", "if_match", "status", "body", "latency",
                 "retry_after", "t", "sent", "start", "end", "room", "conn_t")

    def __init__(self, op, marker, sid, if_match, start=None, end=None, room=None):
        self.op, self.marker, self.sid, self.if_match = op, marker, sid, if_match
        self.start, self.end, self.room = start, end, room
        self.status = None          # HTTP status, or None: no answer
        self.body = None
        self.latency = 0.0
        self.retry_after = None
        self.sent = 0.0             # monotonic: request sent
        self.t = 0.0                # monotonic: answer (or failure) seen
        self.conn_t = 0.0           # monotonic: its connection was opened

    def outcome(self):
        """'ack', 'refused' or 'unknown'."""
        if self.status in OK_STATUS[self.op]:
            return "ack"
        if self.status is not None and 400 <= self.status < 500:
            return "refused"
        return "unknown"


class Storm:
    """The clients, the shared picture of live sessions, and the record."""

    def __init__(self, target, token, rooms, people, clients=64, duration=10.0,
                 seed=None, timeout=20.0):
        self.target = target
        self.token = token
        self.rooms = rooms
        self.people = people
        self.clients = clients
        self.duration = duration
        self.timeout = timeout
        self.seed = seed if seed is not None else random.randrange(1 << 30)
        self.lock = threading.Lock()
        self.live = {}              # id -> version of non-cancelled sessions we know
        self.attempts = []
        self.t0 = None
        self.stop_at = None
        self.ended = None
        self.errors = []            # unexpected statuses (checked after the run)
        self.first_ack_after = {}   # label -> monotonic time of first ack after a mark
        self.marks = {}             # label -> monotonic time of the mark
        self.windows = []           # [start, label]: a fault injected from start
        self.tolerated = set()      # what a fault may cause: 503, None (no answer)

    # -- one client

    def _send(self, conn, method, path, body, headers):
        """One request on the client's connection; (status, json, headers)."""
        data = json.dumps(body).encode() if body is not None else None
        hdrs = {"Authorization": "Bearer " + self.token}
        if data is not None:
            hdrs["Content-Type"] = "application/json"
        hdrs.update(headers)
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        payload = resp.read()
        try:
            doc = json.loads(payload) if payload else None
        except ValueError:
            doc = None
        return resp.status, doc, resp

    def _plan(self, rnd, ci, n):
        """Choose the next write: (Attempt, method, path, body, headers)."""
        marker = "storm c%02d-%d" % (ci, n)
        with self.lock:
            live = list(self.live.items())
        r = rnd.random()
        if not live or r < 0.45:
            start = WINDOW_START + 15 * rnd.randrange((WINDOW_END - WINDOW_START) // 15 - 2)
            end = start + rnd.choice((30, 45))
            room = rnd.choice(self.rooms)
            who = rnd.sample(self.people, rnd.choice((0, 1, 1, 2)))
            a = Attempt("create", marker, None, None, start, end, room)
            body = {"kind": "bilateral", "title": marker, "room_id": room,
                    "start": hhmm(start), "end": hhmm(end), "attendees": who,
                    "visibility": "conference"}
            return a, "POST", "/api/v1/conferences/%s/sessions" % SLUG, body, {}
        sid, version = rnd.choice(live)
        if r < 0.85:
            start = WINDOW_START + 15 * rnd.randrange((WINDOW_END - WINDOW_START) // 15 - 2)
            end = start + rnd.choice((30, 45))
            room = rnd.choice(self.rooms)
            a = Attempt("move", marker, sid, version, start, end, room)
            body = {"title": marker, "start": hhmm(start), "end": hhmm(end),
                    "room_id": room}
            return a, "PATCH", "/api/v1/sessions/%d" % sid, body, {"If-Match": '"%d"' % version}
        a = Attempt("cancel", marker, sid, version)
        return a, "POST", "/api/v1/sessions/%d/cancel" % sid, None, {"If-Match": '"%d"' % version}

    def _learn(self, a):
        """Update the shared picture from an acknowledged write."""
        doc = a.body or {}
        with self.lock:
            if a.op == "cancel":
                self.live.pop(a.sid, None)
            elif isinstance(doc.get("id"), int):
                a.sid = doc["id"]
                if self.live.get(a.sid, 0) < doc.get("version", 0) or a.op == "create":
                    self.live[a.sid] = doc.get("version", 1)
            for label, since in self.marks.items():
                if label not in self.first_ack_after and a.t >= since:
                    self.first_ack_after[label] = a.t

    def _client(self, ci):
        """One client thread: write until time is up."""
        rnd = random.Random(self.seed * 1000 + ci)
        conn = None
        conn_t = 0.0
        n = 0
        while self._writing():
            n += 1
            a, method, path, body, headers = self._plan(rnd, ci, n)
            t = a.sent = time.monotonic()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.target.port,
                                                      timeout=self.timeout)
                    conn_t = t
                a.conn_t = conn_t
                a.status, a.body, resp = self._send(conn, method, path, body, headers)
                a.retry_after = resp.getheader("Retry-After")
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                a.status = None
                a.body = {"exception": repr(e)}
                if conn is not None:
                    conn.close()
                conn = None
            a.t = time.monotonic()
            a.latency = a.t - t
            if a.outcome() == "ack":
                self._learn(a)
            with self.lock:
                self.attempts.append(a)
            if a.status == 503 or a.status is None:
                time.sleep(0.1 + rnd.random() * 0.2)    # back off a little
        if conn is not None:
            conn.close()

    def _writing(self):
        """Go on? Until the nominal end, then while a mark awaits its first ack."""
        now = time.monotonic()
        if now < self.stop_at:
            return True
        with self.lock:
            if any(label not in self.marks for _, label in self.windows):
                return True         # a fault is still being injected
            return any(label not in self.first_ack_after and now < t + RECOVERY_BOUND_S
                       for label, t in self.marks.items())

    def sleep_until(self, offset):
        """Sleep until offset seconds after the storm started. A fault thread
        paces itself by this, not by its own start: on a busy machine it
        starts late (after the clients), and then struck too late or never."""
        time.sleep(max(0.0, self.t0 + offset - time.monotonic()))

    def fault_begin(self, label):
        """A fault is about to be injected; its window closes at mark(label)'s first ack."""
        with self.lock:
            self.windows.append((time.monotonic(), label))

    def mark(self, label):
        """The service should be back now: record the first acknowledgement after
        it; the clients keep writing until then (at most RECOVERY_BOUND_S)."""
        with self.lock:
            self.marks[label] = time.monotonic()

    def recovery(self, label):
        """Seconds from mark(label) to the first acknowledged write, or None
        when none came within RECOVERY_BOUND_S."""
        first = self.first_ack_after.get(label)
        since = self.marks.get(label)
        if first is None or since is None:
            return None
        return round(first - since, 3)

    def window_end(self, label):
        """When a fault's window closed: the first ack after its mark, else the bound."""
        if label in self.first_ack_after:
            return self.first_ack_after[label]
        if label in self.marks:
            return self.marks[label] + RECOVERY_BOUND_S
        return float("inf")         # never marked: the fault lasted to the end

    def cut_by_fault(self, a):
        """Did the attempt fail on a connection opened before a fault struck
        (a killed worker's keep-alive connection, found dead on its next use)?"""
        return any(a.conn_t < start <= a.t for start, _ in self.windows)

    def in_fault(self, a):
        """Did the attempt overlap a fault window?"""
        return any(a.sent <= self.window_end(label) and a.t >= start
                   for start, label in self.windows)

    def run(self, during=None):
        """Run the clients for the duration; during(storm) runs beside them."""
        self.t0 = time.monotonic()
        self.stop_at = self.t0 + self.duration
        threads = [threading.Thread(target=self._client, args=(i,), daemon=True)
                   for i in range(self.clients)]
        for t in threads:
            t.start()
        fault = None
        if during is not None:
            fault = threading.Thread(target=during, args=(self,), daemon=True)
            fault.start()
        for t in threads:
            t.join(max(1.0, self.stop_at - time.monotonic()) + RECOVERY_BOUND_S
                   + self.timeout + 30)
        if fault is not None:
            fault.join(120)
        self.ended = time.monotonic()
        return [t for t in threads if t.is_alive()]


# ---------------------------------------------------------------- set-up

def demo_setup(s):
    """(token, room ids, participant ids) for a storm on server s."""
    tok = s.token("secretariat", conference=SLUG)
    with s.db().cursor() as cur:
        cur.execute("SELECT name, id FROM rooms WHERE name = ANY(%s)", (list(ROOMS),))
        rooms = [i for _, i in sorted(cur.fetchall())]
        cur.execute("SELECT p.id FROM participants p JOIN delegations d ON d.id = p.delegation_id"
                    " WHERE d.code IN ('FR', 'DE', 'GB', 'US', 'CA', 'IT') AND p.role = 'head'"
                    " ORDER BY p.id")
        people = [r[0] for r in cur.fetchall()]
    return tok, rooms, people


# ---------------------------------------------------------------- checks

def _rows(conn, sql, *args):
    """All rows of one query."""
    with conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchall()


def check_overlaps(conn):
    """Number of overlapping pairs stored (rooms; people incl. changeover; busy)."""
    room = _rows(conn, "SELECT a.id, b.id FROM sessions a JOIN sessions b ON a.room_id = b.room_id"
                       " AND a.id < b.id AND a.during && b.during"
                       " WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'")
    people = _rows(conn, "SELECT a.session_id, b.session_id FROM session_busy_people a"
                         " JOIN session_busy_people b ON a.participant_id = b.participant_id"
                         " AND a.session_id < b.session_id"
                         " JOIN sessions x ON x.id = a.session_id JOIN sessions y ON y.id = b.session_id"
                         " WHERE x.status <> 'cancelled' AND y.status <> 'cancelled'"
                         " AND kaigi_busy_range(x.conference_id, x.starts_at, x.ends_at)"
                         " && kaigi_busy_range(y.conference_id, y.starts_at, y.ends_at)")
    busy = _rows(conn, "SELECT a.id, b.id FROM busy a JOIN busy b ON a.participant_id = b.participant_id"
                       " AND a.id < b.id AND a.during && b.during")
    # The busy table must say exactly what the sessions say.
    stale = _rows(conn, "SELECT b.id FROM busy b JOIN sessions s ON s.id = b.session_id"
                        " WHERE s.status = 'cancelled'"
                        " OR b.during <> kaigi_busy_range(s.conference_id, s.starts_at, s.ends_at)"
                        " OR NOT EXISTS (SELECT 1 FROM session_busy_people a WHERE a.session_id = s.id"
                        " AND a.participant_id = b.participant_id)")
    missing = _rows(conn, "SELECT a.session_id, a.participant_id FROM session_busy_people a"
                          " JOIN sessions s ON s.id = a.session_id WHERE s.status <> 'cancelled'"
                          " AND NOT EXISTS (SELECT 1 FROM busy b WHERE b.session_id = a.session_id"
                          " AND b.participant_id = a.participant_id)")
    return {"room": room, "people": people, "busy": busy, "busy_stale": stale,
            "busy_missing": missing}


def _same_times(after, a):
    """Does an audit 'after' document carry the attempt's times and room?"""
    return (epoch(after["start"]) == epoch(hhmm(a.start))
            and epoch(after["end"]) == epoch(hhmm(a.end))
            and after.get("room_id") == a.room)


def check_writes(conn, attempts):
    """Compare the record with the audit log and the sessions; a dict of lists of problems."""
    audit = _rows(conn, "SELECT action, entity_id, after FROM audit_log WHERE entity = 'session'"
                        " AND after->>'title' LIKE 'storm %%' ORDER BY id")
    by_title = {}
    cancels = {}
    last = {}
    for action, sid, after in audit:
        if action in ("create", "update"):
            by_title.setdefault(after["title"], []).append((action, sid, after))
        elif action == "cancel":
            cancels.setdefault((sid, after["version"] - 1), []).append(after)
        if sid not in last or after["version"] > last[sid]["version"]:
            last[sid] = after
    titles = {t: i for i, t in _rows(conn, "SELECT id, title FROM sessions WHERE title LIKE 'storm %%'")}
    p = {"lost": [], "wrong": [], "phantom": [], "final": [], "unknown_applied": 0,
         "unknown_absent": 0}
    ack_cancel = set()
    for a in attempts:
        if a.op == "cancel" and a.outcome() != "refused":
            ack_cancel.add((a.sid, a.if_match))
    for a in attempts:
        out = a.outcome()
        if a.op == "cancel":
            rows = cancels.get((a.sid, a.if_match), [])
            if out == "ack":
                if not rows or rows[0]["version"] != (a.body or {}).get("version"):
                    p["lost"].append(a)
            elif out == "refused":
                if rows and (a.sid, a.if_match) not in ack_cancel:
                    p["phantom"].append(a)
            else:
                p["unknown_applied" if rows else "unknown_absent"] += 1
            continue
        rows = by_title.get(a.marker, [])
        if out == "ack":
            want = "create" if a.op == "create" else "update"
            good = [r for r in rows if r[0] == want and r[1] == a.body.get("id")
                    and r[2]["version"] == a.body.get("version")]
            if not good:
                p["lost"].append(a)
            elif not _same_times(good[0][2], a):
                p["wrong"].append(a)
        elif out == "refused":
            if rows or (a.op == "create" and a.marker in titles):
                p["phantom"].append(a)
        else:
            p["unknown_applied" if rows else "unknown_absent"] += 1
    # Final rows are the last committed write of each session.
    rows = _rows(conn, "SELECT id, version, starts_at, ends_at, room_id, status, title FROM sessions"
                       " WHERE id = ANY(%s)", list(last))
    for sid, version, st, en, room, status, title in rows:
        a = last[sid]
        if (version != a["version"] or st.timestamp() != epoch(a["start"])
                or en.timestamp() != epoch(a["end"]) or room != a.get("room_id")
                or status != a["status"] or title != a["title"]):
            p["final"].append((sid, version, a["version"]))
    if len(rows) != len(last):
        p["final"].append(("missing sessions", len(last) - len(rows)))
    return p


def summary(storm):
    """Counts of the record: attempts, acknowledged, refused by status, unknown."""
    c = {"attempts": len(storm.attempts), "acknowledged": 0, "refused": 0, "unknown": 0,
         "by_status": {}, "by_op": {}}
    for a in storm.attempts:
        o = a.outcome()
        c["acknowledged" if o == "ack" else o] += 1
        key = str(a.status) if a.status is not None else "no answer"
        c["by_status"][key] = c["by_status"].get(key, 0) + 1
        c["by_op"].setdefault(a.op, {}).setdefault(o, 0)
        c["by_op"][a.op][o] += 1
    c["max_latency_s"] = round(max((a.latency for a in storm.attempts), default=0.0), 3)
    c["no_retry_after_503"] = sum(1 for a in storm.attempts
                                  if a.status == 503 and not a.retry_after)
    return c


def expected(storm, a):
    """Is the answer one the storm allows: 2xx, 409, 412, or what the fault
    being injected may cause (503; with kill, no answer) while it lasted?"""
    if a.status in OK_STATUS[a.op] or a.status in REFUSED_STATUS[a.op]:
        return True
    if a.status in (503, None) and a.status in storm.tolerated:
        return storm.in_fault(a) or (a.status is None and storm.cut_by_fault(a))
    return False


def verify(s, storm, conn, figures):
    """The checks every storm ends with (TAP); fills figures."""
    c = summary(storm)
    figures.update(c)
    ok(c["attempts"] > 0 and c["acknowledged"] > 0, "the storm made %d attempts, %d acknowledged"
       % (c["attempts"], c["acknowledged"]))
    ok(c["refused"] > c["acknowledged"], "most attempts clash: %d refused, %d acknowledged"
       % (c["refused"], c["acknowledged"]))
    storm.errors = [a for a in storm.attempts if not expected(storm, a)]
    allowed = "".join(", %s while the fault lasted" % ("503" if t == 503 else "no answer")
                      for t in sorted(storm.tolerated, key=str))
    is_([(a.op, a.status, a.body, round(a.sent - storm.t0, 2)) for a in storm.errors][:5], [],
        "no unexpected answer (only 2xx, 409, 412%s)" % allowed)
    if not storm.tolerated:
        is_(c["unknown"], 0, "unknown 0: without a fault every write is answered 2xx, 409 or 412"
            " (%s)" % ", ".join("%s: %d" % kv for kv in sorted(c["by_status"].items())))
    is_(c["no_retry_after_503"], 0, "every 503 carries Retry-After")
    ov = check_overlaps(conn)
    n_over = sum(len(v) for v in ov.values())
    figures["overlaps"] = n_over
    is_({k: v[:5] for k, v in ov.items() if v}, {}, "no overlap stored; busy matches the sessions")
    p = check_writes(conn, storm.attempts)
    figures["lost"] = len(p["lost"]) + len(p["wrong"])
    figures["phantom"] = len(p["phantom"])
    figures["unknown_applied"] = p["unknown_applied"]
    figures["unknown_absent"] = p["unknown_absent"]
    is_([(a.op, a.marker, a.sid, a.status) for a in p["lost"][:5]], [],
        "every acknowledged write is committed (lost = %d)" % len(p["lost"]))
    is_([(a.op, a.marker, a.sid) for a in p["wrong"][:5]], [],
        "with the acknowledged times and room")
    is_([(a.op, a.marker, a.sid, a.status) for a in p["phantom"][:5]], [],
        "no refused write is committed (phantom = %d)" % len(p["phantom"]))
    is_(p["final"][:5], [], "every session holds its last committed write")
    r = s.request("GET", "/api/v1/conferences/%s/conflicts" % SLUG, token=storm.token)
    is_((r.status, (r.json or {}).get("items")), (200, []), "the conflict report is empty")


def report(figures):
    """Print the figures as TAP notes and, if asked, as JSON (KAIGI_LOAD_JSON)."""
    note("figures: " + json.dumps(figures, sort_keys=True))
    path = os.environ.get("KAIGI_LOAD_JSON")
    if path:
        with open(path, "w") as f:
            json.dump(figures, f, indent=2, sort_keys=True)


def kaigid_args(extra=()):
    """kaigid flags for storms: a pool large enough for the clients."""
    return ["--set", "pool_size=8", "--set", "log_level=warn"] + list(extra)
