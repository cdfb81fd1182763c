/*
 * args.c — command-line arguments: long options and positional words.
 *
 * Every command names the options it takes (those with a value and plain
 * flags); the global ones (--url, --token, --json, ...) are accepted
 * everywhere, before or after the command name. Options may repeat
 * (--attendee 3 --attendee 4); "--" ends the options. The one short
 * option besides -h is -o, for --output, where a command takes it.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "kaigi.h"

/* Options accepted by every command. */
const char *const global_valued[] = {
	"url", "token", "conference", "timeout", NULL
};
const char *const global_flags[] = {
	"json", "help", "insecure-webcal-http", NULL
};

struct args_option {
	char	*name;
	char	*value;		/* NULL for a flag */
};

struct args {
	struct args_option	*opts;
	size_t			 nopts;
	char			**pos;
	int			 npos;
};

/* Is name in the NULL-terminated list? */
static int
args_in_list(const char *const *list, const char *name, size_t len)
{
	for (; list != NULL && *list != NULL; list++) {
		if (strlen(*list) == len && strncmp(*list, name, len) == 0)
			return 1;
	}
	return 0;
}

/* Remember one option. */
static void
args_add(struct args *a, const char *name, size_t len, const char *value)
{
	a->opts = xreallocarray(a->opts, a->nopts + 1, sizeof *a->opts);
	a->opts[a->nopts].name = xstrndup(name, len);
	a->opts[a->nopts].value = value ? xstrdup(value) : NULL;
	a->nopts++;
}

/* Parse one "--name[=value]" at argv[*i]; -1 with *cause on error. */
static int
args_parse_option(struct args *a, int argc, char **argv, int *i,
    const char *const *valued, const char *const *flags, char **cause)
{
	const char	*name = argv[*i] + 2, *eq = strchr(name, '=');
	size_t		 len = eq ? (size_t)(eq - name) : strlen(name);

	if (args_in_list(valued, name, len) ||
	    args_in_list(global_valued, name, len)) {
		if (eq != NULL)
			args_add(a, name, len, eq + 1);
		else if (*i + 1 < argc)
			args_add(a, name, len, argv[++*i]);
		else {
			*cause = xasprintf("option --%.*s needs a value",
			    (int)len, name);
			return -1;
		}
		return 0;
	}
	if (args_in_list(flags, name, len) ||
	    args_in_list(global_flags, name, len)) {
		if (eq != NULL) {
			*cause = xasprintf("option --%.*s takes no value",
			    (int)len, name);
			return -1;
		}
		args_add(a, name, len, NULL);
		return 0;
	}
	*cause = xasprintf("unknown option --%.*s", (int)len, name);
	return -1;
}

/* Parse argv (the words after the command name); NULL with *cause on error. */
struct args *
args_parse(int argc, char **argv, const char *const *valued,
    const char *const *flags, char **cause)
{
	struct args	*a = xcalloc(1, sizeof *a);
	int		 i, only_pos = 0;

	a->pos = xcalloc((size_t)argc + 1, sizeof *a->pos);
	for (i = 0; i < argc; i++) {
		if (!only_pos && strcmp(argv[i], "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (!only_pos && strcmp(argv[i], "-h") == 0) {
			args_add(a, "help", 4, NULL);
			continue;
		}
		/* -o FILE is --output FILE, for the commands that write one. */
		if (!only_pos && strcmp(argv[i], "-o") == 0 &&
		    args_in_list(valued, "output", 6)) {
			if (i + 1 >= argc) {
				*cause = xstrdup("option -o needs a value");
				args_free(a);
				return NULL;
			}
			args_add(a, "output", 6, argv[++i]);
			continue;
		}
		if (only_pos || strncmp(argv[i], "--", 2) != 0) {
			a->pos[a->npos++] = xstrdup(argv[i]);
			continue;
		}
		if (args_parse_option(a, argc, argv, &i, valued, flags,
		    cause) != 0) {
			args_free(a);
			return NULL;
		}
	}
	return a;
}

/* Free parsed arguments. */
void
args_free(struct args *a)
{
	size_t	i;
	int	j;

	if (a == NULL)
		return;
	for (i = 0; i < a->nopts; i++) {
		free(a->opts[i].name);
		free(a->opts[i].value);
	}
	for (j = 0; j < a->npos; j++)
		free(a->pos[j]);
	free(a->opts);
	free(a->pos);
	free(a);
}

/* Was the option given at all? */
int
args_has(struct args *a, const char *name)
{
	return args_count(a, name) > 0;
}

/* How many times was the option given? */
size_t
args_count(struct args *a, const char *name)
{
	size_t	i, n = 0;

	for (i = 0; i < a->nopts; i++) {
		if (strcmp(a->opts[i].name, name) == 0)
			n++;
	}
	return n;
}

/* The idx-th value of a repeated option, or NULL. */
const char *
args_value(struct args *a, const char *name, size_t idx)
{
	size_t	i;

	for (i = 0; i < a->nopts; i++) {
		if (strcmp(a->opts[i].name, name) != 0)
			continue;
		if (idx-- == 0)
			return a->opts[i].value;
	}
	return NULL;
}

/* The last value given for an option (later wins), or NULL. */
const char *
args_get(struct args *a, const char *name)
{
	size_t	n = args_count(a, name);

	return n == 0 ? NULL : args_value(a, name, n - 1);
}

/* Number of positional words. */
int
args_npos(struct args *a)
{
	return a->npos;
}

/* The i-th positional word, or NULL. */
const char *
args_pos(struct args *a, int i)
{
	return i < a->npos ? a->pos[i] : NULL;
}

/* An integer option within [min, max]; def if absent; -1 with *cause if bad. */
int
args_int(struct args *a, const char *name, long def, long min, long max,
    long *out, char **cause)
{
	const char	*s = args_get(a, name);
	char		*end;
	long		 v;

	if (s == NULL) {
		*out = def;
		return 0;
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max) {
		*cause = xasprintf("--%s: expected a number from %ld to %ld, "
		    "got '%s'", name, min, max, s);
		return -1;
	}
	*out = v;
	return 0;
}
