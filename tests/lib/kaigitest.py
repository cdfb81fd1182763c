"""kaigitest - TAP output and fixtures for kaigi's integration tests.

Integration tests are executable files tests/integration/NN-name.t with the
shebang #!/usr/bin/python3 (the system Python: it has psycopg2). They are run
by tests/run, which starts a throwaway PostgreSQL cluster, prepares template
databases and exports the KAIGI_TEST_* variables this module reads.

    #!/usr/bin/python3
    # 10-conference.t - the demo conference is served.
    import os, sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
    from kaigitest import *

    with Server() as s:                      # fresh database (demo loaded) + kaigid
        r = s.request("GET", "/api/v1/conferences/g7-digital-2023")
        is_(r.status, 200, "demo conference is there")
        is_(r.json["timezone"], "Asia/Tokyo", "in Tokyo time")
        tok = s.token("secretariat", conference="g7-digital-2023")
        r = s.request("POST", "/api/v1/conferences/g7-digital-2023/venues",
                      {"name": "Annex"}, token=tok)
        is_(r.status, 201, "secretariat adds a venue")
        with s.db() as conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM venues WHERE name = %s", ("Annex",))
            is_(cur.fetchone()[0], 1, "stored")
        is_(s.stop(), 0, "SIGTERM: kaigid exits 0")
    done_testing()

Run one test:  tests/run tests/integration/10-conference.t
(or the whole suite with make test).

TAP:       plan(n) | done_testing(), ok(cond, name), is_(got, expected, name),
           isnt(got, unexpected, name), like(text, regex, name), diag(msg),
           note(msg), bail(msg). The process exits non-zero when a test failed.
Fixtures:  Server(demo=True, args=(), env=None): a database of its own, created
           from the template (demo data) or, with demo=False, from the empty
           migrated template, and kaigid serving it on a free loopback port.
           .url .port .db_url .db_name .log_path .proc; request(), db(),
           token(), feed_token(), kaigid(), start(), stop(), log_tail().
           Server(db_url=URL) serves a database the test owns instead.
           Cluster(): a PostgreSQL cluster of the test's own, for tests that
           stop/start PostgreSQL; .start() .stop() .create(db, demo) .url(db).
           scratch_db(prefix): with it, the URL of an empty database of the
           test's own on the test cluster (no schema), dropped on leaving.
           free_port(), wait_until(fn, timeout).
Variables: KAIGID, KAIGI, KAIGI_TEST_PG_ADMIN_URL, KAIGI_TEST_TEMPLATE,
           KAIGI_TEST_EMPTY_TEMPLATE, KAIGI_TEST_DATABASE_URL, KAIGI_TEST_TMPDIR,
           KAIGI_TEST_PG_DIR, KAIGI_TEST_PG_PORT (set by tests/run).
"""

import atexit
import contextlib
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

__all__ = [
    "plan", "done_testing", "ok", "is_", "isnt", "like", "diag", "note",
    "bail", "Server", "Cluster", "Response", "free_port", "wait_until", "TOP",
    "failures", "one", "rows", "scratch_db",
]

TOP = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

_state = {"count": 0, "failed": 0, "planned": None, "done": False}
_servers = []


# ---------------------------------------------------------------- TAP

