/* editrun.c - one edit of the mapping file from lock to rename: parse once
 * with positions, check, splice, then validate and replace (commit.c). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "certmap/editrun.h"

const char *editrun_level_words(const char *location, char *buf, size_t len)
{
	char q[256];

	if (location[0] == '\0')
		return "the top level";
	snprintf(buf, len, "location %s", cm_quote(location, q, sizeof(q)));
	return buf;
}

/* The file as it stands must be valid; its model goes to *MF. */
static int parse_before(struct editrun *e, const struct commit *c, struct mapfile **mf)
{
	struct mapfile_error err;

	memset(&err, 0, sizeof(err));
	if (mapfile_parse_buffer(c->old, c->old_len, &e->before, mf, &err) != MAPFILE_OK) {
		cm_print_load_error(e->g->mapfile, &err);
		cm_err("%s: fix the file first ('certmap check' lists its problems); it was left "
		       "unchanged", e->g->mapfile);
		return CM_EXIT_ERROR;
	}
	return e->check_before != NULL ? e->check_before(e->ctx, *mf) : CM_EXIT_OK;
}

/* What the splice said, for the administrator; the exit status. */
static int outcome(struct editrun *e, struct commit *c, struct edit_result *res,
		   enum edit_status st)
{
	static const char *const state[] = { [EDIT_ENABLE] = "enabled",
					     [EDIT_DISABLE] = "disabled" };
	char words[300];

	switch (st) {
	case EDIT_OK:
		break;
	case EDIT_UNCHANGED:
		cm_err("%s:%lu: %s is already %s; nothing to change", e->g->mapfile, res->line,
		       e->thing, e->op == EDIT_ENABLE || e->op == EDIT_DISABLE ? state[e->op] : "so");
		return CM_EXIT_OK;
	case EDIT_NOT_FOUND:
		cm_err("%s: %s at %s", e->g->mapfile, e->missing,
		       editrun_level_words(e->g->location, words, sizeof(words)));
		if (res->elsewhere != NULL) {
			char q[256];

			cm_err("%s at level %s: name that level with -l", e->elsewhere,
			       cm_quote(res->elsewhere, q, sizeof(q)));
		}
		return CM_EXIT_NO;
	case EDIT_REFUSED:
		cm_err("%s: %s", e->g->mapfile, res->why);
		return CM_EXIT_ERROR;
	case EDIT_NOMEM:
		cm_err("out of memory");
		return CM_EXIT_ERROR;
	}
	e->before_count = res->count;
	if (commit_replace(c, res->buf, res->len, &e->after, e->check_after, e->ctx) != 0)
		return CM_EXIT_ERROR;
	if (e->done != NULL)
		e->done(e->ctx);
	return CM_EXIT_OK;
}

int editrun(struct editrun *e)
{
	struct edit_result res;
	struct mapfile *mf = NULL;
	struct commit c;
	int rc = CM_EXIT_ERROR;

	memset(&res, 0, sizeof(res));
	if (commit_begin(&c, e->g->mapfile, e->op == EDIT_ADD) != 0)
		goto out;
	if (c.exists && parse_before(e, &c, &mf) != CM_EXIT_OK)
		goto out;
	rc = outcome(e, &c, &res, e->apply(e->ctx, c.old, c.old_len, mf, &res));
out:
	mapfile_free(mf);
	edit_result_free(&res);
	commit_end(&c);
	return rc;
}
