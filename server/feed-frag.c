/*
 * feed-frag.c — the rendered pieces of feeds, shared by every feed a worker
 * renders (feed-frag.h).
 *
 * At COP size every personal feed carries the whole public and conference
 * programme, thousands of events that are the same text in every feed: a
 * cold personal feed spent most of its time in libical writing them again.
 * Here each event's VEVENT, and each calendar head, is rendered once
 * (ical_feed_event, ical_feed_head) and kept under a key made of every
 * input of that text: the event's fields and the calendar's host and zone,
 * written out in full, length before bytes. A changed session, or a
 * viewer who sees it otherwise (busy block, another language, no link),
 * gives another key, so a piece is never stale and needs no invalidation;
 * pieces nobody asks for any more age out.
 *
 * A hash table (FNV-1a over the key, chained, doubled as it fills) and a
 * list in order of use, bounded in bytes (keys, texts and entries; the
 * `feed_fragment_mb` setting): adding a piece drops the least recently used
 * until it fits; a piece larger than the bound is used once and not kept.
 * A feed is assembled by copying each piece into its own buffer at once, so
 * an eviction while the same feed is assembled frees nothing it uses.
 * A body (feed_frag_body) is such a run of pieces copied once and indexed
 * by (start, id), so that a personal feed merges its own few events into
 * its conference's shared ones (feed-shared.h) without a lookup per event.
 *
 * The event loop's thread only, like the feed cache.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "feed-file.h"
#include "feed-frag.h"
#include "ical.h"
#include "util.h"

#define FRAG_END	"END:VCALENDAR\r\n"

struct frag {
	struct frag	*chain;			/* same slot */
	struct frag	*newer, *older;		/* use order */
	uint64_t	 hash;
	char		*key;
	size_t		 klen;
	char		*text;
	size_t		 tlen;
};

/* A growing byte buffer. */
struct frag_buf {
	char	*p;
	size_t	 len, cap;
};

static struct {
	struct frag	**slot;
	size_t		  nslot, n, bytes, limit;
	struct frag	 *newest, *oldest;
	unsigned long	  hits, misses, evictions;
	struct frag_buf	  key;		/* reused for every key */
} ff;

/* Append len bytes to b. */
static void
frag_buf_add(struct frag_buf *b, const void *p, size_t len)
{
	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2 + 256;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, p, len);
	b->len += len;
}

/* A key's integer field. */
static void
frag_key_int(long long v)
{
	int64_t	x = (int64_t)v;

	frag_buf_add(&ff.key, &x, sizeof x);
}

/* A key's string field: its length (or -1 for NULL), then its bytes. */
static void
frag_key_str(const char *s)
{
	size_t	len = s != NULL ? strlen(s) : 0;

	frag_key_int(s != NULL ? (long long)len : -1);
	frag_buf_add(&ff.key, s != NULL ? s : "", len);
}

/* The key of the head of cal whose first event starts at first. */
static void
frag_key_head(const struct ical_cal *cal, time_t first)
{
	ff.key.len = 0;
	frag_buf_add(&ff.key, "H", 1);
	frag_key_str(cal->name);
	frag_key_str(cal->zone);
	frag_key_str(cal->host);
	frag_key_str(cal->refresh);
	frag_key_str(cal->prodid);
	frag_key_int((long long)first);
}

/* The key of event e of cal: every field ical_feed_event reads. */
static void
frag_key_event(const struct ical_cal *cal, const struct ical_event *e)
{
	ff.key.len = 0;
	frag_buf_add(&ff.key, "E", 1);
	frag_key_str(cal->host);
	frag_key_str(cal->zone);
	frag_key_int(e->id);
	frag_key_str(e->kind);
	frag_key_str(e->title);
	frag_key_str(e->description);
	frag_key_str(e->room);
	frag_key_str(e->venue);
	frag_key_int((long long)e->start);
	frag_key_int((long long)e->end);
	frag_key_int((long long)e->status);
	frag_key_int(e->sequence);
	frag_key_int((long long)e->created);
	frag_key_int((long long)e->updated);
	frag_key_int(e->reserved);
	frag_key_str(e->title_lang);
	frag_key_str(e->description_lang);
	frag_key_int(e->confidential);
	frag_key_str(e->busy_uid);
	frag_key_str(e->note);
	frag_key_str(e->links);
}

/*
 * FNV-1a's step over the key eight bytes at a time, not util's fnv1a (a
 * byte a step): every feed hashes each of its events' keys, about 2 MB for
 * a COP delegate's feed.
 */
