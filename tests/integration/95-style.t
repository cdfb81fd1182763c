#!/usr/bin/python3
# 95-style.t — the house rules a machine can check (scripts/style-check):
# every C file opens with a comment saying what it is for, and no function
# is longer than 80 lines. The checker must also catch an offence: with a
# limit of 1 line it has to complain.
import os, subprocess, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

chk = os.path.join(TOP, "scripts", "style-check")
p = subprocess.run([chk], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
is_(p.returncode, 0, "style-check passes")
for line in p.stdout.splitlines()[:30]:
    diag(line)
q = subprocess.run([chk], env=dict(os.environ, KAIGI_STYLE_MAX_LINES="1"),
                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
ok(q.returncode == 1 and "lines long" in q.stdout, "and it does catch long functions")
done_testing()
