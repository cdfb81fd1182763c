"""kaigiclient - running the kaigi client in the client tests (61, 64, 65).

KAIGI               the client binary ($KAIGI, else client/kaigi)
Kaigi(server, token) a callable: Kaigi(...)(*args, token=None) runs kaigi with
                    the server's URL and the token (no config file, TZ=UTC, no
                    default conference) and returns (rc, stdout, stderr)
js(out)             --json output parsed (None when it is not JSON)
"""
import json
import os
import subprocess

from kaigitest import TOP

KAIGI = os.path.abspath(os.environ.get("KAIGI") or os.path.join(TOP, "client", "kaigi"))


class Kaigi:
    """Runs the kaigi binary with the server's URL and a token."""

    def __init__(self, server, token):
        self.s = server
        self.token = token

    def __call__(self, *args, token=None):
        env = dict(os.environ, KAIGI_CONFIG="/dev/null", TZ="UTC", KAIGI_URL=self.s.url,
                   KAIGI_TOKEN=token or self.token)
        env.pop("KAIGI_CONFERENCE", None)
        p = subprocess.run([KAIGI] + [str(a) for a in args], capture_output=True, text=True,
                           env=env, timeout=60)
        return p.returncode, p.stdout, p.stderr


def js(out):
    """Parse --json output (None when it is not JSON)."""
    try:
        return json.loads(out)
    except ValueError:
        return None
