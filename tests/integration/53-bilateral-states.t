#!/usr/bin/python3
# 53-bilateral-states.t — the bilateral request's state machine (issue 14,
# item 3): the database's transition table is the spec below, total; every
# (state, event) pair through the API (accept, decline, withdraw, schedule,
# cancel its session, cancel for re-placing, revive its session); the
# issue's two defects (a cancelled bilateral placed again by the next
# auto-schedule; an un-cancelled session leading to a second meeting);
# cancel bodies; audit rows with who and why; what the database itself
# refuses to plain SQL; and a seeded random walk over the API that checks,
# after every step, the answers against the spec and that no request ever
# has two live sessions (KAIGI_WALK_SEED, KAIGI_WALK_STEPS to vary it).
import glob
import hashlib
import os
import random
import subprocess
import sys
import tempfile
import threading

import psycopg2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
BASE = "/api/v1/conferences/%s/bilaterals" % SLUG
SCHED = "/api/v1/conferences/%s/schedule" % SLUG
STATES = ("requested", "accepted", "declined", "withdrawn", "scheduled", "cancelled")
EVENTS = ("accept", "decline", "withdraw", "schedule", "session_cancel", "session_replace",
          "session_revive")
# The spec: the next state of each (state, event) pair; anything else is refused.
SPEC = {("requested", "accept"): "accepted", ("requested", "decline"): "declined",
        ("requested", "withdraw"): "withdrawn", ("accepted", "withdraw"): "withdrawn",
        ("accepted", "schedule"): "scheduled", ("accepted", "session_revive"): "scheduled",
        ("scheduled", "withdraw"): "cancelled", ("scheduled", "session_cancel"): "cancelled",
        ("scheduled", "session_replace"): "accepted"}
# Pairs of delegations the tests place (Kono, the busiest head, left out).
PAIRS = [("CA", "IT"), ("US", "EU"), ("IN", "DE"), ("GB", "FR"), ("ID", "UA"), ("OECD", "ITU"),
         ("UNESCO", "WEF"), ("CA", "US"), ("IT", "EU"), ("DE", "GB"), ("FR", "IN"), ("UA", "OECD"),
         ("ITU", "UNESCO"), ("WEF", "ID"), ("EU", "CA")]


def problem(r, status, name):
    """A problem+json answer with this status."""
    ok(r.status == status and r.headers.get("Content-Type", "").startswith(
        "application/problem+json") and (r.json or {}).get("status") == status,
        "%s: %d problem+json" % (name, status))
    if r.status != status:
        diag("got %d: %s" % (r.status, r.text[:500]))


def token_id(s, raw):
    return one(s, "SELECT id FROM api_tokens WHERE token_hash = %s", hashlib.sha256(raw.encode()).hexdigest())


def status_of(s, bid):
    return one(s, "SELECT status FROM bilateral_requests WHERE id = %s", bid)


def live_sessions(s, rq, cp):
    """Non-cancelled bilateral sessions of the two delegations (however they were made)."""
    return one(s, "SELECT count(*) FROM sessions x WHERE x.kind = 'bilateral' AND x.status <> 'cancelled'"
                  " AND (SELECT array_agg(d.code ORDER BY d.code) FROM session_delegations sd"
                  " JOIN delegations d ON d.id = sd.delegation_id WHERE sd.session_id = x.id) = %s",
               sorted([rq, cp]))


class Api:
    """The calls the tests make, as the secretariat."""

    def __init__(self, s, sec):
        self.s, self.sec = s, sec

    def create(self, rq, cp):
        r = self.s.request("POST", BASE, {"requester": rq, "counterpart": cp, "duration_minutes": 30},
                           token=self.sec)
        return r.json["id"] if r.status == 201 else None

    def act(self, bid, action):
        return self.s.request("POST", "/api/v1/bilaterals/%d/%s" % (bid, action), token=self.sec)

    def schedule(self, bid):
        return self.s.request("POST", "/api/v1/bilaterals/%d/schedule" % bid, {}, token=self.sec)

    def cancel(self, sid, body=None):
        return self.s.request("POST", "/api/v1/sessions/%d/cancel" % sid, body, token=self.sec)

    def revive(self, sid):
        return self.s.request("PATCH", "/api/v1/sessions/%d" % sid, {"status": "confirmed"}, token=self.sec)

    def auto(self):
        return self.s.request("POST", SCHED, {"time_limit_ms": 300}, token=self.sec, timeout=60)


