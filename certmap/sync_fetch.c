/* sync_fetch.c - the directory read by certmap sync: URIs tried in order,
 * content synchronisation where the server offers it, else the whole result
 * page by page; a result is taken only when it came whole. */
#include "config.h"

#include <string.h>

#include <ldap.h>

#include "certmap/sync.h"

/* RFC 4533 from the state's cookie; a full content refresh when the server
 * asks for one or the news do not fit the state.  1 when the server's size
 * limit stopped it (the caller reads page by page), 0 done, -1 failed. */
static int by_content(const struct sync_conf *c, LDAP *ld, const char *uri, struct dirset *s,
		      struct sync_fetched *r)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		struct sync_journal j;
		enum sync_search res;
		enum dir_apply ap = DIR_NOMEM;

		memset(&j, 0, sizeof(j));
		res = sync_search_content(c, ld, uri, attempt == 0 ? &s->cookie : NULL, &j);
		if (res == SEARCH_OK)
			ap = dirset_apply(s, &j, &r->counts);
		r->incremental = !j.full;
		journal_free(&j);
		if (res == SEARCH_OK && ap == DIR_APPLIED) {
			r->content = 1;
			return 0;
		}
		if (res == SEARCH_OK && ap == DIR_NOMEM) {
			sync_err("out of memory");
			return -1;
		}
		if (res == SEARCH_LIMIT) {
			sync_err("%s: the server's size limit stopped the content synchronisation; "
				 "reading the whole directory page by page instead (lift the limit "
				 "for bind_dn to have incremental syncs)", uri);
			return 1;
		}
		if (res != SEARCH_REFRESH_REQUIRED && res != SEARCH_OK)
			return -1;
		if (attempt == 0 && !r->incremental)
			break;
		sync_err("%s: %s; a full refresh follows", uri, res == SEARCH_OK ?
			 "the server named entries the last sync did not see" :
			 "the server asks for a full refresh");
		dirset_free(s);
	}
	sync_err("%s: the content synchronisation did not come to an end", uri);
	return -1;
}

static int by_search(const struct sync_conf *c, LDAP *ld, const char *uri, int paging,
		     struct dirset *s, struct sync_fetched *r)
{
	struct sync_journal j;
	enum sync_search res;
	int rc = -1;

	memset(&j, 0, sizeof(j));
	res = sync_search_full(c, ld, uri, paging, &j);
	if (res == SEARCH_OK) {
		if (dirset_apply(s, &j, &r->counts) == DIR_APPLIED)
			rc = 0;
		else
			sync_err("out of memory");
	} else if (res == SEARCH_LIMIT) {
		/* A cut result would drop every entry past the limit. */
		sync_err("%s: the server's size limit cut the result%s", uri, paging ? "" :
			 " and it offers no paged results (RFC 2696): lift the limit for bind_dn");
	}
	journal_free(&j);
	r->content = r->incremental = 0;
	return rc;
}

static int fetch_from(const struct sync_conf *c, LDAP *ld, const char *uri, struct dirset *s,
		      struct sync_fetched *r)
{
	int content = 0, paging = 0;

	if (sync_root_dse(c, ld, uri, &content, &paging) != 0)
		return -1;
	if (c->content_sync == SYNC_CONTENT_AUTO && content) {
		int rc = by_content(c, ld, uri, s, r);

		if (rc <= 0)
			return rc;
	}
	return by_search(c, ld, uri, paging, s, r);
}

int sync_fetch(const struct sync_conf *c, struct dirset *s, struct sync_fetched *r)
{
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < c->nuris; i++) {
		LDAP *ld = NULL;
		int rc;

		if (sync_connect(c, c->uris[i], &ld) != 0)
			continue;
		rc = fetch_from(c, ld, c->uris[i], s, r);
		sync_unbind(ld);
		if (rc == 0) {
			r->uri = c->uris[i];
			return 0;
		}
	}
	sync_err("no server of %s gave the directory's entries", c->path);
	return -1;
}
