/*
 * main.c — kaigi, the companion client of kaigid.
 *
 * Splits the command line into global options, the command's name (found
 * in cmd.c's table) and its arguments, loads the configuration and runs
 * the command. The exit status says how it went (see kaigi --help).
 */
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>


#include "kaigi.h"

/* Does argv[i] name a global option that takes a separate value? */
static int
main_takes_value(const char *arg)
{
	const char *const	*g;

	if (strncmp(arg, "--", 2) != 0 || strchr(arg, '=') != NULL)
		return 0;
	for (g = global_valued; *g != NULL; g++) {
		if (strcmp(arg + 2, *g) == 0)
			return 1;
	}
	return 0;
}

/* Index of the first word that is not a leading global option. */
static int
main_command_index(int argc, char **argv)
{
	int	i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return i + 1;
		if (argv[i][0] != '-')
			return i;
		if (main_takes_value(argv[i]))
			i++;
	}
	return argc;
}

/* Handle "kaigi", "kaigi --help", "kaigi --version" without a command. */
static int
main_no_command(int argc, char **argv, int ci)
{
	int	i;

	for (i = 1; i < ci && i < argc; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			printf("kaigi %s\n", KAIGI_VERSION);
			return EXIT_OK;
		}
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			cmd_print_help(stdout);
			return EXIT_OK;
		}
	}
	cmd_print_help(stderr);
	return EXIT_USAGE;
}

/* Parse, configure and run command e; returns the exit code. */
static int
main_run(const struct cmd_entry *e, int nargs, char **args)
{
	struct client	 c;
	struct args	*a;
	char		*cause = NULL;
	int		 rc;

	if ((a = args_parse(nargs, args, e->valued, e->flags, &cause)) ==
	    NULL) {
		rc = cmd_usage_error(e, cause);
		free(cause);
		return rc;
	}
	if (args_has(a, "help") && e != &cmd_help_entry) {
		args_free(a);
		return cmd_help_command(stdout, e->name, NULL);
	}
	if (args_npos(a) < e->min_args || args_npos(a) > e->max_args) {
		args_free(a);
		return cmd_usage_error(e, "wrong number of arguments");
	}
	if (config_load(&c, a, &cause) != 0) {
		warnx_kaigi("%s", cause);
		free(cause);
		rc = EXIT_USAGE;
	} else
		rc = e->exec(&c, a);
	config_free(&c);
	args_free(a);
	return rc;
}

/* Entry point. */
int
main(int argc, char **argv)
{
	const struct cmd_entry	 *e;
	char			**args;
	int			  ci, words, nargs, i, rc;

	setlocale(LC_CTYPE, "");
	/* A server closing early must give an error, not kill the process. */
	signal(SIGPIPE, SIG_IGN);
	ci = main_command_index(argc, argv);
	if (ci >= argc)
		return main_no_command(argc, argv, ci);
	if ((e = cmd_find(argc - ci, argv + ci, &words)) == NULL) {
		/* A family name alone ("kaigi session") lists its commands. */
		cmd_help_command(stderr, argv[ci], NULL);
		return EXIT_USAGE;
	}
	/* Leading global options, then the command's own words. */
	args = xcalloc((size_t)argc + 1, sizeof *args);
	nargs = 0;
	for (i = 1; i < ci; i++)
		if (strcmp(argv[i], "--") != 0)
			args[nargs++] = argv[i];
	for (i = ci + words; i < argc; i++)
		args[nargs++] = argv[i];
	rc = main_run(e, nargs, args);
	free(args);
	return rc;
}
