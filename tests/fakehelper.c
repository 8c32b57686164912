/* fakehelper.c - a stand-in for pam_certmap_token that answers the module's frames wrongly on
 * purpose (garbage, bad lengths, wrong types, silence), for tests/integration/hostile.sh. */
#include "config.h"
#include "tokproto.h"
#include "tokreq.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

/*
 * The module execs this program on a socket (fd 0 and 1).  The environment says what to do:
 *   FAKEHELPER_LIST  how to answer TOK_LIST: ok (default: FAKEHELPER_CERT as the only
 *                    certificate), garbage, oversized, huge, zero, truncated, hold, wrongtype,
 *                    unknowntype, manycerts, badder, trailing, silent, exit, crash, flood,
 *                    drip, bigerror; for wait_for_card: waiting (TOK_WAITING, then nothing),
 *                    inserted (TOK_WAITING, TOK_INSERTED, the list), insertedsilent
 *                    (TOK_WAITING, TOK_INSERTED, then nothing)
 *   FAKEHELPER_SIGN  how to answer TOK_SIGN: ok (default: a real signature with
 *                    FAKEHELPER_KEY), garbage, oversized, truncated, wrongtype, badsig,
 *                    badrsa, trailing, silent, exit, bogusalg, errcode, gone, device,
 *                    expired, lockednow, escape
 *   FAKEHELPER_CERT  PEM certificate to list;  FAKEHELPER_KEY  its PEM private key
 *   FAKEHELPER_LABEL the token label listed (default "fake"), any bytes but NUL
 * Exit status 0 when it did what it was told, 2 when the request or the files were unusable.
 */

#define EXIT_SETUP 2
#define SLOW_SECONDS 60

