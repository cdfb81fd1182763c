#!/usr/bin/python3
# 05-constraints.t — the database itself forbids double booking and keeps its
# bookkeeping: room and participant exclusion (with changeover and
# unavailability), cancellation freeing room and people, CHECKs, unique
# delegation codes, version/sequence, NOTIFY kaigi_changes, session_changes,
# kaigi_ts, kaigi_session_conflicts; and the demo data set (counts, no clash,
# loading it twice changes nothing). Plain SQL through psycopg2, no kaigid.
#
# Needs KAIGI_TEST_PG_ADMIN_URL and KAIGI_TEST_TEMPLATE (a database migrated
# and demo-loaded), as exported by tests/run; makes its own copy and drops it.
import os
import random
import select
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import ok, is_, done_testing, bail, TOP  # noqa: E402

import psycopg2  # noqa: E402
import psycopg2.errors  # noqa: E402
from psycopg2 import sql as psql  # noqa: E402

ADMIN_URL = os.environ.get("KAIGI_TEST_PG_ADMIN_URL")
TEMPLATE = os.environ.get("KAIGI_TEST_TEMPLATE")
if not ADMIN_URL or not TEMPLATE:
    bail("KAIGI_TEST_PG_ADMIN_URL / KAIGI_TEST_TEMPLATE not set: run with tests/run")
DB_NAME = "t05_%d_%06x" % (os.getpid(), random.getrandbits(24))
DB_URL = "%s/%s" % (ADMIN_URL.rsplit("/", 1)[0], DB_NAME)
DEMO = os.path.join(TOP, "sql", "demo", "010_takasaki.sql")


def admin(stmt):
    """Run one statement on the maintenance database (autocommit)."""
    conn = psycopg2.connect(ADMIN_URL)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(stmt)
    finally:
        conn.close()


def create_db():
    """Copy the demo template into our own database (retried while busy)."""
    stmt = psql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
        psql.Identifier(DB_NAME), psql.Identifier(TEMPLATE))
    for attempt in range(40):
        try:
            admin(stmt)
            return
        except psycopg2.errors.ObjectInUse:
            time.sleep(0.25)
    bail("cannot create %s from %s" % (DB_NAME, TEMPLATE))


def drop_db():
    """Drop our database."""
    admin(psql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
        psql.Identifier(DB_NAME)))


def connect(autocommit=True):
    """A new connection to our database."""
    conn = psycopg2.connect(DB_URL)
    conn.autocommit = autocommit
    return conn


def one(cur, q, args=()):
    """The first column of the first row of q."""
    cur.execute(q, args)
    row = cur.fetchone()
    return row[0] if row else None


def col(cur, q, args=()):
    """The first column of every row of q, as a list."""
    cur.execute(q, args)
    return [r[0] for r in cur.fetchall()]


def fails(conn, q, args=()):
    """Run q in its own transaction; (sqlstate, constraint) of its error, or (None, None)."""
    old = conn.autocommit
    conn.autocommit = False
    try:
        with conn.cursor() as cur:
            cur.execute(q, args)
        conn.commit()
        return (None, None)
    except psycopg2.Error as e:
        conn.rollback()
        return (e.pgcode, e.diag.constraint_name)
    finally:
        conn.autocommit = old


def refused(conn, q, args, code, constraint, name):
    """Test that q fails with SQLSTATE code (and constraint name, if given)."""
    got = fails(conn, q, args)
    want = (code, constraint if constraint else got[1])
    return is_(got, want, name)


# ----------------------------------------------------------------- the demo

def test_demo(cur):
    """The demo data set: what the seed says, in the expected numbers."""
    ids = test_demo_parties(cur)
    if ids is None:
        return
    for fn in (test_demo_plenaries, test_demo_bilaterals, test_demo_side_event, test_demo_clean):
        fn(cur, *ids)


def test_demo_parties(cur):
    """The conference, its delegations and heads: (conference id, Kono's id)."""
    cur.execute("SELECT id, timezone, start_date::text, end_date::text, title "
                "FROM conferences WHERE slug = 'g7-digital-2023'")
    row = cur.fetchone()
    ok(row is not None, "demo: conference g7-digital-2023 exists")
    if row is None:
        return None
    conf = row[0]
    is_(row[1:], ("Asia/Tokyo", "2023-04-28", "2023-04-30",
                  "G7 Digital and Tech Ministers' Meeting"),
        "demo: zone, dates and title")
    is_(sorted(col(cur, "SELECT code FROM delegations WHERE conference_id = %s AND kind = 'member'", (conf,))),
        ["CA", "DE", "EU", "FR", "GB", "IT", "JP", "US"], "demo: G7 members and the EU")
    is_(sorted(col(cur, "SELECT code FROM delegations WHERE conference_id = %s AND kind = 'invited'", (conf,))),
        ["ID", "IN", "UA"], "demo: invited India, Indonesia, Ukraine")
    is_(col(cur, "SELECT code FROM delegations WHERE conference_id = %s AND kind = 'guest'", (conf,)),
        ["WEF"], "demo: WEF is the guest")
    ok(one(cur, "SELECT count(*) FROM delegations WHERE conference_id = %s AND kind = 'organization'", (conf,)) >= 1,
       "demo: international organisations")
    is_(one(cur, "SELECT name FROM delegations WHERE conference_id = %s AND code = 'GB'", (conf,)),
        "United Kingdom", "demo: GB is the United Kingdom")
    is_(one(cur, """SELECT count(*) FROM delegations d WHERE d.conference_id = %s
        AND (SELECT count(*) FROM participants p WHERE p.delegation_id = d.id AND p.role = 'head') <> 1""",
            (conf,)), 0, "demo: every delegation has exactly one head")
    cur.execute("""SELECT d.code, p.name, p.title FROM participants p JOIN delegations d
        ON d.id = p.delegation_id WHERE p.conference_id = %s AND p.role = 'head'
        AND d.code IN ('JP', 'CA', 'IT', 'US', 'EU', 'IN', 'DE', 'GB') ORDER BY d.code""", (conf,))
    heads = {r[0]: (r[1], r[2]) for r in cur.fetchall()}
    is_({k: v[0] for k, v in heads.items()},
        {"JP": "Kono Taro", "CA": "Francis Bilodeau", "IT": "Valentino Valentini",
         "US": "Nathaniel C. Fick", "EU": "Margrethe Vestager", "IN": "Ashwini Vaishnaw",
         "DE": "Volker Wissing", "GB": "Paul Scully"}, "demo: heads named in the seed")
    is_(heads.get("JP", (None, None))[1], "Minister for Digital Transformation",
        "demo: Minister Kono's title")
    ok(one(cur, """SELECT count(*) FROM participants p JOIN delegations d ON d.id = p.delegation_id
        WHERE d.conference_id = %s AND d.code = 'JP' AND p.role = 'deputy'""", (conf,)) == 1,
       "demo: Japan has a deputy")
    kono = one(cur, """SELECT p.id FROM participants p JOIN delegations d ON d.id = p.delegation_id
        WHERE d.conference_id = %s AND d.code = 'JP' AND p.role = 'head'""", (conf,))
    return conf, kono


