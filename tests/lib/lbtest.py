"""lbtest - haproxy and PgBouncer as foreground children of a test (or a
benchmark), each started from the file kaigi ships in config/ with only its
site values replaced, on free loopback ports.

    from lbtest import Haproxy, PgBouncer

    with PgBouncer(pg_port, dbname) as pgb:          # config/pgbouncer.ini
        url = pgb.url()                              # postgresql://kaigi@127.0.0.1:<port>/<db>
        pgb.admin("SHOW POOLS")                      # the admin console's rows

    with Haproxy(["127.0.0.1:8081", "127.0.0.1:8082"]) as lb:   # config/haproxy.cfg
        lb.port, lb.url
        lb.wait_servers("UP")                        # every instance passes /readyz
        lb.stat()                                    # `show stat` rows as dicts
        lb.log_lines()                               # haproxy's access log so far

haproxy reads config/haproxy.cfg as it is: the addresses come from the
environment variables that file documents (KAIGI_LB_BIND, KAIGID_1..4,
KAIGI_LB_LOG, KAIGI_LB_SOCKET). PgBouncer 1.18 has no variables, and its
%include does not carry [pgbouncer] settings (they fall back to their
defaults), so the test's copy is config/pgbouncer.ini rewritten: listen
address and port, log and pid file, socket directory and authentication
replaced, the kaigi database entry pointed at the test's database (keeping
its other parameters, connect_query included); every other line as shipped.

haproxy may be started as root (config/haproxy.cfg then chroots and drops
to the user haproxy; not as root, KAIGI_LB_UNPRIVILEGED skips that).
PgBouncer refuses to run as root: as root it is started with -u and the
unprivileged user scripts/pg uses (postgres, or kaigi-pg).
"""
import os
import re
import socket
import subprocess
import tempfile

from kaigitest import TOP, file_tail, free_port, wait_until

HAPROXY_CFG = os.path.join(TOP, "config", "haproxy.cfg")
PGBOUNCER_INI = os.path.join(TOP, "config", "pgbouncer.ini")

__all__ = ["Haproxy", "PgBouncer", "HAPROXY_CFG", "PGBOUNCER_INI", "port_open"]


def port_open(port, host="127.0.0.1"):
    """Does something accept TCP connections on host:port?"""
    try:
        socket.create_connection((host, port), 0.5).close()
        return True
    except OSError:
        return False


def _workdir():
    base = os.environ.get("KAIGI_TEST_TMPDIR") or tempfile.gettempdir()
    d = tempfile.mkdtemp(prefix="lb.", dir=base)
    os.chmod(d, 0o755)              # the unprivileged user must reach it
    return d


class _Child:
    """A foreground child (self.proc), stopped with SIGTERM (PgBouncer: its
    immediate shutdown), else SIGKILL after 10 s; a context manager around
    start() and stop()."""

    proc = None

    def log_tail(self, n=30):
        return file_tail(self.log_path, n)

    def _prepare(self):
        """What must be written for self.port before the child starts."""

    def _spawn(self, name, argv, ready, busy, timeout, env=None):
        """argv on a free port (self.port, _prepare() first), output to
        self.log_path, until ready() or it exits; tried three times when the
        log says the port was taken meanwhile (busy)."""
        for attempt in range(3):
            self.port = free_port()
            self._prepare()
            log = open(self.log_path, "ab")
            self.proc = subprocess.Popen(argv, env=env() if env else None,
                                         stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT)
            log.close()
            if wait_until(lambda: self.proc.poll() is not None or ready(), timeout) \
                    and self.proc.poll() is None:
                return self
            self.stop()
            if attempt == 2 or busy not in self.log_tail():
                raise RuntimeError("%s did not start:\n%s" % (name, self.log_tail()))
        return self

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


