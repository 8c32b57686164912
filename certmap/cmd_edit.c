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
#include "certmap/commit.h"
#include "certmap/edit.h"
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

/* What the result must show, checked before it replaces the file. */
struct expect {
	const struct global *g;
	const struct edit_request *rq;
	size_t before;           /* entries for the certificate at the level, before */
	int inactive;            /* the level maps nothing: worth a note */
};

static int check_result(void *ctx, const struct mapfile *mf, const char *buf, size_t len)
{
	struct expect *x = ctx;
	const struct edit_request *rq = x->rq;
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
		ok = hit.count == 1 && e != NULL && e->user_name != NULL && strcmp(e->user_name, rq->user) == 0 &&
		     e->enabled == !rq->disabled && ans.entry != NULL &&
		     ans.entry->user_name != NULL && strcmp(ans.entry->user_name, rq->user) == 0;
		break;
	case EDIT_REMOVE:
		ok = hit.count + 1 == x->before;
		break;
	case EDIT_ENABLE:
	case EDIT_DISABLE:
		ok = hit.count == x->before && e != NULL && e->enabled == (rq->op == EDIT_ENABLE);
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

/* The file as it stands must be valid, and hold no entry that an add would
 * duplicate.  Its model, with positions for the edit, goes to *MF.
 * CM_EXIT_OK to go on. */
static int check_before(const struct global *g, const struct commit *c,
			const struct edit_request *rq, struct mapfile **mf)
{
	struct edit_load l;
	struct mapfile_error err;
	struct mapfile_answer ans;

	edit_load_init(&l, rq, 1);
	memset(&err, 0, sizeof(err));
	if (mapfile_parse_buffer(c->old, c->old_len, &l.p, mf, &err) != MAPFILE_OK) {
		cm_print_load_error(g->mapfile, &err);
		cm_err("%s: fix the file first ('certmap check' lists its problems); it was left "
		       "unchanged", g->mapfile);
		return CM_EXIT_ERROR;
	}
	if (rq->op == EDIT_ADD) {
		mapfile_query(*mf, rq->location, 0, &ans);
		if (ans.entry != NULL) {
			duplicate(g->mapfile, rq, ans.entry);
			return CM_EXIT_ERROR;
		}
	}
	return CM_EXIT_OK;
}

static const char *level_words(const char *location, char *buf, size_t len)
{
	char q[256];

	if (location[0] == '\0')
		return "the top level";
	snprintf(buf, len, "location %s", cm_quote(location, q, sizeof(q)));
	return buf;
}

/* What edit_apply said, for the administrator; the exit code. */
static int edit_outcome(const struct global *g, const struct edit_args *a, struct commit *c,
			struct expect *x, struct edit_result *res, enum edit_status st)
{
	static const char *const state[] = { [EDIT_ENABLE] = "enabled",
					     [EDIT_DISABLE] = "disabled" };
	const struct edit_request *rq = x->rq;
	struct edit_load l;
	char words[300];

	switch (st) {
	case EDIT_OK:
		break;
	case EDIT_UNCHANGED:
		cm_err("%s:%lu: the entry is already %s; nothing to change", g->mapfile,
		       res->line, state[rq->op]);
		return CM_EXIT_OK;
	case EDIT_NOT_FOUND:
		cm_err("%s: no entry for %s at %s", g->mapfile, a->cert,
		       level_words(g->location, words, sizeof(words)));
		if (res->elsewhere != NULL) {
			char q[256];

			cm_err("it is mapped at level %s: name that level with -l",
			       cm_quote(res->elsewhere, q, sizeof(q)));
		}
		return CM_EXIT_NO;
	case EDIT_REFUSED:
		cm_err("%s: %s", g->mapfile, res->why);
		return CM_EXIT_ERROR;
	case EDIT_NOMEM:
		cm_err("out of memory");
		return CM_EXIT_ERROR;
	}
	x->before = res->count;
	edit_load_init(&l, rq, 0);
	if (commit_replace(c, res->buf, res->len, &l.p, check_result, x) != 0)
		return CM_EXIT_ERROR;
	if (x->inactive && (rq->op == EDIT_ADD || rq->op == EDIT_ENABLE))
		cm_err("note: the section or its one-to-one mappings are not enabled at %s: "
		       "the entry maps nothing until they are",
		       level_words(g->location, words, sizeof(words)));
	return CM_EXIT_OK;
}

static int run_edit(const struct global *g, struct edit_args *a)
{
	unsigned char sha[EDIT_SHA256_LEN];
	struct cm_cert cert = { 0 };
	struct edit_request rq;
	struct edit_result res;
	struct expect x = { g, &rq, 0, 0 };
	struct mapfile *mf = NULL;
	struct commit c;
	int rc = CM_EXIT_ERROR;

	memset(&rq, 0, sizeof(rq));
	memset(&res, 0, sizeof(res));
	memset(&c, 0, sizeof(c));
	c.lockfd = c.dirfd = -1;
	rq.op = a->op;
	rq.location = g->location;
	rq.user = a->user;
	rq.disabled = a->disabled;
	if (a->op != EDIT_ADD && parse_sha256(a->cert, sha) == 0) {
		rq.sha256 = sha;
	} else {
		/* Before the lock: the token helper may take a while. */
		if (get_cert(a, &cert) != 0)
			goto out;
		rq.der = cert.der;
		rq.der_len = cert.der_len;
	}
	if (commit_begin(&c, g->mapfile, a->op == EDIT_ADD) != 0)
		goto out;
	if (c.exists && check_before(g, &c, &rq, &mf) != CM_EXIT_OK)
		goto out;
	rc = edit_outcome(g, a, &c, &x, &res, edit_apply(c.old, c.old_len, mf, &rq, &res));
out:
	mapfile_free(mf);
	edit_result_free(&res);
	commit_end(&c);
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