static int out_raw(const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n > 0) {
		ssize_t w = write(STDOUT_FILENO, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int out_header(uint32_t len, uint8_t type)
{
	unsigned char h[5] = {
		(unsigned char)(len >> 24), (unsigned char)(len >> 16),
		(unsigned char)(len >> 8), (unsigned char)len, type,
	};

	return out_raw(h, sizeof(h));
}

/* Whatever was said before, a stuck helper: the module's deadline must end it. */
static void stall(void)
{
	sleep(SLOW_SECONDS);
	_exit(0);
}

static X509 *read_cert(void)
{
	const char *path = getenv("FAKEHELPER_CERT");
	FILE *f = path != NULL ? fopen(path, "re") : NULL;
	X509 *x = NULL;

	if (f != NULL) {
		x = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (x == NULL)
		fprintf(stderr, "fakehelper: FAKEHELPER_CERT unreadable\n");
	return x;
}

/* A TOK_CERTS payload listing X once, as the real helper does. */
static int put_cert_list(struct tokbuf *b, X509 *x)
{
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);

	if (len <= 0)
		return -1;
	const char *label = getenv("FAKEHELPER_LABEL");

	tokbuf_put_u32(b, 1);
	tokbuf_put_u32(b, 0);
	tokbuf_put_str(b, label != NULL ? label : "fake");
	tokbuf_put_str(b, "0001");
	tokbuf_put_u32(b, TOK_FLAG_LOGIN_REQUIRED);
	tokbuf_put_bytes(b, der, (size_t)len);
	tokbuf_put_bytes(b, "\x01", 1);
	OPENSSL_free(der);
	return b->error ? -1 : 0;
}

/* A frame whose length says more than ever comes. */
static int truncated(uint8_t type, int hold)
{
	if (out_header(1000, type) != 0 || out_raw("\0\0\0\1", 4) != 0)
		return -1;
	if (hold)
		stall();
	return 0;
}

/* A well-formed frame, one byte every half second: the deadline is for the whole frame. */
static int drip(const struct tokbuf *b)
{
	unsigned char h[5] = {
		(unsigned char)((b->len + 1) >> 24), (unsigned char)((b->len + 1) >> 16),
		(unsigned char)((b->len + 1) >> 8), (unsigned char)(b->len + 1), TOK_CERTS,
	};

	for (size_t i = 0; i < sizeof(h) + b->len; i++) {
		if (out_raw(i < sizeof(h) ? &h[i] : &b->data[i - sizeof(h)], 1) != 0)
			return -1;
		usleep(500 * 1000);
	}
	return 0;
}

static int empty_frame(uint8_t type)
{
	return out_header(1, type);
}

/* Bytes without end and without framing, until the module hangs up. */
static int flood(void)
{
	unsigned char junk[4096];

	memset(junk, 0xff, sizeof(junk));
	for (;;)
		if (out_raw(junk, sizeof(junk)) != 0)
			return 0;
}

static int list_oddities(const char *mode, struct tokbuf *b)
{
	static const char http[] = "HTTP/1.1 500 Internal Server Error\r\n\r\n<html>oops</html>\n";

	if (strcmp(mode, "garbage") == 0)
		return out_raw(http, sizeof(http) - 1);
	if (strcmp(mode, "oversized") == 0)
		return out_header((uint32_t)TOKPROTO_MAX_FRAME + 1, TOK_CERTS);
	if (strcmp(mode, "huge") == 0)
		return out_header(0xffffffffu, TOK_CERTS);
	if (strcmp(mode, "zero") == 0)
		return out_header(0, TOK_CERTS);
	if (strcmp(mode, "truncated") == 0)
		return truncated(TOK_CERTS, 0);
	if (strcmp(mode, "hold") == 0)
		return truncated(TOK_CERTS, 1);
	if (strcmp(mode, "flood") == 0)
		return flood();
	if (strcmp(mode, "waiting") == 0 || strcmp(mode, "insertedsilent") == 0) {
		if (empty_frame(TOK_WAITING) != 0)
			return -1;
		if (strcmp(mode, "insertedsilent") == 0 && empty_frame(TOK_INSERTED) != 0)
			return -1;
		stall();
	}
	if (strcmp(mode, "manycerts") == 0) {
		tokbuf_put_u32(b, 0xffffffffu);
		return tok_write_frame(STDOUT_FILENO, TOK_CERTS, b);
	}
	if (strcmp(mode, "badder") == 0) {
		tokbuf_put_u32(b, 1);
		tokbuf_put_u32(b, 0);
		tokbuf_put_str(b, "fake");
		tokbuf_put_str(b, "0001");
		tokbuf_put_u32(b, 0);
		tokbuf_put_bytes(b, "\x30\x82\xff\xff not DER", 12);
		tokbuf_put_bytes(b, "\x01", 1);
		return tok_write_frame(STDOUT_FILENO, TOK_CERTS, b);
	}
	if (strcmp(mode, "bigerror") == 0) {
		size_t n = TOKPROTO_MAX_FRAME - 64;
		char *msg = malloc(n + 1);
		int rc;

		if (msg == NULL)
			return -1;
		memset(msg, 'A', n);
		msg[n] = '\0';
		tokbuf_put_u32(b, TOK_E_MODULE);
		tokbuf_put_u32(b, 0);
		tokbuf_put_str(b, msg);
		free(msg);
		rc = tok_write_frame(STDOUT_FILENO, TOK_ERROR, b);
		return rc;
	}
	fprintf(stderr, "fakehelper: unknown FAKEHELPER_LIST=%s\n", mode);
	return -1;
}

/* Modes that answer with the real list, framed or followed wrongly. */
static int list_framing(const char *mode, struct tokbuf *b, X509 *x)
{
	if (put_cert_list(b, x) != 0)
		return -1;
	if (strcmp(mode, "ok") == 0)
		return tok_write_frame(STDOUT_FILENO, TOK_CERTS, b);
	if (strcmp(mode, "wrongtype") == 0)
		return tok_write_frame(STDOUT_FILENO, TOK_SIGNED, b);
	if (strcmp(mode, "unknowntype") == 0)
		return tok_write_frame(STDOUT_FILENO, 0xee, b);
	if (strcmp(mode, "drip") == 0)
		return drip(b);
	if (strcmp(mode, "inserted") == 0)
		return empty_frame(TOK_WAITING) == 0 && empty_frame(TOK_INSERTED) == 0 ?
		       tok_write_frame(STDOUT_FILENO, TOK_CERTS, b) : -1;
	/* trailing */
	tokbuf_put_str(b, "and something after the last certificate");
	return tok_write_frame(STDOUT_FILENO, TOK_CERTS, b);
}

static int is_framing_mode(const char *mode)
{
	static const char *const modes[] = { "ok", "wrongtype", "unknowntype", "drip", "trailing",
					     "inserted" };

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(mode, modes[i]) == 0)
			return 1;
	return 0;
}

/* 0 when the list went out and a TOK_SIGN may follow. */
static int answer_list(const char *mode, X509 *x)
{
	struct tokbuf b;
	int rc;

	tokbuf_init(&b);
	if (is_framing_mode(mode))
		rc = list_framing(mode, &b, x);
	else
		rc = list_oddities(mode, &b);
	tokbuf_free(&b);
	return rc;
}

/* OpenSSL's DER ECDSA-Sig-Value as PKCS#11 gives a signature: r || s, each
 * as long as the group order. */
static int ecdsa_raw(EVP_PKEY *key, unsigned char **sig, size_t *siglen)
{
	const unsigned char *p = *sig;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)*siglen);
	int half = (EVP_PKEY_get_bits(key) + 7) / 8;
	unsigned char *raw = OPENSSL_malloc((size_t)half * 2);
	int ok = es != NULL && raw != NULL &&
		 BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, half) == half &&
		 BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + half, half) == half;

	ECDSA_SIG_free(es);
	if (!ok) {
		OPENSSL_free(raw);
		return -1;
	}
	OPENSSL_free(*sig);
	*sig = raw;
	*siglen = (size_t)half * 2;
	return 0;
}

