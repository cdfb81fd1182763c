/*
 * b2b.c — benchmark of server/solver/solver.c on the B2B meeting-scheduling
 * instances (MiniZinc .dzn data, Bofill et al., JAIR 74, 2022).
 *
 * For each instance: parse it, map it onto a solver problem (one day of
 * nTotalSlots slots of 15 minutes, nTables rooms, forbidden slots as busy
 * intervals, fixed meetings as fixed starts), solve, then check the answer
 * with an independent checker that only looks at the instance and the
 * answer's start/room (no participant or table clash, sessions, forbidden
 * slots, fixed slots, every meeting placed) and count breaks and spread.
 *
 * Through the API (scripts/bench/b2b --via-api, scripts/bench/src/b2b-api.py)
 * this program only parses and checks: -d prints an instance as JSON for
 * the script to build a conference from, -a DIR reads the placements the
 * script read back from the stored sessions (DIR/<instance>.ans: a line
 * "wall SECONDS", then "MEETING START END TABLE" per placed meeting: the
 * session's minutes from the day's start, 0-based meeting and table)
 * instead of solving, and checks and prints them the same way.
 *
 * Usage: b2b [-s seed] [-t ms] [-i iterations] [-a dir | -d] [dir-or-file...]
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "solver/solver.h"
#include "util.h"

static const char	*b2b_answers;	/* -a: directory of answers to check */
static int		 b2b_dumping;	/* -d: print instances as JSON */

#define SLOT	15

/* One instance as read from a .dzn file (all 0-based). */
struct b2b {
	int	 nb, nm, nt, ns, nmorning;
	int	*p1, *p2, *sess;	/* per meeting */
	int	*fixed;			/* per meeting: slot or -1 */
	int	**forb, *nforb;		/* per participant */
	int	**prec, *nprec;		/* per meeting: meetings before it */
};

/* Published best objective (d = 2) per instance name; -1 unknown, -2 '-'. */
struct b2b_ref {
	const char	*name;
	int		 orig, forb3, forb7, fix20, fix40;
};

static const struct b2b_ref b2b_refs[] = {
	{ "forum-13", 0, 0, 0, 20, 49 },
	{ "forum-13crafb", 6, 5, 5, 30, -2 },
	{ "forum-13crafc", 1, 1, 1, 20, 50 },
	{ "forum-14", 2, 0, -2, 20, -2 },
	{ "forumt-14", 5, 0, -2, 7, -2 },
	{ "forumt-14crafc", 5, 0, -2, 7, -2 },
	{ "forumt-14crafd", 4, -2, -2, 9, -2 },
	{ "forumt-14crafe", 5, -2, -2, 9, -2 },
	{ "tic-12", 0, -2, -2, 1, -2 },
	{ "tic-12crafc", 0, -2, -2, 1, -2 },
	{ "tic-13", 0, -2, -2, 2, 13 },
	{ "tic-13crafb", 0, 0, -2, 1, 16 },
	{ "tic-13crafc", 4, -2, -2, 6, 16 },
	{ "tic-14crafa", 0, 0, -2, 2, -2 },
	{ "tic-14crafc", 0, 0, -2, 3, -2 },
	{ "tic-14crafd", 0, -2, -2, 2, -2 },
	{ "ticf-13crafa", 0, 0, 0, 20, 49 },
	{ "ticf-13crafb", 3, 5, 5, 27, -2 },
	{ "ticf-13crafc", 1, 1, 1, 20, 49 },
	{ "ticf-14crafa", 0, 0, -2, 21, -2 },
};

