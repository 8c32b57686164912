/* main.c - pam_certmap_ocsp: one HTTP POST of an OCSP request for the module
 * or certmap, which read and check the response themselves.  It runs in its
 * own process so that the caller can kill it at its deadline, wherever it
 * hangs (OpenSSL bounds connect, send and receive, but not a DNS lookup). */
#include "config.h"
#include "ocspfetch.h"
#include "tokproto.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/http.h>

/* The caller writes its frame right after the start. */
#define READ_TIMEOUT_MS 30000

struct post {
	char *url;
	const unsigned char *req;
	size_t reqlen;
	uint32_t timeout;
};

static int send_failed(const char *msg)
{
	struct tokbuf b;
	int rc;

	tokbuf_init(&b);
	tokbuf_put_str(&b, msg);
	rc = tok_write_frame(STDOUT_FILENO, OCSPF_FAILED, &b);
	tokbuf_free(&b);
	return rc;
}

/* The first error OpenSSL queued says most ("Connection refused"); a
 * system error carries errno. */
static void ossl_why(const char *what, char *buf, size_t len)
{
	unsigned long e = ERR_peek_error();
	const char *r = NULL;

	if (e != 0)
		r = ERR_SYSTEM_ERROR(e) ? strerror(ERR_GET_REASON(e)) : ERR_reason_error_string(e);
	snprintf(buf, len, "%s: %s", what, r != NULL ? r : "failed");
}

/* The body of the answer, at most OCSPF_MAX_RESPONSE bytes. */
static int read_body(BIO *rbio, unsigned char **out, size_t *outlen)
{
	unsigned char *buf = malloc(OCSPF_MAX_RESPONSE + 1);
	size_t n = 0;
	int r;

	if (buf == NULL)
		return -1;
	while (n <= OCSPF_MAX_RESPONSE &&
	       (r = BIO_read(rbio, buf + n, (int)(OCSPF_MAX_RESPONSE + 1 - n))) > 0)
		n += (size_t)r;
	if (n == 0 || n > OCSPF_MAX_RESPONSE) {
		free(buf);
		return -1;
	}
	*out = buf;
	*outlen = n;
	return 0;
}

/* One connection attempt: OpenSSL's HTTP client would retry a refused
 * connection until its timeout, and a responder that is down must cost
 * nothing under ocsp=soft.  Blocking, so the lookup and the connect wait as
 * long as the system lets them: the caller kills us at its deadline. */
static BIO *connect_once(const char *host, const char *port, char *why, size_t whylen)
{
	BIO *cbio = BIO_new(BIO_s_connect());

	if (cbio == NULL || BIO_set_conn_hostname(cbio, host) != 1 ||
	    BIO_set_conn_port(cbio, port) != 1) {
		snprintf(why, whylen, "out of memory");
		goto fail;
	}
	if (BIO_do_connect(cbio) != 1) {
		ossl_why(host, why, whylen);
		goto fail;
	}
	/* From here the HTTP client keeps its own timeout, which needs this. */
	if (BIO_socket_nbio((int)BIO_get_fd(cbio, NULL), 1) != 1) {
		ossl_why(host, why, whylen);
		goto fail;
	}
	return cbio;
fail:
	BIO_free_all(cbio);
	return NULL;
}

/* POST the request; the response body, or a reason in WHY. */
static int http_post(const struct post *p, unsigned char **out, size_t *outlen,
		     char *why, size_t whylen)
{
	char *host = NULL, *port = NULL, *path = NULL;
	BIO *req = NULL, *rbio = NULL, *cbio = NULL;
	int ssl = 0, rc = -1;

	if (OSSL_HTTP_parse_url(p->url, &ssl, NULL, &host, &port, NULL, &path, NULL, NULL) != 1) {
		snprintf(why, whylen, "malformed OCSP URL");
		goto out;
	}
	if (ssl) {
		snprintf(why, whylen, "an https OCSP URL is not supported (OCSP is signed: use http)");
		goto out;
	}
	req = BIO_new_mem_buf(p->req, (int)p->reqlen);
	if (req == NULL) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	cbio = connect_once(host, port, why, whylen);
	if (cbio == NULL)
		goto out;
	/* Our connection (so no proxy from the caller's environment either). */
	rbio = OSSL_HTTP_transfer(NULL, host, port, path, 0, NULL, NULL, cbio, cbio, NULL, NULL, 0,
				  NULL, "application/ocsp-request", req,
				  "application/ocsp-response", 1, OCSPF_MAX_RESPONSE,
				  (int)p->timeout, 0);
	if (rbio == NULL) {
		ossl_why(host, why, whylen);
		goto out;
	}
	if (read_body(rbio, out, outlen) != 0) {
		snprintf(why, whylen, "%s: response empty or too large", host);
		goto out;
	}
	rc = 0;
out:
	BIO_free(rbio);
	BIO_free(req);
	BIO_free_all(cbio);
	OPENSSL_free(host);
	OPENSSL_free(port);
	OPENSSL_free(path);
	return rc;
}

static int read_post(struct tokbuf *b, struct post *p)
{
	uint8_t type = 0;

	memset(p, 0, sizeof(*p));
	if (tok_read_frame(STDIN_FILENO, &type, b, READ_TIMEOUT_MS) != 0 || type != OCSPF_POST)
		return -1;
	tokbuf_get_str(b, &p->url);
	tokbuf_get_bytes(b, &p->req, &p->reqlen);
	tokbuf_get_u32(b, &p->timeout);
	if (tokbuf_done(b) != 0 || p->url == NULL || strlen(p->url) > OCSPF_MAX_URL ||
	    p->reqlen == 0 || p->reqlen > INT_MAX || p->timeout < 1 || p->timeout > 3600)
		return -1;
	return 0;
}

int main(void)
{
	unsigned char *resp = NULL;
	size_t resplen = 0;
	struct tokbuf in, out;
	struct post p = { 0 };
	char why[300];
	int rc = 1;

	tokbuf_init(&in);
	tokbuf_init(&out);
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		goto done;
	if (read_post(&in, &p) != 0) {
		send_failed("OCSP helper: malformed request from the caller");
		goto done;
	}
	if (http_post(&p, &resp, &resplen, why, sizeof(why)) != 0) {
		rc = send_failed(why) == 0 ? 0 : 1;
		goto done;
	}
	tokbuf_put_bytes(&out, resp, resplen);
	rc = tok_write_frame(STDOUT_FILENO, OCSPF_RESPONSE, &out) == 0 ? 0 : 1;
done:
	free(p.url);
	free(resp);
	tokbuf_free(&in);
	tokbuf_free(&out);
	return rc;
}
