/* main.c - pam_certmap_token: answers the module's TOK_LIST and TOK_SIGN
 * frames on stdin/stdout, so PKCS#11 code never runs inside the caller. */
#include "config.h"
#include "helper.h"
#include "tokproto.h"
#include "tokreq.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>

/* Exit codes: 0 when every request got its answer (a TOK_ERROR about the
 * module, the PIN or the key is an answer), 1 otherwise. */
enum { DONE_OK = 0, DONE_FAIL = 1, GO_ON = 2 };

/* Sign requests one helper answers: the module sends a second only after a
 * PIN from PAM_AUTHTOK was refused (try_first_pass); a third is a spare. */
#define SIGN_MAX 3

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

static int send_frame(const struct chan *ch, uint8_t type, const struct tokbuf *b)
{
	if (tok_write_frame(ch->out, type, b) == 0)
		return 0;
	fprintf(stderr, "pam_certmap_token: cannot answer: %s\n", strerror(errno));
	return -1;
}

static int send_error(const struct chan *ch, uint32_t err, uint32_t flags, const char *msg)
{
	struct tokbuf b;
	int rc;

	tokbuf_init(&b);
	tokbuf_put_u32(&b, err);
	tokbuf_put_u32(&b, flags);
	tokbuf_put_str(&b, msg);
	rc = send_frame(ch, TOK_ERROR, &b);
	tokbuf_free(&b);
	return rc;
}

static int send_empty(const struct chan *ch, uint8_t type)
{
	struct tokbuf b;
	int rc;

	tokbuf_init(&b);
	rc = send_frame(ch, type, &b);
	tokbuf_free(&b);
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

static void put_cert(struct tokbuf *b, const struct p11 *p, const struct p11_cert *c)
{
	const struct p11_slot *s = &p->slots[c->slot];

	tokbuf_put_u32(b, (uint32_t)c->slot);
	tokbuf_put_str(b, s->label);
	tokbuf_put_str(b, s->serial);
	tokbuf_put_u32(b, p11_flags(s->token_flags));
	tokbuf_put_bytes(b, c->der, c->der_len);
	tokbuf_put_bytes(b, c->id, c->id_len);
}

static int send_certs(const struct chan *ch, const struct p11 *p)
{
	struct tokbuf b;
	int rc = DONE_FAIL;

	tokbuf_init(&b);
	tokbuf_put_u32(&b, (uint32_t)p->ncerts);
	for (size_t i = 0; i < p->ncerts; i++)
		put_cert(&b, p, &p->certs[i]);
	if (b.error) {
		send_error(ch, TOK_E_INTERNAL, 0, "too many certificates for one frame");
		goto out;
	}
	if (send_frame(ch, TOK_CERTS, &b) == 0)
		rc = GO_ON;
out:
	tokbuf_free(&b);
	return rc;
}

/* wait_for_card: the module is told that no token is there (it tells the
 * user) and when one came (its own deadline ends the wait otherwise). */
static int wait_token(const struct chan *ch, struct p11 *p, const struct tok_list_req *req)
{
	if (req->wait == 0 || p11_token_present(p, req->label))
		return GO_ON;
	if (send_empty(ch, TOK_WAITING) != 0)
		return DONE_FAIL;
	if (p11_wait(p, req->label, ch->in) != 0)
		return DONE_OK;  /* the module stopped waiting */
	return send_empty(ch, TOK_INSERTED) == 0 ? GO_ON : DONE_FAIL;
}

static int handle_list(const struct chan *ch, struct p11 *p)
{
	struct tok_list_req req = { 0 };
	struct tokbuf b;
	char msg[512];
	uint32_t err;
	int rc;

	tokbuf_init(&b);
	rc = read_request(ch, TOK_LIST, &b, DONE_FAIL);
	if (rc != GO_ON)
		goto out;
	if (tokreq_list(&b, &req) != 0) {
		rc = protocol_error(ch, "malformed TOK_LIST");
		goto out;
	}
	err = p11_load(p, req.module, msg, sizeof(msg));
	if (err == 0) {
		rc = wait_token(ch, p, &req);
		if (rc != GO_ON)
			goto out;
		err = p11_list(p, req.label, msg, sizeof(msg));
	}
	if (err != 0) {
		fprintf(stderr, "pam_certmap_token: %s\n", msg);
		rc = send_error(ch, err, 0, msg) == 0 && err != TOK_E_INTERNAL ? DONE_OK : DONE_FAIL;
		goto out;
	}
	rc = send_certs(ch, p);
out:
	tokreq_list_free(&req);
	tokbuf_free(&b);
	return rc;
}

static int send_result(const struct chan *ch, const struct p11_result *r)
{
	struct tokbuf b;
	int rc;

	if (r->err != 0) {
		rc = send_error(ch, r->err, r->flags, r->msg);
		return rc == 0 && r->err != TOK_E_INTERNAL ? GO_ON : DONE_FAIL;
	}
	tokbuf_init(&b);
	tokbuf_put_u32(&b, r->alg);
	tokbuf_put_bytes(&b, r->sig, r->sig_len);
	rc = send_frame(ch, TOK_SIGNED, &b);
	tokbuf_free(&b);
	return rc == 0 ? GO_ON : DONE_FAIL;
}

/* One TOK_SIGN and its answer; GO_ON when another may follow. */
static int handle_sign(const struct chan *ch, struct p11 *p)
{
	struct tok_sign_req req = { 0 };
	struct p11_result r = { 0 };
	struct tokbuf b;
	int rc;

	tokbuf_init(&b);
	/* EOF here: the module is done (it mapped nothing, or has its answer). */
	rc = read_request(ch, TOK_SIGN, &b, DONE_OK);
	if (rc != GO_ON)
		goto out;
	if (tokreq_sign(&b, p->ncerts, &req) != 0) {
		rc = protocol_error(ch, "malformed TOK_SIGN");
		goto out;
	}
	tokbuf_free(&b);  /* wipes the frame's copy of the PIN */
	p11_sign(p, &req, &r);
	rc = send_result(ch, &r);
out:
	tokreq_sign_free(&req);
	p11_result_free(&r);
	tokbuf_free(&b);
	return rc;
}

/* The request's PIN is wiped by then, and p11_close logged the tokens out
 * and finalised the module.  The exit handlers of the PKCS#11 module's C++
 * runtime and of ld.so would only free memory the kernel takes back anyway,
 * so they are skipped; stdio is flushed first for whatever a PKCS#11 module
 * printed. */
static void __attribute__((noreturn)) finish(struct p11 *p, int rc)
{
	if (p != NULL)
		p11_close(p);
	/* A failed flush has no one left to be told about. */
	(void)fflush(NULL);
	_exit(rc);
}

int main(void)
{
	struct chan ch = { STDIN_FILENO, STDOUT_FILENO };
	struct p11 p;
	int rc, n = 0;

	memset(&p, 0, sizeof(p));
	if (harden() != 0 || take_stdio(&ch) != 0) {
		fprintf(stderr, "pam_certmap_token: cannot set up: %s\n", strerror(errno));
		send_error(&ch, TOK_E_INTERNAL, 0, "the helper cannot protect the PIN");
		finish(NULL, DONE_FAIL);
	}
	rc = handle_list(&ch, &p);
	while (rc == GO_ON && n++ < SIGN_MAX)
		rc = handle_sign(&ch, &p);
	finish(&p, rc == GO_ON ? DONE_OK : rc);
}
