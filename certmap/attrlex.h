/* attrlex.h - the attributes of a start tag by their bytes, which expat does
 * not give: for setting an <add>'s enabled in place. */
#ifndef CERTMAP_ATTRLEX_H
#define CERTMAP_ATTRLEX_H

#include "certmap/layout.h"

/* Make the start tag of element E say enabled (ENABLE) or not, where its
 * effective value is ENABLED now.  Enabling drops enabled="false" (true is
 * the schema's default, so disable then enable gives the bytes back);
 * disabling sets the attribute's value or adds it after the last one, in
 * that one's quotes.  EDIT_UNCHANGED when it already is so. */
enum edit_status attr_set_enabled(const struct doc *d, const struct mf_span *e, int enable,
				  int enabled, struct edit_result *res);

#endif
