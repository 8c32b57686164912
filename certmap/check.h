/* check.h - what the parts of certmap check share: its state, the one
 * diagnostic printer, and the account warning of entries and mappings. */
#ifndef CERTMAP_CHECK_H
#define CERTMAP_CHECK_H

#include <time.h>

#include "mapfile.h"

struct check {
	const char *path;
	const struct mapfile *mf;
	time_t now;
	unsigned long errors, warnings;
	unsigned long grant_line;  /* of the first many-to-one mapping that can grant */
	int nomem;
};

/* A note tells what check cannot see (the module's options); it is not
 * counted. */
enum severity { SEV_NOTE, SEV_WARNING, SEV_ERROR };

/* "FILE:LINE: SEVERITY: ..." (or "FILE: ..." when LINE is 0); counted
 * unless a note. */
void diag(struct check *c, unsigned long line, enum severity sev, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Warn when NAME, mapped at LINE of a level whose defaultLogonDomain is
 * DOMAIN, is no local account, naming the names tried. */
void check_account(struct check *c, unsigned long line, const char *name, const char *domain);

/* check_m2o.c: the many-to-one mappings (mapfile_mapping_fn), then the note
 * that they need the module's trust anchors. */
void check_mapping(void *ctx, const char *level_path, const struct mapfile_mapping *m);
void check_trust_note(struct check *c);

/* check_index.c: the look-up index beside the file (SPEC 2.8): a note when
 * there is none, a warning when it is not used or does not hold the file's
 * content, with the command that rebuilds it. */
void check_index(struct check *c);

#endif
