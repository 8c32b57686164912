/* tokparse.c - decoding of the module <-> pam_certmap_token payloads, kept
 * apart from the sockets and processes so it can be tested and fuzzed alone. */
#include "config.h"
#include "tokparse.h"

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

static int cert_read(struct tokbuf *b, struct token_cert *c)
{
	const unsigned char *der, *id, *p;
	size_t der_len, id_len;
	unsigned char *q;
	int len;

	if (tokbuf_get_u32(b, &c->slot) != 0 || tokbuf_get_str(b, &c->label) != 0 ||
	    tokbuf_get_str(b, &c->serial) != 0 || tokbuf_get_u32(b, &c->flags) != 0 ||
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
	else if (tokbuf_get_u32(b, flags) == 0 && tokbuf_get_str(b, &text) == 0)
		snprintf(msg, len, "%s", text);
	if (text == NULL)
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

int tokparse_list(struct tokbuf *b, char **module, char **label)
{
	tokbuf_get_str(b, module);
	tokbuf_get_str(b, label);
	if (tokbuf_done(b) == 0)
		return 0;
	free(*module);
	free(*label);
	*module = *label = NULL;
	return -1;
}

int tokparse_sign(struct tokbuf *b, size_t ncerts, struct tok_sign_req *req)
{
	const unsigned char *c;

	tokbuf_get_u32(b, &req->index);
	tokbuf_get_str(b, &req->pin);
	req->pin_len = req->pin != NULL ? strlen(req->pin) : 0;
	tokbuf_get_bytes(b, &c, &req->chal_len);
	if (tokbuf_done(b) != 0 || req->index >= ncerts)
		return -1;
	if (req->chal_len < TOKPARSE_CHALLENGE_MIN || req->chal_len > TOKPARSE_CHALLENGE_MAX)
		return -1;
	req->chal = malloc(req->chal_len);
	if (req->chal == NULL)
		return -1;
	memcpy(req->chal, c, req->chal_len);
	return 0;
}

void tokparse_sign_free(struct tok_sign_req *req)
{
	if (req->pin != NULL) {
		explicit_bzero(req->pin, req->pin_len);
		free(req->pin);
	}
	free(req->chal);
	memset(req, 0, sizeof(*req));
}
