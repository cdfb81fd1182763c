#!/usr/bin/python3
# 77-start-checks.t — what kaigid needs at request time and the system may
# lack is tried before it serves (util_check_start: SHA-256 from libcrypto,
# getrandom). Without SHA-256 (OpenSSL configured with only its null
# provider) kaigid must refuse to start and say why, instead of serving and
# exiting at the first request that carries a token (the fatal() in
# sha256_hex; issue 14: no request may reach fatal()). With the system's own
# OpenSSL configuration the same database is served, and a junk token gets
# its 401.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
NULL_PROVIDER = """openssl_conf = openssl_init
[openssl_init]
providers = provider_sect
[provider_sect]
null = null_sect
[null_sect]
activate = 1
"""

conf = os.path.join(os.environ.get("KAIGI_TEST_TMPDIR") or "/tmp", "null-provider-%d.cnf" % os.getpid())
with open(conf, "w") as f:
    f.write(NULL_PROVIDER)

s = Server(env={"OPENSSL_CONF": conf})
try:
    s.create_db()
    s.port = free_port()
    s._spawn()
    served = s._wait_healthy()
    if served:
        # The old way: it served, so show what the first token does to it.
        try:
            s.request("GET", "/api/v1/conferences/%s/sessions" % SLUG, token="x" * 43, timeout=10)
        except Exception as e:
            diag("the request with a token got no answer: %r" % e)
        wait_until(lambda: s.proc.poll() is not None, timeout=10)
        diag("kaigid then %s" % ("exited with %s" % s.proc.poll() if s.proc.poll() is not None
                                  else "kept running"))
    ok(not served, "without SHA-256 kaigid does not serve")
    wait_until(lambda: s.proc.poll() is not None, timeout=10)
    is_(s.proc.poll(), 1, "it exits 1 before serving")
    like(s.log_tail(5), r"SHA-256 is not available", "and says why")
finally:
    if s.proc is not None and s.proc.poll() is None:
        s.stop_process()
    s.env = {}
    s._close_log()

try:
    s.start()
    r = s.request("GET", "/api/v1/conferences/%s/audit" % SLUG, token="x" * 43)
    is_(r.status, 401, "with OpenSSL's own configuration a junk token gets 401")
    ok(s.proc.poll() is None, "and kaigid goes on serving")
    is_(s.stop(), 0, "kaigid exits 0 on SIGTERM")
finally:
    os.unlink(conf)
done_testing()