def test_demo_plenaries(cur, conf, kono):
    """Six plenaries on the agenda items, every head attending."""
    cur.execute("""SELECT count(*), count(DISTINCT title), bool_and(status = 'confirmed'),
        bool_and(visibility = 'public'), bool_and((starts_at AT TIME ZONE 'Asia/Tokyo')::date
        BETWEEN '2023-04-29' AND '2023-04-30'), count(DISTINCT room_id),
        bool_and(r.kind = 'plenary')
        FROM sessions s JOIN rooms r ON r.id = s.room_id
        WHERE s.conference_id = %s AND s.kind = 'plenary'""", (conf,))
    is_(cur.fetchone(), (6, 6, True, True, True, 1, True),
        "demo: 6 distinct public confirmed plenaries on 29-30 April in the plenary hall")
    titles = " | ".join(col(cur, "SELECT title FROM sessions WHERE conference_id = %s AND kind = 'plenary'", (conf,)))
    for word in ("Data Free Flow with Trust", "Secure and Resilient Digital Infrastructure",
                 "Internet Governance", "Emerging and Disruptive Technologies",
                 "Responsible AI", "Digital Competition"):
        ok(word in titles, "demo: a plenary on %s" % word)
    is_(one(cur, """SELECT count(*) FROM sessions s WHERE s.conference_id = %s AND s.kind = 'plenary'
        AND (SELECT count(*) FROM session_attendees a JOIN participants p ON p.id = a.participant_id
             JOIN delegations d ON d.id = p.delegation_id
             WHERE a.session_id = s.id AND p.role = 'head' AND d.kind <> 'guest')
          = (SELECT count(*) FROM participants p JOIN delegations d ON d.id = p.delegation_id
             WHERE d.conference_id = s.conference_id AND p.role = 'head' AND d.kind <> 'guest')""",
            (conf,)), 6, "demo: every head (but the guest's) attends every plenary")


def test_demo_bilaterals(cur, conf, kono):
    """Minister Kono's seven bilaterals and the open requests."""
    cur.execute("""SELECT d.code FROM sessions s
        JOIN session_attendees a ON a.session_id = s.id AND a.participant_id = %s
        JOIN session_attendees o ON o.session_id = s.id AND o.participant_id <> %s
        JOIN participants p ON p.id = o.participant_id AND p.role = 'head'
        JOIN delegations d ON d.id = p.delegation_id
        JOIN rooms r ON r.id = s.room_id
        WHERE s.kind = 'bilateral' AND s.visibility = 'restricted' AND s.status = 'confirmed'
          AND r.kind = 'bilateral'
          AND (s.starts_at AT TIME ZONE 'Asia/Tokyo')::date BETWEEN '2023-04-29' AND '2023-04-30'
          AND (SELECT count(*) FROM session_attendees x WHERE x.session_id = s.id) = 2
          AND (SELECT array_agg(dd.code ORDER BY dd.code) FROM session_delegations sd
               JOIN delegations dd ON dd.id = sd.delegation_id WHERE sd.session_id = s.id)
              = (SELECT array_agg(c ORDER BY c) FROM unnest(ARRAY['JP', d.code]) c)
          AND s.description <> ''
        ORDER BY 1""", (kono, kono))
    is_([r[0] for r in cur.fetchall()],
        ["CA", "DE", "EU", "GB", "IN", "IT", "US"],
        "demo: Kono's 7 restricted bilaterals with both heads and both delegations")
    is_(one(cur, "SELECT count(*) FROM sessions WHERE conference_id = %s AND kind = 'bilateral'", (conf,)),
        7, "demo: 7 bilateral sessions in all")
    ok(one(cur, """SELECT count(*) FROM sessions WHERE conference_id = %s AND kind = 'bilateral'
        AND description LIKE '%%Peppol%%'""", (conf,)) == 1, "demo: the EU bilateral's topics (Peppol)")
    is_(one(cur, """SELECT count(*) FROM bilateral_requests b JOIN sessions s ON s.id = b.session_id
        WHERE b.conference_id = %s AND b.status = 'scheduled' AND s.kind = 'bilateral'
          AND b.duration_minutes = extract(epoch FROM s.ends_at - s.starts_at) / 60
          AND EXISTS (SELECT 1 FROM session_delegations x WHERE x.session_id = s.id
                      AND x.delegation_id = b.counterpart_delegation_id)
          AND EXISTS (SELECT 1 FROM session_delegations x WHERE x.session_id = s.id
                      AND x.delegation_id = b.requester_delegation_id)""", (conf,)),
        7, "demo: 7 scheduled bilateral requests pointing at their sessions")
    cur.execute("""SELECT r.code || '>' || c.code, b.duration_minutes, b.status, b.session_id
        FROM bilateral_requests b JOIN delegations r ON r.id = b.requester_delegation_id
        JOIN delegations c ON c.id = b.counterpart_delegation_id
        WHERE b.conference_id = %s AND b.status <> 'scheduled' ORDER BY 1""", (conf,))
    opened = {r[0]: r[1:] for r in cur.fetchall()}
    is_(opened.get("JP>UA"), (30, "requested", None), "demo: JP→UA 30 min requested")
    is_(opened.get("FR>DE"), (30, "accepted", None), "demo: FR→DE 30 min accepted, unscheduled")


