#!/usr/bin/python3
"""22-release-visible-set.t — the release's visibility rule as a set equals
the rule per session (sql/650_release_visible_set.sql).

In release mode the feeds, the session list and the change lists of every
reader but the secretariat read the last release. They ask
kaigi_release_sessions_seen(release, actor) once instead of
kaigi_release_visible(row, actor) for every row. The two must agree for
every actor, every session and every release: nobody, an admin, the
secretariat of the conference and of another, the liaison and the feed of
every delegation, the feed of every participant. The demo is given what
each later rule adds (a confidential session, a confirmed registration of
someone who is no party, interpreters), is released, changed (an attendee
taken out, a party delegation added, a registration) and released again.
A clause added to one of the two and not the other fails here; so does a
reader that asks the rule row by row again.

A release also closes the pending mail (sql/980_release_close_mail_set.sql):
what each participant saw of each session, asked as one set per release
(kaigi_release_outbox_seen), must equal kaigi_release_seen for every
participant and every session of both releases; and publishing a release
with a pending row for each of those pairs drops exactly the rows the
rule per row says, calling neither kaigi_release_seen nor the rule (the
old closer called kaigi_release_seen twice per pending row: a plenary of
20,000 moved once made the next release take 9.6 s).
"""
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403
from feedlib import SLUG, feed_ids, one, rows  # noqa: E402

C = "/api/v1/conferences/" + SLUG


def actors(s, cid):
    out = [{"role": "none"}, {"role": "admin"},
           {"role": "secretariat", "conference_id": cid},
           {"role": "secretariat", "conference_id": cid + 1000},
           {"role": "liaison", "conference_id": cid + 1000, "delegation_id": 1}]
    for (d,) in rows(s, "SELECT id FROM delegations WHERE conference_id = %s", cid):
        out.append({"role": "liaison", "conference_id": cid, "delegation_id": d})
        out.append({"role": "feed", "conference_id": cid, "delegation_id": d})
    for (p,) in rows(s, "SELECT id FROM participants WHERE conference_id = %s", cid):
        out.append({"role": "feed", "conference_id": cid, "participant_id": p,
                    "delegation_id": None})
    return out


def by_rule(s, rid, actor):
    return sorted(r[0] for r in rows(s, """SELECT rs.session_id FROM release_sessions rs
        WHERE rs.release_id = %s AND kaigi_release_visible(rs, %s::jsonb)""", rid, json.dumps(actor)))


def by_set(s, rid, actor):
    return sorted(r[0] for r in rows(s, "SELECT DISTINCT x FROM kaigi_release_sessions_seen(%s, %s::jsonb) x",
                                     rid, json.dumps(actor)))


def enrich(s, cid):
    """What the later rules add: confidential, a registration, interpreters."""
    with s.db().cursor() as cur:
        cur.execute("""UPDATE sessions SET visibility = 'confidential' WHERE id = (SELECT min(id)
            FROM sessions WHERE conference_id = %s AND visibility = 'restricted')""", (cid,))
        cur.execute("""INSERT INTO registrations (conference_id, session_id, participant_id, status,
                confirmed_at)
            SELECT %s, s.id, p.id, 'confirmed', now() FROM sessions s, participants p
            WHERE s.conference_id = %s AND s.visibility = 'restricted'
              AND p.conference_id = %s AND NOT kaigi_session_visible(s.id, jsonb_build_object(
                'role', 'feed', 'conference_id', %s, 'delegation_id', p.delegation_id))
            ORDER BY s.id, p.id LIMIT 1""", (cid, cid, cid, cid))


def change(s, cid):
    """Between the releases: an attendee out, a party added, a registration."""
    with s.db().cursor() as cur:
        cur.execute("""DELETE FROM session_attendees WHERE (session_id, participant_id) = (
            SELECT a.session_id, a.participant_id FROM session_attendees a JOIN sessions x
                ON x.id = a.session_id
            WHERE x.conference_id = %s AND x.visibility = 'restricted'
            ORDER BY a.session_id DESC, a.participant_id LIMIT 1)""", (cid,))
        cur.execute("""INSERT INTO session_delegations (session_id, delegation_id)
            SELECT x.id, d.id FROM sessions x, delegations d
            WHERE x.conference_id = %s AND d.conference_id = %s AND x.visibility = 'restricted'
              AND NOT EXISTS (SELECT 1 FROM session_delegations sd WHERE sd.session_id = x.id
                AND sd.delegation_id = d.id)
            ORDER BY x.id DESC, d.id LIMIT 1""", (cid, cid))
        cur.execute("""INSERT INTO registrations (conference_id, session_id, participant_id, status,
                confirmed_at)
            SELECT %s, s.id, p.id, 'confirmed', now() FROM sessions s, participants p
            WHERE s.conference_id = %s AND s.visibility = 'restricted'
              AND p.conference_id = %s AND NOT EXISTS (SELECT 1 FROM registrations g
                WHERE g.session_id = s.id AND g.participant_id = p.id)
              AND NOT kaigi_session_visible(s.id, jsonb_build_object(
                'role', 'feed', 'conference_id', %s, 'participant_id', p.id))
            ORDER BY s.id DESC, p.id DESC LIMIT 1""", (cid, cid, cid, cid))


