/*
 * fuzz_route.c — libFuzzer target for the router's path matching: any path
 * against every pattern shape kaigid uses must neither crash nor leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"

static const char *patterns[] = {
	"/healthz", "/api/v1/sessions/{id}", "/api/v1/sessions/{id}/cancel",
	"/feeds/{token}.ics", "/api/v1/conferences/{slug}/rooms/{id}/calendar.ics",
	"/", "/{a}/{b}/{c}/{d}/{e}",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One input: a path (NUL-terminated copy) matched against each pattern. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*path = malloc(size + 1), *names[REQ_MAX_PARAMS], *values[REQ_MAX_PARAMS];
	size_t	 i;
	int	 n, j;

	memcpy(path, data, size);
	path[size] = '\0';
	for (i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
		if (!route_path_match(patterns[i], path, &n, names, values, REQ_MAX_PARAMS))
			continue;
		for (j = 0; j < n; j++) {
			if (strchr(values[j], '/') != NULL)
				abort();	/* a capture never spans segments */
			free(names[j]);
			free(values[j]);
		}
	}
	free(path);
	return 0;
}
