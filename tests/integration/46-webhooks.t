#!/usr/bin/python3
# 46-webhooks.t — webhooks (issue 18 item 4) against a local HTTP receiver
# started here (http.server in a thread), kaigid with two workers (two
# senders sharing the deliveries under SKIP LOCKED):
#
#  - POST /conferences/{slug}/webhooks: 422 naming url for a non-http(s)
#    URL, naming events (and listing the valid kinds) for an unknown kind,
#    secret required; 403 for a liaison; the secret is never answered;
#  - every POST carries Kaigi-Signature: sha256=<HMAC-SHA256 of the exact
#    body under the secret> (checked with Python's hmac), Kaigi-Event-Id
#    and Kaigi-Event;
#  - a receiver answering 500 once: the delivery is retried, the log
#    (GET /webhooks/{id}/deliveries) shows attempts 2, response_code 200;
#  - several changes while the first is being retried arrive in the order
#    of the changes (per hook, so per conference), each once delivered;
#  - a restricted bilateral of the hook's conference reaches it whole;
#  - a bilateral request changed: bilateral.changed, once per transaction,
#    with the request as committed;
#  - another conference's change never reaches it (its own hook gets it);
#  - a deleted hook gets nothing further (a hook created with it, the
#    marker, does) and its log is 404; unknown ids are 404, also for the
#    secretariat of another conference.
# Nothing is timed: absence is checked once a later change has arrived.
import hashlib
import hmac
import json
import re
import os
import sys
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, one  # noqa: E402

SECRET = "s3cret-for-hmac"
KAIGI = os.path.abspath(os.environ.get("KAIGI") or os.path.join(TOP, "client", "kaigi"))
OTHER = "other-conf-2023"


