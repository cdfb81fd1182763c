#!/usr/bin/python3
# 00-harness.t — the test harness itself: the throwaway cluster runs, the
# templates exist and carry the migrated schema, a fresh database can be made
# from them and dropped again.
import os
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

# A copy of each template, as Server makes them, then dropped.
for demo in (True, False):
    s = Server(demo=demo)
    s.create_db()
    ok("schema_migrations" in tables(s.db_url),
       "copy of %s has schema_migrations" % s.template)
    with s.db().cursor() as c:
        c.execute("SELECT count(*) FROM schema_migrations")
        ok(c.fetchone()[0] >= 0, "schema_migrations is readable")
    s.drop_db()
    cur.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (s.db_name,))
    is_(cur.fetchone()[0], 0, "copy %s dropped again" % s.db_name)

ok(free_port() > 0, "free_port gives a port")
done_testing()
