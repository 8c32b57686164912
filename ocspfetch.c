/* ocspfetch.c - the caller's side of pam_certmap_ocsp: start it, hand it the
 * URL and the request, wait for the response until the deadline, and kill it
 * through its pidfd if it is not done by then. */
#include "config.h"
#include "ocspfetch.h"
#include "subproc.h"
#include "tokproto.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <time.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/http.h>

/* In a setuid caller the invoker wrote the environment: the helper gets none
 * of it (as the token helper). */
static char *const clean_env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };

int ocspfetch_url_ok(const char *url)
{
	char *host = NULL;
	int ok = url != NULL && strncmp(url, "http://", 7) == 0 && strlen(url) <= OCSPF_MAX_URL &&
		 OSSL_HTTP_parse_url(url, NULL, NULL, &host, NULL, NULL, NULL, NULL, NULL) == 1 &&
		 host != NULL && host[0] != '\0';

	OPENSSL_free(host);
	ERR_clear_error();
	return ok;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int ms_left(int64_t deadline)
{
	int64_t left = deadline - mono_ms();

	return left > 0 ? (int)left : 0;
}

/* The helper's answer: the response, or its reason for having none. */
static enum ocspfetch_status take_answer(uint8_t type, struct tokbuf *b, unsigned char **resp,
					 size_t *resplen, char *why, size_t whylen)
{
	const unsigned char *p;
	char *msg = NULL;
	size_t n;

	if (type == OCSPF_FAILED && tokbuf_get_str(b, &msg) == 0 && tokbuf_done(b) == 0) {
		snprintf(why, whylen, "%s", msg);
		free(msg);
		return OCSPFETCH_FAILED;
	}
	free(msg);
	if (type != OCSPF_RESPONSE || tokbuf_get_bytes(b, &p, &n) != 0 || tokbuf_done(b) != 0 ||
	    n == 0 || n > OCSPF_MAX_RESPONSE) {
		snprintf(why, whylen, "OCSP helper: malformed answer");
		return OCSPFETCH_HELPER;
	}
	*resp = malloc(n);
	if (*resp == NULL)
		return OCSPFETCH_NOMEM;
	memcpy(*resp, p, n);
	*resplen = n;
	return OCSPFETCH_OK;
}

/* Why the helper gave no answer, once it is stopped: the deadline (the
 * network's fault), or the helper's own failure. */
static enum ocspfetch_status lost_why(int err, enum spawn_end end, int code, int timeout_s,
				      const char *helper, char *why, size_t whylen)
{
	if (err == ETIMEDOUT) {
		snprintf(why, whylen, "no answer within %d s", timeout_s);
		return OCSPFETCH_FAILED;
	}
	/* The same words as spawn_start's refusal: where posix_spawn cannot see
	 * the exec fail (valgrind's emulation), the child's 127 says it. */
	if (end == SPAWN_EXITED && code == 127)
		snprintf(why, whylen, "OCSP helper: cannot start %s (exit status 127)", helper);
	else if (end == SPAWN_SIGNALLED)
		snprintf(why, whylen, "OCSP helper died (signal %d)", code);
	else if (end == SPAWN_EXITED && code != 0)
		snprintf(why, whylen, "OCSP helper exited with status %d", code);
	else
		snprintf(why, whylen, "OCSP helper: %s", strerror(err));
	return OCSPFETCH_HELPER;
}

static enum ocspfetch_status exchange(struct spawned *sp, const char *url,
				      const unsigned char *req, size_t len, int timeout_s,
				      int64_t deadline, struct tokbuf *b, uint8_t *type)
{
	tokbuf_put_str(b, url);
	tokbuf_put_bytes(b, req, len);
	tokbuf_put_u32(b, (uint32_t)timeout_s);
	if (b->error)
		return OCSPFETCH_NOMEM;
	if (tok_write_frame(sp->fd, OCSPF_POST, b) != 0 ||
	    tok_read_frame(sp->fd, type, b, ms_left(deadline)) != 0)
		return OCSPFETCH_FAILED;
	return OCSPFETCH_OK;
}

enum ocspfetch_status ocspfetch(const char *helper, const char *url, const unsigned char *req,
				size_t len, int timeout_s, unsigned char **resp, size_t *resplen,
				char *why, size_t whylen)
{
	char *const *envp = getauxval(AT_SECURE) ? clean_env : environ;
	int64_t deadline = mono_ms() + (int64_t)timeout_s * 1000;
	enum ocspfetch_status st;
	struct spawned sp;
	struct tokbuf b;
	uint8_t type = 0;
	int err, code = 0;
	enum spawn_end end;
	char serr[256];

	*resp = NULL;
	*resplen = 0;
	tokbuf_init(&b);
	if (spawn_start(&sp, helper, "pam_certmap_ocsp", envp, 0, serr, sizeof(serr)) != 0) {
		snprintf(why, whylen, "OCSP helper: %s", serr);
		return OCSPFETCH_HELPER;
	}
	st = exchange(&sp, url, req, len, timeout_s, deadline, &b, &type);
	err = errno;
	/* Done or not, the helper gets no more time than the deadline leaves. */
	end = spawn_reap(&sp, st == OCSPFETCH_OK ? ms_left(deadline) : 0, &code);
	if (st == OCSPFETCH_OK)
		st = take_answer(type, &b, resp, resplen, why, whylen);
	else if (st == OCSPFETCH_FAILED)
		st = lost_why(err, end, code, timeout_s, helper, why, whylen);
	tokbuf_free(&b);
	return st;
}
