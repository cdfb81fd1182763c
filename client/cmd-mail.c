/*
 * cmd-mail.c — kaigi mail [list]: the change mails kaigid delivered to its
 * Maildir (the embedded default when no smtp_url is set: var/mail, see
 * server/outbox.c), one line each: file, date, recipient, subject. Reads
 * the Maildir's new/ and cur/ directly (no server needed); the Subject's
 * RFC 2047 encoded words (UTF-8, base64, as kaigid writes them) are
 * decoded.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "kaigi.h"

#define MAIL_HEADER_MAX	4096	/* longest unfolded header kept */

static const char *const cmd_mail_valued[] = { "maildir", NULL };

/* One encoded word "=?UTF-8?B?...?=" decoded, or a copy of s. */
static char *
mail_decode(const char *s)
{
	size_t		 n = strlen(s), len;
	unsigned char	*out;
	int		 got;

	if (n < 12 || strncasecmp(s, "=?UTF-8?B?", 10) != 0 ||
	    strcmp(s + n - 2, "?=") != 0)
		return xstrdup(s);
	len = n - 12;
	out = xmalloc(len + 1);
	got = EVP_DecodeBlock(out, (const unsigned char *)s + 10, (int)len);
	if (got < 0) {
		free(out);
		return xstrdup(s);
	}
	while (got > 0 && len > 0 && s[10 + len - 1] == '=') {	/* padding */
		got--;
		len--;
	}
	out[got] = '\0';
	return (char *)out;
}

/* Add header line (unfolded) to msg if it is one we show. */
static void
mail_header(json_t *msg, const char *line)
{
	static const char *const keep[][2] = { { "Date:", "date" },
	    { "To:", "to" }, { "Subject:", "subject" },
	    { "Message-ID:", "message_id" } };
	size_t	i, k;
	char	*v;

	for (i = 0; i < sizeof keep / sizeof keep[0]; i++) {
		k = strlen(keep[i][0]);
		if (strncasecmp(line, keep[i][0], k) != 0)
			continue;
		line += k + strspn(line + k, " \t");
		v = mail_decode(line);
		json_object_set_new(msg, keep[i][1], json_string(v));
		free(v);
	}
}

/* The shown headers of file path as {file, date, to, subject, message_id}. */
static json_t *
mail_read(const char *path, const char *name)
{
	FILE	*f = fopen(path, "r");
	char	 line[MAIL_HEADER_MAX], cur[MAIL_HEADER_MAX] = "";
	json_t	*msg;
	size_t	 n;

	if (f == NULL)
		return NULL;
	msg = json_pack("{s:s}", "file", name);
	while (fgets(line, sizeof line, f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == ' ' || line[0] == '\t') {	/* folded */
			n = strlen(cur);
			snprintf(cur + n, sizeof cur - n, " %s",
			    line + strspn(line, " \t"));
			continue;
		}
		mail_header(msg, cur);
		if (line[0] == '\0')
			break;
		snprintf(cur, sizeof cur, "%s", line);
	}
	fclose(f);
	return msg;
}

/* Append the messages of dir/sub to list; -1 if dir/sub cannot be read. */
static int
mail_scan(const char *dir, const char *sub, json_t *list)
{
	struct dirent	**ents;
	char		 *d = xasprintf("%s/%s", dir, sub), *p, *name;
	json_t		 *msg;
	int		  i, n = scandir(d, &ents, NULL, alphasort);

	if (n < 0) {
		free(d);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.') {
			p = xasprintf("%s/%s", d, ents[i]->d_name);
			name = xasprintf("%s/%s", sub, ents[i]->d_name);
			if ((msg = mail_read(p, name)) != NULL)
				json_array_append_new(list, msg);
			free(p);
			free(name);
		}
		free(ents[i]);
	}
	free(ents);
	free(d);
	return 0;
}

/*
 * The messages of Maildir dir into list; -1 (said) if it is none. The
 * default var/mail not there yet is no error: kaigid makes it when it
 * delivers its first message without smtp_url (a fresh `make run`).
 */
static int
mail_gather(const char *dir, int is_default, json_t *list)
{
	struct stat	st;

	if (is_default && stat(dir, &st) != 0 && errno == ENOENT) {
		warnx_kaigi("no mail yet: %s does not exist (kaigid makes it"
		    " when it delivers its first message without smtp_url)", dir);
		return 0;
	}
	if (mail_scan(dir, "new", list) + mail_scan(dir, "cur", list) == -2) {
		warnx_kaigi("%s is no Maildir (no new/ or cur/ to read)", dir);
		return -1;
	}
	return 0;
}

/* kaigi mail [list] [--maildir DIR]. */
static int
cmd_mail_run(struct client *c, struct args *a)
{
	const char	*dir = args_has(a, "maildir") ? args_get(a, "maildir") :
	    "var/mail";
	struct table	*t;
	json_t		*list = json_array(), *v;
	size_t		 i;

	if (args_pos(a, 0) != NULL && strcmp(args_pos(a, 0), "list") != 0) {
		json_decref(list);
		return cmd_usage_error(&cmd_mail_entry, "the only subcommand is list");
	}
	if (mail_gather(dir, !args_has(a, "maildir"), list) != 0) {
		json_decref(list);
		return EXIT_USAGE;
	}
	if (c->json)
		api_print_json(list);
	else {
		t = table_new(4, "FILE", "DATE", "TO", "SUBJECT");
		json_array_foreach(list, i, v)
			table_add(t, api_str(v, "file"), api_str(v, "date"),
			    api_str(v, "to"), api_str(v, "subject"));
		table_print(t, stdout);
		table_free(t);
	}
	json_decref(list);
	return EXIT_OK;
}

const struct cmd_entry cmd_mail_entry = {
	.name = "mail",
	.usage = "[list] [--maildir DIR]",
	.summary = "list the change mails in kaigid's Maildir (default var/mail)",
	.valued = cmd_mail_valued,
	.max_args = 1,
	.offline = 1,
	.exec = cmd_mail_run,
};