def test_table(s):
    """The database's transition table is the spec, and total."""
    got = {(f, e): t for f, e, t in rows(s, "SELECT from_status, event, to_status FROM bilateral_transitions")}
    want = {(f, e): SPEC.get((f, e)) for f in STATES for e in EVENTS}
    is_(got, want, "bilateral_transitions: every state meets every event (42 pairs), as the spec says")
    ok(one(s, "SELECT bool_and((to_status IS NULL) = (refusal IS NOT NULL AND refusal <> ''))"
              " FROM bilateral_transitions"), "each refused pair says why")
    bad = []
    for (f, e), t in want.items():
        try:
            got_to = one(s, "SELECT kaigi_bilateral_next(%s, %s)", f, e)
        except psycopg2.Error as x:
            got_to = x.pgcode
        if got_to != (t or "KG409"):
            bad.append((f, e, got_to))
    is_(bad, [], "kaigi_bilateral_next: the next state, or KG409 for a refused pair")


def make(api, s, state, pair):
    """A request in state (variants: 'accepted/replaced' etc.); returns (id, its sessions)."""
    bid = api.create(*pair)
    sids = []
    base = state.split("/")[0]
    if state in ("declined",):
        api.act(bid, "decline")
    elif base == "withdrawn" and state == "withdrawn":
        api.act(bid, "withdraw")
    elif base != "requested":
        api.act(bid, "accept")
    if base in ("scheduled", "cancelled") or "/" in state:
        sids.append(api.schedule(bid).json["id"])
    if base == "cancelled":
        api.cancel(sids[-1])
    if "/replaced" in state:
        api.cancel(sids[-1], {"replace": True})
        if base == "scheduled":
            sids.append(api.schedule(bid).json["id"])
        elif base == "withdrawn":
            api.act(bid, "withdraw")
    if status_of(s, bid) != base:
        diag("setup of %s: request %s is %s" % (state, bid, status_of(s, bid)))
    return bid, sids


def fire(s, api, bid, sids, event):
    """The API call of event on request bid; None when the API has no way to name it."""
    if event in ("accept", "decline", "withdraw"):
        return api.act(bid, event)
    if event == "schedule":
        return api.schedule(bid)
    if event == "session_revive":
        dead = [x for x in sids if one(s, "SELECT status FROM sessions WHERE id = %s", x) == "cancelled"]
        return api.revive(dead[0]) if dead else None
    if not sids:
        return None
    return api.cancel(sids[-1], {"replace": True} if event == "session_replace" else None)


def test_every_pair(s, api):
    """Each event in each state through the API: the spec's state, or 409 and nothing changed."""
    states = ["requested", "accepted", "declined", "withdrawn", "scheduled", "cancelled",
              "accepted/replaced", "withdrawn/replaced", "scheduled/replaced"]
    n = 0
    for state in states:
        for event in EVENTS:
            bid, sids = make(api, s, state, PAIRS[n % len(PAIRS)])
            n += 1
            base = state.split("/")[0]
            r = fire(s, api, bid, sids, event)
            if r is None:
                continue
            want = SPEC.get((base, event))
            # A session event on a session that is not live: "already cancelled".
            if event in ("session_cancel", "session_replace") and base != "scheduled":
                want = None
            name = "%s --%s-->" % (state, event)
            if want is None:
                problem(r, 409, "%s refused" % name)
                is_(status_of(s, bid), base, "%s: the request stays %s" % (name, base))
            else:
                ok(r.status in (200, 201), "%s %s (%d)" % (name, want, r.status)) or diag(r.text[:400])
                is_(status_of(s, bid), want, "%s: stored %s" % (name, want))
    is_(one(s, "SELECT count(*) FROM bilateral_requests b WHERE (SELECT count(*) FROM bilateral_sessions x"
               " JOIN sessions y ON y.id = x.session_id WHERE x.bilateral_id = b.id"
               " AND y.status <> 'cancelled') > 1"), 0, "no request has two live sessions")


