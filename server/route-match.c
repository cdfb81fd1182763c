/*
 * route-match.c — pure path matching for the router: literal segments and
 * {name} captures, including captures with a literal suffix ("{token}.ics").
 * No I/O and no table here, so the unit tests and the fuzz target link it alone.
 */
#include <stdlib.h>
#include <string.h>

#include "route.h"
#include "util.h"

/* Length of the next path segment. */
static size_t
route_seglen(const char *s)
{
	return strcspn(s, "/");
}

/*
 * Match one pattern segment against one path segment. A pattern segment
 * "{name}" captures the whole segment; "{name}.ics" captures what precedes
 * the literal suffix. Captures must not be empty. Returns 1 on a match.
 */
static int
route_segment(const char *pat, size_t plen, const char *seg, size_t slen,
    char **name, char **value)
{
	const char	*close;
	size_t		 suffix;

	if (plen == 0 || pat[0] != '{')
		return plen == slen && memcmp(pat, seg, plen) == 0;
	close = memchr(pat, '}', plen);
	if (close == NULL)
		return 0;
	suffix = plen - (size_t)(close + 1 - pat);
	if (slen <= suffix || memcmp(seg + slen - suffix, close + 1, suffix) != 0)
		return 0;
	if (name != NULL) {
		*name = xstrndup(pat + 1, (size_t)(close - pat - 1));
		*value = xstrndup(seg, slen - suffix);
	}
	return 1;
}

/* Free captures made by route_path_match. */
void
route_free_captures(int n, char **names, char **values)
{
	while (n-- > 0) {
		free(names[n]);
		free(values[n]);
	}
}

/*
 * Match a whole path against a pattern, capturing {names} (undecoded).
 * Pure: used by the router, the tests and the fuzz target.
 */
int
route_path_match(const char *pattern, const char *path, int *nparams,
    char **names, char **values, int max)
{
	const char	*p = pattern, *s = path, *seg = pattern;
	size_t		 plen, slen;
	int		 n = 0, capture;

	/*
	 * Cheap rejection on the literal text before the first capture, then
	 * segment by segment from the start of the segment that holds it.
	 */
	for (; *p != '\0' && *p != '{'; p++, s++) {
		if (*p != *s)
			return 0;
		if (*p == '/')
			seg = p;
	}
	if (*p == '{') {
		s -= p - seg;
		p = seg;
	}
	while (*p == '/' && *s == '/') {
		p++;
		s++;
		plen = route_seglen(p);
		slen = route_seglen(s);
		capture = plen > 0 && p[0] == '{';
		if (capture && n >= max)
			break;
		if (!route_segment(p, plen, s, slen, capture ? &names[n] : NULL,
		    capture ? &values[n] : NULL))
			break;
		n += capture;
		p += plen;
		s += slen;
	}
	if (*p == '\0' && *s == '\0') {
		*nparams = n;
		return 1;
	}
	route_free_captures(n, names, values);
	return 0;
}