static uint64_t
frag_hash(const char *p, size_t len)
{
	uint64_t	h = 14695981039346656037ULL, w;
	size_t		i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 1099511628211ULL;
	}
	for (; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
	return h ^ (h >> 29);
}

/* Bytes an entry counts for. */
static size_t
frag_size(const struct frag *f)
{
	return sizeof *f + f->klen + f->tlen;
}

/* Take f out of the use order. */
static void
frag_unlink(struct frag *f)
{
	if (f->newer != NULL)
		f->newer->older = f->older;
	else
		ff.newest = f->older;
	if (f->older != NULL)
		f->older->newer = f->newer;
	else
		ff.oldest = f->newer;
	f->newer = f->older = NULL;
}

/* Put f first in the use order. */
static void
frag_push(struct frag *f)
{
	f->older = ff.newest;
	f->newer = NULL;
	if (ff.newest != NULL)
		ff.newest->newer = f;
	ff.newest = f;
	if (ff.oldest == NULL)
		ff.oldest = f;
}

/* Remove f from its slot and the order, and free it. */
static void
frag_drop(struct frag *f)
{
	struct frag	**pp = &ff.slot[f->hash & (ff.nslot - 1)];

	while (*pp != f)
		pp = &(*pp)->chain;
	*pp = f->chain;
	frag_unlink(f);
	ff.bytes -= frag_size(f);
	ff.n--;
	free(f->key);
	free(f->text);
	free(f);
}

/* Double the table. */
static void
frag_grow(void)
{
	size_t		  nslot = ff.nslot != 0 ? ff.nslot * 2 : 1024, i;
	struct frag	**slot = xcalloc(nslot, sizeof *slot), *f, *next;

	for (i = 0; i < ff.nslot; i++)
		for (f = ff.slot[i]; f != NULL; f = next) {
			next = f->chain;
			f->chain = slot[f->hash & (nslot - 1)];
			slot[f->hash & (nslot - 1)] = f;
		}
	free(ff.slot);
	ff.slot = slot;
	ff.nslot = nslot;
}

/* The entry of the current key, made most recently used; or NULL. */
static struct frag *
frag_find(uint64_t hash)
{
	struct frag	*f;

	if (ff.nslot == 0)
		return NULL;
	for (f = ff.slot[hash & (ff.nslot - 1)]; f != NULL; f = f->chain)
		if (f->hash == hash && f->klen == ff.key.len &&
		    memcmp(f->key, ff.key.p, f->klen) == 0) {
			frag_unlink(f);
			frag_push(f);
			return f;
		}
	return NULL;
}

/* Keep text (taken) under the current key, evicting to stay in bounds. */
static void
frag_keep(uint64_t hash, char *text, size_t tlen)
{
	struct frag	*f = xcalloc(1, sizeof *f);

	f->hash = hash;
	f->klen = ff.key.len;
	f->key = xmalloc(f->klen);
	memcpy(f->key, ff.key.p, f->klen);
	f->text = text;
	f->tlen = tlen;
	if (frag_size(f) > ff.limit) {
		free(f->key);
		free(f->text);
		free(f);
		return;
	}
	while (ff.bytes + frag_size(f) > ff.limit && ff.oldest != NULL) {
		frag_drop(ff.oldest);
		ff.evictions++;
	}
	if (ff.n + 1 > ff.nslot)
		frag_grow();
	f->chain = ff.slot[hash & (ff.nslot - 1)];
	ff.slot[hash & (ff.nslot - 1)] = f;
	frag_push(f);
	ff.bytes += frag_size(f);
	ff.n++;
}

/*
 * Append the piece of the current key to out: kept, or rendered by the
 * caller's choice (head: e == NULL) and kept. 0, or -1 with *cause.
 */
static int
frag_append(struct frag_buf *out, const struct ical_cal *cal,
    const struct ical_event *e, time_t first, char **cause)
{
	uint64_t	 hash = frag_hash(ff.key.p, ff.key.len);
	struct frag	*f = frag_find(hash);
	char		*text;
	size_t		 len;

	if (f != NULL) {
		ff.hits++;
		frag_buf_add(out, f->text, f->tlen);
		return 0;
	}
	ff.misses++;
	if ((e == NULL ? ical_feed_head(cal, first, &text, cause) :
	    ical_feed_event(cal, e, &text, cause)) != 0)
		return -1;
	len = strlen(text);
	frag_buf_add(out, text, len);
	frag_keep(hash, text, len);
	return 0;
}