def test_cancel_stays_cancelled(s, api, sec):
    """The issue: cancelling the session cancels the request; the next auto-schedule leaves it alone."""
    bid = api.create("CA", "IT")
    api.act(bid, "accept")
    sid = api.schedule(bid).json["id"]
    r = api.cancel(sid)
    is_(r.status, 200, "cancel the bilateral's session: 200")
    b = (r.json or {}).get("bilateral") or {}
    is_((b.get("status"), b.get("session_id"), (r.json or {}).get("replace")), ("cancelled", sid, False),
        "the answer carries the request: cancelled, still naming its session, replace false")
    is_(status_of(s, bid), "cancelled", "the request is cancelled")
    audit = rows(s, "SELECT token_id, role, action, after->>'reason', after->>'status' FROM audit_log"
                    " WHERE entity = 'bilateral_request' AND entity_id = %s ORDER BY id DESC LIMIT 1", bid)[0]
    is_(audit[:3] + (audit[4],), (token_id(s, sec), "secretariat", "session_cancel", "cancelled"),
        "audited: the secretariat's token, action session_cancel")
    is_(audit[3], "its session %d was cancelled" % sid, "audited: why (its session was cancelled)")
    r = api.auto()
    placed = [p["bilateral_id"] for p in (r.json or {}).get("placed", [])]
    ok(r.status == 200 and bid not in placed, "the next auto-schedule does not place it again")
    is_(live_sessions(s, "CA", "IT"), 0, "no live CA–IT meeting")
    r = api.revive(sid)
    problem(r, 409, "reviving the session of the cancelled request")
    like((r.json or {}).get("detail", ""), "cancelled", "the 409 says the request was cancelled")
    is_(((r.json or {}).get("bilateral_id"), (r.json or {}).get("bilateral_status")), (bid, "cancelled"),
        "and names the request and its state")
    is_(one(s, "SELECT status FROM sessions WHERE id = %s", sid), "cancelled", "the session stays cancelled")
    api.auto()
    is_(live_sessions(s, "CA", "IT"), 0, "after another auto-schedule: still no CA–IT meeting")


def test_replace(s, api, sec):
    """cancel {"replace": true}: accepted and unplaced, placed once by the next auto-schedule."""
    bid = api.create("US", "EU")
    api.act(bid, "accept")
    sid = api.schedule(bid).json["id"]
    r = api.cancel(sid, {"replace": True})
    b = (r.json or {}).get("bilateral") or {}
    is_((r.status, (r.json or {}).get("status"), (r.json or {}).get("replace"), b.get("status"),
         b.get("session_id")), (200, "cancelled", True, "accepted", None),
        "replace: the session cancelled; the answer says the request is accepted and unplaced")
    audit = rows(s, "SELECT token_id, action, after->>'reason' FROM audit_log WHERE entity = 'bilateral_request'"
                    " AND entity_id = %s ORDER BY id DESC LIMIT 1", bid)[0]
    is_(audit, (token_id(s, sec), "session_replace", "its session %d was cancelled to be placed again" % sid),
        "audited with who and why")
    r = api.auto()
    placed = [p for p in (r.json or {}).get("placed", []) if p["bilateral_id"] == bid]
    ok(r.status == 200 and len(placed) == 1 and placed[0]["session_id"] != sid, "the next auto-schedule places it anew")
    is_(live_sessions(s, "US", "EU"), 1, "one live US–EU meeting")
    r = api.revive(sid)
    problem(r, 409, "reviving the old session while the request is scheduled on the new one")
    like((r.json or {}).get("detail", ""), "another session", "the 409 says why")
    is_(live_sessions(s, "US", "EU"), 1, "still one live US–EU meeting")
    new = placed[0]["session_id"] if placed else 0
    api.cancel(new, {"replace": True})
    r = api.revive(sid)
    is_((r.status, ((r.json or {}).get("bilateral") or {}).get("status"),
         ((r.json or {}).get("bilateral") or {}).get("session_id")), (200, "scheduled", sid),
        "accepted and unplaced: reviving its old session schedules it there again")
    r = api.auto()
    ok(r.status == 200 and bid not in [p["bilateral_id"] for p in r.json["placed"]], "and no auto-schedule adds one")
    is_(live_sessions(s, "US", "EU"), 1, "one live US–EU meeting in the end")


