#!/usr/bin/python3
# 00-harness.t — the test harness itself: the throwaway cluster runs, the
# templates exist and carry the migrated schema, a fresh database can be made
# from them and dropped again.
import os
import re
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

import psycopg2  # noqa: E402

admin = psycopg2.connect(os.environ["KAIGI_TEST_PG_ADMIN_URL"])
admin.autocommit = True
cur = admin.cursor()
cur.execute("SHOW server_version_num")
ok(int(cur.fetchone()[0]) >= 150000, "PostgreSQL 15 or newer")
cur.execute("SELECT datname FROM pg_database ORDER BY datname")
names = [r[0] for r in cur.fetchall()]
for db in ("kaigi_template", "kaigi_empty", "kaigi_unit"):
    ok(db in names, "database %s exists" % db)
is_(os.environ.get("KAIGI_TEST_TEMPLATE"), "kaigi_template", "KAIGI_TEST_TEMPLATE names it")
ok(os.environ.get("KAIGI_TEST_PG_PORT", "") in os.environ["KAIGI_TEST_PG_ADMIN_URL"],
   "admin URL uses the test cluster's port")


def tables(url):
    """The names of the tables in schema public of the database at url."""
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as c:
            c.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            return {r[0] for r in c.fetchall()}
    finally:
        conn.close()


ok("schema_migrations" in tables(os.environ["KAIGI_TEST_DATABASE_URL"]),
   "kaigi_unit is migrated (schema_migrations)")

# The migrations kaigid applies: the NNN_name.sql files of sql/ (migrate.c).
MIGRATIONS = sorted(f for f in os.listdir(os.path.join(TOP, "sql"))
                    if re.match(r"^[0-9].{4,}\.sql$", f))
ok(len(MIGRATIONS) >= 1, "sql/ holds migrations (%d)" % len(MIGRATIONS))

# A copy of each template, as Server makes them, then dropped.
for demo in (True, False):
    s = Server(demo=demo)
    s.create_db()
    ok("schema_migrations" in tables(s.db_url),
       "copy of %s has schema_migrations" % s.template)
    with s.db().cursor() as c:
        c.execute("SELECT version FROM schema_migrations ORDER BY 1")
        is_([r[0] for r in c.fetchall()], MIGRATIONS,
            "copy of %s records every migration of sql/ (%d)" % (s.template, len(MIGRATIONS)))
        c.execute("SELECT slug FROM conferences ORDER BY 1")
        is_([r[0] for r in c.fetchall()], ["g7-digital-2023"] if demo else [],
            "copy of %s: %s" % (s.template, "the demo conference" if demo else "no data"))
    s.drop_db()
    cur.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (s.db_name,))
    is_(cur.fetchone()[0], 0, "copy %s dropped again" % s.db_name)

# free_port: a loopback port nothing listens on, that a listener can take.
port = free_port()
probe = socket.socket()
try:
    probe.settimeout(5)
    probe.connect(("127.0.0.1", port))
    ok(False, "free_port %d: nothing listens there" % port)
except ConnectionRefusedError:
    ok(True, "free_port %d: nothing listens there (connection refused)" % port)
finally:
    probe.close()
with socket.socket() as ls:
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(1)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
        ok(c.getpeername()[1] == port, "free_port %d: a listener can take it" % port)
done_testing()
