/*
 * tap.h — a minimal TAP producer for the C unit tests (header-only).
 */
#ifndef KAIGI_TAP_H
#define KAIGI_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

/* Report one check. */
#define ok(cond, ...) do {						\
	int ok_ = (cond) ? 1 : 0;					\
	printf("%sok %d - ", ok_ ? "" : "not ", ++tap_n);		\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	if (!ok_) {							\
		tap_failed++;						\
		printf("#   failed at %s:%d\n", __FILE__, __LINE__);	\
	}								\
} while (0)

/* Compare strings, showing both on failure. */
#define is_str(got, want, ...) do {					\
	const char *g_ = (got), *w_ = (want);				\
	ok(g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0, __VA_ARGS__); \
	if (!(g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0))		\
		printf("#   got: '%s'\n#   expected: '%s'\n",		\
		    g_ ? g_ : "(null)", w_ ? w_ : "(null)");		\
} while (0)

/* Print the plan at the end and return the exit status. */
static inline int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
