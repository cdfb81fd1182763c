#!/usr/bin/python3
# 02-cluster.t — the private-cluster fixture (kaigitest.Cluster) used by tests
# that stop PostgreSQL: it starts, makes a migrated demo database, stops and
# starts again; kaigid keeps answering /healthz meanwhile and /readyz follows
# the database.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

import psycopg2  # noqa: E402

with Cluster() as pg:
    ok(pg.running(), "private cluster runs")
    isnt(str(pg.port), os.environ.get("KAIGI_TEST_PG_PORT"), "on a port of its own")
    url = pg.create("kaigi", demo=True)
    conn = psycopg2.connect(url)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM schema_migrations")
        ok(cur.fetchone()[0] >= 1, "database migrated by kaigid --migrate")
    conn.close()

    with Server(db_url=url) as s:
        is_(s.request("GET", "/readyz").status, 200, "/readyz 200 with the database up")
        pg.stop()
        ok(not pg.running(), "cluster stopped")
        r = s.request("GET", "/healthz", timeout=5)
        is_(r.status, 200, "/healthz still 200 without the database")
        r = wait_until(lambda: s.request("GET", "/readyz", timeout=5).status == 503, 10)
        ok(r, "/readyz 503 without the database")
        pg.start()
        ok(wait_until(lambda: s.request("GET", "/readyz", timeout=5).status == 200, 10),
           "/readyz 200 again after PostgreSQL is back")
        is_(s.stop(), 0, "kaigid exits 0 on SIGTERM")
done_testing()