/* ECDSA or RSA PKCS#1 v1.5 with SHA-256 over CHAL, as the real helper answers. */
static int sign(const unsigned char *chal, size_t len, struct tokbuf *b)
{
	const char *path = getenv("FAKEHELPER_KEY");
	FILE *f = path != NULL ? fopen(path, "re") : NULL;
	EVP_PKEY *key = NULL;
	EVP_MD_CTX *ctx = NULL;
	unsigned char *sig = NULL;
	size_t siglen = 0;
	int ret = -1;

	if (f != NULL) {
		key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
	}
	ctx = EVP_MD_CTX_new();
	if (key == NULL || ctx == NULL ||
	    EVP_DigestSignInit_ex(ctx, NULL, "SHA256", NULL, NULL, key, NULL) != 1 ||
	    EVP_DigestSign(ctx, NULL, &siglen, chal, len) != 1)
		goto out;
	sig = OPENSSL_malloc(siglen);
	if (sig == NULL || EVP_DigestSign(ctx, sig, &siglen, chal, len) != 1)
		goto out;
	if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC && ecdsa_raw(key, &sig, &siglen) != 0)
		goto out;
	tokbuf_put_u32(b, EVP_PKEY_get_base_id(key) == EVP_PKEY_EC ? TOK_ALG_ECDSA_SHA256 :
		       TOK_ALG_RSA_PKCS1_SHA256);
	tokbuf_put_bytes(b, sig, siglen);
	ret = b->error ? -1 : 0;
out:
	if (ret != 0)
		fprintf(stderr, "fakehelper: cannot sign with FAKEHELPER_KEY\n");
	OPENSSL_free(sig);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(key);
	return ret;
}

static int error_frame(struct tokbuf *b, uint32_t err, uint32_t flags, const char *msg)
{
	tokbuf_put_u32(b, err);
	tokbuf_put_u32(b, flags);
	tokbuf_put_str(b, msg);
	return tok_write_frame(STDOUT_FILENO, TOK_ERROR, b);
}

