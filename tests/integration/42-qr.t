#!/usr/bin/python3
# 42-qr.t — POST /api/v1/qr {"text"}: the workbench's QR code of a feed link.
# The SVG is rasterised by rsvg-convert (librsvg) and read back by zbarimg
# (zbar), two real decoders: what they read must be the text sent, for a
# real feed link and for text of every UTF-8 width. Also: a token is needed
# (401), bad bodies get a 422 naming the field, text too long for a QR code
# is a 422, the answer is never cached, and the secret never reaches the
# access log (it travels in the body).
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from kaigitest import *  # noqa: E402,F403

SLUG = "g7-digital-2023"
C = "/api/v1/conferences/" + SLUG


def decode(svg):
    """What zbarimg reads from the SVG rasterised by rsvg-convert, or None."""
    with tempfile.TemporaryDirectory() as d:
        src, png = os.path.join(d, "qr.svg"), os.path.join(d, "qr.png")
        open(src, "wb").write(svg)
        subprocess.run(["rsvg-convert", "-o", png, src], check=True)
        p = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sbinary", png],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return p.stdout.decode("utf-8", "replace") if p.returncode == 0 else None


def fields(r):
    """The field names of a 422."""
    return sorted(e.get("field") for e in (r.json or {}).get("errors", []))


with Server() as s:
    sec = s.token("secretariat", conference=SLUG)
    ca = s.token("liaison", conference=SLUG, delegation="CA")
    feed = s.request("POST", C + "/feed-tokens", {"delegation": "CA"}, token=sec).json
    link = feed.get("webcal_url") or feed["url"]
    mark = log_offset(s)
    r = s.request("POST", "/api/v1/qr", {"text": link}, token=ca)
    is_((r.status, r.headers.get("Content-Type"), r.headers.get("Cache-Control")),
        (200, "image/svg+xml", "no-store"), "a liaison's feed link: 200 SVG, not stored")
    ok(r.body.startswith(b"<svg") and b"<path" in r.body, "an SVG with the modules as a path")
    is_(decode(r.body), link, "zbar reads back the feed link from the rasterised SVG")
    log = open(s.log_path, encoding="utf-8", errors="replace").read()
    ok(("POST", "/api/v1/qr", 200) in [a[1:] for a in access_lines(s, mark)] and feed["token"] not in log,
       "the access log has the request; the log has no secret")
    for text in ("é" * 50, "会議" * 30, "🎌" * 20, "x"):
        r = s.request("POST", "/api/v1/qr", {"text": text}, token=sec)
        is_((r.status, decode(r.body)), (200, text), "round trip of %d bytes of %d-byte characters"
            % (len(text.encode()), len(text[0].encode())))
    r = s.request("POST", "/api/v1/qr", {"text": "https://" + "a" * 1000}, token=sec)
    is_(r.status, 200, "a kilobyte of text still fits")
    ok(decode(r.body) == "https://" + "a" * 1000, "... and reads back")
    is_(s.request("POST", "/api/v1/qr", {"text": link}).status, 401, "no token: 401")
    for body, want, name in (({}, ["text"], "no text"), ({"text": ""}, ["text"], "empty text"),
                             ({"text": 7}, ["text"], "text not a string"),
                             ({"text": "a", "colour": "red"}, ["colour"], "an unknown key"),
                             ({"text": "a" * 1025}, ["text"], "text over 1,024 bytes")):
        r = s.request("POST", "/api/v1/qr", body, token=sec)
        is_((r.status, r.headers.get("Content-Type"), fields(r)),
            (422, "application/problem+json", want), "%s: 422 naming %s" % (name, want))
    r = s.request("POST", "/api/v1/qr", raw=b"[1,2", headers={"Content-Type": "application/json"}, token=sec)
    is_(r.status, 400, "broken JSON: 400")
    is_(s.stop(), 0, "kaigid exits 0")
done_testing()
