/* certmap.c - the certmap tool's entry point: global options, the command
 * table and the help text (SPEC section 4). */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certmap/cmd.h"

struct command {
	const char *name;
	int (*fn)(const struct global *g, int argc, char **argv);
};

/* The commands of SPEC 4 not in this version have no function yet. */
static const struct command commands[] = {
	{ "lookup", cmd_lookup },
	{ "check", cmd_check },
	{ "explain", cmd_explain },
	{ "list", NULL },
	{ "add", NULL },
	{ "remove", NULL },
	{ "enable", NULL },
	{ "disable", NULL },
	{ "keys", NULL },
};

void cm_usage(FILE *f)
{
	fprintf(f,
		"Usage: certmap [-f MAPFILE] [-l LOCATION] COMMAND [ARGS]\n"
		"\n"
		"Look up, check and explain the certificate-to-user mappings of an IIS\n"
		"<oneToOneMappings> file, as pam_certmap reads it.\n"
		"\n"
		"Commands:\n"
		"  lookup CERT               print the userName CERT maps to at LOCATION\n"
		"  check                     validate MAPFILE; list its errors and warnings\n"
		"  explain CERT [--user U]   say step by step why CERT maps or does not\n"
		"\n"
		"Options:\n"
		"  -f MAPFILE   the mapping file (default %s)\n"
		"  -l LOCATION  the location to ask about, as pam_certmap's location=\n"
		"               (default \"\", the top level of the file)\n"
		"  -h, --help   show this help and exit\n"
		"  --version    show the version and exit\n"
		"\n"
		"CERT is a file holding a certificate in PEM, DER or base64, or - for\n"
		"standard input.\n"
		"\n"
		"Exit status: 0 success (mapped, no errors), 1 error, 2 not mapped.\n",
		MAPFILE_DEFAULT_PATH);
}

int cm_bad_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("certmap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n\n", stderr);
	cm_usage(stderr);
	return CM_EXIT_ERROR;
}

int cm_bad_option(int c, char **argv)
{
	char shortopt[3] = { '-', (char)optopt, '\0' };
	const char *last = argv[optind - 1];
	/* optopt names a short option; a long one is the argument just passed
	 * (glibc sets optopt to a long option's value when its argument is missing). */
	const char *name = optopt && !(c == ':' && strncmp(last, "--", 2) == 0) ? shortopt : last;

	if (c == ':')
		return cm_bad_usage("option '%s' needs a value", name);
	return cm_bad_usage("unknown option '%s'", name);
}

static int dispatch(const struct global *g, int argc, char **argv)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[0], commands[i].name) != 0)
			continue;
		if (!commands[i].fn) {
			cm_err("'%s' is not available in this version", argv[0]);
			return CM_EXIT_ERROR;
		}
		/* Each command parses its own options from its argv. */
		optind = 0;
		return commands[i].fn(g, argc, argv);
	}
	return cm_bad_usage("unknown command '%s'", argv[0]);
}

/* A failed write to stdout (a full disk, a closed pipe) must not exit 0. */
static int close_stdout(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cm_err("cannot write the output");
		return CM_EXIT_ERROR;
	}
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct global g = { MAPFILE_DEFAULT_PATH, "" };
	int c;

	opterr = 0;
	/* "+": stop at the command, whose options are its own. */
	while ((c = getopt_long(argc, argv, "+:f:l:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			g.mapfile = optarg;
			break;
		case 'l':
			g.location = optarg;
			break;
		case 'h':
			cm_usage(stdout);
			return close_stdout(CM_EXIT_OK);
		case 'V':
			printf("certmap (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			return close_stdout(CM_EXIT_OK);
		default:
			return cm_bad_option(c, argv);
		}
	}
	if (g.mapfile[0] == '\0')
		return cm_bad_usage("-f needs a file name");
	if (optind >= argc)
		return cm_bad_usage("no command given");
	return close_stdout(dispatch(&g, argc - optind, argv + optind));
}
