#!/usr/bin/python3
# 04-core.t — the HTTP front door and operations of kaigid: 405 with Allow,
# 413/415/400 as problem+json, bearer-token checks, tokens stored only as
# hashes and never logged, --help, environment overrides, and SIGHUP reload
# (a bad file keeps the old settings in force).
import hashlib, os, re, signal, subprocess, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

KAIGID = os.environ["KAIGID"]
tmp = os.environ["KAIGI_TEST_TMPDIR"]
conf = os.path.join(tmp, "core-%d.conf" % os.getpid())

def problem(r, status, name):
    is_(r.status, status, name + ": %d" % status)
    like(r.headers.get("Content-Type", ""), r"^application/problem\+json", name + ": problem+json")
    ok(isinstance(r.json, dict) and r.json.get("status") == status and r.json.get("title")
       and "detail" in r.json and "type" in r.json, name + ": type, title, status, detail")

h = subprocess.run([KAIGID, "--help"], stdout=subprocess.PIPE, text=True)
is_(h.returncode, 0, "kaigid --help exits 0")
like(h.stdout, r"--database-url", "--help documents the flags")
b = subprocess.run([KAIGID, "--port", "notaport"], stderr=subprocess.PIPE, text=True)
is_(b.returncode, 2, "a bad flag value is a usage error (exit 2)")
like(b.stderr, r"port", "and says which setting")

with open(conf, "w") as f:
    f.write("[kaigid]\nmax_body = 2048\nlog_level = info\n")

with Server(args=("--config", conf)) as s:
    admin = s.token("admin")
    url = "/api/v1/conferences"

    r = s.request("DELETE", "/healthz")
    problem(r, 405, "DELETE /healthz")
    like(r.headers.get("Allow", ""), r"GET", "405 names the allowed methods")
    problem(s.request("GET", "/nope"), 404, "unknown path")

    problem(s.request("POST", url, raw=b"{}", token=admin,
                      headers={"Content-Type": "text/plain"}), 415, "text/plain body")
    problem(s.request("POST", url, raw=b'{"slug": ', token=admin,
                      headers={"Content-Type": "application/json"}), 400, "truncated JSON")
    problem(s.request("POST", url, raw=b'{"a":1,"a":2}', token=admin,
                      headers={"Content-Type": "application/json"}), 400, "duplicate keys")
    big = b'{"title": "' + b"x" * 4000 + b'"}'
    problem(s.request("POST", url, raw=big, token=admin,
                      headers={"Content-Type": "application/json"}), 413, "body over max_body")

    problem(s.request("POST", url, {"slug": "x"}), 401, "no token on an admin route")
    r = s.request("POST", url, {"slug": "x"}, headers={"Authorization": "Basic Zm9vOmJhcg=="})
    problem(r, 401, "Basic auth instead of Bearer")
    like(r.headers.get("WWW-Authenticate", ""), r"^Bearer", "401 carries a Bearer challenge")
    problem(s.request("GET", "/healthz", token="x" * 43), 401, "unknown token, even on a public route")
    problem(s.request("GET", "/healthz", token="bad token!"), 401, "malformed token")
    sec = s.token("secretariat", conference="g7-digital-2023")
    problem(s.request("POST", url, {"slug": "x"}, token=sec), 403, "secretariat on an admin-only route")

    with s.db() as c, c.cursor() as cur:
        cur.execute("SELECT token_hash FROM api_tokens")
        hashes = [row[0] for row in cur.fetchall()]
    ok(hashlib.sha256(admin.encode()).hexdigest() in hashes, "the admin token is stored as its SHA-256")
    ok(admin not in hashes and sec not in hashes, "no raw token in api_tokens")

    # SIGHUP: a bad file keeps the old settings, a good one applies.
    with open(conf, "w") as f:
        f.write("[kaigid]\nmax_body = nonsense\n")
    s.proc.send_signal(signal.SIGHUP)
    ok(wait_until(lambda: "keeping the old settings" in open(s.log_path).read(), PATIENCE),
       "SIGHUP with a bad file: logged, old settings kept")
    problem(s.request("POST", url, raw=big, token=admin,
                      headers={"Content-Type": "application/json"}), 413, "max_body still 2048")
    with open(conf, "w") as f:
        f.write("[kaigid]\nmax_body = 65536\n")
    s.proc.send_signal(signal.SIGHUP)
    ok(wait_until(lambda: "settings re-read" in open(s.log_path).read(), PATIENCE),
       "SIGHUP with a good file: re-read")
    # The body is now read: a conference without slug, timezone or dates is 422.
    r = s.request("POST", url, raw=big, token=admin, headers={"Content-Type": "application/json"})
    problem(r, 422, "the new max_body applies: the body is read and found invalid")
    ok(isinstance(r.json, dict) and isinstance(r.json.get("errors"), list) and
       "slug" in [e.get("field") for e in r.json["errors"] if isinstance(e, dict)],
       "... naming the missing slug in errors")

    log = open(s.log_path).read()
    ok(admin not in log and sec not in log, "no API token appears in kaigid's log")
    like(log, r"access POST /api/v1/conferences 41[35] \d+ \d+us", "access log: method, path, status, bytes, time")
    is_(s.stop(), 0, "SIGTERM: exit 0")