def calls(s, queries):
    """{function: calls} of the rule and the set over queries, in one transaction."""
    conn = s.db()
    conn.autocommit = False
    with conn.cursor() as cur:
        cur.execute("SET LOCAL track_functions = 'all'")
        for q, args in queries:
            cur.execute(q, args)
            cur.fetchall()
        cur.execute("""SELECT funcname, sum(calls) FROM pg_stat_xact_user_functions
            WHERE funcname IN ('kaigi_release_visible', 'kaigi_release_sessions_seen')
            GROUP BY funcname""")
        got = dict(cur.fetchall())
    conn.rollback()
    conn.autocommit = True
    return {k: int(v) for k, v in got.items()}


def main(s):
    cid = one(s, "SELECT id FROM conferences WHERE slug = %s", SLUG)
    sec = s.token("secretariat", conference=SLUG)
    enrich(s, cid)
    is_(s.request("PATCH", C, {"publish": "release"}, token=sec).status, 200, "release mode")
    is_(s.request("POST", C + "/releases", {"name": "one"}, token=sec).status, 201, "released")
    change(s, cid)
    is_(s.request("POST", C + "/releases", {"name": "two"}, token=sec).status, 201, "released again")
    rids = [r[0] for r in rows(s, "SELECT id FROM releases WHERE conference_id = %s ORDER BY n", cid)]
    every = actors(s, cid)
    differ, seen, moved = [], 0, 0
    for a in every:
        sides = []
        for rid in rids:
            rule, got = by_rule(s, rid, a), by_set(s, rid, a)
            seen += len(rule)
            sides.append(rule)
            if rule != got:
                differ.append((rid, a, sorted(set(rule) ^ set(got))))
        moved += sides[0] != sides[1]
    diag("%d actors x %d releases, %d (actor, session) pairs visible" % (len(every), len(rids), seen))
    is_(differ[:3], [], "the set equals the rule for every actor, session and release")
    ok(moved >= 3, "the change between the releases changed %d actors' views" % moved)

    liaison = s.token("liaison", conference=SLUG, delegation="JP")
    tok = s.feed_token(SLUG, delegation="JP")
    did = one(s, "SELECT id FROM delegations WHERE conference_id = %s AND code = 'JP'", cid)
    want = by_rule(s, rids[-1], {"role": "feed", "conference_id": cid, "delegation_id": did})
    is_(feed_ids(s.request("GET", "/feeds/%s.ics" % tok).body), want,
        "JP's feed holds exactly the sessions the rule lets it see in the last release")
    r = s.request("GET", C + "/sessions?limit=1000", token=liaison)
    is_(sorted(x["id"] for x in r.json["items"]),
        by_rule(s, rids[-1], {"role": "liaison", "conference_id": cid, "delegation_id": did}),
        "JP's liaison lists exactly those sessions")
    actor = json.dumps({"role": "liaison", "conference_id": cid, "delegation_id": did})
    got = calls(s, [("SELECT * FROM kaigi_feed_public(%s)", (SLUG,)),
                    ("SELECT * FROM kaigi_feed_token(%s)", (hashlib.sha256(tok.encode()).hexdigest(),)),
                    ("SELECT kaigi_sessions_page(%s::jsonb, %s, '{}', 1000, '0')", (actor, SLUG)),
                    ("SELECT * FROM kaigi_release_diff(%s, %s, %s::jsonb)", (rids[0], rids[1], actor))])
    is_(got.get("kaigi_release_visible", 0), 0,
        "the public and JP's feeds, JP's page and change list ask no row's visibility alone")
    is_(got.get("kaigi_release_sessions_seen", 0), 5, "and ask for the set once per feed and page, "
        "once per release of a change list")


CHANGES = ["changed", "cancelled", "invited", "shown", "uninvited", "hidden", "removed", "confirmed"]