/* Published figure for a file name, or -1 if none. */
static int
b2b_published(const char *file)
{
	const struct b2b_ref	*r;
	size_t			 i, n;

	for (i = 0; i < sizeof b2b_refs / sizeof b2b_refs[0]; i++) {
		r = &b2b_refs[i];
		n = strlen(r->name);
		if (strncmp(file, r->name, n) != 0 || file[n] != '.')
			continue;
		file += n + 1;
		if (strncmp(file, "original", 8) == 0)
			return r->orig;
		if (strncmp(file, "forb0003", 8) == 0)
			return r->forb3;
		if (strncmp(file, "forb0007", 8) == 0)
			return r->forb7;
		if (strncmp(file, "fixed020", 8) == 0)
			return r->fix20;
		if (strncmp(file, "fixed040", 8) == 0)
			return r->fix40;
		return -1;
	}
	return -1;
}

/* Whole file into memory (NUL-terminated), or NULL. */
static char *
b2b_slurp(const char *path)
{
	FILE	*f = fopen(path, "r");
	char	*buf;
	long	 n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = xmalloc((size_t)n + 1);
	n = (long)fread(buf, 1, (size_t)n, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Start of the value of "name =" in text (after '='), or NULL. */
static const char *
b2b_find(const char *text, const char *name)
{
	const char	*p = text;
	size_t		 n = strlen(name);

	while ((p = strstr(p, name)) != NULL) {
		if ((p == text || !isalnum((unsigned char)p[-1])) &&
		    !isalnum((unsigned char)p[n])) {
			p += n;
			while (isspace((unsigned char)*p))
				p++;
			if (*p == '=')
				return p + 1;
		}
		p += n;
	}
	return NULL;
}

/* Integer scalar "name = N;", or -1. */
static int
b2b_int(const char *text, const char *name)
{
	const char	*p = b2b_find(text, name);

	return p != NULL ? atoi(p) : -1;
}

/* Integers of a flat array value up to ';' into out (max n); count read. */
static int
b2b_ints(const char *text, const char *name, int *out, int n)
{
	const char	*p = b2b_find(text, name);
	char		*end;
	int		 k = 0;

	if (p == NULL)
		return -1;
	while (*p != '\0' && *p != ';' && k < n) {
		if (isdigit((unsigned char)*p) || *p == '-') {
			out[k++] = (int)strtol(p, &end, 10);
			p = end;
		} else
			p++;
	}
	return k;
}

/* Array of sets "name = [{..},..];": n sets, 0 entries dropped, 1-based kept. */
static int
b2b_sets(const char *text, const char *name, int n, int ***sets, int **counts)
{
	const char	*p = b2b_find(text, name);
	char		*end;
	int		 k = -1, v;

	*sets = xcalloc((size_t)n + 1, sizeof **sets);
	*counts = xcalloc((size_t)n + 1, sizeof **counts);
	if (p == NULL)
		return 0;
	for (; *p != '\0' && *p != ';'; p++) {
		if (*p == '{' && ++k >= n)
			return -1;
		if (k < 0 || !isdigit((unsigned char)*p))
			continue;
		v = (int)strtol(p, &end, 10);
		p = end - 1;
		if (v <= 0)
			continue;
		(*sets)[k] = xrealloc((*sets)[k],
		    (size_t)((*counts)[k] + 1) * sizeof ***sets);
		(*sets)[k][(*counts)[k]++] = v;
	}
	return k + 1;
}

/* Parse one instance; 0 on success. */
static int
b2b_parse(const char *text, struct b2b *in)
{
	int	*req, i, n;

	memset(in, 0, sizeof *in);
	in->nb = b2b_int(text, "nBusiness");
	in->nm = b2b_int(text, "nMeetings");
	in->nt = b2b_int(text, "nTables");
	in->ns = b2b_int(text, "nTotalSlots");
	in->nmorning = b2b_int(text, "nMorningSlots");
	if (in->nb <= 0 || in->nm <= 0 || in->nt <= 0 || in->ns <= 0)
		return -1;
	req = xcalloc((size_t)in->nm * 3, sizeof *req);
	if (b2b_ints(text, "requested", req, in->nm * 3) != in->nm * 3)
		return -1;
	in->p1 = xcalloc((size_t)in->nm, sizeof *in->p1);
	in->p2 = xcalloc((size_t)in->nm, sizeof *in->p2);
	in->sess = xcalloc((size_t)in->nm, sizeof *in->sess);
	in->fixed = xcalloc((size_t)in->nm, sizeof *in->fixed);
	for (i = 0; i < in->nm; i++) {
		in->p1[i] = req[3 * i] - 1;
		in->p2[i] = req[3 * i + 1] - 1;
		in->sess[i] = req[3 * i + 2];
	}
	free(req);
	n = b2b_ints(text, "fixed", in->fixed, in->nm);
	for (i = 0; i < in->nm; i++)
		in->fixed[i] = i < n ? in->fixed[i] - 1 : -1;
	if (b2b_sets(text, "forbidden", in->nb, &in->forb, &in->nforb) < 0 ||
	    b2b_sets(text, "precedences", in->nm, &in->prec, &in->nprec) < 0)
		return -1;
	return 0;
}

/* Free a parsed instance. */
static void
b2b_free(struct b2b *in)
{
	int	 i;

	for (i = 0; i < in->nb; i++)
		free(in->forb[i]);
	for (i = 0; i < in->nm; i++)
		free(in->prec[i]);
	free(in->forb);
	free(in->nforb);
	free(in->prec);
	free(in->nprec);
	free(in->p1);
	free(in->p2);
	free(in->sess);
	free(in->fixed);
}

/* Solver input built from an instance; owns its arrays. */
struct b2b_pb {
	struct solver_problem	 pb;
	struct solver_interval	 day;
	struct solver_person	*people;
	struct solver_interval	**busy;
	struct solver_room	*rooms;
	struct solver_request	*reqs;
	int			*att;
	int			*after;		/* precedences, 0-based */
};

/* Each meeting's precedences as 0-based request indices ("after"). */
static void
b2b_after(const struct b2b *in, struct b2b_pb *x)
{
	int	 i, j, n = 0;

	for (i = 0; i < in->nm; i++)
		n += in->nprec[i];
	x->after = xcalloc((size_t)n + 1, sizeof *x->after);
	for (n = 0, i = 0; i < in->nm; i++) {
		x->reqs[i].after = &x->after[n];
		x->reqs[i].nafter = in->nprec[i];
		for (j = 0; j < in->nprec[i]; j++)
			x->after[n++] = in->prec[i][j] - 1;
	}
}

/* Map an instance onto a solver problem. */
static void
b2b_problem(const struct b2b *in, struct b2b_pb *x)
{
	struct solver_request	*r;
	int			 i, j;

	memset(x, 0, sizeof *x);
	x->day.start = 0;
	x->day.end = in->ns * SLOT;
	x->people = xcalloc((size_t)in->nb, sizeof *x->people);
	x->busy = xcalloc((size_t)in->nb, sizeof *x->busy);
	for (i = 0; i < in->nb; i++) {
		x->busy[i] = xcalloc((size_t)in->nforb[i] + 1, sizeof **x->busy);
		for (j = 0; j < in->nforb[i]; j++) {
			x->busy[i][j].start = (in->forb[i][j] - 1) * SLOT;
			x->busy[i][j].end = in->forb[i][j] * SLOT;
			x->busy[i][j].venue = SOLVER_NO_VENUE;
		}
		x->people[i].busy = x->busy[i];
		x->people[i].nbusy = in->nforb[i];
	}
	x->rooms = xcalloc((size_t)in->nt, sizeof *x->rooms);
	for (i = 0; i < in->nt; i++) {
		x->rooms[i].id = i + 1;
		x->rooms[i].capacity = 2;
	}
	x->reqs = xcalloc((size_t)in->nm, sizeof *x->reqs);
	x->att = xcalloc((size_t)in->nm * 2, sizeof *x->att);
	b2b_after(in, x);
	for (i = 0; i < in->nm; i++) {
		r = &x->reqs[i];
		x->att[2 * i] = in->p1[i];
		x->att[2 * i + 1] = in->p2[i];
		r->id = i + 1;
		r->people = &x->att[2 * i];
		r->npeople = 2;
		r->duration = SLOT;
		r->earliest = in->sess[i] == 2 ? in->nmorning * SLOT : 0;
		r->latest = in->sess[i] == 1 ? in->nmorning * SLOT : in->ns * SLOT;
		r->priority = 1;
		r->fixed_start = in->fixed[i] >= 0 ? in->fixed[i] * SLOT : -1;
		r->fixed_room = -1;
	}
	x->pb.slot_minutes = SLOT;
	x->pb.days = &x->day;
	x->pb.ndays = 1;
	x->pb.people = x->people;
	x->pb.npeople = in->nb;
	x->pb.rooms = x->rooms;
	x->pb.nrooms = in->nt;
	x->pb.requests = x->reqs;
	x->pb.nrequests = in->nm;
}

/* Free a mapped problem. */
static void
b2b_problem_free(struct b2b_pb *x)
{
	int	 i;

	for (i = 0; i < x->pb.npeople; i++)
		free(x->busy[i]);
	free(x->busy);
	free(x->people);
	free(x->rooms);
	free(x->reqs);
	free(x->att);
	free(x->after);
}

/* What the independent check found. */
struct b2b_check {
	int	 placed, errors, breaks, spread, precviol;
	char	 first[160];
	char	 unplaced[160];
};

/* Record a violation. */
static void
b2b_err(struct b2b_check *c, const char *what, int m)
{
	if (c->errors++ == 0)
		snprintf(c->first, sizeof c->first, "%s (meeting %d)", what, m + 1);
}

/* Record an unplaced meeting (not a violation: some variants are infeasible). */
static void
b2b_unplaced(struct b2b_check *c, int m, enum solver_reason why)
{
	size_t	 n = strlen(c->unplaced);

	if (n + 40 < sizeof c->unplaced)
		snprintf(c->unplaced + n, sizeof c->unplaced - n, "%s%d (%s)",
		    n ? ", " : "", m + 1, why == SOLVER_CONFLICT ? "conflict" :
		    why == SOLVER_FIXED_CLASH ? "fixed slot impossible" :
		    "no time");
}

/* Check one meeting's slot against its session, fixing and forbidden sets. */
static void
b2b_check_meeting(const struct b2b *in, const int *slot, int m,
    struct b2b_check *c)
{
	int	 t = slot[m], i, p;

	if (t < 0 || t >= in->ns)
		return b2b_err(c, "slot out of range", m);
	if ((in->sess[m] == 1 && t >= in->nmorning) ||
	    (in->sess[m] == 2 && t < in->nmorning))
		b2b_err(c, "wrong session", m);
	if (in->fixed[m] >= 0 && in->fixed[m] != t)
		b2b_err(c, "fixed slot moved", m);
	for (p = in->p1[m]; p >= 0; p = (p == in->p1[m] ? in->p2[m] : -1))
		for (i = 0; i < in->nforb[p]; i++)
			if (in->forb[p][i] - 1 == t)
				b2b_err(c, "forbidden slot used", m);
	for (i = 0; i < in->nprec[m]; i++)
		if (slot[in->prec[m][i] - 1] >= t) {
			c->precviol++;
			b2b_err(c, "starts before a meeting it follows ends", m);
		}
}

/* Breaks of every participant and their spread, from slots alone. */
static void
b2b_breaks(const struct b2b *in, const unsigned char *use, struct b2b_check *c)
{
	int	 p, t, last, b, mn = -1, mx = 0;

	for (p = 0; p < in->nb; p++) {
		for (b = 0, last = -1, t = 0; t < in->ns; t++) {
			if (!use[p * in->ns + t])
				continue;
			if (last >= 0 && t > last + 1)
				b++;
			last = t;
		}
		c->breaks += b;
		if (mn < 0 || b < mn)
			mn = b;
		if (b > mx)
			mx = b;
	}
	c->spread = mx - (mn < 0 ? 0 : mn);
}

/* Independent check of an answer; fills c. */
static void
b2b_check(const struct b2b *in, const struct solver_answer *ans,
    struct b2b_check *c)
{
	unsigned char	*use = xcalloc((size_t)in->nb * in->ns, 1);
	unsigned char	*tab = xcalloc((size_t)in->nt * in->ns, 1);
	int		*slot = xcalloc((size_t)in->nm, sizeof *slot);
	int		 m, t, k;

	memset(c, 0, sizeof *c);
	for (m = 0; m < in->nm; m++) {
		const struct solver_placement *pl = &ans->placements[m];

		slot[m] = -1;
		if (pl->room < 0)
			continue;
		if (pl->start % SLOT != 0 || pl->end != pl->start + SLOT)
			b2b_err(c, "not on a slot", m);
		slot[m] = pl->start / SLOT;
	}
	for (m = 0; m < in->nm; m++) {
		if (slot[m] < 0) {
			b2b_unplaced(c, m, ans->placements[m].reason);
			continue;
		}
		c->placed++;
		b2b_check_meeting(in, slot, m, c);
		t = slot[m];
		k = ans->placements[m].room;
		if (k >= in->nt)
			b2b_err(c, "no such table", m);
		if (t < 0 || t >= in->ns || k >= in->nt)
			continue;
		if (tab[k * in->ns + t]++)
			b2b_err(c, "table used twice", m);
		if (use[in->p1[m] * in->ns + t]++ != 0)
			b2b_err(c, "participant in two meetings", m);
		if (use[in->p2[m] * in->ns + t]++ != 0)
			b2b_err(c, "participant in two meetings", m);
	}
	b2b_breaks(in, use, c);
	free(use);
	free(tab);
	free(slot);
}

/* The instance as JSON for the API script (-d): sizes, meetings
 * [p1, p2, session, fixed slot or -1], forbidden slots and each meeting's
 * precedences ("after": meetings it starts after), all 0-based. */
static void
b2b_dump(const char *name, const struct b2b *in)
{
	int	 m, p, i;

	printf("{\"name\": \"%s\", \"businesses\": %d, \"tables\": %d, "
	    "\"slots\": %d, \"morning\": %d, \"minutes\": %d, "
	    "\"meetings\": [", name, in->nb, in->nt, in->ns, in->nmorning, SLOT);
	for (m = 0; m < in->nm; m++)
		printf("%s[%d, %d, %d, %d]", m ? ", " : "", in->p1[m], in->p2[m],
		    in->sess[m], in->fixed[m]);
	printf("], \"forbidden\": [");
	for (p = 0; p < in->nb; p++) {
		printf("%s[", p ? ", " : "");
		for (i = 0; i < in->nforb[p]; i++)
			printf("%s%d", i ? ", " : "", in->forb[p][i] - 1);
		printf("]");
	}
	printf("], \"after\": [");
	for (m = 0; m < in->nm; m++) {
		printf("%s[", m ? ", " : "");
		for (i = 0; i < in->nprec[m]; i++)
			printf("%s%d", i ? ", " : "", in->prec[m][i] - 1);
		printf("]");
	}
	printf("]}\n");
}

/*
 * An answer read back through the API (-a): DIR/<name>.ans as written by
 * b2b-api.py. Meetings not listed are unplaced. 0, or -1 if unreadable.
 */
static int
b2b_read_answer(const char *name, const struct b2b *in,
    struct solver_answer *ans)
{
	char	*path = xasprintf("%s/%s.ans", b2b_answers, name);
	FILE	*f = fopen(path, "r");
	double	 wall = 0;
	int	 m, s, e, k;

	free(path);
	if (f == NULL || fscanf(f, "wall %lf", &wall) != 1) {
		if (f != NULL)
			fclose(f);
		return -1;
	}
	memset(ans, 0, sizeof *ans);
	ans->nplacements = in->nm;
	ans->placements = xcalloc((size_t)in->nm, sizeof *ans->placements);
	for (m = 0; m < in->nm; m++) {
		ans->placements[m].start = ans->placements[m].end = -1;
		ans->placements[m].room = -1;
		ans->placements[m].reason = SOLVER_CONFLICT;
	}
	while (fscanf(f, "%d %d %d %d", &m, &s, &e, &k) == 4 && m >= 0 &&
	    m < in->nm) {
		ans->placements[m].start = s;
		ans->placements[m].end = e;
		ans->placements[m].room = k;
		ans->placements[m].reason = SOLVER_PLACED;
	}
	fclose(f);
	ans->stats.elapsed_ms = wall * 1000;
	return 0;
}

/* Solve the instance, or read its answer from the API run (-a). */
static int
b2b_answer(const char *name, const struct b2b *in, const struct b2b_pb *x,
    const struct solver_options *opt, struct solver_answer *ans)
{
	if (b2b_answers != NULL)
		return b2b_read_answer(name, in, ans);
	return solver_solve(&x->pb, opt, ans);
}

/* Totals over the 20 originals. */
struct b2b_sum {
	int	 n, allplaced, within, fair, failed, files;
	int	 incomplete, feasible_incomplete;
	double	 maxsec, sumsec, maxcpu, sumcpu;
	int	 breaks, published;
};

/* CPU seconds used by this process. */
static double
b2b_cpu(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Solve and check one file; print its row. */
static void
b2b_run(const char *path, const struct solver_options *opt, struct b2b_sum *sum)
{
	const char		*base = strrchr(path, '/');
	char			*text = b2b_slurp(path), name[64], pub[16];
	struct b2b		 in;
	struct b2b_pb		 x;
	struct solver_answer	 ans;
	struct b2b_check	 c;
	int			 ref, orig;
	double			 sec, cpu;

	base = base != NULL ? base + 1 : path;
	snprintf(name, sizeof name, "%.*s", (int)(strlen(base) - 4), base);
	if (text == NULL || b2b_parse(text, &in) != 0) {
		printf("%-30s unreadable\n", name);
		sum->failed++;
		free(text);
		return;
	}
	if (b2b_dumping) {
		b2b_dump(name, &in);
		b2b_free(&in);
		free(text);
		return;
	}
	b2b_problem(&in, &x);
	cpu = b2b_cpu();
	if (b2b_answer(name, &in, &x, opt, &ans) != 0) {
		printf("%-30s %s\n", name, b2b_answers != NULL ?
		    "no answer through the API" : "solver refused the input");
		sum->failed++;
		b2b_problem_free(&x);
		b2b_free(&in);
		free(text);
		return;
	}
	cpu = b2b_cpu() - cpu;
	b2b_check(&in, &ans, &c);
	sec = ans.stats.elapsed_ms / 1000.0;
	ref = b2b_published(base);
	orig = strstr(base, ".original.") != NULL;
	if (ref >= 0)
		snprintf(pub, sizeof pub, "%d", ref);
	else
		snprintf(pub, sizeof pub, "%s", ref == -2 ? "-" : "");
	printf("%-30s %4d/%-4d %6d %6d %9s %8ld %6.3f %6.3f %s%s\n", name,
	    c.placed, in.nm, c.breaks, c.spread, pub, ans.stats.iterations,
	    sec, cpu, c.errors ? "FAIL: " : c.placed < in.nm ? "ok, unplaced: " :
	    "ok", c.errors ? c.first : c.placed < in.nm ? c.unplaced : "");
	sum->files++;
	if (c.errors)
		sum->failed++;
	if (c.placed < in.nm) {
		sum->incomplete++;
		if (ref >= 0)
			sum->feasible_incomplete++;
	}
	if (orig) {
		sum->n++;
		sum->allplaced += c.placed == in.nm && c.errors == 0;
		sum->within += ref >= 0 && c.breaks <= ref && c.errors == 0;
		sum->fair += c.spread <= 2;
		sum->breaks += c.breaks;
		sum->published += ref;
		sum->sumsec += sec;
		sum->sumcpu += cpu;
		if (sec > sum->maxsec)
			sum->maxsec = sec;
		if (cpu > sum->maxcpu)
			sum->maxcpu = cpu;
	}
	solver_answer_free(&ans);
	b2b_problem_free(&x);
	b2b_free(&in);
	free(text);
}

/* qsort comparator for file names. */
static int
b2b_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add path (a .dzn file, or a directory of them) to the list. */
static void
b2b_collect(const char *path, char ***files, int *n)
{
	DIR		*d = opendir(path);
	struct dirent	*de;
	size_t		 len;

	if (d == NULL) {
		*files = xrealloc(*files, (size_t)(*n + 1) * sizeof **files);
		(*files)[(*n)++] = xstrdup(path);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".dzn") != 0)
			continue;
		*files = xrealloc(*files, (size_t)(*n + 1) * sizeof **files);
		(*files)[(*n)++] = xasprintf("%s/%s", path, de->d_name);
	}
	closedir(d);
}

/* Print the summary over the originals. */
static void
b2b_summary(const struct b2b_sum *s)
{
	printf("\noriginals: %d instances; every meeting placed and checked: "
	    "%d/%d; total breaks <= published optimum: %d/%d; spread <= 2: "
	    "%d/%d\n", s->n, s->allplaced, s->n, s->within, s->n, s->fair, s->n);
	printf("originals: sum of breaks %d (published optima sum %d); "
	    "wall seconds: max %.3f, total %.3f; cpu seconds: max %.3f, "
	    "total %.3f\n", s->breaks, s->published, s->maxsec, s->sumsec,
	    s->maxcpu, s->sumcpu);
	printf("all files: %d solved, %d with a violation found by the "
	    "independent check; %d left meetings unplaced (%d of them with a "
	    "published solution under d = 2)\n", s->files, s->failed,
	    s->incomplete, s->feasible_incomplete);
}

int
main(int argc, char **argv)
{
	struct solver_options	 opt = { 1000, 1, 0 };
	struct b2b_sum		 sum;
	char			**files = NULL;
	int			 ch, i, n = 0;

	while ((ch = getopt(argc, argv, "s:t:i:a:d")) != -1) {
		if (ch == 'a')
			b2b_answers = optarg;
		else if (ch == 'd')
			b2b_dumping = 1;
		else if (ch == 's')
			opt.seed = strtoull(optarg, NULL, 10);
		else if (ch == 't')
			opt.time_limit_ms = atoi(optarg);
		else if (ch == 'i')
			opt.max_iterations = atol(optarg);
		else {
			fprintf(stderr, "usage: b2b [-s seed] [-t ms] [-i iters] "
			    "[-a dir | -d] [dir|file...]\n");
			return 2;
		}
	}
	for (i = optind; i < argc; i++)
		b2b_collect(argv[i], &files, &n);
	if (optind == argc)
		b2b_collect("../shared/bench/b2b", &files, &n);
	qsort(files, (size_t)n, sizeof *files, b2b_strcmp);
	memset(&sum, 0, sizeof sum);
	if (!b2b_dumping)
		printf("%-30s %9s %6s %6s %9s %8s %6s %6s %s\n", "instance",
		    "placed", "breaks", "spread", "published", "iters",
		    "wall s", "cpu s", "check");
	for (i = 0; i < n; i++) {
		b2b_run(files[i], &opt, &sum);
		fflush(stdout);
		free(files[i]);
	}
	free(files);
	if (b2b_dumping)
		return sum.failed ? 1 : 0;
	b2b_summary(&sum);
	return sum.failed || sum.allplaced < sum.n ? 1 : 0;
}
