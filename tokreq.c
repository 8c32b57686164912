/* tokreq.c - the module's TOK_LIST and TOK_SIGN requests, written and read
 * through tokproto.h's checked buffer; the helper links this without OpenSSL. */
#include "config.h"
#include "tokreq.h"

#include <stdlib.h>
#include <string.h>

int tokreq_put_list(struct tokbuf *b, const struct tok_list_req *req)
{
	tokbuf_put_str(b, req->module);
	tokbuf_put_str(b, req->label);
	tokbuf_put_u32(b, req->wait);
	return b->error ? -1 : 0;
}

int tokreq_list(struct tokbuf *b, struct tok_list_req *req)
{
	memset(req, 0, sizeof(*req));
	tokbuf_get_str(b, &req->module);
	tokbuf_get_str(b, &req->label);
	tokbuf_get_u32(b, &req->wait);
	if (tokbuf_done(b) == 0 && req->wait <= TOKREQ_WAIT_MAX)
		return 0;
	tokreq_list_free(req);
	return -1;
}

void tokreq_list_free(struct tok_list_req *req)
{
	free(req->module);
	free(req->label);
	memset(req, 0, sizeof(*req));
}

int tokreq_put_sign(struct tokbuf *b, const struct tok_sign_req *req)
{
	tokbuf_put_u32(b, req->index);
	tokbuf_put_str(b, req->pin != NULL ? req->pin : "");
	tokbuf_put_u32(b, req->flags);
	tokbuf_put_u32(b, req->key);
	tokbuf_put_u32(b, req->key_bits);
	tokbuf_put_bytes(b, req->chal, req->chal_len);
	tokbuf_put_bytes(b, req->sha256, sizeof(req->sha256));
	tokbuf_put_bytes(b, req->sha384, sizeof(req->sha384));
	tokbuf_put_bytes(b, req->sha512, sizeof(req->sha512));
	return b->error ? -1 : 0;
}

/* A digest of exactly the length of OUT. */
static int get_digest(struct tokbuf *b, unsigned char *out, size_t len)
{
	const unsigned char *p;
	size_t n;

	if (tokbuf_get_bytes(b, &p, &n) != 0 || n != len)
		return -1;
	memcpy(out, p, len);
	return 0;
}

static int sign_fields_ok(const struct tok_sign_req *req, size_t ncerts)
{
	if (req->index >= ncerts)
		return 0;
	if (req->chal_len < TOKREQ_CHALLENGE_MIN || req->chal_len > TOKREQ_CHALLENGE_MAX)
		return 0;
	if (req->key != TOK_KEY_RSA && req->key != TOK_KEY_EC)
		return 0;
	if (req->key_bits == 0 || req->key_bits > TOKREQ_KEY_BITS_MAX)
		return 0;
	if ((req->flags & ~TOK_SIGN_PINPAD) != 0)
		return 0;
	/* With a PIN pad the PIN never passes through the host. */
	return !(req->flags & TOK_SIGN_PINPAD) || req->pin_len == 0;
}

int tokreq_sign(struct tokbuf *b, size_t ncerts, struct tok_sign_req *req)
{
	const unsigned char *c = NULL;
	int bad = 0;

	tokbuf_get_u32(b, &req->index);
	tokbuf_get_str(b, &req->pin);
	req->pin_len = req->pin != NULL ? strlen(req->pin) : 0;
	tokbuf_get_u32(b, &req->flags);
	tokbuf_get_u32(b, &req->key);
	tokbuf_get_u32(b, &req->key_bits);
	tokbuf_get_bytes(b, &c, &req->chal_len);
	bad |= get_digest(b, req->sha256, sizeof(req->sha256));
	bad |= get_digest(b, req->sha384, sizeof(req->sha384));
	bad |= get_digest(b, req->sha512, sizeof(req->sha512));
	if (bad || tokbuf_done(b) != 0 || !sign_fields_ok(req, ncerts))
		return -1;
	req->chal = malloc(req->chal_len);
	if (req->chal == NULL)
		return -1;
	memcpy(req->chal, c, req->chal_len);
	return 0;
}

void tokreq_sign_free(struct tok_sign_req *req)
{
	if (req->pin != NULL) {
		explicit_bzero(req->pin, req->pin_len);
		free(req->pin);
	}
	free(req->chal);
	memset(req, 0, sizeof(*req));
}
