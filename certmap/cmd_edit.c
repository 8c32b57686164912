/* cmd_edit.c - certmap add, remove, enable and disable: one entry of the
 * location's <oneToOneMappings> changes, the rest of the file stays as it was. */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "certmap/cmd.h"
#include "certmap/edit.h"
#include "certmap/editrun.h"
#include "certmap/tokread.h"

struct edit_args {
	enum edit_op op;
	const char *name;        /* of the command */
	const char *cert;        /* CERT, SHA256 or pkcs11: */
	const char *user;
	int disabled;
	long index;              /* pkcs11: the certificate to take, from 1; 0 none */
	const char *module;
};

enum { OPT_USER = 256, OPT_DISABLED, OPT_INDEX, OPT_MODULE };

static int parse_index(const char *s, long *out)
{
	char *end;
	long v;

	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || v < 1 || v == LONG_MAX)
		return -1;
	*out = v;
	return 0;
}

/* 0 to go on, 1 when the help was shown, -1 after a usage error. */
static int parse_args(int argc, char **argv, struct edit_args *a)
{
	static const struct option longopts[] = {
		{ "user", required_argument, NULL, OPT_USER },
		{ "disabled", no_argument, NULL, OPT_DISABLED },
		{ "index", required_argument, NULL, OPT_INDEX },
		{ "pkcs11-module", required_argument, NULL, OPT_MODULE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_USER:
		case OPT_DISABLED:
			if (a->op != EDIT_ADD) {
				cm_bad_usage("%s takes no '%s'", a->name,
					     c == OPT_USER ? "--user" : "--disabled");
				return -1;
			}
			if (c == OPT_USER)
				a->user = optarg;
			else
				a->disabled = 1;
			break;
		case OPT_INDEX:
			if (parse_index(optarg, &a->index) != 0) {
				cm_bad_usage("--index needs a number from 1, not '%s'", optarg);
				return -1;
			}
			break;
		case OPT_MODULE:
			a->module = optarg;
			break;
		case 'h':
			cm_usage(stdout);
			return 1;
		default:
			cm_bad_option(c, argv);
			return -1;
		}
	}
	if (argc - optind != 1) {
		cm_bad_usage("%s needs exactly one %s", a->name,
			     a->op == EDIT_ADD ? "CERT" : "CERT or SHA256");
		return -1;
	}
	a->cert = argv[optind];
	if (a->op == EDIT_ADD && a->user == NULL) {
		cm_bad_usage("add needs --user NAME");
		return -1;
	}
	if (a->op == EDIT_ADD && a->user[0] == '\0') {
		cm_bad_usage("--user needs a name: an empty userName maps nothing");
		return -1;
	}
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 64 hex digits, or 32 pairs joined by ':' as openssl prints them. */
static int parse_sha256(const char *s, unsigned char out[EDIT_SHA256_LEN])
{
	size_t len = strlen(s);
	int colons = len == EDIT_SHA256_LEN * 3 - 1;

	if (len != (size_t)EDIT_SHA256_LEN * 2 && !colons)
		return -1;
	for (size_t i = 0; i < EDIT_SHA256_LEN; i++) {
		const char *p = s + i * (colons ? 3 : 2);
		int hi = hex_digit(p[0]), lo = hex_digit(p[1]);

		if (hi < 0 || lo < 0 || (colons && i + 1 < EDIT_SHA256_LEN && p[2] != ':'))
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

static int get_cert(const struct edit_args *a, struct cm_cert *c)
{
	if (strncmp(a->cert, "pkcs11:", 7) == 0) {
		if (a->cert[7] != '\0') {
			cm_err("%s: only 'pkcs11:' is understood: it reads every token; choose "
			       "a certificate with --index N", a->cert);
			return -1;
		}
		return tokread_cert(a->module ? a->module : DEFAULT_PKCS11_MODULE, a->index, c);
	}
	if (a->index || a->module) {
		cm_err("--index and --pkcs11-module are for CERT 'pkcs11:' only");
		return -1;
	}
	return cm_cert_read(a->cert, c);
}

/* One edit of an entry: the request, and what the result must show. */
struct entry_edit {
	const struct global *g;
	struct edit_request rq;
	struct editrun run;
	int inactive;            /* the level maps nothing: worth a note */
};

static int check_result(void *ctx, const struct mapfile *mf, const char *buf, size_t len)
{
	struct entry_edit *x = ctx;
	const struct edit_request *rq = &x->rq;
	const struct mapfile_entry *e;
	struct edit_hit hit;
	struct mapfile_answer ans;
	int ok = 0;

	(void)buf;
	(void)len;
	memset(&ans, 0, sizeof(ans));
	if (edit_find(mf, rq, &hit) != 0) {
		cm_err("out of memory");
		return -1;
	}
	e = hit.entry;
	if (rq->der != NULL) {
		mapfile_query(mf, rq->location, 0, &ans);
		x->inactive = !ans.section_enabled || !ans.one_to_one_enabled;
	}
	switch (rq->op) {
	case EDIT_ADD:
		ok = hit.count == 1 && e != NULL && e->user_name != NULL &&
		     strcmp(e->user_name, rq->user) == 0 && e->enabled == !rq->disabled &&
		     ans.entry != NULL && ans.entry->user_name != NULL &&
		     strcmp(ans.entry->user_name, rq->user) == 0;
		break;
	case EDIT_REMOVE:
		ok = hit.count + 1 == x->run.before_count;
		break;
	case EDIT_ENABLE:
	case EDIT_DISABLE:
		ok = hit.count == x->run.before_count && e != NULL &&
		     e->enabled == (rq->op == EDIT_ENABLE);
		break;
	}
	if (!ok)
		cm_err("%s: the edited file does not show the change as it should; this is a "
		       "bug in certmap", x->g->mapfile);
	return ok ? 0 : -1;
}

/* The IIS words for an add whose certificate the level already has. */
static void duplicate(const char *path, const struct edit_request *rq,
		      const struct mapfile_entry *e)
{
	unsigned char start[13];

	/* Nine bytes are twelve base64 characters, as the file begins the value. */
	EVP_EncodeBlock(start, rq->der, 9);
	cm_err("%s:%lu: Cannot add duplicate collection entry of type 'add' with unique key "
	       "attribute 'certificate' set to '%s...'", path, e->line, (const char *)start);
}

/* No entry that an add would duplicate. */
static int check_before(void *ctx, const struct mapfile *mf)
{
	const struct entry_edit *x = ctx;
	struct mapfile_answer ans;

	if (x->rq.op != EDIT_ADD)
		return CM_EXIT_OK;
	mapfile_query(mf, x->rq.location, 0, &ans);
	if (ans.entry == NULL)
		return CM_EXIT_OK;
	duplicate(x->g->mapfile, &x->rq, ans.entry);
	return CM_EXIT_ERROR;
}

static enum edit_status apply(void *ctx, const char *old, size_t len, const struct mapfile *mf,
			      struct edit_result *res)
{
	const struct entry_edit *x = ctx;

	return edit_apply(old, len, mf, &x->rq, res);
}

static void done(void *ctx)
{
	const struct entry_edit *x = ctx;

	if (x->inactive && (x->rq.op == EDIT_ADD || x->rq.op == EDIT_ENABLE)) {
		char words[300];

		cm_err("note: the section or its one-to-one mappings are not enabled at %s: "
		       "the entry maps nothing until they are",
		       editrun_level_words(x->g->location, words, sizeof(words)));
	}
}

static int run_edit(const struct global *g, struct edit_args *a)
{
	unsigned char sha[EDIT_SHA256_LEN];
	struct cm_cert cert = { 0 };
	struct entry_edit x;
	struct edit_load before, after;
	char missing[512];
	int rc = CM_EXIT_ERROR;

	memset(&x, 0, sizeof(x));
	x.g = g;
	x.rq.op = a->op;
	x.rq.location = g->location;
	x.rq.user = a->user;
	x.rq.disabled = a->disabled;
	if (a->op != EDIT_ADD && parse_sha256(a->cert, sha) == 0) {
		x.rq.sha256 = sha;
	} else {
		/* Before the lock: the token helper may take a while. */
		if (get_cert(a, &cert) != 0)
			goto out;
		x.rq.der = cert.der;
		x.rq.der_len = cert.der_len;
	}
	snprintf(missing, sizeof(missing), "no entry for %s", a->cert);
	edit_load_init(&before, &x.rq, 1);
	edit_load_init(&after, &x.rq, 0);
	x.run = (struct editrun){
		.g = g, .op = a->op, .thing = "the entry", .missing = missing,
		.elsewhere = "it is mapped", .before = before.p, .after = after.p,
		.check_before = check_before, .apply = apply, .check_after = check_result,
		.done = done, .ctx = &x,
	};
	rc = editrun(&x.run);
out:
	cm_cert_free(&cert);
	return rc;
}

static int edit_command(const struct global *g, enum edit_op op, int argc, char **argv)
{
	struct edit_args a;
	int r;

	memset(&a, 0, sizeof(a));
	a.op = op;
	a.name = argv[0];
	r = parse_args(argc, argv, &a);
	if (r != 0)
		return r > 0 ? CM_EXIT_OK : CM_EXIT_ERROR;
	return run_edit(g, &a);
}

int cmd_add(const struct global *g, int argc, char **argv)
{
	return edit_command(g, EDIT_ADD, argc, argv);
}

int cmd_remove(const struct global *g, int argc, char **argv)
{
	return edit_command(g, EDIT_REMOVE, argc, argv);
}

int cmd_enable(const struct global *g, int argc, char **argv)
{
	return edit_command(g, EDIT_ENABLE, argc, argv);
}

int cmd_disable(const struct global *g, int argc, char **argv)
{
	return edit_command(g, EDIT_DISABLE, argc, argv);
}