# Environment overrides: KAIGI_MAX_BODY beats the default.
with Server(env={"KAIGI_MAX_BODY": "1024"}) as s:
    admin = s.token("admin")
    problem(s.request("POST", "/api/v1/conferences", raw=b'{"t":"' + b"y" * 1100 + b'"}', token=admin,
                      headers={"Content-Type": "application/json"}), 413, "KAIGI_MAX_BODY=1024 applies")
    s.stop()
# max_connections: a connection beyond the limit gets 503 + Retry-After and
# is closed; the ones inside keep working; a freed place can be taken again.
import http.client
with Server(args=("--set", "max_connections=3")) as s:
    def get(c, path="/healthz"):
        c.request("GET", path)
        r = c.getresponse()
        return r, r.read()
    held = [http.client.HTTPConnection("127.0.0.1", s.port, timeout=10) for _ in range(3)]
    ok(all(get(c)[0].status == 200 for c in held), "three keep-alive connections are served")
    extra = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
    r, body = get(extra)
    is_(r.status, 503, "a fourth connection gets 503")
    ok(r.getheader("Retry-After") and r.getheader("Connection") == "close",
       "with Retry-After and Connection: close")
    like(body.decode(), r"too many connections", "and a problem document saying why")
    extra.close()
    r, _ = get(held[1])
    is_(r.status, 200, "the connections inside the limit keep working")
    held[0].close()
    def fresh_status():
        c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
        try:
            return get(c)[0].status
        finally:
            c.close()
    ok(wait_until(lambda: fresh_status() == 200, PATIENCE), "once one closes, a new connection is served")
    r, body = get(held[2], "/metrics")
    like(body.decode(), r'kaigi_http_connections\{pid="\d+"\} [1-3]\b', "/metrics counts open connections")
    for c in held[1:]:
        c.close()
    is_(s.stop(), 0, "SIGTERM: exit 0")

# Two workers share the port; SIGTERM to the parent stops both, exit 0.
with Server(args=("--workers", "2")) as s:
    # New connections are spread by the kernel (SO_REUSEPORT): ask until both
    # have answered, within the bound.
    pids = set()
    wait_until(lambda: pids.update(re.findall(r'pid="(\d+)"', s.request("GET", "/metrics").text))
               or len(pids) >= 2, PATIENCE, 0)
    is_(len(pids), 2, "--workers 2: two processes answer (%d seen)" % len(pids))
    is_(s.stop(), 0, "SIGTERM to the parent: every worker drains, exit 0")
    ok(all(not os.path.exists("/proc/" + p) for p in pids), "no worker left behind")
done_testing()
