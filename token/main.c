/* main.c - pam_certmap_token: answers the module's TOK_LIST and TOK_SIGN
 * frames on stdin/stdout, so PKCS#11 code never runs inside the caller. */
#include "config.h"
#include "helper.h"
#include "tokparse.h"
#include "tokproto.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <sys/prctl.h>
#include <sys/resource.h>

/* Exit codes: 0 when every request got its answer (a TOK_ERROR about the
 * module, the PIN or the key is an answer), 1 otherwise. */
enum { DONE_OK = 0, DONE_FAIL = 1, GO_ON = 2 };

struct chan {
	int in, out;
};

/* No core dump and no ptrace by the same user while a PIN is in memory. */
static int harden(void)
{
	struct rlimit none = { 0, 0 };

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return -1;
	if (setrlimit(RLIMIT_CORE, &none) != 0)
		return -1;
	return signal(SIGPIPE, SIG_IGN) == SIG_ERR ? -1 : 0;
}

/* The frames move to private descriptors and fd 0/1 become /dev/null and
 * stderr: a PKCS#11 module that prints or reads there cannot corrupt the
 * protocol. */
static int take_stdio(struct chan *ch)
{
	int null;

	ch->in = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
	ch->out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	if (ch->in < 0 || ch->out < 0)
		return -1;
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, STDIN_FILENO) < 0)
		return -1;
	if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0 && dup2(null, STDOUT_FILENO) < 0)
		return -1;
	if (null > STDERR_FILENO)
		close(null);
	return 0;
}

/* The helper passes on CKR codes, never OpenSSL's error texts: not loading
 * them saves 0.9 M instructions per authentication.  Must come before any
 * other OpenSSL call, which would load them by default. */
static int openssl_setup(void)
{
	return OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS, NULL) == 1 ? 0 : -1;
}

static int send_error(const struct chan *ch, uint32_t err, uint32_t flags, const char *msg)
{
	struct tokbuf b;
	int rc;

	tokbuf_init(&b);
	tokbuf_put_u32(&b, err);
	tokbuf_put_u32(&b, flags);
	tokbuf_put_str(&b, msg);
	rc = tok_write_frame(ch->out, TOK_ERROR, &b);
	tokbuf_free(&b);
	if (rc != 0)
		fprintf(stderr, "pam_certmap_token: cannot answer: %s\n", strerror(errno));
	return rc;
}

static int protocol_error(const struct chan *ch, const char *what)
{
	fprintf(stderr, "pam_certmap_token: %s\n", what);
	send_error(ch, TOK_E_PROTOCOL, 0, what);
	return DONE_FAIL;
}

/* A frame of type WANT, or the exit code when there is none. */
static int read_request(const struct chan *ch, uint8_t want, struct tokbuf *b, int eof_rc)
{
	uint8_t type;

	if (tok_read_frame(ch->in, &type, b, -1) != 0) {
		if (errno == EPIPE)
			return eof_rc;
		if (errno == EPROTO)
			return protocol_error(ch, "bad frame length");
		fprintf(stderr, "pam_certmap_token: read: %s\n", strerror(errno));
		return DONE_FAIL;
	}
	if (type != want)
		return protocol_error(ch, "unexpected frame type");
	return GO_ON;
}

static void put_cert(struct tokbuf *b, const struct p11_cert *c)
{
	tokbuf_put_u32(b, c->slot_index);
	tokbuf_put_str(b, c->label);
	tokbuf_put_str(b, c->serial);
	tokbuf_put_u32(b, c->flags);
	tokbuf_put_bytes(b, c->der, c->der_len);
	tokbuf_put_bytes(b, c->id, c->id_len);
}

static int send_certs(const struct chan *ch, const struct p11 *p)
{
	struct tokbuf b;
	size_t i, n = p11_count(p);
	int rc = DONE_FAIL;

	tokbuf_init(&b);
	tokbuf_put_u32(&b, (uint32_t)n);
	for (i = 0; i < n; i++)
		put_cert(&b, p11_cert_at(p, i));
	if (b.error) {
		send_error(ch, TOK_E_INTERNAL, 0, "too many certificates for one frame");
		goto out;
	}
	if (tok_write_frame(ch->out, TOK_CERTS, &b) != 0) {
		fprintf(stderr, "pam_certmap_token: cannot answer: %s\n", strerror(errno));
		goto out;
	}
	rc = GO_ON;
out:
	tokbuf_free(&b);
	return rc;
}