static int sign_oddities(const char *mode, struct tokbuf *b)
{
	static const unsigned char junk[64] = { 0x30, 0x44, 0x02, 0x20, 0x55 };

	if (strcmp(mode, "garbage") == 0)
		return out_raw("SIGNED OK\n", 10);
	if (strcmp(mode, "oversized") == 0)
		return out_header((uint32_t)TOKPROTO_MAX_FRAME + 1, TOK_SIGNED);
	if (strcmp(mode, "truncated") == 0)
		return truncated(TOK_SIGNED, 0);
	if (strcmp(mode, "badsig") == 0 || strcmp(mode, "bogusalg") == 0) {
		tokbuf_put_u32(b, strcmp(mode, "badsig") == 0 ? TOK_ALG_ECDSA_SHA256 : 99);
		tokbuf_put_bytes(b, junk, sizeof(junk));
		return tok_write_frame(STDOUT_FILENO, TOK_SIGNED, b);
	}
	if (strcmp(mode, "badrsa") == 0) {
		/* as long as a 16,384-bit modulus, so the RSA arithmetic really runs */
		unsigned char *sig = calloc(1, 2048);
		int rc;

		if (sig == NULL)
			return -1;
		memset(sig + 1, 0x5a, 2047);
		tokbuf_put_u32(b, TOK_ALG_RSA_PKCS1_SHA256);
		tokbuf_put_bytes(b, sig, 2048);
		free(sig);
		rc = tok_write_frame(STDOUT_FILENO, TOK_SIGNED, b);
		return rc;
	}
	if (strcmp(mode, "errcode") == 0)
		return error_frame(b, 999, 0xffffffffu, "an error the module has never heard of");
	if (strcmp(mode, "gone") == 0)
		return error_frame(b, TOK_E_TOKEN_GONE, 0, "C_Login failed: CKR_DEVICE_REMOVED");
	if (strcmp(mode, "device") == 0)
		return error_frame(b, TOK_E_DEVICE, 0, "C_Sign failed: CKR_DEVICE_ERROR");
	if (strcmp(mode, "expired") == 0)
		return error_frame(b, TOK_E_PIN_EXPIRED, 0, "C_Login failed: CKR_PIN_EXPIRED");
	if (strcmp(mode, "lockednow") == 0)
		return error_frame(b, TOK_E_PIN_INCORRECT, TOK_FLAG_PIN_LOCKED,
				   "C_Login failed: CKR_PIN_INCORRECT");
	if (strcmp(mode, "escape") == 0)
		return error_frame(b, 999, 0, "evil\n<84>granted: user 'root'\x1b[2J");
	fprintf(stderr, "fakehelper: unknown FAKEHELPER_SIGN=%s\n", mode);
	return -1;
}

static int answer_sign(const char *mode, struct tokbuf *reqbuf)
{
	struct tok_sign_req req = { 0 };
	struct tokbuf b;
	int rc = -1;

	tokbuf_init(&b);
	if (tokreq_sign(reqbuf, 1, &req) != 0) {
		fprintf(stderr, "fakehelper: malformed TOK_SIGN\n");
		goto out;
	}
	if (strcmp(mode, "ok") == 0 || strcmp(mode, "wrongtype") == 0 ||
	    strcmp(mode, "trailing") == 0) {
		if (sign(req.chal, req.chal_len, &b) != 0)
			goto out;
		if (strcmp(mode, "trailing") == 0)
			tokbuf_put_u32(&b, 0);
		rc = tok_write_frame(STDOUT_FILENO,
				     strcmp(mode, "wrongtype") == 0 ? TOK_CERTS : TOK_SIGNED, &b);
	} else {
		rc = sign_oddities(mode, &b);
	}
out:
	tokreq_sign_free(&req);
	tokbuf_free(&b);
	return rc;
}

/* Modes that act before reading anything, or instead of answering. */
static void early(const char *mode)
{
	if (strcmp(mode, "exit") == 0)
		_exit(0);
	if (strcmp(mode, "crash") == 0) {
		signal(SIGSEGV, SIG_DFL);
		raise(SIGSEGV);
	}
}

static int next_request(uint8_t want, struct tokbuf *req)
{
	uint8_t type = 0;

	if (tok_read_frame(STDIN_FILENO, &type, req, SLOW_SECONDS * 1000) != 0)
		return -1;
	if (type != want) {
		fprintf(stderr, "fakehelper: frame of type %u, want %u\n", type, want);
		return -1;
	}
	return 0;
}

int main(void)
{
	const char *list = getenv("FAKEHELPER_LIST");
	const char *sign_mode = getenv("FAKEHELPER_SIGN");
	struct tokbuf req;
	X509 *x = NULL;
	int ret = EXIT_SETUP;

	list = list != NULL ? list : "ok";
	sign_mode = sign_mode != NULL ? sign_mode : "ok";
	/* the module hangs up after a bad frame: that is not our failure */
	signal(SIGPIPE, SIG_IGN);
	tokbuf_init(&req);
	early(list);
	if (next_request(TOK_LIST, &req) != 0)
		goto out;
	if (strcmp(list, "silent") == 0)
		stall();
	if (is_framing_mode(list) && (x = read_cert()) == NULL)
		goto out;
	if (answer_list(list, x) != 0 || (strcmp(list, "ok") != 0 && strcmp(list, "inserted") != 0)) {
		ret = 0;
		goto out;
	}
	if (next_request(TOK_SIGN, &req) != 0)
		goto out;
	early(sign_mode);
	if (strcmp(sign_mode, "silent") == 0)
		stall();
	ret = answer_sign(sign_mode, &req) == 0 ? 0 : EXIT_SETUP;
out:
	X509_free(x);
	tokbuf_free(&req);
	return ret;
}
