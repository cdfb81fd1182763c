/*
 * test_feed_frag.c — feeds assembled from kept pieces (server/feed-frag.c)
 * are ical_render's feeds byte for byte, whatever was kept before.
 *
 * Random events (long and multi-byte text that folds at every offset,
 * absent fields, reserved and confidential busy blocks, languages, notes,
 * links) are rendered whole by ical_render and from pieces by
 * feed_frag_render: same bytes, ETag and last_modified. Then: a second
 * feed takes every piece kept (hits, no misses); each field of one event
 * changed in turn gives that feed's new bytes (no piece is stale); a bound
 * smaller than one feed keeps within it, evicts, and still gives the right
 * bytes; bound 0 keeps nothing. A feed assembled by reference
 * (feed_frag_render_with: a body of some events, the others its own) is,
 * part after part, the same bytes and last_modified for every split of
 * the events, including none and all in the body; its ETag is the same
 * when assembled again and another one when an own event changes or the
 * body is another. Prints TAP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed-frag.h"
#include "ical.h"
#include "tap.h"
#include "util.h"

#define NEV	300

static const char *const WORDS[] = {
	"plenary", "Digital", "信頼性のある自由なデータ流通", "ministers'",
	"bilateral,", "room;", "\\", "Takasaki", "é", "\r\n", "\t", "x",
	"🇯🇵", "AI", "DFFT", "a-very-long-word-without-any-space-at-all",
};

static const struct ical_cal CAL = {
	.name = "G7 Digital and Tech 2023 — 群馬県高崎市",
	.zone = "Asia/Tokyo",
	.host = "kaigi.example.org",
	.refresh = "PT15M",
};

/* Text of 0..max random words (or NULL now and then); caller frees. */
static char *
text(int max)
{
	char	*s;
	size_t	 len = 0;
	int	 i, n;

	if (rand() % 8 == 0)
		return NULL;
	n = rand() % (max + 1);
	s = xcalloc(1, (size_t)n * 48 + 1);
	for (i = 0; i < n; i++) {
		const char *w = WORDS[rand() % (int)(sizeof WORDS / sizeof *WORDS)];

		memcpy(s + len, w, strlen(w));
		len += strlen(w);
		if (rand() % 3 != 0)
			s[len++] = ' ';
	}
	return s;
}

/* A random event with id; its strings are allocated (see free_event). */
static void
make_event(struct ical_event *e, long long id)
{
	memset(e, 0, sizeof *e);
	e->id = id;
	e->kind = rand() % 2 ? "plenary" : "bilateral";
	e->title = text(12);
	e->description = text(40);
	e->room = text(3);
	e->venue = text(3);
	e->start = 1682640000 + (time_t)(rand() % 300) * 900;
	e->end = e->start + 900 * (1 + rand() % 8);
	e->status = (enum ical_status)(rand() % 3);
	e->sequence = rand() % 5;
	e->created = 1680000000 + rand() % 100000;
	e->updated = e->created + rand() % 100000;
	e->reserved = rand() % 6 == 0;
	e->confidential = rand() % 6 == 0;
	e->busy_uid = e->confidential ? xasprintf("busy-%lld", id) : NULL;
	e->title_lang = rand() % 3 == 0 ? "ja" : NULL;
	e->description_lang = rand() % 3 == 0 ? "ja" : NULL;
	e->note = text(10);
	e->links = rand() % 4 == 0 ?
	    xstrdup("https://meet.example.org/abc\nhttps://b.example.org/x") :
	    NULL;
}

/* Free what make_event allocated. */
static void
free_event(struct ical_event *e)
{
	free((char *)e->title);
	free((char *)e->description);
	free((char *)e->room);
	free((char *)e->venue);
	free((char *)e->busy_uid);
	free((char *)e->note);
	free((char *)e->links);
}

/* 1 if feed_frag_render gives ical_render's feed for ev[0..n). */
static int
same(const struct ical_event *ev, size_t n, const char *what)
{
	struct ical_feed	 whole, parts;
	char			*cause = NULL;
	int			 r;

	if (ical_render(&CAL, ev, n, &whole, &cause) != 0 ||
	    feed_frag_render(&CAL, ev, n, &parts, &cause) != 0) {
		printf("# %s: %s\n", what, cause);
		free(cause);
		return 0;
	}
	r = whole.len == parts.len && memcmp(whole.data, parts.data,
	    whole.len) == 0 && strlen(parts.data) == parts.len &&
	    strcmp(whole.etag, parts.etag) == 0 &&
	    whole.last_modified == parts.last_modified;
	if (!r)
		printf("# %s: %zu vs %zu bytes\n", what, whole.len, parts.len);
	ical_feed_free(&whole);
	ical_feed_free(&parts);
	return r;
}