static int handle_list(const struct chan *ch, struct p11 *p)
{
	struct tokbuf b;
	char *module = NULL, *label = NULL;
	char msg[512];
	uint32_t err;
	int rc;

	tokbuf_init(&b);
	rc = read_request(ch, TOK_LIST, &b, DONE_FAIL);
	if (rc != GO_ON)
		goto out;
	if (tokparse_list(&b, &module, &label) != 0) {
		rc = protocol_error(ch, "malformed TOK_LIST");
		goto out;
	}
	err = p11_list(p, module, label, msg, sizeof(msg));
	if (err != 0) {
		fprintf(stderr, "pam_certmap_token: %s\n", msg);
		send_error(ch, err, 0, msg);
		rc = err == TOK_E_MODULE ? DONE_OK : DONE_FAIL;
		goto out;
	}
	rc = send_certs(ch, p);
out:
	free(module);
	free(label);
	tokbuf_free(&b);
	return rc;
}

static int send_result(const struct chan *ch, const struct p11_result *r)
{
	struct tokbuf b;
	int rc;

	if (r->err != 0) {
		rc = send_error(ch, r->err, r->flags, r->msg);
		return rc == 0 && r->err != TOK_E_INTERNAL ? DONE_OK : DONE_FAIL;
	}
	tokbuf_init(&b);
	tokbuf_put_u32(&b, r->alg);
	tokbuf_put_bytes(&b, r->sig, r->sig_len);
	rc = tok_write_frame(ch->out, TOK_SIGNED, &b);
	tokbuf_free(&b);
	return rc == 0 ? DONE_OK : DONE_FAIL;
}

static int handle_sign(const struct chan *ch, struct p11 *p)
{
	struct tok_sign_req req = { 0 };
	struct p11_result r = { 0 };
	struct tokbuf b;
	int rc;

	tokbuf_init(&b);
	/* EOF here: the module mapped none of the certificates. */
	rc = read_request(ch, TOK_SIGN, &b, DONE_OK);
	if (rc != GO_ON)
		goto out;
	if (tokparse_sign(&b, p11_count(p), &req) != 0) {
		rc = protocol_error(ch, "malformed TOK_SIGN");
		goto out;
	}
	tokbuf_free(&b);
	p11_sign(p, req.index, req.pin, req.chal, req.chal_len, &r);
	rc = send_result(ch, &r);
out:
	tokparse_sign_free(&req);
	p11_result_free(&r);
	tokbuf_free(&b);
	return rc;
}

/* Everything that needed cleaning up is done by then: p11_free finalized the
 * module and wiped libp11's copy of the PIN, the request's copy is wiped.
 * The exit handlers of OpenSSL, of the PKCS#11 module's C++ runtime and of
 * ld.so would only free memory the kernel takes back anyway (1.7 M
 * instructions per authentication), so they are skipped; stdio is flushed
 * first for whatever a PKCS#11 module printed. */
static void __attribute__((noreturn)) finish(int rc)
{
	/* A failed flush has no one left to be told about. */
	(void)fflush(NULL);
	_exit(rc);
}

int main(void)
{
	struct chan ch = { STDIN_FILENO, STDOUT_FILENO };
	struct p11 *p = NULL;
	int rc = DONE_FAIL;

	if (harden() != 0 || take_stdio(&ch) != 0) {
		fprintf(stderr, "pam_certmap_token: cannot set up: %s\n", strerror(errno));
		send_error(&ch, TOK_E_INTERNAL, 0, "the helper cannot protect the PIN");
		finish(DONE_FAIL);
	}
	if (openssl_setup() != 0) {
		fprintf(stderr, "pam_certmap_token: cannot initialise OpenSSL\n");
		send_error(&ch, TOK_E_INTERNAL, 0, "the helper cannot initialise OpenSSL");
		finish(DONE_FAIL);
	}
	p = p11_new();
	if (p == NULL) {
		send_error(&ch, TOK_E_INTERNAL, 0, "out of memory");
		finish(DONE_FAIL);
	}
	rc = handle_list(&ch, p);
	if (rc == GO_ON)
		rc = handle_sign(&ch, p);
	p11_free(p);
	finish(rc);
}
