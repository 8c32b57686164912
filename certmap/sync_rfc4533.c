/* sync_rfc4533.c - a refreshOnly content synchronisation (RFC 4533): the
 * request control with the last cookie, and the server's adds, deletes,
 * presents and cookies read into a journal. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <lber.h>
#include <ldap.h>

#include "certmap/sync.h"

struct content_ctx {
	const struct sync_conf *c;
	LDAP *ld;
	const char *uri;
	struct sync_journal *j;
	int present_done;        /* a refreshPresent message ended a present phase */
};

static int keep_cookie(struct content_ctx *x, const struct berval *bv)
{
	if (bv->bv_val == NULL)
		return 0;
	if (sync_bytes_set(&x->j->cookie, bv->bv_val, bv->bv_len) != 0) {
		sync_err("out of memory");
		return -1;
	}
	return 0;
}

static int malformed(const struct content_ctx *x, const char *what)
{
	sync_err("%s: the server sent a malformed %s", x->uri, what);
	return -1;
}

/* An optional cookie and an optional boolean, as several messages end. */
static int cookie_and_flag(struct content_ctx *x, BerElement *ber, ber_int_t *flag)
{
	struct berval cookie = { 0, NULL };
	ber_len_t len;

	if (ber_peek_tag(ber, &len) == LDAP_TAG_SYNC_COOKIE &&
	    ber_scanf(ber, "m", &cookie) == LBER_ERROR)
		return -1;
	if (ber_peek_tag(ber, &len) == LBER_BOOLEAN && ber_scanf(ber, "b", flag) == LBER_ERROR)
		return -1;
	return keep_cookie(x, &cookie);
}

/* --------------------------------------------------------------- entries */

static int content_entry(void *ctx, LDAPMessage *m)
{
	struct content_ctx *x = ctx;
	LDAPControl **ctrls = NULL, *sc;
	BerElement *ber = NULL;
	struct berval uuid = { 0, NULL }, cookie = { 0, NULL };
	struct dir_entry e;
	ber_int_t state = -1;
	ber_len_t len;
	int rc = -1;

	memset(&e, 0, sizeof(e));
	if (ldap_get_entry_controls(x->ld, m, &ctrls) != LDAP_SUCCESS ||
	    (sc = ldap_control_find(LDAP_CONTROL_SYNC_STATE, ctrls, NULL)) == NULL ||
	    (ber = ber_init(&sc->ldctl_value)) == NULL ||
	    ber_scanf(ber, "{em", &state, &uuid) == LBER_ERROR || uuid.bv_len != SYNC_UUID_LEN ||
	    (ber_peek_tag(ber, &len) == LDAP_TAG_SYNC_COOKIE &&
	     ber_scanf(ber, "m", &cookie) == LBER_ERROR)) {
		malformed(x, "Sync State control");
		goto out;
	}
	if (keep_cookie(x, &cookie) != 0)
		goto out;
	switch (state) {
	case LDAP_SYNC_ADD:
	case LDAP_SYNC_MODIFY:
		if (sync_entry_read(x->c, x->ld, m, &e) != 0)
			goto nomem;
		memcpy(e.uuid, uuid.bv_val, SYNC_UUID_LEN);
		e.has_uuid = 1;
		if (dirset_push(&x->j->adds, &e) != 0)
			goto nomem;
		break;
	case LDAP_SYNC_PRESENT:
		if (journal_uuid(&x->j->kept, &x->j->nkept, &x->j->capkept,
				 (unsigned char *)uuid.bv_val) != 0)
			goto nomem;
		break;
	case LDAP_SYNC_DELETE:
		if (journal_uuid(&x->j->gone, &x->j->ngone, &x->j->capgone,
				 (unsigned char *)uuid.bv_val) != 0)
			goto nomem;
		break;
	default:
		malformed(x, "Sync State control (unknown state)");
		goto out;
	}
	rc = 0;
	goto out;
nomem:
	sync_err("out of memory");
out:
	dir_entry_free(&e);
	if (ber != NULL)
		ber_free(ber, 1);
	ldap_controls_free(ctrls);
	return rc;
}

/* ------------------------------------------------------ sync info messages */

/* syncIdSet: UUIDs that are deleted or, without refreshDeletes, present. */
static int id_set(struct content_ctx *x, BerElement *ber)
{
	struct sync_journal *j = x->j;
	BerVarray uuids = NULL;
	ber_int_t deletes = 0;
	int rc = -1;

	if (ber_scanf(ber, "{") == LBER_ERROR || cookie_and_flag(x, ber, &deletes) != 0 ||
	    ber_scanf(ber, "[W]}", &uuids) == LBER_ERROR)
		goto out;
	for (size_t i = 0; uuids != NULL && uuids[i].bv_val != NULL; i++) {
		const unsigned char *u = (const unsigned char *)uuids[i].bv_val;

		if (uuids[i].bv_len != SYNC_UUID_LEN)
			goto out;
		if (deletes ? journal_uuid(&j->gone, &j->ngone, &j->capgone, u) :
		    journal_uuid(&j->kept, &j->nkept, &j->capkept, u))
			goto out;
	}
	rc = 0;
out:
	ber_bvarray_free(uuids);
	return rc;
}

