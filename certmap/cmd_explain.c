/* cmd_explain.c - certmap explain CERT [--user U]: walk the decisions
 * pam_certmap makes for one certificate (levels, entry, many-to-one walk,
 * key, dates, chain, account) and say which one stops it. */
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
#include "certchain.h"
#include "certmap/cmd.h"
#include "certmap/trustopt.h"

struct explain {
	const struct global *g;
	const struct cm_cert *cert;
	const char *want_user;     /* --user, or NULL */
	struct trust trust;        /* --ca-file ..., as the module's options */
	struct mapfile_answer ans;
	const char *user_name;     /* what the file maps the certificate to, or NULL */
	char *account;             /* the local account it resolves to, or NULL */
	char why[512];             /* the first reason it does not map; empty while it does */
};

static void deny(struct explain *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Only the first reason is the result: later steps depend on earlier ones. */
static void deny(struct explain *x, const char *fmt, ...)
{
	va_list ap;

	if (x->why[0])
		return;
	va_start(ap, fmt);
	vsnprintf(x->why, sizeof(x->why), fmt, ap);
	va_end(ap);
}

static int show_cert(const struct cm_cert *c)
{
	char hex[65], from[32], until[32];
	char *subject;

	if (cert_sha256_hex(c->x509, hex) != CERT_OK)
		return -1;
	subject = cert_subject(c->x509);
	if (!subject)
		return -1;
	cm_time_str(X509_get0_notBefore(c->x509), from);
	if (cert_not_after(c->x509, until) != CERT_OK)
		snprintf(until, sizeof(until), "(unreadable)");
	printf("certificate: %s\n", c->name);
	printf("  SHA-256:    %s\n", hex);
	printf("  subject:    %s\n", subject);
	printf("  not before: %s\n", from);
	printf("  not after:  %s\n", until);
	OPENSSL_free(subject);
	return 0;
}

/* The trace quotes userNames from the file: escape what would move the terminal. */
static void trace_line(void *ctx, const char *line)
{
	const unsigned char *p;

	(void)ctx;
	fputs("  ", stdout);
	for (p = (const unsigned char *)line; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			printf("\\x%02x", *p);
		else
			putchar(*p);
	}
	putchar('\n');
}

/* Where the certificate is in the file, when no entry is in force for it. */
struct elsewhere {
	const char *location;
	unsigned long cleared_line;   /* an entry at an applying level: a <clear/> dropped it */
	unsigned long other_line;     /* an entry at a level that does not apply */
	const char *other_level;
};

static void find_elsewhere(void *ctx, const char *level_path, const struct mapfile_entry *e)
{
	struct elsewhere *w = ctx;

	if (e->cand != 0)
		return;
	if (mapfile_path_applies(level_path, w->location)) {
		w->cleared_line = e->line;
	} else if (!w->other_line) {
		w->other_line = e->line;
		w->other_level = level_path;
	}
}

static void deny_no_entry(struct explain *x, const struct mapfile *mf, const char *qloc)
{
	struct elsewhere w = { x->g->location, 0, 0, NULL };
	char ql[160];

	if (x->ans.many_to_one_enabled && x->ans.many_to_one_count > 0) {
		deny(x, "no entry for this certificate at location %s, and no many-to-one mapping "
		     "matches it", qloc);
		return;
	}
	/* An applying level's entry is out of the effective collection only
	 * through <clear/>: a duplicate would have made the file invalid. */
	mapfile_foreach_entry(mf, find_elsewhere, &w);
	if (w.cleared_line)
		deny(x, "the entry of line %lu is cleared by a later <clear/>", w.cleared_line);
	else if (w.other_line)
		deny(x, "the certificate is mapped only at other locations (line %lu, "
		     "location %s)", w.other_line, cm_quote(w.other_level, ql, sizeof(ql)));
	else
		deny(x, "no entry for this certificate at location %s", qloc);
}

/* Why the many-to-one mapping that decided maps nothing. */
static void deny_mapping(struct explain *x, const struct mapfile_mapping *m)
{
	char qn[160];

	cm_quote(m->name, qn, sizeof(qn));
	if (m->deny)
		deny(x, "the many-to-one Deny mapping %s (line %lu) refuses it", qn, m->line);
	else
		deny(x, "the many-to-one mapping %s (line %lu) has no userName", qn, m->line);
}

static int explain_mapping(struct explain *x, const struct mapfile *mf)
{
	const struct mapfile_entry *e;
	char q[160];

	cm_quote(x->g->location, q, sizeof(q));
	printf("mapping file: %s\n", x->g->mapfile);
	mapfile_explain(mf, x->g->location, 0, x->cert->x509, trace_line, NULL);
	if (cm_query(x->g, mf, x->cert, &x->ans) != 0)
		return -1;
	x->user_name = mapfile_answer_user(&x->ans);
	if (x->user_name)
		return 0;
	/* Same order as the rule of mapfile_answer_user: the broadest first. */
	e = x->ans.entry;
	if (!x->ans.section_enabled)
		deny(x, "the section is not enabled at location %s", q);
	else if (e != NULL && !e->enabled)
		deny(x, "the entry of line %lu is disabled", e->line);
	else if (e != NULL)
		deny(x, "the entry of line %lu has no userName", e->line);
	else if (x->ans.mapping != NULL)
		deny_mapping(x, x->ans.mapping);
	else if (!x->ans.one_to_one_enabled &&
		 (!x->ans.many_to_one_enabled || x->ans.many_to_one_count == 0))
		deny(x, "one-to-one mappings are disabled at location %s", q);
	else
		deny_no_entry(x, mf, q);
	return 0;
}

/* The module refuses keys it could not verify a token's signature with, in
 * both sources, right after the entry (certkey.c). */
static void explain_key(struct explain *x)
{
	char why[256];

	if (cert_key_check(x->cert->x509, why, sizeof(why)) == CERT_OK) {
		printf("key: supported by pam_certmap\n");
		return;
	}
	printf("key: %s; pam_certmap refuses it\n", why);
	deny(x, "%s", why);
}

static void explain_validity(struct explain *x)
{
	char when[32];

	switch (cert_check_time(x->cert->x509, time(NULL))) {
	case CERT_TIME_OK:
		printf("validity: the certificate is valid now\n");
		break;
	case CERT_TIME_EXPIRED:
		if (cert_not_after(x->cert->x509, when) != CERT_OK)
			snprintf(when, sizeof(when), "(unreadable date)");
		printf("validity: the certificate expired on %s; pam_certmap refuses it "
		       "unless allow_expired is set\n", when);
		deny(x, "the certificate expired on %s", when);
		break;
	case CERT_TIME_NOT_YET_VALID:
		cm_time_str(X509_get0_notBefore(x->cert->x509), when);
		printf("validity: the certificate is not valid before %s\n", when);
		deny(x, "the certificate is not valid before %s", when);
		break;
	case CERT_TIME_BAD:
		printf("validity: the certificate's validity dates cannot be read\n");
		deny(x, "the certificate's validity dates cannot be read");
		break;
	}
}

/* The module's chain and revocation check, with certmap's trust options; a
 * many-to-one match counts only for a verified chain (names prove nothing).
 * Returns -1 on an error that is not an answer (CA or CRL files, memory). */
static int explain_trust(struct explain *x)
{
	const struct mapfile_mapping *m = x->user_name ? x->ans.mapping : NULL;
	struct revocation rev;
	char why[512], how[300];
	enum cert_status st;

	if (!trust_has_anchors(&x->trust)) {
		printf("chain: not checked (no --ca-file or --ca-dir); revocation: none\n");
		if (m != NULL) {
			printf("chain: a many-to-one match counts only for a verified chain: names "
			       "prove nothing; %s\n", CM_TRUST_HINT);
			deny(x, "a many-to-one match without a verified chain: %s", CM_TRUST_HINT);
		}
		return 0;
	}
	st = cert_verify_chain(x->cert->x509, NULL, &x->trust, time(NULL), &rev, why, sizeof(why));
	revocation_str(&rev, how, sizeof(how));
	if (st == CERT_CONFIG || st == CERT_NOMEM) {
		cm_err("%s", st == CERT_NOMEM ? "out of memory" : why);
		return -1;
	}
	printf("chain: %s; revocation: %s\n", st == CERT_OK ? "verified" : why, how);
	if (st != CERT_OK)
		deny(x, "%s", why);
	return 0;
}

/* Returns -1 on an error that is not an answer (memory, user database). */
static int explain_account(struct explain *x)
{
	char qn[160], qa[160], tried[512];
	const char *dom = x->ans.default_logon_domain;

	if (!x->user_name) {
		printf("account: not looked up, the certificate maps to no userName\n");
		return 0;
	}
	cm_quote(x->user_name, qn, sizeof(qn));
	switch (account_resolve(x->user_name, dom, NULL, &x->account)) {
	case ACCOUNT_OK:
		printf("account: userName %s is the local account %s\n", qn,
		       cm_quote(x->account, qa, sizeof(qa)));
		return 0;
	case ACCOUNT_UNKNOWN:
		if (cm_names_tried(x->user_name, dom, tried, sizeof(tried)) != 0)
			break;
		printf("account: userName %s is not a local account%s\n", qn, tried);
		deny(x, "userName %s is not a local account", qn);
		return 0;
	case ACCOUNT_ERROR:
		printf("account: the user database could not be asked\n");
		cm_err("cannot look up userName %s: the user database could not be asked", qn);
		return -1;
	case ACCOUNT_NOMEM:
		break;
	}
	cm_err("out of memory");
	return -1;
}

static void explain_user(struct explain *x)
{
	char qa[160], qw[160];

	if (!x->account)
		return;
	cm_quote(x->account, qa, sizeof(qa));
	if (!x->want_user) {
		printf("user: no --user given; with PAM_USER unset, pam_certmap logs in as %s\n",
		       qa);
		return;
	}
	cm_quote(x->want_user, qw, sizeof(qw));
	if (strcmp(x->want_user, x->account) == 0) {
		printf("user: %s is the --user given\n", qa);
		return;
	}
	printf("user: the certificate maps to %s, not to %s\n", qa, qw);
	deny(x, "it maps to %s, not to %s", qa, qw);
}

int cmd_explain(const struct global *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "user", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		CM_TRUST_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct explain x;
	struct cm_cert cert = { 0 };
	struct mapfile *mf = NULL;
	struct mapfile_error err;
	int rc = CM_EXIT_ERROR;
	int c, t;

	memset(&x, 0, sizeof(x));
	while ((c = getopt_long(argc, argv, ":u:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'u':
			x.want_user = optarg;
			break;
		case 'h':
			cm_usage(stdout);
			return CM_EXIT_OK;
		default:
			t = cm_trust_option(c, optarg, &x.trust);
			if (t <= 0)
				return t == 0 ? cm_bad_option(c, argv) : CM_EXIT_ERROR;
		}
	}
	if (argc - optind != 1)
		return cm_bad_usage("explain needs exactly one CERT");
	if (cm_trust_check(&x.trust) != 0)
		return CM_EXIT_ERROR;

	x.g = g;
	x.cert = &cert;
	if (cm_cert_read(argv[optind], &cert) != 0)
		goto out;
	if (cm_load(g, &cert, 0, &mf, &err) != MAPFILE_OK) {
		cm_print_load_error(g->mapfile, &err);
		goto out;
	}
	if (show_cert(&cert) != 0) {
		cm_err("%s: cannot read the certificate's fingerprint or subject", cert.name);
		goto out;
	}
	if (explain_mapping(&x, mf) != 0)
		goto out;
	explain_key(&x);
	explain_validity(&x);
	if (explain_trust(&x) != 0 || explain_account(&x) != 0)
		goto out;
	explain_user(&x);
	if (x.why[0]) {
		printf("result: does not map: %s\n", x.why);
		rc = CM_EXIT_NO;
		goto out;
	}
	printf("result: maps to %s\n", x.account);
	rc = CM_EXIT_OK;
out:
	free(x.account);
	if (mf)
		mapfile_free(mf);
	cm_cert_free(&cert);
	return rc;
}