class Haproxy(_Child):
    """haproxy -db -f config/haproxy.cfg, for the given instances (host:port)."""

    def __init__(self, servers, cfg=HAPROXY_CFG):
        if not 2 <= len(servers) <= 4:
            raise ValueError("config/haproxy.cfg takes 2 to 4 instances")
        self.servers = list(servers)
        self.cfg = cfg
        self.dir = _workdir()
        self.socket = os.path.join(self.dir, "admin.sock")
        self.log_path = os.path.join(self.dir, "haproxy.log")
        self.port = None
        self.url = None
        self.proc = None

    def env(self):
        """The variables config/haproxy.cfg reads."""
        env = dict(os.environ)
        for k in list(env):
            if k.startswith("KAIGID_") or k.startswith("KAIGI_LB_"):
                del env[k]
        env["KAIGI_LB_BIND"] = "127.0.0.1:%d" % self.port
        env["KAIGI_LB_LOG"] = "stdout"
        env["KAIGI_LB_SOCKET"] = self.socket
        if os.getuid() != 0:
            env["KAIGI_LB_UNPRIVILEGED"] = "1"
        for i, s in enumerate(self.servers, 1):
            env["KAIGID_%d" % i] = s
        return env

    def check(self):
        """haproxy -c on the file with this run's variables: (ok, output)."""
        if self.port is None:
            self.port = free_port()
        p = subprocess.run(["haproxy", "-c", "-f", self.cfg], env=self.env(),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
        return p.returncode == 0, p.stdout.decode("utf-8", "replace")

    def _prepare(self):
        self.url = "http://127.0.0.1:%d" % self.port

    def start(self, timeout=10):
        return self._spawn("haproxy", ["haproxy", "-db", "-f", self.cfg],
                           lambda: port_open(self.port) and os.path.exists(self.socket),
                           "ddress already in use", timeout, env=self.env)

    def command(self, cmd):
        """One command on the admin socket; its answer."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(self.socket)
            s.sendall(cmd.encode() + b"\n")
            out = b""
            while True:
                b = s.recv(65536)
                if not b:
                    break
                out += b
        return out.decode("utf-8", "replace")

    def stat(self):
        """`show stat` as a list of dicts (pxname, svname, status, ...)."""
        lines = [ln for ln in self.command("show stat").splitlines() if ln.strip()]
        if not lines or not lines[0].startswith("# "):
            return []
        head = lines[0][2:].split(",")
        return [dict(zip(head, ln.split(","))) for ln in lines[1:]]

    def server_status(self, backend="kaigid"):
        """{server name: status} of a backend's servers (UP, DOWN, UP 1/2...)."""
        return {r["svname"]: r["status"] for r in self.stat()
                if r.get("pxname") == backend and r.get("svname") not in ("FRONTEND", "BACKEND")}

    def wait_servers(self, want, names=None, backend="kaigid", timeout=30):
        """Wait until the servers (all, or those named) have status want."""
        def done():
            st = self.server_status(backend)
            sel = [v for k, v in st.items() if names is None or k in names]
            return sel and all(v == want for v in sel)
        return wait_until(done, timeout, 0.05)


    def log_lines(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return []


def _unprivileged_user():
    """The user PgBouncer runs as when we are root (scripts/pg's choice)."""
    import pwd
    for name in ("postgres", "kaigi-pg"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("no postgres or kaigi-pg user: run scripts/pg start once as root")


def render_pgbouncer_ini(text, dbname, pg_host, pg_port, settings):
    """config/pgbouncer.ini's text with the kaigi database entry renamed to
    dbname and pointed at pg_host:pg_port/dbname, and each [pgbouncer] key of
    settings given its value (added when the file lacks it)."""
    out, section, seen, entry = [], None, set(), False
    for line in text.splitlines():
        m = re.match(r"\s*\[(\w+)\]\s*$", line)
        if m:
            if section == "pgbouncer":
                out.extend("%s = %s" % (k, v) for k, v in settings.items() if k not in seen)
            section = m.group(1)
            out.append(line)
            continue
        m = re.match(r"\s*(\w+)\s*=\s*(.*)$", line)
        if m and not line.lstrip().startswith(";"):
            key, value = m.group(1), m.group(2)
            if section == "databases" and key == "kaigi":
                for k, v in (("host", pg_host), ("port", str(pg_port)), ("dbname", dbname)):
                    value, n = re.subn(r"\b%s=\S+" % k, "%s=%s" % (k, v), value)
                    if not n:
                        value += " %s=%s" % (k, v)
                out.append("%s = %s" % (dbname, value))
                entry = True
                continue
            if section == "pgbouncer" and key in settings:
                out.append("%s = %s" % (key, settings[key]))
                seen.add(key)
                continue
        out.append(line)
    if section == "pgbouncer":
        out.extend("%s = %s" % (k, v) for k, v in settings.items() if k not in seen)
    if not entry:
        raise ValueError("config/pgbouncer.ini has no [databases] kaigi entry")
    return "\n".join(out) + "\n"


class PgBouncer(_Child):
    """pgbouncer in the foreground with config/pgbouncer.ini for one database
    of the test cluster (pg_port), trusting the user kaigi as PostgreSQL
    does there. settings: more [pgbouncer] keys to override."""

    def __init__(self, pg_port, dbname, pg_host="127.0.0.1", settings=None, ini=PGBOUNCER_INI):
        self.pg_port, self.dbname, self.pg_host = pg_port, dbname, pg_host
        self.extra = dict(settings or {})
        self.ini_src = ini
        self.dir = _workdir()
        self.ini = os.path.join(self.dir, "pgbouncer.ini")
        self.users = os.path.join(self.dir, "userlist.txt")
        self.log_path = os.path.join(self.dir, "pgbouncer.log")
        self.port = None
        self.proc = None

    def url(self, db=None):
        return "postgresql://kaigi@127.0.0.1:%d/%s" % (self.port, db or self.dbname)

    def _write(self):
        with open(self.users, "w") as f:
            f.write('"kaigi" ""\n')
        settings = {
            "listen_addr": "127.0.0.1", "listen_port": str(self.port),
            "unix_socket_dir": "", "logfile": "", "pidfile": "",
            "auth_type": "trust", "auth_file": self.users, "admin_users": "kaigi",
        }
        settings.update(self.extra)
        with open(self.ini_src) as f:
            text = render_pgbouncer_ini(f.read(), self.dbname, self.pg_host, self.pg_port, settings)
        with open(self.ini, "w") as f:
            f.write(text)
        for p in (self.ini, self.users):
            os.chmod(p, 0o644)

    _prepare = _write

    def start(self, timeout=10):
        cmd_user = ["-u", _unprivileged_user()] if os.getuid() == 0 else []
        return self._spawn("pgbouncer", ["pgbouncer"] + cmd_user + [self.ini],
                           lambda: port_open(self.port), "in use", timeout)

    def admin(self, command):
        """Rows of one admin console command (SHOW POOLS, SHOW CONFIG, RECONNECT ...)."""
        import psycopg2
        conn = psycopg2.connect(self.url("pgbouncer"))
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(command)
                if cur.description is None:
                    return []
                names = [d[0] for d in cur.description]
                return [dict(zip(names, r)) for r in cur.fetchall()]
        finally:
            conn.close()

    def config(self):
        """{key: value} of SHOW CONFIG."""
        return {r["key"]: r["value"] for r in self.admin("SHOW CONFIG")}