def test_demo_side_event(cur, conf, kono):
    """The WEF DX Summit and Kono's unavailability."""
    cur.execute("""SELECT count(*), bool_and(visibility = 'public'),
        bool_and((starts_at AT TIME ZONE 'Asia/Tokyo')::date = '2023-04-28')
        FROM sessions WHERE conference_id = %s AND kind = 'side_event'""", (conf,))
    is_(cur.fetchone(), (3, True, True), "demo: 3 public side-event sessions on 28 April")
    # session_busy_people (sql/240): who is busy; Kono is represented there.
    cur.execute("""SELECT s.id, EXISTS (SELECT 1 FROM session_busy_people a
            WHERE a.session_id = s.id AND a.participant_id = %s),
          EXISTS (SELECT 1 FROM unavailability u WHERE u.participant_id = %s
            AND u.during @> s.during AND u.reason ILIKE '%%parliamentary obligations%%')
        FROM sessions s WHERE s.conference_id = %s AND s.kind = 'side_event'
          AND s.title LIKE '%%Digital Infrastructure and Governance%%'""", (kono, kono, conf))
    rows = cur.fetchall()
    is_(len(rows), 1, "demo: the 'Digital Infrastructure and Governance' session")
    if rows:
        is_(rows[0][1:], (False, True),
            "demo: Kono is not there himself and is unavailable (parliamentary obligations) over it")


def test_demo_clean(cur, conf, kono):
    """No clash anywhere, everything inside the day hours and the dates."""
    is_(one(cur, """SELECT count(*) FROM sessions a JOIN sessions b ON a.id < b.id
        AND a.room_id = b.room_id AND a.during && b.during
        WHERE a.conference_id = %s AND a.status <> 'cancelled' AND b.status <> 'cancelled'""",
            (conf,)), 0, "demo: no room double-booked")
    is_(one(cur, """SELECT count(*) FROM session_busy_people x JOIN session_busy_people y
          ON x.participant_id = y.participant_id AND x.session_id < y.session_id
        JOIN sessions a ON a.id = x.session_id JOIN sessions b ON b.id = y.session_id
        JOIN conferences c ON c.id = a.conference_id
        WHERE a.conference_id = %s AND a.status <> 'cancelled' AND b.status <> 'cancelled'
          AND tstzrange(a.starts_at, a.ends_at + make_interval(mins => c.changeover_minutes))
           && tstzrange(b.starts_at, b.ends_at + make_interval(mins => c.changeover_minutes))""",
            (conf,)), 0, "demo: nobody in two sessions within the changeover")
    is_(one(cur, """SELECT count(*) FROM unavailability u JOIN session_busy_people x
          ON x.participant_id = u.participant_id JOIN sessions s ON s.id = x.session_id
        WHERE s.conference_id = %s AND s.status <> 'cancelled' AND s.during && u.during""",
            (conf,)), 0, "demo: nobody in a session over their unavailability")
    is_(one(cur, """SELECT count(*) FROM sessions s JOIN conferences c ON c.id = s.conference_id
        WHERE s.conference_id = %s AND NOT (
          (s.starts_at AT TIME ZONE c.timezone)::date BETWEEN c.start_date AND c.end_date
          AND (s.starts_at AT TIME ZONE c.timezone)::time >= c.day_start
          AND (s.ends_at AT TIME ZONE c.timezone)::time <= c.day_end
          AND (s.ends_at AT TIME ZONE c.timezone)::date = (s.starts_at AT TIME ZONE c.timezone)::date)""",
            (conf,)), 0, "demo: every session within the dates and 08:00-20:00 local")
    is_(one(cur, """SELECT count(*) FROM sessions s WHERE s.conference_id = %s AND EXISTS (
          SELECT 1 FROM kaigi_session_conflicts(s.conference_id, s.room_id, s.starts_at, s.ends_at,
            ARRAY(SELECT participant_id FROM session_busy_people WHERE session_id = s.id), s.id))""",
            (conf,)), 0, "demo: kaigi_session_conflicts finds nothing for any session")
    is_(one(cur, """SELECT count(*) FROM busy WHERE conference_id = %s""", (conf,)),
        one(cur, """SELECT (SELECT count(*) FROM session_attendees a JOIN sessions s ON s.id = a.session_id
            WHERE s.conference_id = %s AND s.status <> 'cancelled')
          + (SELECT count(*) FROM unavailability u JOIN participants p ON p.id = u.participant_id
            WHERE p.conference_id = %s)""", (conf, conf))
        + (one(cur, """SELECT count(*) FROM session_interpreters i JOIN sessions s
            ON s.id = i.session_id WHERE s.conference_id = %s AND s.status <> 'cancelled'""", (conf,))
           if one(cur, "SELECT to_regclass('session_interpreters') IS NOT NULL") else 0),
        "demo: busy has one row per attendance, per interpreter (260) and per unavailability")
    is_(one(cur, "SELECT count(*) FROM sessions WHERE conference_id = %s AND version <> 1", (conf,)),
        0, "demo: sessions are at version 1 (attendees added in the creating transaction)")


FINGERPRINT = """SELECT md5(string_agg(t, '|' ORDER BY t)) FROM (
    SELECT 'c' || c::text AS t FROM conferences c UNION ALL
    SELECT 'v' || v::text FROM venues v UNION ALL SELECT 'r' || r::text FROM rooms r UNION ALL
    SELECT 't' || t::text FROM travel_times t UNION ALL SELECT 'd' || d::text FROM delegations d UNION ALL
    SELECT 'p' || p::text FROM participants p UNION ALL SELECT 'u' || u::text FROM unavailability u UNION ALL
    SELECT 's' || s::text FROM sessions s UNION ALL SELECT 'a' || a::text FROM session_attendees a UNION ALL
    SELECT 'sd' || x::text FROM session_delegations x UNION ALL SELECT 'b' || b::text FROM busy b UNION ALL
    SELECT 'br' || b::text FROM bilateral_requests b UNION ALL
    SELECT 'sc' || x::text FROM session_changes x) q"""


def test_demo_reload(conn):
    """Loading the demo file a second time changes nothing."""
    with conn.cursor() as cur:
        before = one(cur, FINGERPRINT)
        with open(DEMO) as f:
            text = f.read()
        err = fails(conn, text)
        is_(err, (None, None), "demo: loading it again succeeds")
        is_(one(cur, FINGERPRINT), before, "demo: loading it again changes nothing")


# ----------------------------------------------------------- constraints

