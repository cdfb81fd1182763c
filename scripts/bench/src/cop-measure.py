#!/usr/bin/python3
"""cop-measure.py — the feed measurements of scripts/bench/cop that need a
client with state (not wrk):

  cop-measure.py cold PORT TOKENS EXPECTED N OUT
      N tokens drawn at random, each fetched twice on one keep-alive
      connection (so both go to the same worker): the first is a cache miss
      (nothing fetched it before), the second a hit. Each answer must be 200,
      parse as iCalendar with exactly the VEVENTs its participant may see
      (EXPECTED: "ref count" lines) and the two must be the same bytes.
      Writes "cold_ms warm_ms bytes" lines to OUT.
  cop-measure.py etags PORT TOKENS N OUT
      The ETags of N tokens drawn at random ("token etag" lines to OUT), on
      two connections at once (a 503 is asked again, at most 5 times, and
      the number of those is printed).
  cop-measure.py moved PORT TOKENS SID START N
      N tokens drawn at random, their feeds fetched: each must be 200 and
      show session SID starting at START (epoch seconds), after a move.
  cop-measure.py metrics PORT WORKERS
      The kaigi_feed_cache_* and kaigi_feed_fragment_* lines of every worker (asks /metrics until each
      worker pid has answered), as "name pid value" lines.

TOKENS is cop-gen.py's tokens.csv. Only 127.0.0.1 is contacted.
"""
import csv
import http.client
import random
import re
import sys
import threading
import time


def load_tokens(path):
    """[(ref, token)] of tokens.csv."""
    with open(path, newline="") as fh:
        return [(r["ref"], r["token"]) for r in csv.DictReader(fh)]


def get(conn, path, headers=None):
    """GET on a kept-alive connection: (status, headers, body, ms)."""
    t0 = time.monotonic()
    conn.request("GET", path, headers=headers or {})
    r = conn.getresponse()
    body = r.read()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), body, (time.monotonic() - t0) * 1e3


def cold(port, tokens, expected, n, out):
    """Cold and warm fetches of n random tokens; fails on a wrong answer."""
    want = dict(line.split() for line in open(expected))
    conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=120)
    rows = []
    for ref, tok in random.sample(load_tokens(tokens), int(n)):
        path = "/feeds/%s.ics" % tok
        st, _, body, c = get(conn, path)
        st2, _, body2, w = get(conn, path)
        events = len(re.findall(rb"^BEGIN:VEVENT\r?$", body, re.M))
        if st != 200 or st2 != 200 or body != body2 or not body.startswith(b"BEGIN:VCALENDAR"):
            sys.exit("cop-measure: %s: statuses %d, %d; same bytes: %s" % (ref, st, st2, body == body2))
        if events != int(want[ref]):
            sys.exit("cop-measure: %s: %d events, expected %s" % (ref, events, want[ref]))
        rows.append("%.3f %.3f %d\n" % (c, w, len(body)))
    open(out, "w").writelines(rows)


def etags(port, tokens, n, out):
    """ETags of n random tokens, on two connections."""
    todo = random.sample(load_tokens(tokens), int(n))
    got, errors, busy = [], [], []

    def worker(part):
        conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=300)
        for _, tok in part:
            for _ in range(5):      # a 503 (pool busy) is asked again, and counted
                st, h, body, _ = get(conn, "/feeds/%s.ics" % tok)
                if st != 503:
                    break
                busy.append(st)
                time.sleep(0.5)
            if st != 200 or "etag" not in h:
                errors.append("%d %s" % (st, body[:200]))
            else:
                got.append("%s %s\n" % (tok, h["etag"]))
    ts = [threading.Thread(target=worker, args=(todo[i::2],)) for i in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        sys.exit("cop-measure: %d feeds did not answer 200 with an ETag: %s" % (len(errors), errors[:3]))
    if busy:
        print("cop-measure: %d answers were 503 (busy) and asked again" % len(busy), file=sys.stderr)
    open(out, "w").writelines(got)


def moved(port, tokens, sid, start, n):
    """After a move: every feed of n random tokens shows sid at start."""
    import icalendar
    conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=60)
    bad = []
    for _, tok in random.sample(load_tokens(tokens), int(n)):
        status, _, body, _ = get(conn, "/feeds/%s.ics" % tok)
        got = None
        if status == 200:
            for ev in icalendar.Calendar.from_ical(body).walk("VEVENT"):
                if str(ev.get("UID", "")).startswith("session-%s@" % sid):
                    got = int(ev.decoded("DTSTART").timestamp())
        if got != int(start):
            bad.append((status, got))
    print("moved: %d of %s feeds show session %s at its new start" % (int(n) - len(bad), n, sid))
    sys.exit(1 if bad else 0)


def metrics(port, workers):
    """kaigi_feed_cache_* and kaigi_feed_fragment_* of every worker."""
    seen = {}
    for _ in range(200):
        conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
        _, _, body, _ = get(conn, "/metrics")
        conn.close()
        for name, pid, v in re.findall(r'^kaigi_(feed_(?:cache|fragment)_\w+)\{pid="(\d+)"\} (\S+)$',
                                       body.decode(), re.M):
            seen.setdefault(pid, {})[name] = v
        if len(seen) >= int(workers):
            break
    for pid, m in sorted(seen.items()):
        for name, v in sorted(m.items()):
            print(name, pid, v)


if __name__ == "__main__":
    {"cold": cold, "etags": etags, "moved": moved,
     "metrics": metrics}[sys.argv[1]](*sys.argv[2:])
