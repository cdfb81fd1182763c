#!/usr/bin/python3
"""03-migrate-order.t — kaigid --migrate applies sql/NNN_name.sql in the
order of the numbers, so that the migration after 999_x.sql can be
1000_y.sql (scandir's alphasort put 1000_ before 100_ and ran it first).

A directory of five migrations, each appending its name to a log table,
is applied to an empty database: the log reads 001, 100, 999, 1000, 1001
in that order. Run again, nothing is applied twice.
"""
import os
import subprocess
import sys
import tempfile

import psycopg2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

NAMES = ["001_log.sql", "100_b.sql", "999_c.sql", "1000_d.sql", "1001_e.sql"]


def migrations():
    d = tempfile.mkdtemp(dir=os.environ.get("KAIGI_TEST_TMPDIR"))
    for name in NAMES:
        with open(os.path.join(d, name), "w") as f:
            if name == NAMES[0]:
                f.write("CREATE TABLE migrate_log (n serial PRIMARY KEY, name text NOT NULL);\n")
            f.write("INSERT INTO migrate_log (name) VALUES ('%s');\n" % name)
    return d


def migrate(url, d):
    p = subprocess.run([os.environ["KAIGID"], "--database-url", url, "--migrate", "--sql-dir", d], cwd=TOP,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def main():
    with scratch_db("t_migrate_order") as url:
        d = migrations()
        rc, out = migrate(url, d)
        is_(rc, 0, "kaigid --migrate over the five files succeeds")
        db = psycopg2.connect(url)
        with db.cursor() as cur:
            cur.execute("SELECT name FROM migrate_log ORDER BY n")
            is_([r[0] for r in cur.fetchall()], NAMES, "applied by number: 001, 100, 999, 1000, 1001")
        db.close()
        rc, out = migrate(url, d)
        is_(rc, 0, "run again, it succeeds")
        like(out, r"0 applied", "and applies nothing")


with Server() as s:
    main()
done_testing()
