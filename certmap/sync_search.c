/* sync_search.c - the searches of certmap sync: one search's messages read
 * with a timeout on each, and the whole result page by page (RFC 2696). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <ldap.h>

#include "certmap/sync.h"

/* Read the answers to search MSGID until its result, which is kept. */
static int read_answers(const struct sync_conf *c, LDAP *ld, const char *uri, int msgid,
			const struct search_io *io, LDAPMessage **done)
{
	for (;;) {
		struct timeval tv = { (time_t)c->timeout, 0 };
		LDAPMessage *m = NULL;
		int t = ldap_result(ld, msgid, LDAP_MSG_ONE, &tv, &m), r = 0;

		if (t == 0) {
			sync_err("%s: no answer within %u seconds (timeout)", uri, c->timeout);
			ldap_abandon_ext(ld, msgid, NULL, NULL);
			return -1;
		}
		if (t < 0) {
			int err = LDAP_OTHER;

			ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &err);
			sync_ldap_err(ld, uri, "search", err);
			return -1;
		}
		if (t == LDAP_RES_SEARCH_RESULT) {
			*done = m;
			return 0;
		}
		if (t == LDAP_RES_SEARCH_ENTRY)
			r = io->entry(io->ctx, m);
		else if (t == LDAP_RES_INTERMEDIATE && io->intermediate != NULL)
			r = io->intermediate(io->ctx, m);
		/* References (AD's DomainDnsZones) point elsewhere: not followed. */
		ldap_msgfree(m);
		if (r != 0) {
			ldap_abandon_ext(ld, msgid, NULL, NULL);
			return -1;
		}
	}
}

int sync_search_run(const struct sync_conf *c, LDAP *ld, const char *uri, LDAPControl **ctrls,
		    const struct search_io *io, int *code, LDAPControl ***rctrls)
{
	char *attrs[8];
	LDAPMessage *done = NULL;
	char *diag = NULL;
	int msgid = 0, rc;

	*rctrls = NULL;
	sync_attrs(c, attrs);
	rc = ldap_search_ext(ld, c->base, LDAP_SCOPE_SUBTREE, c->filter, attrs, 0, ctrls, NULL,
			     NULL, LDAP_NO_LIMIT, &msgid);
	if (rc != LDAP_SUCCESS) {
		sync_ldap_err(ld, uri, "search", rc);
		return -1;
	}
	if (read_answers(c, ld, uri, msgid, io, &done) != 0)
		return -1;
	rc = ldap_parse_result(ld, done, code, NULL, &diag, NULL, rctrls, 1);
	if (rc != LDAP_SUCCESS) {
		sync_ldap_err(ld, uri, "reading the search result", rc);
		return -1;
	}
	if (*code != LDAP_SUCCESS && *code != LDAP_SIZELIMIT_EXCEEDED &&
	    *code != LDAP_ADMINLIMIT_EXCEEDED && *code != LDAP_SYNC_REFRESH_REQUIRED)
		sync_ldap_say(uri, "search", *code, diag);
	ldap_memfree(diag);
	return 0;
}

/* ------------------------------------------------------------- paged */

struct full_ctx {
	const struct sync_conf *c;
	LDAP *ld;
	struct sync_journal *j;
};

static int full_entry(void *ctx, LDAPMessage *m)
{
	struct full_ctx *x = ctx;
	struct dir_entry e;

	if (sync_entry_read(x->c, x->ld, m, &e) != 0 || dirset_push(&x->j->adds, &e) != 0) {
		dir_entry_free(&e);
		sync_err("out of memory");
		return -1;
	}
	return 0;
}

/* The cookie of the next page from the result's paged results control. */
static int next_page(LDAP *ld, const char *uri, LDAPControl **rctrls, struct berval *cookie)
{
	LDAPControl *pc = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, rctrls, NULL);
	ber_int_t estimate = 0;
	int rc;

	ber_memfree(cookie->bv_val);
	cookie->bv_val = NULL;
	cookie->bv_len = 0;
	if (pc == NULL) {
		/* The server dropped paging: what it sent is all there is. */
		return 0;
	}
	rc = ldap_parse_pageresponse_control(ld, pc, &estimate, cookie);
	if (rc != LDAP_SUCCESS) {
		sync_ldap_err(ld, uri, "reading the paged results control", rc);
		return -1;
	}
	return 0;
}

enum sync_search sync_search_full(const struct sync_conf *c, LDAP *ld, const char *uri,
				  int paging, struct sync_journal *j)
{
	struct full_ctx x = { c, ld, j };
	struct search_io io = { full_entry, NULL, &x };
	struct berval cookie = { 0, NULL };
	enum sync_search res = SEARCH_FAILED;

	j->full = 1;
	do {
		LDAPControl *page = NULL, *ctrls[2] = { NULL, NULL }, **rctrls = NULL;
		int code = LDAP_OTHER, rc = 0;

		if (paging) {
			/* Critical: a server that cannot page must not quietly cut. */
			rc = ldap_create_page_control(ld, (ber_int_t)c->page_size, &cookie, 1,
						      &page);
			if (rc != LDAP_SUCCESS) {
				sync_ldap_err(ld, uri, "paged results control", rc);
				goto out;
			}
			ctrls[0] = page;
		}
		rc = sync_search_run(c, ld, uri, ctrls, &io, &code, &rctrls);
		ldap_control_free(page);
		if (rc == 0 && code == LDAP_SUCCESS && paging)
			rc = next_page(ld, uri, rctrls, &cookie);
		ldap_controls_free(rctrls);
		if (rc != 0)
			goto out;
		if (code == LDAP_SIZELIMIT_EXCEEDED || code == LDAP_ADMINLIMIT_EXCEEDED) {
			res = SEARCH_LIMIT;
			goto out;
		}
		if (code != LDAP_SUCCESS)
			goto out;
	} while (paging && cookie.bv_len > 0);
	res = SEARCH_OK;
out:
	ber_memfree(cookie.bv_val);
	return res;
}