/* The pieces' counters now. */
static struct feed_frag_stats
stats(void)
{
	struct feed_frag_stats	st;

	feed_frag_stats(&st);
	return st;
}

/* Change field k of e (k < 20); 0 when k names no field. */
static int
change(struct ical_event *e, int k)
{
	switch (k) {
	case 0: e->kind = "reception"; return 1;
	case 1: free((char *)e->title); e->title = xstrdup("Changed"); return 1;
	case 2: free((char *)e->description); e->description = xstrdup("d"); return 1;
	case 3: free((char *)e->room); e->room = xstrdup("Hall B"); return 1;
	case 4: free((char *)e->venue); e->venue = xstrdup("Gunma"); return 1;
	case 5: e->start -= 900; return 1;
	case 6: e->end += 900; return 1;
	case 7: e->status = (enum ical_status)((e->status + 1) % 3); return 1;
	case 8: e->sequence++; return 1;
	case 9: e->created--; return 1;
	case 10: e->updated++; return 1;
	case 11: e->reserved = !e->reserved; return 1;
	case 12: e->title_lang = e->title_lang ? NULL : "ja"; return 1;
	case 13: e->description_lang = e->description_lang ? NULL : "ja"; return 1;
	case 14: e->confidential = 1; free((char *)e->busy_uid);
		e->busy_uid = xstrdup("busy-other"); e->reserved = 1; return 1;
	case 15: free((char *)e->note); e->note = xstrdup("represented by X"); return 1;
	case 16: free((char *)e->links); e->links = xstrdup("https://x.example.org"); return 1;
	case 17: e->id += 100000; return 1;
	default: return 0;
	}
}

/* ev[7] made anew: shown in full (neither reserved nor a busy block). */
static void
renew(struct ical_event *ev)
{
	free_event(&ev[7]);
	make_event(&ev[7], 1007);
	ev[7].reserved = 0;
	ev[7].confidential = 0;
	free((char *)ev[7].busy_uid);
	ev[7].busy_uid = NULL;
}

/*
 * Each field of one event changed alone, after the feed was rendered with
 * the event as it was: the new feed each time, never a stale piece.
 */
static void
no_stale(struct ical_event *ev)
{
	int	k, bad = 0, n = 0;

	for (k = 0; k < 20; k++) {
		renew(ev);
		if (!same(ev, NEV, "before the change"))
			bad++;
		if (!change(&ev[7], k))
			break;
		n++;
		if (!same(ev, NEV, "changed field"))
			bad++;
	}
	ok(bad == 0 && n == 18, "each of %d fields of one event changed alone:"
	    " the new feed each time (%d wrong)", n, bad);
}

/* The bytes of assembled parts, in one buffer; caller frees. */
static char *
joined(const struct feed_parts *p)
{
	char	*out = xmalloc(p->len + 1);
	size_t	 i, at = 0;

	for (i = 0; i < p->n; i++) {
		memcpy(out + at, feed_part_bytes(p, i), p->part[i].len);
		at += p->part[i].len;
	}
	out[at] = '\0';
	return out;
}

/*
 * ev[0..n) split: those whose index % m == r in a body, the others own;
 * 1 if the assembly is ical_render's bytes and last_modified. Its ETag
 * goes to etag.
 */
