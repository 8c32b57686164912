/* mapcache.h - the module's per-process cache of mapping files, for callers
 * that authenticate again and again in one process (SPEC 2.8): the module's
 * only global state, designed in mapcache.c. */
#ifndef PAM_CERTMAP_MAPCACHE_H
#define PAM_CERTMAP_MAPCACHE_H

#include "mapload.h"

/* The cache as mapload asks it; thread-safe. */
extern const struct mapload_cache mapcache;

#endif
