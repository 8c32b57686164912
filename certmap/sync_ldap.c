/* sync_ldap.c - one directory server for certmap sync: connected with TLS
 * verified against tls_cacert, bound, asked what it offers; errors in words. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <ldap.h>

#include "ascii.h"
#include "certmap/sync.h"

#define OID_CONTENT_SYNC LDAP_CONTROL_SYNC
#define OID_PAGED LDAP_CONTROL_PAGEDRESULTS

void sync_ldap_say(const char *uri, const char *what, int rc, const char *diag)
{
	char q[512] = "";

	/* The server's words, quoted: they must not move the terminal around. */
	if (diag != NULL && diag[0] != '\0')
		cm_quote(diag, q, sizeof(q));
	sync_err("%s: %s: %s%s%s%s", uri, what, ldap_err2string(rc), q[0] ? " (" : "", q,
		 q[0] ? ")" : "");
}

void sync_ldap_err(LDAP *ld, const char *uri, const char *what, int rc)
{
	char *diag = NULL;

	if (ld != NULL)
		ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	sync_ldap_say(uri, what, rc, diag);
	ldap_memfree(diag);
}

void sync_unbind(LDAP *ld)
{
	if (ld != NULL)
		ldap_unbind_ext_s(ld, NULL, NULL);
}

/* The options of a handle: LDAPv3, no referrals chased, timeouts, and a TLS
 * context of its own that demands a certificate from tls_cacert. */
static int set_options(const struct sync_conf *c, LDAP *ld, const char *uri)
{
	const int v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, server = 0;
	const int tls12 = LDAP_OPT_X_TLS_PROTOCOL_TLS1_2;
	const struct timeval tv = { (time_t)c->timeout, 0 };
	struct {
		int opt;
		const void *val;
		const char *name;
	} const opts[] = {
		{ LDAP_OPT_PROTOCOL_VERSION, &v3, "protocol version" },
		{ LDAP_OPT_REFERRALS, LDAP_OPT_OFF, "referrals" },
		{ LDAP_OPT_NETWORK_TIMEOUT, &tv, "network timeout" },
		{ LDAP_OPT_TIMEOUT, &tv, "timeout" },
		{ LDAP_OPT_X_TLS_CACERTFILE, c->tls_cacert, "tls_cacert" },
		{ LDAP_OPT_X_TLS_REQUIRE_CERT, &demand, "TLS certificate check" },
		{ LDAP_OPT_X_TLS_PROTOCOL_MIN, &tls12, "TLS version" },
		/* Last: the context is made from the options above. */
		{ LDAP_OPT_X_TLS_NEWCTX, &server, "TLS context" },
	};

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		int rc = ldap_set_option(ld, opts[i].opt, opts[i].val);

		if (rc != LDAP_OPT_SUCCESS) {
			sync_ldap_err(ld, uri, opts[i].name, rc);
			return -1;
		}
	}
	return 0;
}

static int is_ldaps(const char *uri)
{
	return ascii_ncasecmp(uri, "ldaps://", 8) == 0;
}