/* Head, events in order, end: into out (see feed-frag.h). */
static int
frag_assemble(const struct ical_cal *cal, const struct ical_event **order,
    size_t n, struct frag_buf *out, char **cause)
{
	size_t	i;

	frag_key_head(cal, n > 0 ? order[0]->start : 0);
	if (frag_append(out, cal, NULL, n > 0 ? order[0]->start : 0,
	    cause) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		frag_key_event(cal, order[i]);
		if (frag_append(out, cal, order[i], 0, cause) != 0)
			return -1;
	}
	frag_buf_add(out, FRAG_END, sizeof FRAG_END);	/* with the NUL */
	return 0;
}

/* ev in feed order; the caller frees the array. */
static const struct ical_event **
frag_order(const struct ical_event *ev, size_t n, time_t *last_modified)
{
	const struct ical_event	**order = xcalloc(n + 1, sizeof *order);
	size_t			  i;

	for (i = 0; i < n; i++) {
		order[i] = &ev[i];
		if (ev[i].updated > *last_modified)
			*last_modified = ev[i].updated;
	}
	ical_event_order(order, n);
	return order;
}

/* Render a feed from kept pieces (see feed-frag.h). */
int
feed_frag_render(const struct ical_cal *cal, const struct ical_event *ev,
    size_t n, struct ical_feed *out, char **cause)
{
	const struct ical_event	**order;
	struct frag_buf		  b = { NULL, 0, 0 };
	int			  rc;

	if (ff.limit == 0)
		return ical_render(cal, ev, n, out, cause);
	memset(out, 0, sizeof *out);
	order = frag_order(ev, n, &out->last_modified);
	rc = frag_assemble(cal, order, n, &b, cause);
	free(order);
	if (rc != 0) {
		free(b.p);
		out->last_modified = 0;
		return -1;
	}
	out->data = b.p;
	out->len = b.len - 1;
	ical_etag(out->data, out->len, out->etag);
	return 0;
}

/* Render events into a body of their own (see feed-frag.h). */
struct feed_body *
feed_frag_body(const struct ical_cal *cal, const struct ical_event *ev,
    size_t n, char **cause)
{
	const struct ical_event	**order;
	struct feed_body	 *out = xcalloc(1, sizeof *out);
	struct frag_buf		  b = { NULL, 0, 0 };
	size_t			  i;

	out->refs = 1;
	order = frag_order(ev, n, &out->last_modified);
	out->ev = xcalloc(n + 1, sizeof *out->ev);
	for (i = 0; i < n; i++) {
		out->ev[i].id = order[i]->id;
		out->ev[i].start = order[i]->start;
		out->ev[i].off = b.len;
		frag_key_event(cal, order[i]);
		if (frag_append(&b, cal, order[i], 0, cause) != 0) {
			free(order);
			free(b.p);
			feed_body_release(out);
			return NULL;
		}
		out->ev[i].len = b.len - out->ev[i].off;
	}
	free(order);
	out->text = b.p;
	out->len = b.len;
	out->n = n;
	if (EVP_Digest(b.p != NULL ? b.p : "", b.len, out->digest, NULL,
	    EVP_sha256(), NULL) != 1)
		fatal("sha256 failed");
	return out;
}

void
feed_body_ref(struct feed_body *b)
{
	b->refs++;
}

void
feed_body_release(struct feed_body *b)
{
	if (b == NULL || --b->refs > 0)
		return;
	feed_body_file_free(b);
	free(b->text);
	free(b->ev);
	free(b);
}

/* Does shared's event s come before event e in a feed? */
static int
frag_body_first(const struct feed_body_event *s, const struct ical_event *e)
{
	return s->start != e->start ? s->start < e->start : s->id < e->id;
}

/* Add a part to out (joined to the last one when they are adjacent). */
static void
frag_part(struct feed_parts *out, int shared, size_t off, size_t len,
    size_t *cap)
{
	struct feed_part	*last = out->n > 0 ? &out->part[out->n - 1] : NULL;

	if (len == 0)
		return;
	if (last != NULL && last->shared == shared &&
	    last->off + last->len == off) {
		last->len += len;
		return;
	}
	if (out->n == *cap) {
		*cap = *cap * 2 + 8;
		out->part = xrealloc(out->part, *cap * sizeof *out->part);
	}
	out->part[out->n].shared = shared;
	out->part[out->n].off = off;
	out->part[out->n++].len = len;
}

/* Append the piece of the current key to own, as a part of out. */
static int
frag_own(struct feed_parts *out, struct frag_buf *own, size_t *cap,
    const struct ical_cal *cal, const struct ical_event *e, time_t first,
    char **cause)
{
	size_t	from = own->len;

	if (frag_append(own, cal, e, first, cause) != 0)
		return -1;
	frag_part(out, 0, from, own->len - from, cap);
	return 0;
}