def test_cancel_bodies(s, api):
    """Cancel bodies: replace only for a bilateral's session; bad bodies 422; nothing changed."""
    plenary = one(s, "SELECT id FROM sessions WHERE kind = 'plenary' AND status <> 'cancelled' ORDER BY id LIMIT 1")
    r = api.cancel(plenary, {"replace": True})
    problem(r, 422, "replace on a plenary")
    is_([e.get("field") for e in (r.json or {}).get("errors", [])], ["replace"], "names the field replace")
    for body, name in (({"replace": "yes"}, "replace not a boolean"), ({"colour": 1}, "unknown field"),
                       ([1], "not an object"), ({"replace": 1}, "replace a number"),
                       ({"replace": True, "why": "x"}, "replace with an unknown field")):
        problem(api.cancel(plenary, body), 422, "cancel body: " + name)
    is_(one(s, "SELECT status FROM sessions WHERE id = %s", plenary), "confirmed", "the plenary is not cancelled")
    r = api.cancel(plenary, {})
    is_(r.status, 200, "{} still cancels a plenary")
    ok("bilateral" not in (r.json or {}), "a plenary's answer carries no request")


def refused(s, sql, args, code, constraint, name):
    """sql fails with SQLSTATE code (and this constraint) and leaves nothing behind."""
    conn = psycopg2.connect(s.db_url)
    try:
        with conn.cursor() as cur:
            cur.execute(sql, args)
        conn.commit()
        got = (None, None)
    except psycopg2.Error as e:
        got = (e.pgcode, e.diag.constraint_name if constraint else None)
    finally:
        conn.close()
    is_(got, (code, constraint), name)


def test_database(s, api):
    """What the database refuses by itself, whoever writes."""
    bid, sids = make(api, s, "cancelled", ("IN", "DE"))
    refused(s, "UPDATE bilateral_requests SET status = 'accepted' WHERE id = %s", (bid,), "23514",
            "bilateral_requests_transition_check", "SQL: cancelled -> accepted is no edge")
    refused(s, "UPDATE sessions SET status = 'confirmed' WHERE id = %s", (sids[0],), "KG409", None,
            "SQL: reviving the session of a cancelled request")
    bid, sids = make(api, s, "scheduled", ("GB", "FR"))
    refused(s, "UPDATE bilateral_requests SET session_id = NULL WHERE id = %s", (bid,), "23514",
            "bilateral_requests_sessions_check", "SQL: a scheduled request without its session")
    refused(s, "DELETE FROM sessions WHERE id = %s", (sids[0],), "23514", "bilateral_requests_sessions_check",
            "SQL: deleting the session of a scheduled request")
    other = one(s, "INSERT INTO sessions (conference_id, kind, title, starts_at, ends_at)"
                   " SELECT conference_id, 'bilateral', 'second', '2023-04-30 19:00+09', '2023-04-30 19:30+09'"
                   " FROM bilateral_requests WHERE id = %s RETURNING id", bid)
    refused(s, "INSERT INTO bilateral_sessions (session_id, bilateral_id, live) VALUES (%s, %s, true)",
            (other, bid), "23505", "bilateral_sessions_one_live_key", "SQL: a second live session for one request")
    bid2, _ = make(api, s, "accepted", ("ID", "UA"))
    refused(s, "UPDATE bilateral_requests SET status = 'scheduled', session_id = %s WHERE id = %s",
            (sids[0], bid2), "23503", "bilateral_sessions_request_check",
            "SQL: a request pointing at another request's session")
    is_((status_of(s, bid), status_of(s, bid2)), ("scheduled", "accepted"), "nothing changed")