def setup(cur):
    """A small conference of our own: ids of conference, rooms, people."""
    conf = one(cur, """INSERT INTO conferences (slug, title, timezone, start_date, end_date)
        VALUES ('t05', 'Test', 'Europe/Paris', '2024-06-01', '2024-06-03') RETURNING id""")
    venue = one(cur, "INSERT INTO venues (conference_id, name) VALUES (%s, 'V') RETURNING id", (conf,))
    venue2 = one(cur, "INSERT INTO venues (conference_id, name) VALUES (%s, 'W') RETURNING id", (conf,))
    rooms = col(cur, """INSERT INTO rooms (conference_id, venue_id, name, capacity, kind)
        VALUES (%s, %s, 'R1', 10, 'bilateral'), (%s, %s, 'R2', 10, 'bilateral'),
               (%s, %s, 'R3', 10, 'other'), (%s, %s, 'R4', 10, 'other') RETURNING id""",
                (conf, venue, conf, venue, conf, venue2, conf, venue))
    cur.execute("""INSERT INTO travel_times (conference_id, from_venue_id, to_venue_id, minutes)
        VALUES (%s, %s, %s, 30), (%s, %s, %s, 30)""", (conf, venue, venue2, conf, venue2, venue))
    dels = col(cur, """INSERT INTO delegations (conference_id, code, name)
        VALUES (%s, 'AA', 'A'), (%s, 'BB', 'B') RETURNING id""", (conf, conf))
    people = col(cur, """INSERT INTO participants (conference_id, delegation_id, name, role)
        VALUES (%s, %s, 'Alice', 'head'), (%s, %s, 'Bob', 'head'), (%s, %s, 'Carol', 'member')
        RETURNING id""", (conf, dels[0], conf, dels[1], conf, dels[0]))
    return conf, rooms, dels, people


NEW_SESSION = """INSERT INTO sessions (conference_id, kind, title, room_id, starts_at, ends_at)
    VALUES (%s, 'bilateral', %s, %s, %s, %s) RETURNING id"""


def session(cur, conf, title, room, start, end, people=()):
    """Create a session (and its attendees) in one transaction; its id."""
    cur.execute("BEGIN")
    sid = one(cur, NEW_SESSION, (conf, title, room, start, end))
    for p in people:
        cur.execute("INSERT INTO session_attendees VALUES (%s, %s)", (sid, p))
    cur.execute("COMMIT")
    return sid


def by_title(cur, conf, title):
    """The id of the session of conference conf with this title."""
    return one(cur, "SELECT id FROM sessions WHERE conference_id = %s AND title = %s", (conf, title))


def test_booking_basics(conn, conf, rooms, people):
    """Room and participant exclusion."""
    cur = conn.cursor()
    a, b, c = people
    s1 = session(cur, conf, "S1", rooms[0], "2024-06-01 10:00+02", "2024-06-01 11:00+02", (a, b))
    ok(s1 > 0, "a session with two attendees is stored")
    refused(conn, NEW_SESSION, (conf, "clash", rooms[0], "2024-06-01 10:30+02", "2024-06-01 11:30+02"),
            "23P01", "sessions_room_no_overlap", "room: overlapping booking refused (23P01)")
    refused(conn, NEW_SESSION, (conf, "inside", rooms[0], "2024-06-01 10:15+02", "2024-06-01 10:45+02"),
            "23P01", "sessions_room_no_overlap", "room: booking inside another refused")
    s_adj = session(cur, conf, "adjacent", rooms[0], "2024-06-01 11:00+02", "2024-06-01 11:30+02")
    ok(s_adj > 0, "room: back-to-back booking in the same room allowed (no room changeover)")
    s2 = session(cur, conf, "S2", rooms[1], "2024-06-01 10:30+02", "2024-06-01 11:30+02")
    refused(conn, "INSERT INTO session_attendees VALUES (%s, %s)", (s2, a),
            "23P01", "busy_no_overlap", "person: attendee row in an overlapping session refused (23P01)")
    is_(one(cur, "SELECT count(*) FROM session_attendees WHERE session_id = %s", (s2,)), 0,
        "person: nothing stored after the refusal")
    ok(fails(conn, "INSERT INTO session_attendees VALUES (%s, %s)", (s2, c)) == (None, None),
       "person: another participant may attend it")


def test_booking_changeover(conn, conf, rooms, people):
    """Changeover: 10 minutes after a session of the same person."""
    cur = conn.cursor()
    a = people[0]
    s_adj = by_title(cur, conf, "adjacent")
    s3 = session(cur, conf, "S3", rooms[2], "2024-06-01 11:05+02", "2024-06-01 11:30+02")
    s3b = session(cur, conf, "S3b", rooms[0], "2024-06-01 12:00+02", "2024-06-01 12:30+02")
    refused(conn, "UPDATE sessions SET starts_at = '2024-06-01 10:30+02' WHERE id = %s", (s_adj,),
            "23P01", "sessions_room_no_overlap", "moving into a room clash refused")
    refused(conn, "INSERT INTO session_attendees VALUES (%s, %s)", (s3, a),
            "23P01", "busy_no_overlap", "changeover: 5 minutes after the previous session refused")
    ok(fails(conn, "UPDATE sessions SET starts_at = '2024-06-01 11:10+02', ends_at = '2024-06-01 11:40+02' WHERE id = %s",
             (s3,)) == (None, None), "moving an attendee-less session is free")
    ok(fails(conn, "INSERT INTO session_attendees VALUES (%s, %s)", (s3, a)) == (None, None),
       "changeover: exactly 10 minutes after the previous session allowed")
    ok(fails(conn, "INSERT INTO session_attendees VALUES (%s, %s)", (s3b, a)) == (None, None),
       "changeover: a session 20 minutes later is fine")
    refused(conn, "UPDATE sessions SET starts_at = '2024-06-01 11:45+02' WHERE id = %s", (s3b,),
            "23P01", "busy_no_overlap", "changeover: moving a session to 5 min after another refused")
    refused(conn, "UPDATE sessions SET ends_at = '2024-06-01 11:55+02' WHERE id = %s", (s3,),
            "23P01", "busy_no_overlap", "changeover: extending a session into the next one's changeover refused")


