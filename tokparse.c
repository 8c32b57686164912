/* tokparse.c - decoding of what pam_certmap_token answers the module, kept
 * apart from the sockets and processes so it can be tested and fuzzed alone. */
#include "config.h"
#include "tokparse.h"
#include "tokstr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void cert_clear(struct token_cert *c)
{
	free(c->label);
	free(c->serial);
	free(c->der);
	X509_free(c->x509);
}

void tokparse_certs_free(struct token_cert *certs, size_t n)
{
	for (size_t i = 0; certs != NULL && i < n; i++)
		cert_clear(&certs[i]);
	free(certs);
}

/* A token string, escaped at once: nothing after the parser sees the raw
 * bytes, so no prompt, log line or export can forget to escape them. */
static int get_escaped(struct tokbuf *b, char **out)
{
	char *raw = NULL;

	*out = NULL;
	if (tokbuf_get_str(b, &raw) != 0)
		return -1;
	*out = tokstr_escape(raw);
	free(raw);
	return *out != NULL ? 0 : -1;
}

static int cert_read(struct tokbuf *b, struct token_cert *c)
{
	const unsigned char *der, *id, *p;
	size_t der_len, id_len;
	unsigned char *q;
	int len;

	if (tokbuf_get_u32(b, &c->slot) != 0 || get_escaped(b, &c->label) != 0 ||
	    get_escaped(b, &c->serial) != 0 || tokbuf_get_u32(b, &c->flags) != 0 ||
	    tokbuf_get_bytes(b, &der, &der_len) != 0 || tokbuf_get_bytes(b, &id, &id_len) != 0)
		return -1;
	p = der;
	c->x509 = d2i_X509(NULL, &p, (long)der_len);
	if (c->x509 == NULL || p != der + der_len)
		return -1;
	/* The candidate is the DER the certificate encodes to, as for the env
	 * source and certmap: OpenSSL accepts some encodings that are not DER
	 * (set unused bits in the signature's BIT STRING), and those bytes
	 * would never match the entry certmap writes for the certificate. */
	len = i2d_X509(c->x509, NULL);
	c->der = malloc(len > 0 ? (size_t)len : 1);
	q = c->der;
	if (len <= 0 || c->der == NULL || i2d_X509(c->x509, &q) != len)
		return -1;
	c->der_len = (size_t)len;
	return 0;
}

int tokparse_certs(struct tokbuf *b, struct token_cert **certs, size_t *n)
{
	struct token_cert *c = NULL;
	size_t got = 0;
	uint32_t want;
	int rc = -1;

	*certs = NULL;
	*n = 0;
	if (tokbuf_get_u32(b, &want) != 0 || want > TOKPARSE_MAX_CERTS)
		goto out;
	c = calloc(want ? want : 1, sizeof(*c));
	if (c == NULL)
		goto out;
	/* A half-read entry is counted so that it is freed too. */
	while (got < want) {
		if (cert_read(b, &c[got++]) != 0)
			goto out;
	}
	if (tokbuf_done(b) != 0)
		goto out;
	*certs = c;
	*n = got;
	c = NULL;
	rc = 0;
out:
	tokparse_certs_free(c, got);
	return rc;
}

uint32_t tokparse_error(struct tokbuf *b, uint32_t *flags, char *msg, size_t len)
{
	uint32_t code = TOK_E_PROTOCOL;
	char *text = NULL;

	*flags = 0;
	if (tokbuf_get_u32(b, &code) != 0)
		code = TOK_E_PROTOCOL;
	else if (tokbuf_get_u32(b, flags) == 0)
		get_escaped(b, &text);
	if (text != NULL)
		snprintf(msg, len, "%s", text);
	else
		snprintf(msg, len, "malformed error from the token helper");
	free(text);
	return code;
}

int tokparse_signed(struct tokbuf *b, uint32_t *alg, const unsigned char **sig,
		    size_t *siglen)
{
	if (tokbuf_get_u32(b, alg) != 0 || tokbuf_get_bytes(b, sig, siglen) != 0 ||
	    tokbuf_done(b) != 0)
		return -1;
	return 0;
}
