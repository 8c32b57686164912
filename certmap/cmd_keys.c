/* cmd_keys.c - certmap keys USER: OpenSSH authorized_keys lines for the
 * certificates that map to USER at the location, for sshd's AuthorizedKeysCommand. */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "account.h"
#include "cert.h"
#include "cert_ssh.h"
#include "certmap/cmd.h"
#include "certmap/trustopt.h"

struct keys {
	const char *path;
	const char *user;
	int verbose;
	time_t now;
	struct trust trust;     /* --ca-file ...: chain and revocation as the module checks */
	unsigned long printed;
	int nomem;
	int config_error;       /* the CA or CRL files cannot be used: no answer at all */
};

static void skip(const struct keys *k, const struct mapfile_entry *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* sshd discards the command's stderr; --verbose is for an admin at a shell. */
static void skip(const struct keys *k, const struct mapfile_entry *e, const char *fmt, ...)
{
	va_list ap;

	if (!k->verbose)
		return;
	fprintf(stderr, "certmap: %s:%lu: skipped: ", k->path, e->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Does the entry's userName resolve (SPEC 3.4) to USER's account?  The
 * module compares the same way: the resolved name against PAM's user. */
static int is_users(struct keys *k, const struct mapfile_answer *ans, const char *name)
{
	char *acct = NULL;
	char q[160];
	int res = 0;

	switch (account_resolve(name, ans->default_logon_domain, NULL, &acct)) {
	case ACCOUNT_OK:
		res = strcmp(acct, k->user) == 0;
		break;
	case ACCOUNT_NOMEM:
		k->nomem = 1;
		break;
	case ACCOUNT_ERROR:
		/* Cannot tell whose it is: not USER's, which only ever denies. */
		skip(k, ans->entry, "the user database could not be asked about userName %s",
		     cm_quote(name, q, sizeof(q)));
		break;
	case ACCOUNT_UNKNOWN:
		break;
	}
	free(acct);
	return res;
}

/* One authorized_keys line.  The comment is the RFC 2253 subject, which
 * escapes control bytes; a stray one is still replaced, since a newline
 * there would start a key line of its own. */
static void print_key(const char *type, const char *b64, const char *subject)
{
	printf("%s %s", type, b64);
	if (*subject)
		putchar(' ');
	for (; *subject; subject++)
		putchar((unsigned char)*subject < 0x20 || *subject == 0x7f ? '?' : *subject);
	putchar('\n');
}

/* With trust options, the chain and revocation check of the module: a
 * revoked certificate gets no line.  1 when X passes. */
static int keys_trusted(struct keys *k, const struct mapfile_entry *e, X509 *x)
{
	struct revocation rev;
	char why[512], how[300];

	if (!trust_has_anchors(&k->trust))
		return 1;
	switch (cert_verify_chain(x, NULL, &k->trust, k->now, &rev, why, sizeof(why))) {
	case CERT_OK:
		revocation_str(&rev, how, sizeof(how));
		if (k->verbose)
			cm_err("%s:%lu: chain verified, revocation: %s", k->path, e->line, how);
		return 1;
	case CERT_NOMEM:
		k->nomem = 1;
		return 0;
	case CERT_CONFIG:
		cm_err("%s", why);
		k->config_error = 1;
		return 0;
	default:
		skip(k, e, "%s", why);
		return 0;
	}
}

static void keys_cert(struct keys *k, const struct mapfile_entry *e, X509 *x)
{
	const char *type = NULL;
	char *b64 = NULL, *subject = NULL;
	char why[256], when[32];

	switch (cert_check_time(x, k->now)) {
	case CERT_TIME_OK:
		break;
	case CERT_TIME_EXPIRED:
		if (cert_not_after(x, when) != CERT_OK)
			snprintf(when, sizeof(when), "(unreadable date)");
		skip(k, e, "certificate expired on %s", when);
		return;
	case CERT_TIME_NOT_YET_VALID:
		skip(k, e, "certificate not yet valid");
		return;
	case CERT_TIME_BAD:
		skip(k, e, "certificate validity dates cannot be read");
		return;
	}
	if (cert_key_check(x, why, sizeof(why)) != CERT_OK) {
		skip(k, e, "%s", why);
		return;
	}
	if (!keys_trusted(k, e, x))
		return;
	switch (cert_ssh_x509(x, &type, &b64, why, sizeof(why))) {
	case CERT_SSH_OK:
		break;
	case CERT_SSH_NOMEM:
		k->nomem = 1;
		return;
	default:
		skip(k, e, "%s", why);
		return;
	}
	subject = cert_subject(x);
	if (subject == NULL)
		k->nomem = 1;
	else
		print_key(type, b64, subject);
	k->printed += subject != NULL;
	free(b64);
	OPENSSL_free(subject);
}

static void keys_entry(void *ctx, const struct mapfile_answer *ans)
{
	struct keys *k = ctx;
	const struct mapfile_entry *e = ans->entry;
	/* NULL when the section, one-to-one mappings or the entry are disabled. */
	const char *name = mapfile_answer_user(ans);
	X509 *x = NULL;
	char why[128];

	if (k->nomem || k->config_error || name == NULL || !is_users(k, ans, name))
		return;
	if (e->dead != MAPFILE_LIVE || e->certificate == NULL) {
		skip(k, e, "certificate value is not a certificate: %s",
		     mapfile_dead_reason(e->dead));
		return;
	}
	switch (cert_from_bytes((const unsigned char *)e->certificate, strlen(e->certificate),
				&x, why, sizeof(why))) {
	case CERT_OK:
		keys_cert(k, e, x);
		break;
	case CERT_NOMEM:
		k->nomem = 1;
		break;
	default:
		skip(k, e, "certificate value is base64 but not an X.509 certificate");
		break;
	}
	X509_free(x);
}

/* For --verbose: how many keys, and whether USER is an account at all. */
static void summary(const struct keys *k, const char *location)
{
	char *acct = NULL;
	char q[160], l[160];

	if (k->printed == 0 && account_resolve(k->user, NULL, NULL, &acct) == ACCOUNT_UNKNOWN)
		cm_err("%s is not a local account", cm_quote(k->user, q, sizeof(q)));
	free(acct);
	cm_err("%lu key%s for %s at location %s", k->printed, k->printed == 1 ? "" : "s",
	       cm_quote(k->user, q, sizeof(q)), cm_quote(location, l, sizeof(l)));
}

int cmd_keys(const struct global *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		CM_TRUST_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct keys k;
	struct mapfile *mf = NULL;
	struct mapfile_error err;
	int rc = CM_EXIT_ERROR;
	int c, t;

	memset(&k, 0, sizeof(k));
	while ((c = getopt_long(argc, argv, ":vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'v':
			k.verbose = 1;
			break;
		case 'h':
			cm_usage(stdout);
			return CM_EXIT_OK;
		default:
			t = cm_trust_option(c, optarg, &k.trust);
			if (t <= 0)
				return t == 0 ? cm_bad_option(c, argv) : CM_EXIT_ERROR;
		}
	}
	if (argc - optind != 1 || argv[optind][0] == '\0')
		return cm_bad_usage("keys needs exactly one USER");
	if (cm_trust_check(&k.trust) != 0)
		return CM_EXIT_ERROR;

	k.path = g->mapfile;
	k.user = argv[optind];
	k.now = time(NULL);
	if (cm_load(g, NULL, 1, &mf, &err) != MAPFILE_OK) {
		cm_print_load_error(g->mapfile, &err);
		goto out;
	}
	mapfile_foreach_effective(mf, g->location, keys_entry, &k);
	if (k.nomem)
		cm_err("out of memory");
	if (k.nomem || k.config_error)
		goto out;
	if (k.verbose)
		summary(&k, g->location);
	rc = CM_EXIT_OK;
out:
	if (mf)
		mapfile_free(mf);
	return rc;
}