def _out(line):
    """Write one TAP line to stdout, flushed (so it interleaves with stderr)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def plan(n):
    """Declare how many tests will run (print "1..n" first)."""
    _state["planned"] = n
    _out("1..%d" % n)


def done_testing():
    """Declare the end of the tests when no plan was given (print "1..count")."""
    _state["done"] = True
    if _state["planned"] is None:
        _out("1..%d" % _state["count"])
    elif _state["planned"] != _state["count"]:
        diag("planned %d tests but ran %d" % (_state["planned"], _state["count"]))


def failures():
    """Number of failed tests so far."""
    return _state["failed"]


def ok(cond, name=""):
    """One test: passes when cond is true. Returns cond as a bool."""
    _state["count"] += 1
    name = str(name).replace("\n", " ").replace("#", "\\#")
    if cond:
        _out("ok %d - %s" % (_state["count"], name))
    else:
        _state["failed"] += 1
        _out("not ok %d - %s" % (_state["count"], name))
        caller = sys._getframe(1)
        while caller and caller.f_code.co_filename == __file__:
            caller = caller.f_back
        if caller:
            diag("  Failed test '%s'\n  at %s line %d." % (
                name, caller.f_code.co_filename, caller.f_lineno))
    return bool(cond)


def is_(got, expected, name=""):
    """Passes when got == expected; shows both otherwise."""
    if ok(got == expected, name):
        return True
    diag("         got: %r\n    expected: %r" % (got, expected))
    return False


def isnt(got, unexpected, name=""):
    """Passes when got != unexpected."""
    if ok(got != unexpected, name):
        return True
    diag("         got: %r\n    expected: anything else" % (got,))
    return False


def like(text, regex, name=""):
    """Passes when regex (re.search) matches text."""
    matched = isinstance(text, (str, bytes)) and re.search(
        regex if isinstance(text, str) or isinstance(regex, bytes)
        else regex.encode(), text) is not None
    if ok(matched, name):
        return True
    shown = text if not isinstance(text, (str, bytes)) or len(text) < 2000 else text[:2000]
    diag("                  %r\n    doesn't match '%s'" % (shown, regex))
    return False


def diag(msg):
    """A diagnostic message ("# ..." on stderr, shown by prove)."""
    sys.stdout.flush()
    for line in str(msg).splitlines() or [""]:
        sys.stderr.write("# %s\n" % line)
    sys.stderr.flush()


def note(msg):
    """A note ("# ..." on stdout, shown with prove -v)."""
    for line in str(msg).splitlines() or [""]:
        _out("# %s" % line)


def bail(msg):
    """Stop the whole test run ("Bail out!")."""
    for s in list(_servers):
        s._cleanup(quiet=True)
    _out("Bail out!  %s" % msg)
    os._exit(255)


def _at_exit():
    """Stop leftover servers; make the exit status say whether tests failed."""
    for s in list(_servers):
        s._cleanup(quiet=False)
    sys.stdout.flush()
    sys.stderr.flush()
    if _state["failed"]:
        diag("Looks like you failed %d test%s of %d." % (
            _state["failed"], "" if _state["failed"] == 1 else "s", _state["count"]))
        os._exit(min(_state["failed"], 254))
    if _state["planned"] is not None and _state["planned"] != _state["count"]:
        diag("Looks like you planned %d tests but ran %d." % (
            _state["planned"], _state["count"]))
        os._exit(255)


atexit.register(_at_exit)


# ---------------------------------------------------------------- helpers

def _env(name):
    """A variable tests/run exports; bail out when it is missing."""
    v = os.environ.get(name)
    if not v:
        bail("%s is not set: run the tests with tests/run (or make test)" % name)
    return v


@contextlib.contextmanager
def scratch_db(prefix):
    """An empty database on the test cluster, named prefix_<pid>: its URL;
    dropped (WITH FORCE) when the block ends, also on failure."""
    import psycopg2
    import psycopg2.sql as psql
    admin = _env("KAIGI_TEST_PG_ADMIN_URL")
    name = "%s_%d" % (prefix, os.getpid())
    conn = psycopg2.connect(admin)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(psql.SQL("CREATE DATABASE {}").format(psql.Identifier(name)))
        try:
            yield "%s/%s" % (admin.rsplit("/", 1)[0], name)
        finally:
            with conn.cursor() as cur:
                cur.execute(psql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(psql.Identifier(name)))
    finally:
        conn.close()


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def file_tail(path, n=30):
    """The last n lines of a log file, or why there are none."""
    try:
        with open(path, "rb") as f:
            return "\n".join(f.read().decode("utf-8", "replace").splitlines()[-n:])
    except OSError as e:
        return "(no log: %s)" % e


def wait_until(fn, timeout=10.0, interval=0.05):
    """Call fn until it returns something true (returned) or timeout (None)."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


class _Headers:
    """Response headers, looked up case-insensitively; repeated ones joined by ", "."""

    def __init__(self, pairs):
        self._items = list(pairs)
        self._map = {}
        for k, v in self._items:
            lk = k.lower()
            self._map[lk] = self._map[lk] + ", " + v if lk in self._map else v

    def __getitem__(self, key):
        return self._map[key.lower()]

    def __contains__(self, key):
        return key.lower() in self._map

    def get(self, key, default=None):
        return self._map.get(key.lower(), default)

    def get_all(self, key):
        return [v for k, v in self._items if k.lower() == key.lower()]

    def items(self):
        return list(self._items)

    def __repr__(self):
        return "Headers(%r)" % self._items


