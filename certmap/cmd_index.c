/* cmd_index.c - certmap index: (re)build the look-up index of the mapping
 * file under the editors' lock, and say what it holds (SPEC 2.8, 4). */
#include "config.h"

#include <stdio.h>

#include "certmap/cmd.h"
#include "certmap/index.h"

int cmd_index(const struct global *g, int argc, char **argv)
{
	struct cm_index_info info;
	struct commit c;
	int rc = cm_no_args("index", argc, argv);

	if (rc >= 0)
		return rc;
	rc = CM_EXIT_ERROR;
	if (commit_lock(&c, g->mapfile) != 0 || cm_index_write(&c, NULL, 0, NULL, &info) != 0)
		goto out;
	if (info.h.verdict.status != MAPFILE_OK) {
		/* Written all the same: the module denies at once, without a parse. */
		cm_print_load_error(g->mapfile, &info.h.verdict);
		cm_err("%s: written; it records that the file is invalid, and pam_certmap denies "
		       "every login until the file is fixed", info.path);
		goto out;
	}
	printf("%s: %lu one-to-one entr%s, %lu many-to-one mapping%s, %lu level%s\n",
	       info.path, (unsigned long)info.h.nentries, info.h.nentries == 1 ? "y" : "ies",
	       (unsigned long)info.h.nmappings, info.h.nmappings == 1 ? "" : "s",
	       (unsigned long)info.h.nlevels, info.h.nlevels == 1 ? "" : "s");
	rc = CM_EXIT_OK;
out:
	commit_end(&c);
	return rc;
}