def test_booking_unavailability(conn, conf, rooms, people):
    """Unavailability blocks sessions (and the other way round)."""
    cur = conn.cursor()
    a, b, c = people
    refused(conn, "INSERT INTO unavailability (participant_id, during, reason) VALUES (%s, tstzrange(%s, %s), 'x')",
            (b, "2024-06-01 10:30+02", "2024-06-01 12:00+02"),
            "23P01", "busy_no_overlap", "unavailability over an attended session refused")
    u = one(cur, """INSERT INTO unavailability (participant_id, during, reason)
        VALUES (%s, tstzrange('2024-06-02 09:00+02', '2024-06-02 12:00+02'), 'parliament') RETURNING id""", (b,))
    s4 = session(cur, conf, "S4", rooms[0], "2024-06-02 11:00+02", "2024-06-02 13:00+02")
    refused(conn, "INSERT INTO session_attendees VALUES (%s, %s)", (s4, b),
            "23P01", "busy_no_overlap", "unavailability: attending a session over it refused")
    s5 = session(cur, conf, "S5", rooms[1], "2024-06-02 12:00+02", "2024-06-02 12:30+02", (b,))
    ok(s5 > 0, "unavailability: a session starting when it ends is allowed (not padded)")
    ok(fails(conn, "UPDATE unavailability SET during = tstzrange('2024-06-02 09:00+02', '2024-06-02 10:00+02') WHERE id = %s",
             (u,)) == (None, None), "unavailability shortened")
    ok(fails(conn, "INSERT INTO session_attendees VALUES (%s, %s)", (s4, c)) == (None, None) and
       fails(conn, "UPDATE sessions SET starts_at = '2024-06-02 10:00+02', ends_at = '2024-06-02 11:00+02' WHERE id = %s",
             (s4,)) == (None, None) and
       fails(conn, "INSERT INTO session_attendees VALUES (%s, %s)", (s4, b)) == (None, None),
       "unavailability: after shortening it, the person may attend at 10:00")
    ok(fails(conn, "DELETE FROM unavailability WHERE id = %s", (u,)) == (None, None) and
       one(cur, "SELECT count(*) FROM busy WHERE unavailability_id = %s", (u,)) == 0,
       "unavailability deleted with its busy row")


def test_booking_cancel(conn, conf, rooms, people):
    """Cancelling frees room and people; un-cancelling into a clash is refused."""
    cur = conn.cursor()
    a, b, c = people
    s1, s3 = by_title(cur, conf, "S1"), by_title(cur, conf, "S3")
    cur.execute("UPDATE sessions SET status = 'cancelled' WHERE id = %s", (s1,))
    is_(one(cur, "SELECT count(*) FROM busy WHERE session_id = %s", (s1,)), 0,
        "cancel: the session's busy rows are gone")
    s6 = session(cur, conf, "S6", rooms[0], "2024-06-01 10:00+02", "2024-06-01 10:50+02", (a,))
    ok(s6 > 0, "cancel: room and person are free again for a new session")
    refused(conn, "UPDATE sessions SET status = 'confirmed' WHERE id = %s", (s1,),
            "23P01", None, "un-cancel into a clash refused (23P01)")
    cur.execute("UPDATE sessions SET status = 'cancelled' WHERE id = %s", (s6,))
    ok(fails(conn, "UPDATE sessions SET status = 'tentative' WHERE id = %s", (s1,)) == (None, None),
       "un-cancel when free again succeeds")
    is_(one(cur, "SELECT count(*) FROM busy WHERE session_id = %s", (s1,)), 2,
        "un-cancel: both attendees are busy again")
    ok(fails(conn, "UPDATE sessions SET status = 'cancelled' WHERE id = %s", (s1,)) == (None, None), "cancel again")
    ok(fails(conn, "INSERT INTO session_attendees VALUES (%s, %s)", (s1, c)) == (None, None) and
       one(cur, "SELECT count(*) FROM busy WHERE session_id = %s", (s1,)) == 0,
       "cancel: attendees added to a cancelled session are not busy")
    ok(fails(conn, "DELETE FROM session_attendees WHERE session_id = %s AND participant_id = %s",
             (s3, a)) == (None, None) and
       one(cur, "SELECT count(*) FROM busy WHERE session_id = %s AND participant_id = %s", (s3, a)) == 0,
       "removing an attendee removes their busy row")


def test_concurrency(conf, rooms, people):
    """Two transactions booking one person at once: the second waits and fails."""
    c1, c2 = connect(False), connect(False)
    cur = c1.cursor()
    sx = one(cur, NEW_SESSION, (conf, "X", rooms[0], "2024-06-03 09:00+02", "2024-06-03 10:00+02"))
    sy = one(cur, NEW_SESSION, (conf, "Y", rooms[1], "2024-06-03 09:30+02", "2024-06-03 10:30+02"))
    c1.commit()
    cur.execute("INSERT INTO session_attendees VALUES (%s, %s)", (sx, people[0]))
    result = {}

    def second():
        """The competing transaction (blocks on c1's uncommitted row)."""
        try:
            with c2.cursor() as cur2:
                cur2.execute("INSERT INTO session_attendees VALUES (%s, %s)", (sy, people[0]))
            c2.commit()
            result["code"] = None
        except psycopg2.Error as e:
            c2.rollback()
            result["code"] = e.pgcode
    t = threading.Thread(target=second)
    t.start()
    time.sleep(0.5)
    ok(t.is_alive(), "concurrency: the second booking waits for the first transaction")
    c1.commit()
    t.join(10)
    is_(result.get("code"), "23P01", "concurrency: after the first commits, the second is refused")
    c1.close()
    c2.close()


