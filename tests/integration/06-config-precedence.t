#!/usr/bin/python3
# 06-config-precedence.t — settings come from the file, then KAIGI_<KEY> in
# the environment, then flags: a flag wins over the environment, the
# environment over the file, at start and again after SIGHUP re-reads the
# file. Seen from outside through three settings:
#   port          which port answers (the others refuse),
#   max_body      the body size from which POST gets 413 (checked before any
#                 token or database work),
#   database_url  whether /readyz finds the database (200) or not (503).
# Also: --config wins over KAIGI_CONFIG, and KAIGI_DATABASE_URL over
# DATABASE_URL.
import atexit
import os
import signal
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

TMP = os.environ.get("KAIGI_TEST_TMPDIR") or "/tmp"


def refused(port):
    """Is a connection to port refused?"""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        return False
    except ConnectionRefusedError:
        return True
    except OSError:
        return False


def status(port, method, path, raw=None):
    """The status of one request to port (None: no answer)."""
    s = Server.__new__(Server)      # only for request()
    s.port = port
    try:
        return s.request(method, path, raw=raw, timeout=10,
                         headers={"Content-Type": "application/json"} if raw else None).status
    except OSError:
        return None


def body(n):
    """A JSON body of exactly n bytes."""
    return b'{"t":"' + b"y" * (n - 8) + b'"}'


def too_large(port, n):
    """Does a body of n bytes get 413 (else the next check: 401, no token)?"""
    return status(port, "POST", "/api/v1/conferences", body(n)) == 413


running = []


@atexit.register
def _kill_leftovers():
    """Never leave a kaigid behind when a check failed half-way."""
    for p in running:
        if p.poll() is None:
            p.kill()
            p.wait()


class Kaigid:
    """kaigid started with exactly the given flags and environment."""

    def __init__(self, tag, args, env):
        base = {k: v for k, v in os.environ.items()
                if not (k.startswith("KAIGI_") and not k.startswith("KAIGI_TEST_"))
                and k != "DATABASE_URL"}
        base.update(env)
        self.log_path = os.path.join(TMP, "kaigid-precedence-%d-%s.log" % (os.getpid(), tag))
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([os.environ["KAIGID"]] + args, cwd=TOP, env=base,
                                         stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT)
        running.append(self.proc)

    def log(self):
        """What it logged so far."""
        return open(self.log_path).read()

    def stop(self):
        """SIGTERM; the exit status (None if it had to be killed)."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None


def write_conf(path, **kv):
    """An INI file with those keys in [kaigid]."""
    with open(path, "w") as f:
        f.write("[kaigid]\n" + "".join("%s = %s\n" % i for i in kv.items()))


db = Server()
db.create_db()
good = db.db_url
bogus = good.rsplit("/", 1)[0] + "/no_such_database"
ports = {"file": free_port(), "env": free_port(), "flag": free_port(), "other": free_port()}
conf = os.path.join(TMP, "precedence-%d.conf" % os.getpid())
other = os.path.join(TMP, "precedence-other-%d.conf" % os.getpid())
write_conf(conf, port=ports["file"], max_body=2048, database_url=bogus, log_level="info")
write_conf(other, port=ports["other"], max_body=1024, database_url=bogus)


def serves_only(tag, port):
    """port answers /healthz; every other one refuses."""
    up = wait_until(lambda: status(port, "GET", "/healthz") == 200, 30)
    others = [p for p in ports.values() if p != port and not refused(p)]
    ok(up and not others, "%s: serves on port %d, not on the others %s" % (tag, port, others))


def reload(k, tag):
    """SIGHUP with a file whose max_body is large; wait until re-read."""
    write_conf(conf, port=ports["file"], max_body=100000, database_url=bogus, log_level="info")
    n = k.log().count("settings re-read")
    k.proc.send_signal(signal.SIGHUP)
    ok(wait_until(lambda: k.log().count("settings re-read") > n, 30),
       "%s: SIGHUP: the file is re-read" % tag)


# The file alone (and --config over KAIGI_CONFIG).
k = Kaigid("file", ["--config", conf], {"KAIGI_CONFIG": other})
serves_only("file", ports["file"])
ok(too_large(ports["file"], 3000) and not too_large(ports["file"], 2000),
   "file: max_body = 2048 from the file (3000 bytes: 413; 2000: not)")
ok(wait_until(lambda: status(ports["file"], "GET", "/readyz") == 503, 30),
   "file: database_url from the file (no such database: /readyz 503)")
is_(k.stop(), 0, "file: exit 0")

# The environment over the file.
env = {"KAIGI_PORT": str(ports["env"]), "KAIGI_MAX_BODY": "4096", "KAIGI_DATABASE_URL": good,
       "DATABASE_URL": bogus}
k = Kaigid("env", ["--config", conf], env)
serves_only("environment over file", ports["env"])
ok(too_large(ports["env"], 5000) and not too_large(ports["env"], 3000),
   "environment over file: KAIGI_MAX_BODY = 4096 (5000 bytes: 413; 3000: not)")
ok(wait_until(lambda: status(ports["env"], "GET", "/readyz") == 200, 30),
   "environment over file: KAIGI_DATABASE_URL (over DATABASE_URL too): /readyz 200")
reload(k, "environment over file")
ok(too_large(ports["env"], 5000) and not too_large(ports["env"], 3000),
   "environment over file: after SIGHUP still 4096 (the file now says 100000)")
is_(k.stop(), 0, "environment over file: exit 0")

# Flags over the environment.
write_conf(conf, port=ports["file"], max_body=2048, database_url=bogus, log_level="info")
k = Kaigid("flag", ["--config", conf, "--port", str(ports["flag"]), "--set", "max_body=8192",
                    "--database-url", bogus], env)
serves_only("flags over environment", ports["flag"])
ok(too_large(ports["flag"], 9000) and not too_large(ports["flag"], 5000),
   "flags over environment: --set max_body=8192 (9000 bytes: 413; 5000: not)")
ok(wait_until(lambda: status(ports["flag"], "GET", "/readyz") == 503, 30),
   "flags over environment: --database-url (no such database) over KAIGI_DATABASE_URL: 503")
reload(k, "flags over environment")
ok(too_large(ports["flag"], 9000) and not too_large(ports["flag"], 5000),
   "flags over environment: after SIGHUP still 8192 (not the environment's 4096)")
is_(k.stop(), 0, "flags over environment: exit 0")

db.drop_db()
done_testing()