class Receiver:
    """Keeps every POST as (path, headers, body bytes, status answered);
    answers 500 to the next `fail` POSTs to /a."""

    def __init__(self):
        self.got = []
        self.fail = 0
        self.lock = threading.Lock()
        rec = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with rec.lock:
                    status = 200
                    if self.path == "/a" and rec.fail > 0:
                        rec.fail -= 1
                        status = 500
                    rec.got.append((self.path, dict(self.headers), body, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def at(self, path, ok_only=False):
        with self.lock:
            return [g for g in self.got if g[0] == path and (not ok_only or g[3] == 200)]


def bodies(rec, path):
    return [json.loads(g[2]) for g in rec.at(path, ok_only=True)]


def move(s, sid, minutes):
    with s.db().cursor() as cur:
        cur.execute("UPDATE sessions SET starts_at = starts_at + make_interval(mins => %s),"
                    " ends_at = ends_at + make_interval(mins => %s) WHERE id = %s", (minutes, minutes, sid))


def create(s, tok, body, slug=SLUG):
    return s.request("POST", "/api/v1/conferences/%s/webhooks" % slug, body=body, token=tok)


def check_invalid(s, sec, liaison, rec):
    r = create(s, sec, {"url": "ftp://127.0.0.1/x", "secret": SECRET})
    is_(r.status, 422, "ftp:// url: 422")
    like(r.text, r'"field":\s*"url"', "the 422 names url")
    r = create(s, sec, {"url": "not a url", "secret": SECRET})
    is_(r.status, 422, "no scheme: 422")
    r = create(s, sec, {"url": rec.url + "/a", "secret": SECRET, "events": ["session.moved", "session.exploded"]})
    is_(r.status, 422, "unknown event kind: 422")
    like(r.text, r'"field":\s*"events"', "the 422 names events")
    like(r.text, r"session\.created.*session\.moved.*session\.cancelled", "and lists the valid kinds")
    is_(create(s, sec, {"url": rec.url + "/a"}).status, 422, "no secret: 422")
    is_(create(s, sec, {"url": rec.url + "/a", "secret": SECRET, "events": []}).status, 422, "no events: 422")
    is_(one(s, "SELECT count(*) FROM webhooks"), 0, "nothing written by the refusals")
    is_(create(s, liaison, {"url": rec.url + "/a", "secret": SECRET}).status, 403, "a liaison: 403")
    r = s.request("GET", "/api/v1/conferences/%s/webhooks" % SLUG, token=liaison)
    is_(r.status, 403, "a liaison may not list them: 403")
    is_(s.request("DELETE", "/api/v1/webhooks/999999", token=sec).status, 404, "DELETE of an unknown id: 404")
    is_(s.request("GET", "/api/v1/webhooks/999999/deliveries", token=sec).status, 404, "log of an unknown id: 404")


def check_created(s, sec, rec):
    r = create(s, sec, {"url": rec.url + "/a", "secret": SECRET})
    is_(r.status, 201, "secretariat: 201")
    a = json.loads(r.body)
    ok("secret" not in a and SECRET not in r.text, "the secret is not answered")
    like(" ".join(a.get("events", [])), r"session\.moved", "events default to every kind")
    r = s.request("GET", "/api/v1/conferences/%s/webhooks" % SLUG, token=sec)
    is_(r.status, 200, "list: 200")
    ok(SECRET not in r.text and "secret" not in r.text, "the list has no secret")
    is_([h["id"] for h in json.loads(r.body)["items"]], [a["id"]], "the list has the hook")
    return a["id"]


def check_signed(rec):
    got = rec.at("/a")
    ok(len(got) > 0, "the receiver got POSTs")
    bad = [g for g in got if g[1].get("Kaigi-Signature") !=
           "sha256=" + hmac.new(SECRET.encode(), g[2], hashlib.sha256).hexdigest()]
    is_(len(bad), 0, "every Kaigi-Signature is the HMAC-SHA256 of the exact body under the secret")
    ok(all(g[1].get("Kaigi-Event-Id", "").isdigit() and g[1].get("Content-Type") == "application/json"
           for g in got), "each has a Kaigi-Event-Id and is application/json")


def check_retry_order(s, sec, rec, hook, press):
    """The first of five moves is answered 500 once: it is retried, and the
    four after it wait for it (order per hook)."""
    rec.fail = 1
    before = one(s, "SELECT coalesce(max(id), 0) FROM session_changes")
    for m in (5, 5, 5, 5, 5):
        move(s, press, m)
    want = [r for r in one_col(s, "SELECT id FROM session_changes WHERE id > %s ORDER BY id", before)]
    is_(len(want), 5, "five changes recorded")
    got, took = wait_for(lambda: [b.get("change_id") for b in bodies(rec, "/a")][-5:] == want)
    ok(got, "the five moves arrived in order (%.1f s)" % took)
    seen = [b.get("change_id") for b in bodies(rec, "/a") if b.get("change_id") in want]
    is_(seen, want, "in the order of the changes, each delivered once")
    first = [g for g in rec.at("/a") if json.loads(g[2]).get("change_id") == want[0]]
    is_([g[3] for g in first], [500, 200], "the first was answered 500, then 200")
    is_(len({g[1]["Kaigi-Event-Id"] for g in first}), 1, "the retry has the same event id")
    ok(first[0][2] == first[1][2], "and the same body (same signature)")
    # The receiver has each body before the sender marks it delivered (after the 2xx).
    def delivered():
        r = s.request("GET", "/api/v1/webhooks/%d/deliveries" % hook, token=sec)
        items = json.loads(r.body)["items"] if r.status == 200 else []
        done = [d for d in items if d["change_id"] in want and d["status"] == "delivered"]
        return r if len(done) == len(want) else None
    r = wait_for(delivered)[0] or s.request("GET", "/api/v1/webhooks/%d/deliveries" % hook, token=sec)
    is_(r.status, 200, "delivery log: 200")
    log = {d["change_id"]: d for d in json.loads(r.body)["items"] if d["change_id"]}
    d = log.get(want[0], {})
    is_((d.get("status"), d.get("attempts"), d.get("response_code")), ("delivered", 2, 200),
        "the log: delivered at attempt 2, response 200")
    ok(d.get("last_attempt_at") and d.get("delivered_at") and d.get("created_at"), "with its times")
    is_([log[c]["attempts"] for c in want[1:]], [1, 1, 1, 1], "the others at their first attempt")
    body = json.loads(first[1][2])
    is_((body["event"], body["session_id"], body["conference"]), ("session.moved", press, SLUG),
        "the body: event, session, conference")


def one_col(s, sql, *args):
    with s.db().cursor() as cur:
        cur.execute(sql, args)
        return [r[0] for r in cur.fetchall()]


def check_restricted_and_other(s, rec, other_sid, bil):
    n = len(bodies(rec, "/a"))
    move(s, other_sid, 10)
    got, took = wait_for(lambda: len(bodies(rec, "/b")) >= 1)
    ok(got, "the other conference's hook got its change (%.1f s)" % took)
    with s.db().cursor() as cur:
        cur.execute("UPDATE sessions SET title = title || ' (retitled)' WHERE id = %s", (bil,))
    got, took = wait_for(lambda: any(b.get("session_id") == bil for b in bodies(rec, "/a")[n:]))
    ok(got, "the restricted bilateral's retitle reached the hook (%.1f s)" % took)
    b = [b for b in bodies(rec, "/a")[n:] if b.get("session_id") == bil]
    is_(b and b[0]["session"]["title"], one(s, "SELECT title FROM sessions WHERE id = %s", bil),
        "with its title (the secretariat's own conference)")
    is_([b for b in bodies(rec, "/a") if b["conference"] != SLUG or b.get("session_id") == other_sid], [],
        "the other conference's change never reached this hook")


def check_bilateral(s, sec, rec, press):
    """A bilateral request changed twice in one transaction (and once through
    the API): bilateral.changed, once per transaction, with the request."""
    bid = one(s, "SELECT min(b.id) FROM bilateral_requests b JOIN conferences c ON c.id = b.conference_id"
                 " WHERE c.slug = %s AND b.status = 'requested'", SLUG)
    conn = s.db()
    conn.autocommit = False
    with conn.cursor() as cur:
        cur.execute("UPDATE bilateral_requests SET priority = 1 WHERE id = %s", (bid,))
        cur.execute("UPDATE bilateral_requests SET topics = 'webhooks' WHERE id = %s", (bid,))
    conn.commit()
    conn.autocommit = True
    r = s.request("PATCH", "/api/v1/bilaterals/%d" % bid, body={"priority": 2}, token=sec)
    is_(r.status, 200, "the bilateral's priority changed through the API")
    move(s, press, 5)
    seen = lambda: [b for b in bodies(rec, "/a") if b.get("bilateral_id") == bid]
    got, took = wait_for(lambda: len(seen()) >= 2 and bodies(rec, "/a")[-1].get("session_id") == press)
    ok(got, "bilateral.changed arrived, then the marker move (%.1f s)" % took)
    is_([(b["event"], b["bilateral"]["priority"], b["bilateral"]["topics"]) for b in seen()],
        [("bilateral.changed", 1, "webhooks"), ("bilateral.changed", 2, "webhooks")],
        "one delivery per transaction, with the request as it was committed")


def check_deleted(s, sec, rec, hook, press):
    r = create(s, sec, {"url": rec.url + "/c", "secret": "other", "events": ["session.moved"]})
    is_(r.status, 201, "a marker hook (session.moved only)")
    is_(s.request("DELETE", "/api/v1/webhooks/%d" % hook, token=sec).status, 204, "DELETE: 204")
    n = len(rec.at("/a"))
    move(s, press, 5)
    got, took = wait_for(lambda: len(bodies(rec, "/c")) >= 1)
    ok(got, "the marker hook got the move (%.1f s)" % took)
    is_(len(rec.at("/a")), n, "the deleted hook got nothing further")
    is_(s.request("GET", "/api/v1/webhooks/%d/deliveries" % hook, token=sec).status, 404,
        "the deleted hook's log: 404")
    is_(s.request("DELETE", "/api/v1/webhooks/%d" % hook, token=sec).status, 404, "DELETE again: 404")


def other_conference(s, rec, admin):
    with s.db().cursor() as cur:
        cur.execute("INSERT INTO conferences (slug, title, timezone, start_date, end_date)"
                    " VALUES (%s, 'Other', 'Europe/Paris', '2023-06-01', '2023-06-02')", (OTHER,))
        cur.execute("INSERT INTO sessions (conference_id, kind, title, starts_at, ends_at)"
                    " SELECT id, 'plenary', 'Other plenary', '2023-06-01 10:00+02', '2023-06-01 11:00+02'"
                    " FROM conferences WHERE slug = %s RETURNING id", (OTHER,))
        sid = cur.fetchone()[0]
    r = create(s, admin, {"url": rec.url + "/b", "secret": "b"}, slug=OTHER)
    is_(r.status, 201, "a hook on the other conference (admin)")
    return sid, json.loads(r.body)["id"]


def kaigi(s, tok, *args):
    env = dict(os.environ, KAIGI_CONFIG="/dev/null", TZ="UTC", KAIGI_URL=s.url, KAIGI_TOKEN=tok,
               KAIGI_CONFERENCE=SLUG)
    p = subprocess.run([KAIGI] + [str(a) for a in args], capture_output=True, text=True, env=env,
                       timeout=60)
    return p.returncode, p.stdout, p.stderr


def check_client(s, sec, rec):
    """kaigi webhook add|list|deliveries|rm."""
    rc, out, err = kaigi(s, sec, "webhook", "add", rec.url + "/k", "--secret", "k-secret",
                         "--events", "session.cancelled,session.moved")
    is_(rc, 0, "kaigi webhook add: exit 0 (%s)" % err.strip())
    m = re.match(r"webhook (\d+): ", out)
    ok(m and "session.cancelled,session.moved" in out, "it prints the id, the URL and the kinds")
    hid = int(m.group(1)) if m else 0
    rc, out, err = kaigi(s, sec, "webhook", "list")
    ok(rc == 0 and rec.url + "/k" in out and "k-secret" not in out, "kaigi webhook list: the URL, no secret")
    rc, out, err = kaigi(s, sec, "webhook", "add", rec.url + "/k", "--secret", "x", "--events", "nope")
    ok(rc != 0 and "session.moved" in err, "an unknown kind: non-zero exit, the valid kinds named")
    rc, out, err = kaigi(s, sec, "webhook", "deliveries", hid)
    ok(rc == 0 and "STATUS" in out and "ATTEMPTS" in out, "kaigi webhook deliveries: the log's table")
    rc, out, err = kaigi(s, sec, "webhook", "rm", hid)
    is_((rc, out.strip()), (0, "deleted webhook %d" % hid), "kaigi webhook rm")
    rc, out, err = kaigi(s, sec, "webhook", "deliveries", hid)
    ok(rc != 0, "its log is gone")


def main():
    rec = Receiver()
    with Server(args=["--workers", "2"]) as s:
        sec = s.token("secretariat", conference=SLUG)
        liaison = s.token("liaison", conference=SLUG, delegation="JP")
        admin = s.token("admin")
        other_sec = s.token("secretariat", conference="g7-digital-2023")
        press = one(s, "SELECT id FROM sessions WHERE title = 'Press conference of the chair'")
        bil = one(s, "SELECT id FROM sessions WHERE title = 'Bilateral meeting: Japan – Canada'")
        check_invalid(s, sec, liaison, rec)
        check_client(s, sec, rec)
        other_sid, other_hook = other_conference(s, rec, admin)
        other_sec = s.token("secretariat", conference=OTHER)
        hook = check_created(s, sec, rec)
        is_(s.request("DELETE", "/api/v1/webhooks/%d" % hook, token=other_sec).status, 404,
            "another conference's secretariat: 404 for this hook")
        is_(s.request("GET", "/api/v1/webhooks/%d/deliveries" % hook, token=other_sec).status, 404,
            "nor its log")
        check_retry_order(s, sec, rec, hook, press)
        check_restricted_and_other(s, rec, other_sid, bil)
        check_bilateral(s, sec, rec, press)
        check_signed(rec)
        check_deleted(s, sec, rec, hook, press)
        with open(s.log_path, "rb") as f:
            ok(SECRET.encode() not in f.read(), "the secret is nowhere in kaigid's log")
        is_(one(s, "SELECT count(*) FROM audit_log WHERE strpos(coalesce(before::text, '') ||"
                   " coalesce(after::text, ''), %s) > 0", SECRET), 0, "nor in the audit log")
        is_(one(s, "SELECT count(*) FROM audit_log WHERE entity = 'webhook'"), 6,
            "the audit log has the creations and deletions (4 created, 2 deleted)")
    rec.httpd.shutdown()


main()
done_testing()
