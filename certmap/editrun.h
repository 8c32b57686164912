/* editrun.h - one edit of the mapping file from lock to rename, shared by
 * the commands on one-to-one entries and on many-to-one mappings: the file
 * parsed once with positions, checked, spliced, validated, replaced. */
#ifndef CERTMAP_EDITRUN_H
#define CERTMAP_EDITRUN_H

#include "certmap/cmd.h"
#include "certmap/commit.h"
#include "certmap/edit.h"

struct editrun {
	const struct global *g;
	enum edit_op op;
	const char *thing;           /* "the entry", "the mapping": "THING is already enabled" */
	const char *missing;         /* what is not found: "no entry for CERT" */
	const char *elsewhere;       /* before " at level 'X'": "it is mapped" */
	struct mapfile_params before;  /* how to parse the file before (with positions) */
	struct mapfile_params after;   /* ... and the result */
	/* The parsed file as it is: CM_EXIT_OK to go on (a duplicate is not). */
	int (*check_before)(void *ctx, const struct mapfile *mf);
	/* The edit of OLD, parsed as MF (NULL when there is no file). */
	enum edit_status (*apply)(void *ctx, const char *old, size_t len,
				  const struct mapfile *mf, struct edit_result *res);
	/* The result, parsed: 0 when it shows the change, as commit_check_fn. */
	commit_check_fn check_after;
	/* After the rename: notes for the administrator. */
	void (*done)(void *ctx);
	void *ctx;
	size_t before_count;         /* set for check_after: res->count of the edit */
};

/* Run the edit; the command's exit status. */
int editrun(struct editrun *e);

/* "the top level" or "location 'X'", for messages. */
const char *editrun_level_words(const char *location, char *buf, size_t len);

#endif