/* A simple bind as bind_dn, the password read for it and wiped after. */
static int bind_as(const struct sync_conf *c, LDAP *ld, const char *uri)
{
	struct berval cred = { 0, NULL };
	char *secret = NULL;
	size_t len = 0;
	int rc;

	if (c->bind_dn != NULL) {
		if (sync_secret_read(c->bind_password_file, &secret, &len) != 0)
			return -1;
		cred.bv_val = secret;
		cred.bv_len = len;
	}
	rc = ldap_sasl_bind_s(ld, c->bind_dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
	sync_secret_free(secret, len);
	if (rc == LDAP_SUCCESS)
		return 0;
	sync_ldap_err(ld, uri, rc == LDAP_INVALID_CREDENTIALS ? "bind refused" : "bind", rc);
	return -1;
}

/* ldaps:// as ldap:// to the same port: libldap connects without TLS, and
 * the handshake is started by hand once the socket has its timeouts. */
static char *plain_uri(const char *uri, int *tls_now)
{
	LDAPURLDesc *u = NULL;
	char *plain = NULL, *scheme;

	*tls_now = is_ldaps(uri);
	if (!*tls_now)
		return strdup(uri);
	if (ldap_url_parse(uri, &u) != LDAP_URL_SUCCESS)
		return NULL;
	scheme = u->lud_scheme;
	u->lud_scheme = "ldap";
	if (u->lud_port == 0)
		u->lud_port = LDAPS_PORT;
	plain = ldap_url_desc2str(u);
	u->lud_scheme = scheme;
	ldap_free_urldesc(u);
	return plain;
}

int sync_connect(const struct sync_conf *c, const char *uri, LDAP **out)
{
	const struct timeval blocking = { -1, 0 };
	struct sync_deadline *dl = NULL;
	LDAP *ld = NULL;
	char *plain = NULL;
	int rc, tls_now = 0;

	*out = NULL;
	plain = plain_uri(uri, &tls_now);
	rc = plain != NULL ? ldap_initialize(&ld, plain) : LDAP_PARAM_ERROR;
	ldap_memfree(plain);
	if (rc != LDAP_SUCCESS) {
		sync_ldap_err(NULL, uri, "cannot use this URI", rc);
		return -1;
	}
	if (set_options(c, ld, uri) != 0)
		goto fail;
	rc = ldap_connect(ld);
	if (rc != LDAP_SUCCESS) {
		sync_ldap_err(ld, uri, "cannot connect", rc);
		goto fail;
	}
	/* With a network timeout, libldap 2.5 does the TLS handshake on a
	 * non-blocking socket and, when the server is silent, tries again
	 * without end; blocking, under a layer that gives up after timeout
	 * seconds, the handshake fails as it should. */
	if (ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &blocking) != LDAP_OPT_SUCCESS ||
	    (dl = sync_sockio_push(c, ld)) == NULL) {
		sync_err("%s: cannot set the connection's timeouts up", uri);
		goto fail;
	}
	rc = tls_now ? ldap_install_tls(ld) : ldap_start_tls_s(ld, NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		/* ldap:// only ever goes on in TLS: nothing is sent in the clear. */
		if (dl->timed_out)
			sync_err("%s: TLS failed: no answer within %u seconds (timeout)", uri,
				 c->timeout);
		else
			sync_ldap_err(ld, uri, tls_now ? "TLS failed" : "StartTLS failed", rc);
		goto fail;
	}
	if (bind_as(c, ld, uri) != 0)
		goto fail;
	*out = ld;
	return 0;
fail:
	sync_unbind(ld);
	return -1;
}

int sync_root_dse(const struct sync_conf *c, LDAP *ld, const char *uri, int *content_sync,
		  int *paging)
{
	char *attrs[] = { "supportedControl", NULL };
	struct timeval tv = { (time_t)c->timeout, 0 };
	LDAPMessage *res = NULL, *e;
	struct berval **v = NULL;
	int rc;

	*content_sync = *paging = 0;
	rc = ldap_search_ext_s(ld, "", LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0, NULL, NULL,
			       &tv, 1, &res);
	/* A server that hides its root DSE offers nothing we may count on. */
	if (rc != LDAP_SUCCESS)
		goto out;
	e = ldap_first_entry(ld, res);
	v = e != NULL ? ldap_get_values_len(ld, e, "supportedControl") : NULL;
	for (size_t i = 0; v != NULL && v[i] != NULL; i++) {
		if (v[i]->bv_len == strlen(OID_CONTENT_SYNC) &&
		    memcmp(v[i]->bv_val, OID_CONTENT_SYNC, v[i]->bv_len) == 0)
			*content_sync = 1;
		if (v[i]->bv_len == strlen(OID_PAGED) &&
		    memcmp(v[i]->bv_val, OID_PAGED, v[i]->bv_len) == 0)
			*paging = 1;
	}
out:
	ldap_value_free_len(v);
	ldap_msgfree(res);
	if (rc == LDAP_SUCCESS || LDAP_NAME_ERROR(rc) || rc == LDAP_INSUFFICIENT_ACCESS ||
	    rc == LDAP_UNWILLING_TO_PERFORM)
		return 0;
	sync_ldap_err(ld, uri, "reading the root DSE", rc);
	return -1;
}