/* Head, the events of shared and order merged, end: into out's parts. */
static int
frag_assemble_with(const struct ical_cal *cal, const struct feed_body *shared,
    const struct ical_event **order, size_t n, struct feed_parts *out,
    struct frag_buf *own, char **cause)
{
	size_t	i = 0, k = 0, cap = 0, from;
	time_t	first = n > 0 ? order[0]->start : 0;

	if (shared->n > 0 && (n == 0 || frag_body_first(&shared->ev[0],
	    order[0])))
		first = shared->ev[0].start;
	frag_key_head(cal, first);
	if (frag_own(out, own, &cap, cal, NULL, first, cause) != 0)
		return -1;
	while (i < shared->n || k < n) {
		if (k == n || (i < shared->n &&
		    frag_body_first(&shared->ev[i], order[k]))) {
			frag_part(out, 1, shared->ev[i].off, shared->ev[i].len,
			    &cap);
			i++;
			continue;
		}
		frag_key_event(cal, order[k]);
		if (frag_own(out, own, &cap, cal, order[k++], 0, cause) != 0)
			return -1;
	}
	from = own->len;
	frag_buf_add(own, FRAG_END, sizeof FRAG_END);	/* with the NUL */
	frag_part(out, 0, from, sizeof FRAG_END - 1, &cap);
	return 0;
}

/* The ETag of assembled parts (see feed-frag.h). */
static void
frag_parts_etag(struct feed_parts *p)
{
	struct frag_buf	 r = { NULL, 0, 0 };
	uint64_t	 w;
	size_t		 i;

	for (i = 0; i < p->n; i++) {
		if (!p->part[i].shared) {
			frag_buf_add(&r, p->own + p->part[i].off,
			    p->part[i].len);
			continue;
		}
		frag_buf_add(&r, "", 1);	/* never in iCalendar text */
		frag_buf_add(&r, p->body->digest, sizeof p->body->digest);
		w = p->part[i].off;
		frag_buf_add(&r, &w, sizeof w);
		w = p->part[i].len;
		frag_buf_add(&r, &w, sizeof w);
	}
	ical_etag(r.p, r.len, p->etag);
	free(r.p);
}

/* A feed of a shared body and its own events (see feed-frag.h). */
int
feed_frag_render_with(const struct ical_cal *cal, struct feed_body *shared,
    const struct ical_event *ev, size_t n, struct feed_parts *out,
    char **cause)
{
	const struct ical_event	**order;
	struct frag_buf		  own = { NULL, 0, 0 };
	size_t			  i;
	int			  rc;

	memset(out, 0, sizeof *out);
	out->last_modified = shared->last_modified;
	order = frag_order(ev, n, &out->last_modified);
	rc = frag_assemble_with(cal, shared, order, n, out, &own, cause);
	free(order);
	out->own = own.p;
	out->ownlen = own.len;
	if (rc != 0) {
		feed_parts_free(out);
		return -1;
	}
	out->body = shared;
	feed_body_ref(shared);
	for (i = 0; i < out->n; i++)
		out->len += out->part[i].len;
	frag_parts_etag(out);
	return 0;
}

const char *
feed_part_bytes(const struct feed_parts *p, size_t i)
{
	return (p->part[i].shared ? p->body->text : p->own) + p->part[i].off;
}

void
feed_parts_free(struct feed_parts *p)
{
	free(p->own);
	free(p->part);
	feed_body_release(p->body);
	memset(p, 0, sizeof *p);
}

/* Bound the pieces kept to bytes (0: keep none, render whole feeds). */
void
feed_frag_set_limit(size_t bytes)
{
	ff.limit = bytes;
	while (ff.bytes > ff.limit && ff.oldest != NULL) {
		frag_drop(ff.oldest);
		ff.evictions++;
	}
}

/* What the pieces hold and did, for /metrics and the tests. */
void
feed_frag_stats(struct feed_frag_stats *st)
{
	st->entries = ff.n;
	st->bytes = ff.bytes;
	st->limit = ff.limit;
	st->hits = ff.hits;
	st->misses = ff.misses;
	st->evictions = ff.evictions;
}

/* Drop every piece and the table (at exit, so ASan sees no leak). */
void
feed_frag_clear(void)
{
	while (ff.oldest != NULL)
		frag_drop(ff.oldest);
	free(ff.slot);
	ff.slot = NULL;
	ff.nslot = 0;
	free(ff.key.p);
	memset(&ff.key, 0, sizeof ff.key);
}
