/*
 * config.c — where the client talks to and as whom.
 *
 * Each setting comes from the first of: the command-line option (--url,
 * --token, --conference, --timeout), the environment (KAIGI_URL,
 * KAIGI_TOKEN, KAIGI_CONFERENCE, KAIGI_TIMEOUT), the INI file named by
 * KAIGI_CONFIG or else $XDG_CONFIG_HOME/kaigi/config or
 * ~/.config/kaigi/config (keys url=, token=, conference=, timeout=, in any
 * section or none), read with libinih.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "kaigi.h"

/* Settings read from the configuration file. */
struct config_file {
	char	*url;
	char	*token;
	char	*conference;
	char	*timeout;
};

/* libinih handler: keep the keys we know, whatever the section. */
static int
config_ini_handler(void *arg, const char *section, const char *name,
    const char *value)
{
	struct config_file	*f = arg;
	char			**slot = NULL;

	(void)section;
	if (strcmp(name, "url") == 0)
		slot = &f->url;
	else if (strcmp(name, "token") == 0)
		slot = &f->token;
	else if (strcmp(name, "conference") == 0)
		slot = &f->conference;
	else if (strcmp(name, "timeout") == 0)
		slot = &f->timeout;
	if (slot != NULL) {
		free(*slot);
		*slot = xstrdup(value);
	}
	return 1;
}

/* The configuration file's path; caller frees. */
static char *
config_path(void)
{
	const char	*p;

	if ((p = getenv("KAIGI_CONFIG")) != NULL && *p != '\0')
		return xstrdup(p);
	if ((p = getenv("XDG_CONFIG_HOME")) != NULL && *p != '\0')
		return xasprintf("%s/kaigi/config", p);
	if ((p = getenv("HOME")) != NULL && *p != '\0')
		return xasprintf("%s/.config/kaigi/config", p);
	return NULL;
}

/* Read the configuration file if there is one; -1 with *cause if broken. */
static int
config_read_file(struct config_file *f, char **cause)
{
	char	*path = config_path();
	int	 rc;

	if (path == NULL)
		return 0;
	rc = ini_parse(path, config_ini_handler, f);
	if (rc == -1 && errno == ENOENT && getenv("KAIGI_CONFIG") == NULL)
		rc = 0;
	if (rc != 0) {
		if (rc > 0)
			*cause = xasprintf("%s:%d: syntax error", path, rc);
		else
			*cause = xasprintf("%s: cannot read", path);
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

/* The first non-empty of option, environment variable and file value. */
static char *
config_pick(struct args *a, const char *opt, const char *env, char *file)
{
	const char	*v = args_get(a, opt);

	if (v == NULL || *v == '\0')
		v = getenv(env);
	if (v == NULL || *v == '\0')
		v = file;
	if (v == NULL || *v == '\0')
		return NULL;
	return xstrdup(v);
}

/* Fill c from options, environment and file; -1 with *cause on error. */
int
config_load(struct client *c, struct args *a, char **cause)
{
	struct config_file	 f = { NULL, NULL, NULL, NULL };
	char			*timeout, *end;
	size_t			 len;
	int			 rc = 0;

	memset(c, 0, sizeof *c);
	if (config_read_file(&f, cause) != 0)
		rc = -1;
	c->url = config_pick(a, "url", "KAIGI_URL", f.url);
	c->token = config_pick(a, "token", "KAIGI_TOKEN", f.token);
	c->conference = config_pick(a, "conference", "KAIGI_CONFERENCE",
	    f.conference);
	c->json = args_has(a, "json");
	c->insecure_webcal = args_has(a, "insecure-webcal-http");
	c->timeout = 30;
	timeout = config_pick(a, "timeout", "KAIGI_TIMEOUT", f.timeout);
	if (rc == 0 && timeout != NULL) {
		c->timeout = (int)strtol(timeout, &end, 10);
		if (*end != '\0' || c->timeout < 1 || c->timeout > 86400) {
			*cause = xasprintf("bad timeout '%s' (seconds, 1 to "
			    "86400)", timeout);
			rc = -1;
		}
	}
	if (c->url != NULL && (len = strlen(c->url)) > 0 &&
	    c->url[len - 1] == '/')
		c->url[len - 1] = '\0';
	free(timeout);
	free(f.url);
	free(f.token);
	free(f.conference);
	free(f.timeout);
	return rc;
}

/* Free what config_load allocated. */
void
config_free(struct client *c)
{
	free(c->url);
	free(c->token);
	free(c->conference);
	if (c->conference_obj != NULL)
		json_decref(c->conference_obj);
	if (c->rooms_obj != NULL)
		json_decref(c->rooms_obj);
}