def test_races(s, api):
    """Revive, schedule {} and auto-schedule of one unplaced request at once: one meeting at most."""
    for i in range(8):
        rq, cp = PAIRS[(i + 3) % len(PAIRS)]
        bid, sids = make(api, s, "accepted/replaced", (rq, cp))
        calls = [lambda: api.revive(sids[0]), lambda: api.schedule(bid), lambda: api.auto()]
        out = [None] * 3
        barrier = threading.Barrier(3)

        def go(k):
            barrier.wait()
            out[k] = calls[k]().status
        ts = [threading.Thread(target=go, args=(k,)) for k in range(3)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        live = one(s, "SELECT array_agg(y.id) FROM bilateral_sessions x JOIN sessions y ON y.id = x.session_id"
                      " WHERE x.bilateral_id = %s AND y.status <> 'cancelled'", bid) or []
        st, sid = rows(s, "SELECT status, session_id FROM bilateral_requests WHERE id = %s", bid)[0]
        ok(len(live) == 1 and st == "scheduled" and live == [sid] and out[0] in (200, 409)
           and out[1] in (201, 409) and out[2] == 200,
           "round %d: revive %s, schedule %s, auto-schedule %s at once: scheduled on its one live session"
           % (i, out[0], out[1], out[2]))


def test_upgrade():
    """A database migrated up to this migration (exclusive), demo loaded, takes it: links, nothing else
    changed. (The migration is found by name, *_bilateral_states.sql, so renumbering it keeps this.)"""
    mine = os.path.basename(glob.glob(os.path.join(TOP, "sql", "[0-9]*_bilateral_states.sql"))[0])
    old = tempfile.mkdtemp(dir=os.environ.get("KAIGI_TEST_TMPDIR"))
    for f in glob.glob(os.path.join(TOP, "sql", "[0-9]*.sql")):	# by number, as kaigid --migrate
        if int(os.path.basename(f).split("_")[0]) < int(mine.split("_")[0]):
            os.symlink(f, os.path.join(old, os.path.basename(f)))

    def run(*cmd):
        p = subprocess.run(list(cmd), cwd=TOP, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        return p.returncode, p.stdout.decode("utf-8", "replace")
    with scratch_db("t_upgrade") as url:
        rc1 = run(os.environ["KAIGID"], "--database-url", url, "--migrate", "--sql-dir", old)
        rc2 = run(os.path.join(TOP, "scripts", "demo"), url)
        db = psycopg2.connect(url)
        db.autocommit = True
        with db.cursor() as cur:
            cur.execute("SELECT id, status, session_id, version FROM bilateral_requests ORDER BY id")
            before = cur.fetchall()
            rc3 = run(os.environ["KAIGID"], "--database-url", url, "--migrate")
            cur.execute("SELECT id, status, session_id, version FROM bilateral_requests ORDER BY id")
            after = cur.fetchall()
            cur.execute("SELECT count(*), count(*) FILTER (WHERE live) FROM bilateral_sessions")
            links = cur.fetchone()
        db.close()
        is_((rc1[0], rc2[0], rc3[0]), (0, 0, 0), "migrate to before %s, load the demo, migrate again:"
                                                 " all succeed" % mine)
        like(rc3[1], "applied %s" % mine, "the second migration applies %s" % mine)
        ok("applied %s" % mine not in rc1[1], "the first did not")
        is_(after, before, "the demo's requests are unchanged by it")
        is_(links, (7, 7), "Kono's seven scheduled bilaterals are linked to their live sessions")


# ---------------------------------------------------------------- the walk

class Walk:
    """A seeded random walk over the API with a model of every request."""

    def __init__(self, s, api, rng):
        self.s, self.api, self.rng = s, api, rng
        self.model, self.ledger = {}, {}
        for bid, status, sid in rows(s, "SELECT id, status, session_id FROM bilateral_requests"):
            self.model[bid] = status
            self.ledger[bid] = [sid] if sid else []
        self.mismatches, self.breaches, self.errors, self.log = [], [], [], []
        self.doubles = []       # requests seen with two live sessions or more

    def expect(self, bid, event, r, fallible=False):
        """Check answer r against the spec; fallible: a legal event may still meet a clash (409)."""
        before = self.model[bid]
        want = SPEC.get((before, event))
        if want is None:
            good = r.status == 409
            want = before
        elif r.status == 409 and fallible:
            good, want = True, before
        else:
            good = r.status in (200, 201)
        got = status_of(self.s, bid)
        if not good or got != want:
            self.mismatches.append("%s on %s request %d: answered %d, now %s (spec: %s)" % (
                event, before, bid, r.status, got, want))
        self.model[bid] = got

    def session_status(self):
        """Status of every session in the ledger."""
        ids = [x for sids in self.ledger.values() for x in sids]
        return dict(rows(self.s, "SELECT id, status FROM sessions WHERE id = ANY (%s)", ids))

    def sessions(self, live):
        st = self.session_status()
        return sorted((bid, sid) for bid, sids in self.ledger.items() for sid in sids
                      if (st[sid] != "cancelled") == live)

    def step(self, op):
        """One step; returns a line for the log."""
        api, rng = self.api, self.rng
        if op == "create":
            bid = api.create(*rng.choice(PAIRS))
            self.model[bid], self.ledger[bid] = "requested", []
            return "create %s" % bid
        if op == "auto":
            r = api.auto()
            if r.status != 200:
                self.errors.append("auto-schedule: %d %s" % (r.status, r.text[:200]))
                return "auto %d" % r.status
            for p in r.json["placed"]:
                self.expect(p["bilateral_id"], "schedule", r)
                self.ledger[p["bilateral_id"]].append(p["session_id"])
            return "auto placed %s" % [p["bilateral_id"] for p in r.json["placed"]]
        if op in ("accept", "decline", "withdraw", "schedule"):
            bid = rng.choice(sorted(self.model))
            r = api.schedule(bid) if op == "schedule" else api.act(bid, op)
            if op == "schedule" and r.status == 201:
                self.ledger[bid].append(r.json["id"])
            self.expect(bid, op, r, fallible=op == "schedule")
            return "%s %d: %d" % (op, bid, r.status)
        live = op in ("cancel", "replace")
        pool = self.sessions(live=live) if op != "patch" else self.sessions(True) + self.sessions(False)
        if not pool:
            return "%s: nothing to do" % op
        bid, sid = rng.choice(pool)
        if op == "patch":
            r = self.s.request("PATCH", "/api/v1/sessions/%d" % sid, {"title": "walk %d" % len(self.log)},
                               token=api.sec)
            if r.status != 200 or status_of(self.s, bid) != self.model[bid]:
                self.mismatches.append("retitle %d: %d, request now %s" % (sid, r.status, status_of(self.s, bid)))
            return "patch %d: %d" % (sid, r.status)
        if op == "revive":
            r = api.revive(sid)
            self.expect(bid, "session_revive", r, fallible=True)
            if r.status == 200 and sid in self.ledger[bid]:
                self.ledger[bid].remove(sid)
                self.ledger[bid].append(sid)
            return "revive %d (request %d): %d" % (sid, bid, r.status)
        r = api.cancel(sid, {"replace": True} if op == "replace" else None)
        self.expect(bid, "session_replace" if op == "replace" else "session_cancel", r)
        return "%s %d (request %d): %d" % (op, sid, bid, r.status)

    def check(self):
        """The invariant, read from the database for every request the walk knows."""
        st = self.session_status()
        reqs = {b: (status, sid) for b, status, sid in rows(
            self.s, "SELECT id, status, session_id FROM bilateral_requests WHERE id = ANY (%s)", list(self.ledger))}
        for bid, sids in self.ledger.items():
            status, sid = reqs[bid]
            live = [x for x in sids if st[x] != "cancelled"]
            want = [sid] if status == "scheduled" else []
            if len(set(live)) > 1:
                self.doubles.append((bid, sorted(set(live))))
            if sorted(set(live)) != want:
                self.breaches.append("request %d is %s (session %s) with live sessions %s" % (
                    bid, status, sid, sorted(set(live))))

    def run(self, steps):
        ops = ["create", "accept", "accept", "decline", "withdraw", "schedule", "schedule", "auto",
               "cancel", "replace", "revive", "revive", "patch"]
        for i in range(steps):
            line = self.step(self.rng.choice(ops))
            self.log.append(line)
            n = len(self.breaches)
            self.check()
            if len(self.breaches) > n:
                self.breaches[n] = "step %d (%s): %s" % (i, line, self.breaches[n])


def test_walk(s, api):
    seed = int(os.environ.get("KAIGI_WALK_SEED", "1414"))
    steps = int(os.environ.get("KAIGI_WALK_STEPS", "250"))
    note("random walk: seed %d, %d steps (KAIGI_WALK_SEED, KAIGI_WALK_STEPS)" % (seed, steps))
    with s.db().cursor() as cur:        # room to place in: three more bilateral rooms
        cur.execute("INSERT INTO rooms (conference_id, venue_id, name, capacity, kind)"
                    " SELECT conference_id, venue_id, 'Walk room ' || g, 8, 'bilateral'"
                    " FROM rooms, generate_series(1, 3) g WHERE name = 'Bilateral Room A'")
    w = Walk(s, api, random.Random(seed))
    w.run(steps)
    counts = {}
    for line in w.log:
        k = line.split()[0].rstrip(":")
        counts[k] = counts.get(k, 0) + 1
    note("steps by kind: %s" % counts)
    ok(all(counts.get(k, 0) > 0 for k in ("create", "accept", "schedule", "auto", "cancel", "replace",
                                           "revive", "patch", "withdraw", "decline")),
       "the walk tried every kind of call")
    is_(w.errors, [], "every auto-schedule answered 200")
    is_(w.mismatches[:5], [], "every answer and stored state followed the spec (%d off)" % len(w.mismatches))
    is_(w.doubles[:5], [], "no request ever had two live sessions (%d times)" % len(w.doubles))
    is_(w.breaches[:5], [], "after every step: a scheduled request has exactly its one live session,"
                            " any other none (%d breaches)" % len(w.breaches))
    if w.mismatches or w.breaches:
        diag("walk log (last 30 steps):\n" + "\n".join(w.log[-30:]))
    is_(one(s, "SELECT count(*) FROM sessions a JOIN sessions b ON a.id < b.id AND a.room_id = b.room_id"
               " AND a.during && b.during WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'"), 0,
        "no room double-booked")
    r = s.request("GET", "/api/v1/conferences/%s/conflicts" % SLUG, token=api.sec)
    is_(r.json and r.json["items"], [], "GET /conflicts: empty")


def section(fn, *args):
    """Run one part; an exception fails it (and the next part still runs)."""
    try:
        fn(*args)
    except Exception as e:  # noqa: BLE001 - reported as a failure
        ok(False, "%s ran without an exception (%s: %s)" % (fn.__name__, type(e).__name__,
                                                            str(e).splitlines()[0] if str(e) else ""))


with Server() as s:
    sec = s.token("secretariat", conference=SLUG)
    api = Api(s, sec)
    section(test_table, s)
    section(test_cancel_stays_cancelled, s, api, sec)
    section(test_replace, s, api, sec)
    section(test_cancel_bodies, s, api)
    section(test_every_pair, s, api)
    section(test_database, s, api)
    section(test_races, s, api)
section(test_upgrade)
with Server() as s:
    section(test_walk, s, Api(s, s.token("secretariat", conference=SLUG)))
done_testing()