def test_checks(conn, conf, dels, people):
    """CHECK, UNIQUE and same-conference constraints."""
    refused(conn, NEW_SESSION, (conf, "backwards", None, "2024-06-01 11:00+02", "2024-06-01 10:00+02"),
            "23514", "sessions_time_check", "a session ending before it starts is refused")
    refused(conn, NEW_SESSION, (conf, "empty", None, "2024-06-01 11:00+02", "2024-06-01 11:00+02"),
            "23514", "sessions_time_check", "a session ending when it starts is refused")
    refused(conn, """INSERT INTO bilateral_requests (conference_id, requester_delegation_id,
        counterpart_delegation_id, duration_minutes) VALUES (%s, %s, %s, 30)""", (conf, dels[0], dels[0]),
            "23514", "bilateral_requests_parties_check", "a bilateral with the same two parties is refused")
    refused(conn, """INSERT INTO bilateral_requests (conference_id, requester_delegation_id,
        counterpart_delegation_id, duration_minutes) VALUES (%s, %s, %s, 600)""", (conf, dels[0], dels[1]),
            "23514", None, "a bilateral longer than 480 minutes is refused")
    ok(fails(conn, """INSERT INTO bilateral_requests (conference_id, requester_delegation_id,
        counterpart_delegation_id, duration_minutes) VALUES (%s, %s, %s, 30)""", (conf, dels[0], dels[1]))
       == (None, None), "a bilateral between two delegations is stored")
    refused(conn, "INSERT INTO delegations (conference_id, code, name) VALUES (%s, 'AA', 'again')", (conf,),
            "23505", "delegations_conference_id_code_key", "a duplicate delegation code is refused (23505)")
    demo = one(conn.cursor(), "SELECT id FROM conferences WHERE slug = 'g7-digital-2023'")
    ok(fails(conn, "INSERT INTO delegations (conference_id, code, name) VALUES (%s, 'JP', 'Japan')", (conf,))
       == (None, None) and demo is not None, "the same code in another conference is fine")
    refused(conn, """INSERT INTO conferences (slug, title, timezone, start_date, end_date)
        VALUES ('t05b', 'x', 'JST', '2024-01-01', '2024-01-02')""", (),
            "23514", "conferences_timezone_check", "a conference zone that is not IANA is refused")
    refused(conn, """INSERT INTO conferences (slug, title, timezone, start_date, end_date)
        VALUES ('t05b', 'x', 'Asia/Tokyo', '2024-01-02', '2024-01-01')""", (),
            "23514", "conferences_dates_check", "a conference ending before it starts is refused")
    refused(conn, """INSERT INTO conferences (slug, title, timezone, start_date, end_date)
        VALUES ('Bad Slug', 'x', 'Asia/Tokyo', '2024-01-01', '2024-01-01')""", (),
            "23514", "conferences_slug_check", "a bad slug is refused")
    refused(conn, "UPDATE participants SET timezone = 'Mars/Olympus' WHERE id = %s", (people[0],),
            "23514", "participants_timezone_check", "a participant zone that is not IANA is refused")
    refused(conn, """INSERT INTO api_tokens (role, conference_id, token_hash)
        VALUES ('admin', %s, repeat('a', 64))""", (conf,),
            "23514", "api_tokens_scope_check", "an admin token bound to a conference is refused")
    refused(conn, """INSERT INTO api_tokens (role, conference_id, token_hash)
        VALUES ('liaison', %s, repeat('b', 64))""", (conf,),
            "23514", "api_tokens_scope_check", "a liaison token without a delegation is refused")
    refused(conn, """INSERT INTO feed_tokens (conference_id, delegation_id, participant_id, token_hash)
        VALUES (%s, %s, %s, repeat('c', 64))""", (conf, dels[0], people[0]),
            "23514", "feed_tokens_scope_check", "a feed token for both a delegation and a participant is refused")
    ok(fails(conn, """INSERT INTO feed_tokens (conference_id, delegation_id, token_hash)
        VALUES (%s, %s, repeat('d', 64))""", (conf, dels[0])) == (None, None), "a delegation feed token is stored")
    refused(conn, """INSERT INTO feed_tokens (conference_id, delegation_id, token_hash)
        VALUES (%s, %s, repeat('d', 64))""", (conf, dels[1]),
            "23505", None, "token hashes are unique")
    cur = conn.cursor()
    demo_room = one(cur, "SELECT id FROM rooms WHERE conference_id = %s LIMIT 1", (demo,))
    refused(conn, NEW_SESSION, (conf, "foreign room", demo_room, "2024-06-01 15:00+02", "2024-06-01 16:00+02"),
            "23503", None, "a room of another conference is refused")
    sid = session(cur, conf, "own", None, "2024-06-01 15:00+02", "2024-06-01 16:00+02")
    demo_person = one(cur, "SELECT id FROM participants WHERE conference_id = %s LIMIT 1", (demo,))
    refused(conn, "INSERT INTO session_attendees VALUES (%s, %s)", (sid, demo_person),
            "23503", None, "an attendee of another conference is refused")


def test_versions(conn, conf, rooms, people, sid):
    """version on every update, sequence on time/room/status, change log."""
    cur = conn.cursor()

    def vs():
        """(version, sequence) of the session."""
        cur.execute("SELECT version, sequence FROM sessions WHERE id = %s", (sid,))
        return cur.fetchone()
    v0, q0 = vs()
    last = one(cur, "SELECT coalesce(max(id), 0) FROM session_changes")
    cur.execute("UPDATE sessions SET title = 'retitled' WHERE id = %s", (sid,))
    is_(vs(), (v0 + 1, q0), "retitle: version rises, sequence does not")
    cur.execute("UPDATE sessions SET starts_at = starts_at + interval '5 minutes', "
                "ends_at = ends_at + interval '5 minutes' WHERE id = %s", (sid,))
    is_(vs(), (v0 + 2, q0 + 1), "move: version and sequence rise")
    cur.execute("UPDATE sessions SET room_id = %s WHERE id = %s", (rooms[3], sid))
    is_(vs(), (v0 + 3, q0 + 2), "re-room: sequence rises")
    cur.execute("UPDATE sessions SET description = 'd', visibility = 'conference' WHERE id = %s", (sid,))
    is_(vs(), (v0 + 4, q0 + 2), "description/visibility: sequence unchanged")
    cur.execute("INSERT INTO session_attendees VALUES (%s, %s)", (sid, people[1]))
    is_(vs(), (v0 + 5, q0 + 2), "adding an attendee later: version rises once")
    cur.execute("UPDATE sessions SET status = 'cancelled' WHERE id = %s", (sid,))
    is_(vs(), (v0 + 6, q0 + 3), "cancel: sequence rises")
    cur.execute("SELECT change FROM session_changes WHERE id > %s AND session_id = %s ORDER BY id",
                (last, sid))
    is_([r[0] for r in cur.fetchall()], ["updated", "moved", "moved", "updated", "updated", "cancelled"],
        "session_changes: one row per change, in order")
    cur.execute("BEGIN")
    s = one(cur, NEW_SESSION, (conf, "fresh", None, "2024-06-03 15:00+02", "2024-06-03 16:00+02"))
    cur.execute("INSERT INTO session_attendees VALUES (%s, %s), (%s, %s)", (s, people[0], s, people[1]))
    cur.execute("INSERT INTO session_delegations SELECT %s, id FROM delegations WHERE conference_id = %s",
                (s, conf))
    cur.execute("COMMIT")
    is_(one(cur, "SELECT version FROM sessions WHERE id = %s", (s,)), 1,
        "created with attendees in one transaction: version 1")
    is_(col(cur, "SELECT change FROM session_changes WHERE session_id = %s ORDER BY id", (s,)),
        ["created"], "session_changes: one 'created' row")
    is_(one(cur, "SELECT count(*) FROM session_changes WHERE id > %s AND conference_id <> %s", (last, conf)),
        0, "session_changes rows carry the conference id")
    cur.execute("SELECT version FROM conferences WHERE id = %s", (conf,))
    cv = cur.fetchone()[0]
    cur.execute("UPDATE conferences SET title = 'Test 2' WHERE id = %s", (conf,))
    is_(one(cur, "SELECT version FROM conferences WHERE id = %s", (conf,)), cv + 1,
        "conference: version rises on update")
    pv = one(cur, "SELECT version FROM participants WHERE id = %s", (people[0],))
    cur.execute("UPDATE participants SET title = 'Minister' WHERE id = %s", (people[0],))
    is_(one(cur, "SELECT version FROM participants WHERE id = %s", (people[0],)), pv + 1,
        "participant: version rises on update")