class Response:
    """An HTTP answer: .status, .reason, .headers, .body (bytes), .text, .json, .elapsed."""

    def __init__(self, status, reason, headers, body, elapsed):
        self.status = status
        self.reason = reason
        self.headers = _Headers(headers)
        self.body = body
        self.elapsed = elapsed
        try:
            self.json = json.loads(body.decode("utf-8")) if body else None
        except (ValueError, UnicodeDecodeError):
            self.json = None

    @property
    def text(self):
        """The body decoded as UTF-8 (invalid bytes replaced)."""
        return self.body.decode("utf-8", "replace")

    def __repr__(self):
        return "<Response %d %s, %d bytes: %r>" % (
            self.status, self.reason, len(self.body), self.body[:200])


# ---------------------------------------------------------------- Server

class Server:
    """A fresh database and a kaigid serving it on a free port.

    Server(demo=True)  database copied from the demo template (KAIGI_TEST_TEMPLATE)
    Server(demo=False) database copied from the migrated empty template
    args: extra kaigid flags; env: extra environment for kaigid.
    Use as a context manager, or call start() and stop() yourself.
    """

    def __init__(self, demo=True, args=(), env=None, timeout=10.0, db_url=None):
        self.kaigid_path = _env("KAIGID")
        self.args = list(args)
        self.env = dict(env or {})
        self.timeout = timeout
        self.external_db = db_url is not None
        if self.external_db:
            # A database the caller owns (e.g. on a Cluster): never created or dropped here.
            self.admin_url = None
            self.template = None
            self.db_url = db_url
            self.db_name = db_url.rsplit("/", 1)[-1].split("?")[0]
        else:
            self.admin_url = _env("KAIGI_TEST_PG_ADMIN_URL")
            if demo:
                self.template = _env("KAIGI_TEST_TEMPLATE")
            else:
                self.template = os.environ.get("KAIGI_TEST_EMPTY_TEMPLATE") or "kaigi_empty"
            self.db_name = "t_%d_%06x" % (os.getpid(), random.getrandbits(24))
            base = self.admin_url.rsplit("/", 1)[0]
            self.db_url = "%s/%s" % (base, self.db_name)
        tmp = os.environ.get("KAIGI_TEST_TMPDIR") or tempfile.gettempdir()
        self.log_path = os.path.join(tmp, "kaigid-%d-%06x.log" % (
            os.getpid(), random.getrandbits(24)))
        self.port = None
        self.url = None
        self.proc = None
        self.exit_code = None
        self._db_created = False
        self._conns = []
        self._log = None
        self._tail_shown = False

    # -- lifecycle

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None and not issubclass(exc_type, SystemExit):
            ok(False, "no unexpected exception (%s: %s)" % (exc_type.__name__, exc))
        self._cleanup(quiet=False)
        return False

    def _admin(self, sql):
        """Run one statement on the maintenance database (autocommit)."""
        import psycopg2
        conn = psycopg2.connect(self.admin_url)
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(sql)
        finally:
            conn.close()

    def create_db(self):
        """Create this server's database from its template (retried while busy)."""
        import psycopg2
        from psycopg2 import sql as psql
        stmt = psql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            psql.Identifier(self.db_name), psql.Identifier(self.template))
        for attempt in range(20):
            try:
                self._admin(stmt)
                break
            except psycopg2.errors.ObjectInUse:
                if attempt == 19:
                    raise
                time.sleep(0.25)
        self._db_created = True
        if self not in _servers:
            _servers.append(self)

    def drop_db(self):
        """Drop this server's database (closing our own connections first)."""
        from psycopg2 import sql as psql
        for c in self._conns:
            try:
                c.close()
            except Exception:
                pass
        self._conns = []
        if self._db_created:
            self._admin(psql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                psql.Identifier(self.db_name)))
            self._db_created = False

    def start(self):
        """Create the database (first time) and start kaigid; wait for /healthz 200."""
        if not self._db_created and not self.external_db:
            self.create_db()
        for attempt in range(3):
            self.port = free_port()
            self.url = "http://127.0.0.1:%d" % self.port
            self._spawn()
            if self._wait_healthy():
                return self
            if self.proc.poll() is not None and "in use" in self.log_tail(10) and attempt < 2:
                continue        # lost a race for the port: try another
            break
        self._fail_start()

    def _spawn(self):
        """Run kaigid with output appended to the log file."""
        env = dict(os.environ)
        env.update(self.env)
        cmd = [self.kaigid_path, "--database-url", self.db_url,
               "--port", str(self.port), "--listen", "127.0.0.1"] + self.args
        self._log = open(self.log_path, "ab")
        self._log.write(("=== %s\n" % " ".join(cmd)).encode())
        self._log.flush()
        self.proc = subprocess.Popen(cmd, cwd=TOP, env=env, stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=subprocess.STDOUT)
        self.exit_code = None
        if self not in _servers:
            _servers.append(self)

    def _wait_healthy(self):
        """True once GET /healthz answers 200; False if kaigid dies or time runs out."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                if self.request("GET", "/healthz", timeout=1).status == 200:
                    return True
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.05)
        return False

    def _fail_start(self):
        """Report a kaigid that did not come up, clean up, and raise."""
        code = self.proc.poll()
        ok(False, "kaigid starts and answers /healthz within %g s" % self.timeout)
        diag("kaigid %s; last lines of %s:" % (
            "exited with %s" % code if code is not None else "did not answer",
            self.log_path))
        diag(self.log_tail())
        self._cleanup(quiet=True)
        raise RuntimeError("kaigid did not start")

    def stop(self, drop=True, timeout=10.0):
        """SIGTERM kaigid, wait up to timeout s; return its exit code (None: had to SIGKILL).
        With drop=True (default) the database is dropped too."""
        code = self.stop_process(timeout)
        self._show_tail()
        if drop:
            self.drop_db()
            if self in _servers:
                _servers.remove(self)
        return code

    def stop_process(self, timeout=10.0, sig=signal.SIGTERM):
        """Send sig to kaigid and wait for it; return the exit code (None if killed)."""
        if self.proc is None:
            return self.exit_code
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                diag("kaigid did not exit within %g s of signal %d; killing it" % (timeout, sig))
                self.proc.kill()
                self.proc.wait()
                self.exit_code = None
                self.proc = None
                self._close_log()
                return None
        self.exit_code = self.proc.returncode
        self.proc = None
        self._close_log()
        return self.exit_code

    def _close_log(self):
        """Close our handle on the log file."""
        if self._log:
            self._log.close()
            self._log = None

    def _cleanup(self, quiet):
        """Stop kaigid and drop the database, whatever state we are in."""
        try:
            if self.proc is not None:
                code = self.stop_process()
                if code != 0 and not quiet:
                    diag("kaigid exited with %s on SIGTERM" % code)
            if not quiet:
                self._show_tail()
            self.drop_db()
        except Exception as e:      # cleaning up must not hide the real failure
            diag("cleanup of %s failed: %s" % (self.db_name, e))
        if self in _servers:
            _servers.remove(self)

    def _show_tail(self):
        """Once, when a test failed: show the end of kaigid's log as diagnostics."""
        if _state["failed"] and not self._tail_shown and os.path.exists(self.log_path):
            self._tail_shown = True
            diag("kaigid log tail (%s):" % self.log_path)
            diag(self.log_tail())
            pg = self.pg_errors()
            if pg:
                diag("PostgreSQL's errors and slow statements for %s:" % self.db_name)
                diag(pg)

    def pg_errors(self, n=30):
        """The last n lines of the test cluster's log (tests/run: $KAIGI_TEST_TMPDIR/pg.log)
        about this server's database that say why a statement failed or took
        long: ERROR with its CONTEXT and STATEMENT (their first lines), lock
        waits ("still waiting for", "acquired") and statements over 2 s."""
        path = os.path.join(os.environ.get("KAIGI_TEST_TMPDIR", ""), "pg.log")
        try:
            with open(path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return ""
        mine = [ln for ln in lines if ("@%s " % self.db_name) in ln and
                any(w in ln for w in ("ERROR", "CONTEXT", "STATEMENT", "duration:",
                                      "still waiting for", "acquired"))]
        return "\n".join(mine[-n:])

    def log_tail(self, n=40):
        """The last n lines of kaigid's log."""
        return file_tail(self.log_path, n)

    # -- talking to it

    def request(self, method, path, body=None, token=None, headers=None, raw=None,
                timeout=30):
        """One HTTP request on a new connection. body: JSON-encoded (dict/list/str...);
        raw: bytes sent as they are. Returns a Response."""
        hdrs = {}
        data = None
        if raw is not None:
            data = raw if isinstance(raw, bytes) else str(raw).encode()
        elif body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        if token:
            hdrs["Authorization"] = "Bearer " + token
        hdrs.update(headers or {})
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            t0 = time.monotonic()
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            payload = resp.read()
            elapsed = time.monotonic() - t0
            return Response(resp.status, resp.reason, resp.getheaders(), payload, elapsed)
        finally:
            conn.close()

    def db(self):
        """A psycopg2 connection to this server's database (autocommit)."""
        import psycopg2
        conn = psycopg2.connect(self.db_url)
        conn.autocommit = True
        self._conns.append(conn)
        return conn

    def conn(self):
        """One connection of the test's own to this server's database
        (autocommit), kept for every quick query (feedlib.one/rows) and
        opened again once closed: a polling loop of one() must not open a
        connection per call (it ran out of max_connections)."""
        c = getattr(self, "_shared_conn", None)
        if c is None or c.closed:
            c = self._shared_conn = self.db()
        return c

    def kaigid(self, *args, check=True):
        """Run `$KAIGID --database-url <this db> args...`; return its stdout (str)."""
        cmd = [self.kaigid_path, "--database-url", self.db_url] + [str(a) for a in args]
        p = subprocess.run(cmd, cwd=TOP, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        if check and p.returncode != 0:
            raise RuntimeError("%s exited %d: %s" % (
                " ".join(cmd), p.returncode, p.stderr.decode("utf-8", "replace")))
        return p.stdout.decode("utf-8", "replace")

    @staticmethod
    def _last_line(out):
        """The last non-empty line of a command's output."""
        lines = [l.strip() for l in out.splitlines() if l.strip()]
        if not lines:
            raise RuntimeError("kaigid printed no token")
        return lines[-1]

    def token(self, role, conference=None, delegation=None):
        """A new raw API token (kaigid token create)."""
        args = ["token", "create", "--role", role]
        if conference:
            args += ["--conference", conference]
        if delegation:
            args += ["--delegation", delegation]
        return self._last_line(self.kaigid(*args))

    def feed_token(self, conference, delegation=None, participant=None):
        """A new raw feed token (kaigid feed-token create)."""
        args = ["feed-token", "create", "--conference", conference]
        if delegation:
            args += ["--delegation", delegation]
        if participant is not None:
            args += ["--participant", str(participant)]
        return self._last_line(self.kaigid(*args))


# ---------------------------------------------------------------- Cluster

class Cluster:
    """A PostgreSQL cluster of the test's own, for tests that stop and start
    PostgreSQL (the shared test cluster must keep running for the others).

        with Cluster() as pg:
            url = pg.create("kaigi", demo=True)     # migrated (+ demo) database
            with Server(db_url=url) as s:
                pg.stop()                           # kaigid now answers 503
                pg.start()                          # ... and recovers
    """

    def __init__(self):
        base = os.environ.get("KAIGI_TEST_TMPDIR") or tempfile.gettempdir()
        self.dir = tempfile.mkdtemp(prefix="cluster.", dir=base)
        os.chmod(self.dir, 0o755)       # the cluster's owner must reach it (as root: postgres)
        self.pg_dir = os.path.join(self.dir, "pg")
        self.port = free_port()
        self.log_path = self.pg_dir + ".log"

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.destroy()
        return False

    def _pg(self, *args, check=True):
        """Run scripts/pg on this cluster; return its stdout."""
        env = dict(os.environ, KAIGI_PG_DIR=self.pg_dir, KAIGI_PG_PORT=str(self.port),
                   KAIGI_PG_FAST="1")
        for k in ("KAIGI_DATABASE_URL", "DATABASE_URL"):
            env.pop(k, None)
        p = subprocess.run([os.path.join(TOP, "scripts", "pg")] + list(args), env=env,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=120)
        if check and p.returncode != 0:
            raise RuntimeError("scripts/pg %s failed: %s" % (
                " ".join(args), p.stderr.decode("utf-8", "replace")))
        return p.stdout.decode("utf-8", "replace").strip()

    def start(self):
        """Start (creating it the first time); returns when it accepts connections."""
        self._pg("start")
        return self

    def stop(self):
        """Stop PostgreSQL (fast shutdown: connections are cut)."""
        self._pg("stop")

    def running(self):
        """True while the server runs."""
        return self._pg("status", check=False).startswith("running")

    def url(self, db="kaigi"):
        """The libpq URL of database db on this cluster."""
        return "postgresql://kaigi@127.0.0.1:%d/%s" % (self.port, db)

    def create(self, db="kaigi", demo=False):
        """Create database db (if missing), migrate it with kaigid, load the demo if asked;
        return its URL."""
        self._pg("createdb", db)
        url = self.url(db)
        p = subprocess.run([_env("KAIGID"), "--database-url", url, "--migrate"], cwd=TOP,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=120)
        if p.returncode != 0:
            raise RuntimeError("kaigid --migrate failed: %s" % p.stdout.decode("utf-8", "replace"))
        if demo:
            p = subprocess.run([os.path.join(TOP, "scripts", "demo"), url], cwd=TOP,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=120)
            if p.returncode != 0:
                raise RuntimeError("scripts/demo failed: %s" % p.stdout.decode("utf-8", "replace"))
        return url

    def log_tail(self, n=30):
        """The last n lines of the PostgreSQL log."""
        return file_tail(self.log_path, n)

    def destroy(self):
        """Stop the server and remove everything."""
        self._pg("destroy", check=False)
        subprocess.run(["rm", "-rf", self.dir])


# ---------------------------------------------------------------- waiting on conditions
# Tests wait on a CONDITION with a generous bound, never on a bare sleep: the
# machine may be busy (two cores shared with other work, the ASan build).
# PATIENCE is the bound for something that must happen; a check that passes
# only pays it when the thing does not happen (and then it fails).

PATIENCE = float(os.environ.get("KAIGI_TEST_PATIENCE", "30"))
__all__ += ["PATIENCE", "wait_for", "lock_waiters", "wait_lock_waiters",
            "log_offset", "access_lines", "collect_workers"]


def wait_for(fn, timeout=None, interval=0.02):
    """wait_until with PATIENCE as the default bound: (value, seconds waited);
    value is None when fn never returned something true in time."""
    t0 = time.monotonic()
    v = wait_until(fn, PATIENCE if timeout is None else timeout, interval)
    return v, time.monotonic() - t0


def lock_waiters(s, table=None, blocker=None):
    """Pids of the backends of s's database now waiting for a lock: on table
    (a relation name) if given, and blocked by backend pid blocker if given."""
    q = ("SELECT DISTINCT a.pid FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid"
         " WHERE a.datname = current_database() AND NOT l.granted")
    args = []
    if table is not None:
        q += " AND l.relation = to_regclass(%s)"
        args.append(table)
    if blocker is not None:
        q += " AND %s = ANY (pg_blocking_pids(a.pid))"
        args.append(blocker)
    conn = s.db()
    try:
        with conn.cursor() as cur:
            cur.execute(q + " ORDER BY 1", args)
            return [r[0] for r in cur.fetchall()]
    finally:
        conn.close()
        if conn in s._conns:
            s._conns.remove(conn)


def wait_lock_waiters(s, n, table=None, blocker=None, timeout=None):
    """Wait until at least n backends wait for the lock (see lock_waiters);
    returns their pids, or None when that did not happen within the bound."""
    got, _ = wait_for(lambda: (lambda p: p if len(p) >= n else None)(
        lock_waiters(s, table, blocker)), timeout, 0.05)
    return got


def log_offset(s):
    """The current size of kaigid's log: pass it to access_lines as since."""
    return os.path.getsize(s.log_path)


_ACCESS = re.compile(r"\[(\d+)\] info: access (\S+) (\S+) (\d+) (\d+) \d+us")


def access_lines(s, since=0, path=None):
    """Access-log lines written after byte offset since, as (pid, method, path,
    status) tuples; only those whose path equals path when it is given."""
    with open(s.log_path, "rb") as f:
        f.seek(since)
        text = f.read().decode("utf-8", "replace")
    out = []
    for m in _ACCESS.finditer(text):
        if path is None or m.group(3) == path:
            out.append((int(m.group(1)), m.group(2), m.group(3), int(m.group(4))))
    return out


def collect_workers(s, fetch, path, workers=2, timeout=None):
    """Call fetch() (one request to path) again and again until the access log
    shows `workers` different processes answering path since the first call,
    within the bound (new connections are spread over the workers by the
    kernel, so this takes a handful of requests, but no number of requests is
    certain). Returns (answers, {pid: [statuses]}); the dict has fewer than
    `workers` pids when the bound ran out."""
    since = log_offset(s)
    answers = []
    deadline = time.monotonic() + (PATIENCE if timeout is None else timeout)
    while True:
        answers.append(fetch())
        pids = {}
        for pid, _, _, status in access_lines(s, since, path):
            pids.setdefault(pid, []).append(status)
        if len(pids) >= workers or time.monotonic() >= deadline:
            break
    # The log line of the last answer may still be on its way: wait for it.
    wait_until(lambda: len(access_lines(s, since, path)) >= len(answers), PATIENCE)
    pids = {}
    for pid, _, _, status in access_lines(s, since, path):
        pids.setdefault(pid, []).append(status)
    return answers, pids


# ---------------------------------------------------------------- processes

def worker_pids(pid):
    """The live children of process pid (kaigid's workers under its
    supervisor), sorted; zombies (dead, not yet reaped) are left out."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[1] == str(pid) and fields[0] not in ("Z", "X"):
            out.append(int(name))
    return sorted(out)


def client_connections(pid, port):
    """Established TCP connections to local port (from HTTP clients) that
    process pid holds open."""
    inodes = set()
    try:
        fds = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return 0
    for fd in fds:
        try:
            link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    n = 0
    for table in ("tcp", "tcp6"):
        try:
            with open("/proc/%d/net/%s" % (pid, table)) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            col = row.split()
            if (col[3] == "01" and int(col[1].rsplit(":", 1)[1], 16) == port
                    and col[9] in inodes):
                n += 1
    return n


class LoopWatch:
    """While the with-block runs, GET /healthz (no database) on one kept
    connection to 127.0.0.1:port again and again from a thread. A worker's
    event loop held by other work shows as a long answer: afterwards,
    longest (seconds) and answered (200s). With pid (a worker whose only
    loop is its main thread), also longest_cpu: the most CPU that thread
    ran (/proc schedstat) while one answer was awaited, which is the loop's
    own work, not its waiting for a core that other processes hold."""

    def __init__(self, port, pid=None):
        import threading
        self.port, self.pid = port, pid
        self.longest, self.longest_cpu, self.answered = 0.0, 0.0, 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run)

    def cpu(self):
        """Seconds the loop thread has run, or 0 without a pid."""
        if self.pid is None:
            return 0.0
        with open("/proc/%d/task/%d/schedstat" % (self.pid, self.pid)) as f:
            return int(f.read().split()[0]) / 1e9

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        while not self.stop.is_set():
            t, c = time.monotonic(), self.cpu()
            conn.request("GET", "/healthz")
            r = conn.getresponse()
            r.read()
            self.longest = max(self.longest, time.monotonic() - t)
            self.longest_cpu = max(self.longest_cpu, self.cpu() - c)
            self.answered += 1 if r.status == 200 else 0
            time.sleep(0.002)
        conn.close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        return False


def least_stall(port, fn, bound, tries=3, pid=None):
    """fn() under a LoopWatch, again (up to tries times) while the loop's
    longest hold (longest_cpu with pid, else the longest answer) is not
    under bound seconds: another test's processes on the same cores can
    keep a loop waiting once, while a loop held by fn's own work is held
    every time. (fn's last result, the least of the longest holds, the
    longest answer of that run, the /healthz answers of that run, the
    runs)."""
    best = None
    for n in range(1, tries + 1):
        with LoopWatch(port, pid) as watch:
            got = fn()
        held = watch.longest_cpu if pid is not None else watch.longest
        if best is None or held < best[0]:
            best = (held, watch.longest, watch.answered)
        if held < bound:
            break
    return (got,) + best + (n,)


def json_parse_ms(text):
    """Python's CPU to parse text as JSON once (the best of three), a
    yardstick for a C parser's (jansson's) work on the same text; (the
    document, ms)."""
    best = None
    for _ in range(3):
        t = time.process_time()
        doc = json.loads(text)
        ms = (time.process_time() - t) * 1000
        best = ms if best is None else min(best, ms)
    return doc, best


__all__ += ["worker_pids", "client_connections", "LoopWatch", "least_stall", "json_parse_ms"]


# ---------------------------------------------------------------- quick queries

def rows(s, sql, *args):
    """All rows of one statement on server s's database (args: values, or one
    dict of named values), on the test's own kept connection (Server.conn)."""
    with s.conn().cursor() as cur:
        cur.execute(sql, args[0] if len(args) == 1 and isinstance(args[0], dict) else args)
        return cur.fetchall()


def one(s, sql, *args):
    """First column of the first row (None when there is no row)."""
    r = rows(s, sql, *args)
    return r[0][0] if r else None
