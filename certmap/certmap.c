/* certmap.c - the certmap tool's entry point: global options, the command
 * table and the help text (SPEC section 4). */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certmap/cmd.h"
#include "certmap/index.h"
#include "certmap/sync.h"

struct command {
	const char *name;
	int (*fn)(const struct global *g, int argc, char **argv);
};

/* The commands of SPEC 4 not in this version have no function yet. */
static const struct command commands[] = {
	{ "lookup", cmd_lookup },
	{ "check", cmd_check },
	{ "explain", cmd_explain },
	{ "list", cmd_list },
	{ "add", cmd_add },
	{ "remove", cmd_remove },
	{ "enable", cmd_enable },
	{ "disable", cmd_disable },
	{ "add-mapping", cmd_add_mapping },
	{ "remove-mapping", cmd_remove_mapping },
	{ "enable-mapping", cmd_enable_mapping },
	{ "disable-mapping", cmd_disable_mapping },
	{ "keys", cmd_keys },
	{ "sync", cmd_sync },
	{ "index", cmd_index },
};

void cm_usage(FILE *f)
{
	fprintf(f,
		"Usage: certmap [-f MAPFILE] [-l LOCATION] COMMAND [ARGS]\n"
		"\n"
		"Look up, check, explain and edit the certificate-to-user mappings of an IIS\n"
		"<iisClientCertificateMappingAuthentication> file, as pam_certmap reads it.\n"
		"\n"
		"Commands:\n"
		"  lookup [TRUST] CERT       print the userName CERT maps to at LOCATION\n"
		"  check                     validate MAPFILE; list its errors and warnings\n"
		"  explain [TRUST] CERT [--user U]\n"
		"                            say step by step why CERT maps or does not\n"
		"  add --user NAME [--disabled] CERT\n"
		"                            map CERT to NAME at LOCATION, creating the file or\n"
		"                            the location when missing\n"
		"  remove CERT|SHA256        remove CERT's entry at LOCATION\n"
		"  disable CERT|SHA256       set enabled=\"false\" on it\n"
		"  enable CERT|SHA256        drop its enabled=\"false\" (true is the default)\n"
		"  add-mapping NAME (--user USER | --deny) [--description TEXT] [--disabled]\n"
		"          [--case-insensitive] RULE...\n"
		"                            add a many-to-one mapping at LOCATION: each RULE is\n"
		"                            FIELD:SUBFIELD=CRITERIA, as Subject:OU=Staff or\n"
		"                            Issuer:CN=Example*; '*' is any run of characters\n"
		"  remove-mapping NAME       remove the many-to-one mapping NAME at LOCATION\n"
		"  disable-mapping NAME      set enabled=\"false\" on it\n"
		"  enable-mapping NAME       drop its enabled=\"false\"\n"
		"  list [--json]             every entry at every location: location, userName,\n"
		"                            enabled, SHA-256, subject, notAfter and status, one\n"
		"                            line each, TAB-separated (\"/\" is the top level);\n"
		"                            status is ok, disabled, expired (outside the validity\n"
		"                            period: past notAfter or not yet valid) or dead (the\n"
		"                            value is not a certificate: see check); then each\n"
		"                            many-to-one mapping: location, userName, enabled,\n"
		"                            \"many-to-one\", name, rules and status (allow, deny,\n"
		"                            disabled, no-rules or no-user)\n"
		"  keys [-v] USER            OpenSSH authorized_keys lines for the enabled, valid\n"
		"                            RSA and ECDSA certificates that map to account USER\n"
		"                            at LOCATION, for sshd's AuthorizedKeysCommand; exit 0\n"
		"                            even when there are none; -v says on stderr why an\n"
		"                            entry of USER is skipped; many-to-one mappings name\n"
		"                            no key and are not looked at\n"
		"  sync [--config FILE] [--max-drop PERCENT]\n"
		"                            copy the certificates of an LDAP directory into\n"
		"                            MAPFILE, between the certmap-sync markers of the\n"
		"                            location's <oneToOneMappings>; FILE, by default\n"
		"                            %s,\n"
		"                            names the directory (certmap(1))\n"
		"  index                     (re)build MAPFILE.cdb, the look-up index pam_certmap\n"
		"                            uses while it is current (edits and sync keep it so)\n"
		"\n"
		"Options:\n"
		"  -f MAPFILE   the mapping file (default %s)\n"
		"  -l LOCATION  the location to ask about, as pam_certmap's location=\n"
		"               (default \"\", the top level of the file)\n"
		"  -h, --help   show this help and exit\n"
		"  --version    show the version and exit\n"
		"\n"
		"CERT is a file holding a certificate in PEM, DER or base64, or - for\n"
		"standard input.  For add, remove, enable and disable it may also be\n"
		"pkcs11: for the certificate on the inserted token: --index N picks one of\n"
		"several, --pkcs11-module PATH names the PKCS#11 module (default\n"
		"%s).\n"
		"TRUST is pam_certmap's trust anchors: --ca-file PATH, --ca-dir PATH,\n"
		"--crl-file PATH; the chain must verify, and a many-to-one mapping maps only\n"
		"then (names prove nothing).\n"
		"SHA256 is the certificate's SHA-256 fingerprint (64 hex digits).  Edits keep\n"
		"every other byte of MAPFILE, lock MAPFILE.lock and replace it atomically.\n"
		"\n"
		"Exit status: 0 success (mapped, no errors), 1 error, 2 not mapped (or no\n"
		"such entry to edit).\n",
		SYNC_CONF_DEFAULT, MAPFILE_DEFAULT_PATH, DEFAULT_PKCS11_MODULE);
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

int cm_no_args(const char *name, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (opt != 'h')
			return cm_bad_option(opt, argv);
		cm_usage(stdout);
		return CM_EXIT_OK;
	}
	if (optind != argc)
		return cm_bad_usage("%s takes no arguments", name);
	return -1;
}

static int dispatch(const struct global *g, int argc, char **argv)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[0], commands[i].name) != 0)
			continue;
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