static int info_value(struct content_ctx *x, BerElement *ber)
{
	struct berval cookie = { 0, NULL };
	ber_int_t done = 1;
	ber_len_t len;

	switch (ber_peek_tag(ber, &len)) {
	case LDAP_TAG_SYNC_NEW_COOKIE:
		if (ber_scanf(ber, "m", &cookie) == LBER_ERROR)
			return -1;
		return keep_cookie(x, &cookie);
	case LDAP_TAG_SYNC_REFRESH_PRESENT:
		/* The present phase is over: what it did not name is gone. */
		x->present_done = 1;
		/* fall through */
	case LDAP_TAG_SYNC_REFRESH_DELETE:
		if (ber_scanf(ber, "{") == LBER_ERROR || cookie_and_flag(x, ber, &done) != 0 ||
		    ber_scanf(ber, "}") == LBER_ERROR)
			return -1;
		return 0;
	case LDAP_TAG_SYNC_ID_SET:
		return id_set(x, ber);
	default:
		return -1;
	}
}

static int content_info(void *ctx, LDAPMessage *m)
{
	struct content_ctx *x = ctx;
	struct berval *data = NULL;
	BerElement *ber = NULL;
	char *oid = NULL;
	int rc = -1;

	if (ldap_parse_intermediate(x->ld, m, &oid, &data, NULL, 0) != LDAP_SUCCESS ||
	    oid == NULL || strcmp(oid, LDAP_SYNC_INFO) != 0) {
		/* Another intermediate response is not ours to read. */
		rc = 0;
		goto out;
	}
	if (data == NULL || (ber = ber_init(data)) == NULL || info_value(x, ber) != 0) {
		malformed(x, "Sync Info message");
		goto out;
	}
	rc = 0;
out:
	if (ber != NULL)
		ber_free(ber, 1);
	ber_bvfree(data);
	ldap_memfree(oid);
	return rc;
}

/* ------------------------------------------------------------- the search */

static int request_control(const struct sync_bytes *cookie, LDAPControl **ctrl)
{
	BerElement *ber = ber_alloc_t(LBER_USE_DER);
	struct berval value = { 0, NULL }, c;
	int rc = -1;

	if (ber == NULL)
		return -1;
	c.bv_val = cookie != NULL ? (char *)cookie->p : NULL;
	c.bv_len = cookie != NULL ? cookie->len : 0;
	if (ber_printf(ber, "{e", (ber_int_t)LDAP_SYNC_REFRESH_ONLY) == -1 ||
	    (c.bv_val != NULL && ber_printf(ber, "O", &c) == -1) || ber_printf(ber, "N}") == -1 ||
	    ber_flatten2(ber, &value, 0) == -1)
		goto out;
	/* Critical: a server that ignored it would send no states to read. */
	rc = ldap_control_create(LDAP_CONTROL_SYNC, 1, &value, 1, ctrl) == LDAP_SUCCESS ? 0 : -1;
out:
	ber_free(ber, 1);
	return rc;
}

/* The Sync Done control ends the refresh: its cookie and refreshDeletes. */
static int sync_done(struct content_ctx *x, LDAPControl **rctrls)
{
	LDAPControl *dc = ldap_control_find(LDAP_CONTROL_SYNC_DONE, rctrls, NULL);
	BerElement *ber = NULL;
	ber_int_t deletes = 0;
	int rc = -1;

	if (dc == NULL || (ber = ber_init(&dc->ldctl_value)) == NULL ||
	    ber_scanf(ber, "{") == LBER_ERROR || cookie_and_flag(x, ber, &deletes) != 0 ||
	    ber_scanf(ber, "}") == LBER_ERROR) {
		malformed(x, "Sync Done control");
		goto out;
	}
	x->j->refresh_deletes = deletes && !x->present_done;
	rc = 0;
out:
	if (ber != NULL)
		ber_free(ber, 1);
	return rc;
}

enum sync_search sync_search_content(const struct sync_conf *c, LDAP *ld, const char *uri,
				     const struct sync_bytes *cookie, struct sync_journal *j)
{
	struct content_ctx x = { c, ld, uri, j, 0 };
	struct search_io io = { content_entry, content_info, &x };
	LDAPControl *req = NULL, *ctrls[2] = { NULL, NULL }, **rctrls = NULL;
	enum sync_search res = SEARCH_FAILED;
	int code = LDAP_OTHER;

	j->full = cookie == NULL || cookie->p == NULL;
	if (request_control(j->full ? NULL : cookie, &req) != 0) {
		sync_err("out of memory");
		return SEARCH_FAILED;
	}
	ctrls[0] = req;
	if (sync_search_run(c, ld, uri, ctrls, &io, &code, &rctrls) != 0)
		goto out;
	if (code == LDAP_SYNC_REFRESH_REQUIRED)
		res = SEARCH_REFRESH_REQUIRED;
	else if (code == LDAP_SIZELIMIT_EXCEEDED || code == LDAP_ADMINLIMIT_EXCEEDED)
		res = SEARCH_LIMIT;
	else if (code == LDAP_SUCCESS && sync_done(&x, rctrls) == 0)
		res = SEARCH_OK;
out:
	ldap_controls_free(rctrls);
	ldap_control_free(req);
	return res;
}
