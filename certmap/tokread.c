/* tokread.c - the certificates of the inserted tokens for CERT "pkcs11:",
 * listed by pam_certmap_token as for the module, so nothing is exported. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cert.h"
#include "certmap/tokread.h"
#include "options.h"
#include "subproc.h"
#include "tokparse.h"
#include "tokproto.h"
#include "tokreq.h"

#ifndef TOKEN_HELPER_PATH
#error "TOKEN_HELPER_PATH must name the installed pam_certmap_token"
#endif

/* The helper talks on its stdin and stdout; its stderr stays ours, so an
 * administrator sees what the PKCS#11 module complains about. */
static int helper_start(struct spawned *h)
{
	char err[256];

	if (spawn_start(h, TOKEN_HELPER_PATH, "pam_certmap_token", environ, SPAWN_KEEP_STDERR,
			err, sizeof(err)) != 0) {
		cm_err("cannot start the token helper: %s", err);
		return -1;
	}
	return 0;
}

/* Close the channel (the helper exits on it) and reap it: a second, then
 * SIGKILL.  Says why when it ended badly. */
static void helper_stop(struct spawned *h)
{
	int code = 0;

	switch (spawn_reap(h, 1000, &code)) {
	case SPAWN_EXITED:
		if (code == 127)
			cm_err("the token helper %s could not be run", TOKEN_HELPER_PATH);
		break;
	case SPAWN_SIGNALLED:
		cm_err("the token helper died (signal %d)", code);
		break;
	default:
		break;
	}
}

/* TOK_LIST for every token of MODULE; the answer into *CERTS. */
static int list_certs(struct spawned *h, const char *module, struct token_cert **certs,
		      size_t *n)
{
	struct tok_list_req req = { (char *)module, "", 0 };
	struct tokbuf b;
	uint8_t type = 0;
	uint32_t flags;
	char msg[256];
	int rc = -1;

	tokbuf_init(&b);
	if (tokreq_put_list(&b, &req) != 0 || tok_write_frame(h->fd, TOK_LIST, &b) != 0 ||
	    tok_read_frame(h->fd, &type, &b, OPTIONS_DEFAULT_TIMEOUT * 1000) != 0) {
		cm_err("the token helper did not answer%s",
		       errno == ETIMEDOUT ? " in time" : "");
	} else if (type == TOK_ERROR) {
		tokparse_error(&b, &flags, msg, sizeof(msg));
		cm_err("PKCS#11 module %s cannot be used: %s", module, msg);
	} else if (type != TOK_CERTS || tokparse_certs(&b, certs, n) != 0) {
		cm_err("the token helper sent a malformed list of certificates");
	} else {
		rc = 0;
	}
	tokbuf_free(&b);
	return rc;
}

/* Several certificates and no --index: the admin chooses from this list. */
static void show_choices(const struct token_cert *certs, size_t n)
{
	cm_err("the tokens hold %zu certificates; choose one with --index N:", n);
	for (size_t i = 0; i < n; i++) {
		char hex[65] = "?", label[128];
		char *subject = cert_subject(certs[i].x509);

		if (cert_sha256_hex(certs[i].x509, hex) != CERT_OK)
			snprintf(hex, sizeof(hex), "?");
		fprintf(stderr, "  %zu: token %s, %s, SHA-256 %s\n", i + 1,
			cm_quote(certs[i].label, label, sizeof(label)),
			subject ? subject : "(no subject)", hex);
		OPENSSL_free(subject);
	}
}

int tokread_cert(const char *module, long index, struct cm_cert *c)
{
	struct token_cert *certs = NULL;
	struct spawned h;
	size_t n = 0, pick;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	c->name = "pkcs11:";
	if (helper_start(&h) != 0)
		return -1;
	if (list_certs(&h, module, &certs, &n) != 0) {
		helper_stop(&h);
		return -1;
	}
	helper_stop(&h);
	if (n == 0) {
		cm_err("no certificate on any token of PKCS#11 module %s", module);
		goto out;
	}
	if (index > (long)n) {
		cm_err("--index %ld: the tokens hold %zu certificate%s", index, n,
		       n > 1 ? "s" : "");
		goto out;
	}
	if (index <= 0 && n > 1) {
		show_choices(certs, n);
		goto out;
	}
	pick = index > 0 ? (size_t)index - 1 : 0;
	c->x509 = certs[pick].x509;
	certs[pick].x509 = NULL;
	if (cert_der(c->x509, &c->der, &c->der_len) != CERT_OK) {
		cm_err("cannot encode the token's certificate as DER");
		goto out;
	}
	rc = 0;
out:
	tokparse_certs_free(certs, n);
	return rc;
}