def pending_every_pair(cur, cid):
    """An uncommitted pending outbox row for every participant and every
    session of either release, the changes taken in turn."""
    cur.execute("""INSERT INTO outbox (conference_id, participant_id, session_id, change,
            was_start, was_end, was_title)
        SELECT %s, p.id, x.session_id, (%s::text[])[1 + (row_number() OVER (ORDER BY p.id,
            x.session_id)) %% %s], now(), now(), 'was'
        FROM participants p, (SELECT DISTINCT session_id FROM release_sessions
            WHERE conference_id = %s) x
        WHERE p.conference_id = %s""", (cid, CHANGES, len(CHANGES), cid, cid))
    cur.execute("""SELECT id, session_id, participant_id, change FROM outbox
        WHERE conference_id = %s AND batch_id IS NULL""", (cid,))
    return cur.fetchall()


def seen_by_rule(cur, rid, pending):
    cur.execute("""SELECT x.id, kaigi_release_seen(%s, x.sid, x.pid)
        FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) x(id, sid, pid)""",
                (rid, [p[0] for p in pending], [p[1] for p in pending], [p[2] for p in pending]))
    return dict(cur.fetchall())


def close_mail(s, cid, rids):
    """The set per release equals the rule per row; a release drops what
    the rule says, asking the rule for no row."""
    conn = s.db()
    conn.autocommit = False
    cur = conn.cursor()
    pending = pending_every_pair(cur, cid)
    sides = []
    for rid in rids:
        want = seen_by_rule(cur, rid, pending)
        cur.execute("SELECT id, seen FROM kaigi_release_outbox_seen(%s, %s)", (rid, cid))
        is_(dict(cur.fetchall()), want, "release %d: the set says what the rule says for each of "
            "%d pending rows" % (rid, len(pending)))
        sides.append(want)
    differ = sum(sides[0][p[0]] != sides[1][p[0]] for p in pending)
    ok(0 < differ < len(pending) and any(v is None for v in sides[1].values()),
       "%d of %d rows differ between the releases, some unseen" % (differ, len(pending)))
    cur.execute("""UPDATE sessions SET title = title || ' (revised)'
        WHERE id IN (SELECT min(id) FROM sessions WHERE conference_id = %s
            GROUP BY visibility)""", (cid,))
    cur.execute("""UPDATE sessions SET visibility = 'restricted' WHERE id = (SELECT max(id)
        FROM sessions WHERE conference_id = %s AND visibility = 'public')""", (cid,))
    cur.execute("SET LOCAL track_functions = 'all'")
    actor = json.dumps({"role": "secretariat", "conference_id": cid, "token_id": None})
    cur.execute("SELECT kaigi_release_create(%s::jsonb, '{}', %s)", (actor, SLUG))
    cur.execute("""SELECT funcname, sum(calls) FROM pg_stat_xact_user_functions
        WHERE funcname IN ('kaigi_release_seen', 'kaigi_release_visible') GROUP BY funcname""")
    is_(dict(cur.fetchall()), {}, "publishing asked neither kaigi_release_seen nor the rule")
    cur.execute("SELECT id FROM releases WHERE conference_id = %s ORDER BY n DESC LIMIT 1", (cid,))
    now = seen_by_rule(cur, cur.fetchone()[0], pending)
    cur.execute("SELECT id FROM outbox WHERE id = ANY(%s)", ([p[0] for p in pending],))
    kept = sorted(r[0] for r in cur.fetchall())
    want = sorted(p[0] for p in pending if not (
        (p[3] in ("uninvited", "hidden") and now[p[0]] is not None)
        or (p[3] in ("changed", "cancelled", "invited", "shown") and sides[1][p[0]] == now[p[0]])))
    changed = sum(sides[1][p[0]] != now[p[0]] for p in pending)
    ok(0 < len(want) < len(pending) and changed > 20,
       "the rule drops %d of %d rows (after retitles and a session made restricted: %d rows see the"
       " new release otherwise)" % (len(pending) - len(want), len(pending), changed))
    is_(kept, want, "the release dropped exactly those rows")
    conn.rollback()
    conn.autocommit = True


def all_checks(s):
    main(s)
    cid = one(s, "SELECT id FROM conferences WHERE slug = %s", SLUG)
    close_mail(s, cid, [r[0] for r in rows(s, "SELECT id FROM releases WHERE conference_id = %s"
                                              " ORDER BY n", cid)])


with Server() as s:
    all_checks(s)
done_testing()
