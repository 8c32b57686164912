/* fuzz_tokproto_module.c - libFuzzer harness for what the module reads from
 * pam_certmap_token: TOK_CERTS, TOK_SIGNED and TOK_ERROR, alone or as frames
 * (TOK_WAITING and TOK_INSERTED carry nothing and are read as frames). */
#include "config.h"
#include "tokparse.h"
#include "tokproto.h"
#include "tokverify.h"
#include "fuzz/fuzz.h"

#include <string.h>

/* Input: a first byte of TOK_CERTS, TOK_SIGNED or TOK_ERROR means that
 * payload follows; anything else (a frame starts with a zero byte) is the
 * byte stream the helper sent, read frame by frame as token.c does. */
#define MAX_FRAMES 8

static X509 *fixed[2];

/* A payload as tok_read_frame leaves it: the bytes, the cursor at 0. */
static int fill(struct tokbuf *b, const uint8_t *p, size_t n)
{
	tokbuf_init(b);
	b->data = malloc(n > 0 ? n : 1);
	if (b->data == NULL)
		return -1;
	memcpy(b->data, p, n);
	b->len = b->cap = n;
	return 0;
}

/* A payload read to its end is exactly what writing the values gives. */
static void same_payload(const struct tokbuf *b, const struct tokbuf *again, const char *what)
{
	if (again->error || again->len != b->len || memcmp(again->data, b->data, b->len) != 0)
		fuzz_die(what);
}

/* Token strings reach prompts, syslog and the environment: escaped, they
 * hold no control character (tokstr.c). */
static int has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return 1;
	return 0;
}

static void check_certs(struct tokbuf *b, struct token_cert **keep, size_t *nkeep)
{
	struct token_cert *c = NULL;
	size_t n = 0;

	if (tokparse_certs(b, &c, &n) != 0) {
		if (c != NULL || n != 0)
			fuzz_die("a failed list left certificates");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char *der = NULL;
		int len = i2d_X509(c[i].x509, &der);

		if (c[i].label == NULL || c[i].serial == NULL || c[i].der == NULL)
			fuzz_die("a listed certificate without its strings");
		if (has_control(c[i].label) || has_control(c[i].serial))
			fuzz_die("a token string left unescaped");
		/* The module maps the DER it received; it must be what decoded. */
		if (len <= 0 || (size_t)len != c[i].der_len || memcmp(der, c[i].der, c[i].der_len))
			fuzz_die("the DER kept differs from the certificate decoded");
		OPENSSL_free(der);
	}
	if (keep == NULL) {
		tokparse_certs_free(c, n);
		return;
	}
	tokparse_certs_free(*keep, *nkeep);
	*keep = c;
	*nkeep = n;
}

static void check_signed(struct tokbuf *b, X509 *mapped)
{
	const unsigned char *sig;
	size_t siglen;
	uint32_t alg;
	struct tokbuf again;

	if (tokparse_signed(b, &alg, &sig, &siglen) != 0)
		return;
	tokbuf_init(&again);
	tokbuf_put_u32(&again, alg);
	tokbuf_put_bytes(&again, sig, siglen);
	same_payload(b, &again, "TOK_SIGNED does not round-trip");
	tokbuf_free(&again);
	if (mapped != NULL) {
		tokverify(mapped, alg, (const unsigned char *)FUZZ_CHALLENGE, FUZZ_CHALLENGE_LEN,
			  sig, siglen);
		return;
	}
	for (size_t i = 0; i < 2; i++)
		tokverify(fixed[i], alg, (const unsigned char *)FUZZ_CHALLENGE, FUZZ_CHALLENGE_LEN,
			  sig, siglen);
}

static void check_error(struct tokbuf *b)
{
	char msg[256];
	uint32_t flags = 0xdeadbeef;

	memset(msg, 'x', sizeof(msg));
	tokparse_error(b, &flags, msg, sizeof(msg));
	if (memchr(msg, '\0', sizeof(msg)) == NULL)
		fuzz_die("TOK_ERROR message not terminated");
	if (has_control(msg))
		fuzz_die("TOK_ERROR message left unescaped");
}

/* The frames as token_open and token_prove read them: the last list of
 * certificates is what a signature is checked against. */
static void stream(const uint8_t *data, size_t size)
{
	struct token_cert *certs = NULL;
	size_t ncerts = 0;
	struct tokbuf b;
	uint8_t type;
	int fd = fuzz_stream(data, size, 0);

	tokbuf_init(&b);
	for (int i = 0; i < MAX_FRAMES; i++) {
		if (tok_read_frame(fd, &type, &b, 1000) != 0) {
			if (b.error == 0)
				fuzz_die("a failed read left a usable buffer");
			break;
		}
		if (type == TOK_CERTS)
			check_certs(&b, &certs, &ncerts);
		else if (type == TOK_SIGNED)
			check_signed(&b, ncerts > 0 ? certs[0].x509 : fixed[0]);
		else if (type == TOK_ERROR)
			check_error(&b);
	}
	tokparse_certs_free(certs, ncerts);
	tokbuf_free(&b);
	close(fd);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fixed[0] = fuzz_cert(FUZZ_ALICE_PEM);
	fixed[1] = fuzz_cert(FUZZ_RSA_PEM);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tokbuf b;

	if (size == 0)
		return 0;
	if (data[0] != TOK_CERTS && data[0] != TOK_SIGNED && data[0] != TOK_ERROR) {
		stream(data, size);
		return 0;
	}
	if (fill(&b, data + 1, size - 1) != 0)
		return 0;
	if (data[0] == TOK_CERTS)
		check_certs(&b, NULL, NULL);
	else if (data[0] == TOK_SIGNED)
		check_signed(&b, NULL);
	else
		check_error(&b);
	tokbuf_free(&b);
	return 0;
}
