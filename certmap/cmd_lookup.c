/* cmd_lookup.c - certmap lookup CERT: print the userName a certificate maps to
 * at the location, like getent: silent with exit 2 when there is none.  With
 * the module's trust anchors (--ca-file, --ca-dir) it answers as the module:
 * the chain must verify, and a many-to-one match counts only then. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <time.h>

#include "certchain.h"
#include "certmap/cmd.h"
#include "certmap/trustopt.h"

/* 0 to go on, 1 when the help was shown, -1 after a usage error. */
static int parse_args(int argc, char **argv, struct trust *t)
{
	static const struct option longopts[] = {
		CM_TRUST_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		/* 1 taken, -1 a value it refuses (said on stderr), 0 not one */
		int r = cm_trust_option(c, optarg, t);

		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		if (c != 'h') {
			cm_bad_option(c, argv);
			return -1;
		}
		cm_usage(stdout);
		return 1;
	}
	if (argc - optind != 1) {
		cm_bad_usage("lookup needs exactly one CERT");
		return -1;
	}
	return cm_trust_check(t);
}

/* What the answer needs beyond the file: CM_EXIT_OK when it maps. */
static int trusted(const struct cm_cert *cert, const struct mapfile_answer *ans,
		   const struct trust *t)
{
	char why[256] = "";

	if (ans->mapping != NULL && !trust_has_anchors(t)) {
		char q[160];

		cm_err("%s matches many-to-one mapping %s (line %lu), but names prove nothing: "
		       "pam_certmap maps it only when its chain verifies; %s", cert->name,
		       cm_quote(ans->mapping->name, q, sizeof(q)), ans->mapping->line,
		       CM_TRUST_HINT);
		return CM_EXIT_NO;
	}
	if (!trust_has_anchors(t))
		return CM_EXIT_OK;
	switch (cert_verify_chain(cert->x509, NULL, t, time(NULL), NULL, why, sizeof(why))) {
	case CERT_OK:
		return CM_EXIT_OK;
	case CERT_BAD:
		cm_err("%s: the chain does not verify: %s", cert->name, why);
		return CM_EXIT_NO;
	case CERT_NOMEM:
		cm_err("out of memory");
		return CM_EXIT_ERROR;
	default:
		cm_err("%s", why);
		return CM_EXIT_ERROR;
	}
}

int cmd_lookup(const struct global *g, int argc, char **argv)
{
	struct trust t = { 0 };
	struct cm_cert cert = { 0 };
	struct mapfile *mf = NULL;
	struct mapfile_error err;
	struct mapfile_answer ans;
	const char *user;
	int rc = CM_EXIT_ERROR;
	int r;

	r = parse_args(argc, argv, &t);
	if (r != 0)
		return r > 0 ? CM_EXIT_OK : CM_EXIT_ERROR;
	if (cm_cert_read(argv[optind], &cert) != 0)
		goto out;
	if (cm_load_indexed(g, &cert, &mf, &err) != MAPFILE_OK) {
		cm_print_load_error(g->mapfile, &err);
		goto out;
	}
	if (cm_query(g, mf, &cert, &ans) != 0)
		goto out;
	user = mapfile_answer_user(&ans);
	rc = user == NULL ? CM_EXIT_NO : trusted(&cert, &ans, &t);
	if (rc == CM_EXIT_OK)
		printf("%s\n", user);
out:
	if (mf)
		mapfile_free(mf);
	cm_cert_free(&cert);
	return rc;
}