def listen_for(listener, timeout=5.0):
    """Notifications on kaigi_changes received within timeout, as payload list."""
    got = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if select.select([listener], [], [], 0.1)[0]:
            listener.poll()
            while listener.notifies:
                n = listener.notifies.pop(0)
                if n.channel == "kaigi_changes":
                    got.append(n.payload)
            if got:
                # let a second, distinct notification arrive too
                time.sleep(0.05)
                listener.poll()
                got += [n.payload for n in listener.notifies if n.channel == "kaigi_changes"]
                listener.notifies.clear()
                return got
    return got


def test_notify(conn, conf, rooms, people, s3b):
    """A session change (and an attendee change) NOTIFYs kaigi_changes with the conference id."""
    listener = connect()
    listener.cursor().execute("LISTEN kaigi_changes")
    cur = conn.cursor()
    cur.execute("UPDATE sessions SET title = 'notified' WHERE id = %s", (s3b,))
    is_(listen_for(listener), [str(conf)], "NOTIFY kaigi_changes '<conference id>' on a session update")
    cur.execute("BEGIN")
    cur.execute("UPDATE sessions SET title = 'rolled back' WHERE id = %s", (s3b,))
    cur.execute("ROLLBACK")
    is_(listen_for(listener, 0.5), [], "no NOTIFY for a rolled-back change")
    cur.execute("DELETE FROM session_attendees WHERE session_id = %s AND participant_id = %s",
                (s3b, people[0]))
    is_(listen_for(listener), [str(conf)], "NOTIFY on an attendee change")
    cur.execute("UPDATE rooms SET name = 'R1 bis' WHERE id = %s", (rooms[0],))
    is_(listen_for(listener), [str(conf)], "NOTIFY on a room change")
    listener.close()


def test_deferred(conn, conf, rooms, people):
    """Swapping two sessions needs the deferrable exclusion constraints."""
    cur = conn.cursor()
    a = people[0]
    x = session(cur, conf, "swap-x", rooms[3], "2024-06-03 19:00+02", "2024-06-03 19:30+02", (a,))
    y = session(cur, conf, "swap-y", rooms[3], "2024-06-03 19:40+02", "2024-06-03 20:10+02", (a,))
    swap = """UPDATE sessions SET starts_at = %s, ends_at = %s WHERE id = %s;
        UPDATE sessions SET starts_at = %s, ends_at = %s WHERE id = %s"""
    args = ("2024-06-03 19:40+02", "2024-06-03 20:10+02", x, "2024-06-03 19:00+02", "2024-06-03 19:30+02", y)
    refused(conn, swap, args, "23P01", None, "swap without deferral: the first move clashes")
    is_(fails(conn, "SET CONSTRAINTS busy_no_overlap, sessions_room_no_overlap DEFERRED; " + swap, args),
        (None, None), "swap with SET CONSTRAINTS ... DEFERRED succeeds")
    is_(col(cur, "SELECT title FROM sessions WHERE id IN (%s, %s) ORDER BY starts_at", (x, y)),
        ["swap-y", "swap-x"], "the two sessions are swapped")
    refused(conn, "SET CONSTRAINTS ALL DEFERRED; UPDATE sessions SET ends_at = '2024-06-03 19:45+02' WHERE id = %s",
            (y,), "23P01", None, "a deferred clash is still refused at COMMIT")


def test_misc(conn, conf, rooms, people):
    """Default visibility, deletes, cascades."""
    cur = conn.cursor()
    cur.execute("""INSERT INTO sessions (conference_id, kind, title, starts_at, ends_at)
        VALUES (%s, 'bilateral', 'vb', '2024-06-03 06:00+02', '2024-06-03 06:30+02'),
               (%s, 'plenary', 'vp', '2024-06-03 06:00+02', '2024-06-03 06:30+02')
        RETURNING visibility""", (conf, conf))
    is_([r[0] for r in cur.fetchall()], ["restricted", "public"],
        "visibility defaults: restricted for a bilateral, public otherwise")
    d = session(cur, conf, "doomed", None, "2024-06-03 07:00+02", "2024-06-03 07:30+02", (people[1],))
    cur.execute("DELETE FROM sessions WHERE id = %s", (d,))
    is_(col(cur, "SELECT change FROM session_changes WHERE session_id = %s ORDER BY id", (d,)),
        ["created", "deleted"], "deleting a session logs 'deleted'")
    is_(one(cur, "SELECT count(*) FROM busy WHERE session_id = %s", (d,)), 0,
        "deleting a session frees its people")
    p = one(cur, """INSERT INTO participants (conference_id, delegation_id, name, role)
        SELECT %s, delegation_id, 'Temp', 'staff' FROM participants WHERE id = %s RETURNING id""",
            (conf, people[0]))
    cur.execute("""INSERT INTO unavailability (participant_id, during)
        VALUES (%s, tstzrange('2024-06-03 06:00+02', '2024-06-03 07:00+02'))""", (p,))
    cur.execute("DELETE FROM participants WHERE id = %s", (p,))
    is_(one(cur, "SELECT count(*) FROM busy WHERE participant_id = %s", (p,)), 0,
        "deleting a participant removes their busy rows")
    t0 = time.monotonic()
    cur.execute("""DO $$ BEGIN FOR i IN 1..200 LOOP
        INSERT INTO participants (conference_id, delegation_id, name, role, timezone)
        SELECT conference_id, delegation_id, 'Many ' || i, 'staff', 'America/Sao_Paulo'
        FROM participants WHERE id = %s; END LOOP; END $$""", (people[0],))
    took = time.monotonic() - t0
    ok(took < 3.0, "200 participants with a time zone are stored in under 3 s (took %.2f s)" % took)
    cur.execute("DELETE FROM participants WHERE conference_id = %s AND name LIKE 'Many %%'", (conf,))


