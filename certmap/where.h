/* where.h - where in a parsed document certmap's editor works: the level of
 * a location, and the place a new entry or mapping goes, with whatever of
 * <location>, section and collection is missing made around it. */
#ifndef CERTMAP_WHERE_H
#define CERTMAP_WHERE_H

#include <stddef.h>

#include "certmap/layout.h"

enum where_collection { WHERE_O2O, WHERE_M2O };

/* The level (section) of LOCATION in MF, or NULL. */
const struct mf_level *where_level(const struct mapfile *mf, const char *location);

/* Does level L of MF hold what CTX describes?  1, 0, or -1 (out of memory). */
typedef int (*where_has_fn)(const void *ctx, const struct mapfile *mf, const struct mf_level *l);

/* Into *PATH (malloc'd) the path of the first level other than LOCATION's
 * for which HAS says yes; *PATH stays NULL when none does.  0, or -1. */
int where_elsewhere(const struct mapfile *mf, const char *location, where_has_fn has,
		    const void *ctx, char **path);

/* Writes a new item as whole lines, each indented by INDENT and then by
 * steps of d->unit.  0, or -1 with the reason in WHY. */
typedef int (*where_item_fn)(struct sbuf *o, const struct doc *d, const char *indent,
			     const void *ctx, char *why, size_t whylen);

/* Put the item ITEM writes at the end of the COLL collection of LOCATION's
 * level in document D, whose model MF was parsed with positions. */
enum edit_status where_insert(const struct doc *d, const struct mapfile *mf,
			      const char *location, enum where_collection coll,
			      where_item_fn item, const void *ctx, struct edit_result *res);

/* A new document, a UTF-8 <configuration>, holding only the item. */
enum edit_status where_new_document(const char *location, enum where_collection coll,
				    where_item_fn item, const void *ctx, struct edit_result *res);

#endif
