/* cmd_lookup.c - certmap lookup CERT: print the userName a certificate maps to
 * at the location, like getent: silent with exit 2 when there is none. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>

#include "certmap/cmd.h"

int cmd_lookup(const struct global *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cm_cert cert = { 0 };
	struct mapfile *mf = NULL;
	struct mapfile_error err;
	struct mapfile_answer ans;
	const char *user;
	int rc = CM_EXIT_ERROR;
	int c;

	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c != 'h')
			return cm_bad_option(c, argv);
		cm_usage(stdout);
		return CM_EXIT_OK;
	}
	if (argc - optind != 1)
		return cm_bad_usage("lookup needs exactly one CERT");

	if (cm_cert_read(argv[optind], &cert) != 0)
		goto out;
	if (cm_load(g, &cert, 0, &mf, &err) != MAPFILE_OK) {
		cm_print_load_error(g->mapfile, &err);
		goto out;
	}
	mapfile_query(mf, g->location, 0, &ans);
	user = mapfile_answer_user(&ans);
	if (!user) {
		rc = CM_EXIT_NO;
		goto out;
	}
	printf("%s\n", user);
	rc = CM_EXIT_OK;
out:
	if (mf)
		mapfile_free(mf);
	cm_cert_free(&cert);
	return rc;
}