def test_changeover_update(conn, conf, rooms, people):
    """A changed conference changeover re-pads busy rows, or is refused."""
    cur = conn.cursor()
    a = people[0]
    x = session(cur, conf, "cx", rooms[0], "2024-06-03 17:00+02", "2024-06-03 17:30+02", (a,))
    y = session(cur, conf, "cy", rooms[1], "2024-06-03 17:40+02", "2024-06-03 18:00+02", (a,))
    refused(conn, "UPDATE conferences SET changeover_minutes = 15 WHERE id = %s", (conf,),
            "23P01", "busy_no_overlap", "changeover raised into a clash refused")
    ok(fails(conn, "UPDATE conferences SET changeover_minutes = 0 WHERE id = %s", (conf,)) == (None, None),
       "changeover lowered to 0")
    is_(one(cur, "SELECT upper(b.during) = ends_at FROM busy b JOIN sessions s ON s.id = b.session_id "
                 "WHERE s.id = %s", (x,)), True, "busy rows re-padded to the new changeover")
    ok(fails(conn, "UPDATE sessions SET starts_at = '2024-06-03 17:30+02' WHERE id = %s", (y,)) == (None, None),
       "with changeover 0, back-to-back is allowed")
    refused(conn, "UPDATE conferences SET changeover_minutes = 10 WHERE id = %s", (conf,),
            "23P01", "busy_no_overlap", "raising it again when sessions touch is refused")


def test_helpers(conn, conf, rooms, people):
    """kaigi_ts and kaigi_session_conflicts."""
    cur = conn.cursor()
    cur.execute("""SELECT kaigi_ts('2023-04-29 01:00Z', 'Asia/Tokyo'),
        kaigi_ts('2023-04-29 01:00Z', 'America/St_Johns'), kaigi_ts('2023-04-29 01:00Z', 'Asia/Kolkata'),
        kaigi_ts('2023-01-15 12:00Z', 'UTC'), kaigi_ts('2023-07-01 00:00Z', 'America/Los_Angeles'),
        kaigi_ts('2023-01-01 00:00Z', 'Asia/Kathmandu')""")
    is_(cur.fetchone(), ("2023-04-29T10:00:00+09:00", "2023-04-28T22:30:00-02:30",
                         "2023-04-29T06:30:00+05:30", "2023-01-15T12:00:00+00:00",
                         "2023-06-30T17:00:00-07:00", "2023-01-01T05:45:00+05:45"),
        "kaigi_ts: RFC 3339 with negative, half- and quarter-hour offsets")
    a, b, c = people
    h1 = session(cur, conf, "H1", rooms[1], "2024-06-03 13:00+02", "2024-06-03 14:00+02", (c,))
    cur.execute("""SELECT resource, reason, session_id, participant_id FROM kaigi_session_conflicts(
        %s, %s, '2024-06-03 13:40+02', '2024-06-03 14:05+02', ARRAY[%s, %s]::bigint[])
        ORDER BY 1, 2, 3, 4""", (conf, rooms[1], a, c))
    is_(cur.fetchall(), [("participant", "overlap", h1, c), ("room", "overlap", h1, None)],
        "conflicts: the room and the participant clash are named, not the free person")
    cur.execute("""SELECT resource, reason, session_id FROM kaigi_session_conflicts(
        %s, %s, '2024-06-03 14:05+02', '2024-06-03 14:30+02', ARRAY[%s]::bigint[])""", (conf, rooms[1], c))
    is_(cur.fetchall(), [("participant", "changeover", h1)], "conflicts: a changeover clash is named")
    cur.execute("""SELECT count(*) FROM kaigi_session_conflicts(
        %s, %s, '2024-06-03 13:40+02', '2024-06-03 14:05+02', ARRAY[%s]::bigint[], %s)""", (conf, rooms[1], c, h1))
    is_(cur.fetchone()[0], 0, "conflicts: the session being moved is ignored")
    u = one(cur, """INSERT INTO unavailability (participant_id, during, reason)
        VALUES (%s, tstzrange('2024-06-02 18:00+02', '2024-06-02 19:00+02'), 'dinner') RETURNING id""", (a,))
    cur.execute("""SELECT resource, unavailability_id, title FROM kaigi_session_conflicts(
        %s, NULL, '2024-06-02 18:30+02', '2024-06-02 18:45+02', ARRAY[%s]::bigint[])""", (conf, a))
    is_(cur.fetchall(), [("unavailability", u, "dinner")], "conflicts: the unavailability is named")
    far = session(cur, conf, "far", rooms[2], "2024-06-02 16:00+02", "2024-06-02 17:00+02", (a,))
    cur.execute("""SELECT resource, reason, session_id FROM kaigi_session_conflicts(
        %s, %s, '2024-06-02 17:15+02', '2024-06-02 17:45+02', ARRAY[%s]::bigint[])""", (conf, rooms[0], a))
    is_(cur.fetchall(), [("participant", "travel", far)],
        "conflicts: 15 minutes after a session in a venue 30 minutes away is a travel clash")
    cur.execute("""SELECT count(*) FROM kaigi_session_conflicts(
        %s, %s, '2024-06-02 17:30+02', '2024-06-02 17:45+02', ARRAY[%s]::bigint[])""", (conf, rooms[0], a))
    is_(cur.fetchone()[0], 0, "conflicts: 30 minutes later is fine")


def main():
    """Run everything on a fresh copy of the demo template."""
    create_db()
    try:
        conn = connect()
        cur = conn.cursor()
        is_(one(cur, "SELECT count(*) FROM pg_extension WHERE extname = 'btree_gist'"), 1,
            "btree_gist is installed")
        test_demo(cur)
        test_demo_reload(conn)
        conf, rooms, dels, people = setup(cur)
        test_booking_basics(conn, conf, rooms, people)
        test_booking_changeover(conn, conf, rooms, people)
        test_booking_unavailability(conn, conf, rooms, people)
        test_booking_cancel(conn, conf, rooms, people)
        s2, s3b = by_title(cur, conf, "S2"), by_title(cur, conf, "S3b")
        test_concurrency(conf, rooms, people)
        test_checks(conn, conf, dels, people)
        test_versions(conn, conf, rooms, people, s2)
        test_notify(conn, conf, rooms, people, s3b)
        test_helpers(conn, conf, rooms, people)
        test_deferred(conn, conf, rooms, people)
        test_misc(conn, conf, rooms, people)
        test_changeover_update(conn, conf, rooms, people)
        conn.close()
    finally:
        drop_db()
    done_testing()


if __name__ == "__main__":
    main()