static int
split(const struct ical_event *ev, size_t n, size_t m, size_t r,
    char etag[ICAL_ETAG_LEN])
{
	struct ical_event	*in = xcalloc(n + 1, sizeof *in);
	struct ical_event	*out = xcalloc(n + 1, sizeof *out);
	struct ical_feed	 whole;
	struct feed_parts	 p;
	struct feed_body	*body;
	size_t			 i, ni = 0, no = 0;
	char			*cause = NULL, *bytes;
	int			 same_bytes = 0;

	for (i = 0; i < n; i++) {
		if (m != 0 && i % m == r)
			in[ni++] = ev[i];
		else
			out[no++] = ev[i];
	}
	body = feed_frag_body(&CAL, in, ni, &cause);
	if (body != NULL && ical_render(&CAL, ev, n, &whole, &cause) == 0) {
		if (feed_frag_render_with(&CAL, body, out, no, &p, &cause) == 0) {
			bytes = joined(&p);
			same_bytes = p.len == whole.len && memcmp(bytes,
			    whole.data, whole.len) == 0 &&
			    p.last_modified == whole.last_modified;
			memcpy(etag, p.etag, ICAL_ETAG_LEN);
			free(bytes);
			feed_parts_free(&p);
		}
		ical_feed_free(&whole);
	}
	if (cause != NULL)
		printf("# split: %s\n", cause);
	free(cause);
	feed_body_release(body);
	free(in);
	free(out);
	return same_bytes;
}

/* Assembled by reference, for many splits of the events. */
static void
by_reference(struct ical_event *ev)
{
	char	 a[ICAL_ETAG_LEN], b[ICAL_ETAG_LEN];
	size_t	 m, r;
	int	 bad = 0, n = 0;

	for (m = 0; m <= 7; m++)
		for (r = 0; r < (m == 0 ? 1 : m); r++, n++)
			if (!split(ev, NEV, m, r, a))
				bad++;
	ok(bad == 0 && split(ev, NEV, 1, 0, a) && split(ev, 0, 1, 0, a),
	    "%d splits into a body and own events, all in the body, none:"
	    " ical_render's bytes (%d wrong)", n, bad);
	ok(split(ev, NEV, 3, 1, a) && split(ev, NEV, 3, 1, b) &&
	    strcmp(a, b) == 0, "assembled again: the same ETag");
	free((char *)ev[0].title);		/* ev[0] is own when m 3, r 1 */
	ev[0].title = xstrdup("An own event retitled");
	ok(split(ev, NEV, 3, 1, b) && strcmp(a, b) != 0,
	    "an own event changed: another ETag");
	ok(split(ev, NEV, 3, 2, b) && strcmp(a, b) != 0,
	    "the same events split otherwise: another ETag (never the same"
	    " one for other parts)");
}

/* A bound smaller than one feed. */
static void
bounded(const struct ical_event *ev)
{
	struct feed_frag_stats	st;

	feed_frag_set_limit(20000);
	ok(stats().bytes <= 20000, "a smaller bound evicts down to it (%zu)",
	    stats().bytes);
	ok(same(ev, NEV, "bounded") && same(ev, NEV, "bounded again"),
	    "bound of 20,000 bytes: the same bytes, twice");
	st = stats();
	ok(st.bytes <= 20000 && st.evictions > 0 && st.entries > 0,
	    "... within it (%zu bytes, %zu pieces, %lu evictions)", st.bytes,
	    st.entries, st.evictions);
	feed_frag_set_limit(0);
	ok(stats().entries == 0 && same(ev, NEV, "off"),
	    "bound 0: nothing kept, ical_render's bytes");
}

/* Run every section. */
int
main(void)
{
	struct ical_event	ev[NEV];
	struct feed_frag_stats	a, b;
	int			i;

	srand(20230429);
	for (i = 0; i < NEV; i++)
		make_event(&ev[i], 1000 + i);
	feed_frag_set_limit(64 * 1024 * 1024);
	ok(same(ev, 0, "empty"), "a feed of no events: ical_render's bytes");
	ok(same(ev, 1, "one"), "one event: ical_render's bytes");
	ok(same(ev, NEV, "first"), "%d random events: ical_render's bytes,"
	    " ETag and last_modified", NEV);
	a = stats();
	ok(same(ev, NEV, "second"), "again, from the pieces kept");
	b = stats();
	ok(b.misses == a.misses && b.hits >= a.hits + NEV + 1,
	    "... every piece taken from those kept (%lu hits, %lu misses)",
	    b.hits - a.hits, b.misses - a.misses);
	ok(same(ev + 100, 50, "subset"), "a feed with a subset of the events"
	    " (another head, shared events)");
	no_stale(ev);
	by_reference(ev);
	bounded(ev);
	feed_frag_clear();
	for (i = 0; i < NEV; i++)
		free_event(&ev[i]);
	ical_shutdown();
	return (tap_done());
}
