/* ocspfetch.h - the HTTP exchange of an OCSP request, done by the helper
 * pam_certmap_ocsp in a process of its own, so that nothing (a silent
 * responder, a DNS lookup that never ends) holds the caller past its deadline. */
#ifndef PAM_CERTMAP_OCSPFETCH_H
#define PAM_CERTMAP_OCSPFETCH_H

#include <stddef.h>

/* Frames between the caller and the helper (tokproto.h's format). */
enum ocspfetch_frame {
	OCSPF_POST = 1,     /* caller -> helper: str URL, bytes request (DER), u32 timeout (s) */
	OCSPF_RESPONSE,     /* helper -> caller: bytes response (DER) */
	OCSPF_FAILED,       /* helper -> caller: str what went wrong */
};

/* Largest response taken; a response for one certificate is a few KiB. */
#define OCSPF_MAX_RESPONSE ((size_t)64 * 1024)
#define OCSPF_MAX_URL 2048

/* Is URL one the helper takes: http://, parsable, at most OCSPF_MAX_URL long?
 * (OCSP responses are signed, so responders speak plain HTTP.) */
int ocspfetch_url_ok(const char *url);

enum ocspfetch_status {
	OCSPFETCH_OK = 0,
	OCSPFETCH_FAILED,   /* no response: unreachable, timed out, HTTP error; why says */
	OCSPFETCH_HELPER,   /* the helper itself failed: not started, crashed, talked nonsense */
	OCSPFETCH_NOMEM,
};

/* POST REQ (LEN bytes of DER) to URL through HELPER, and take the response
 * body into *RESP (malloc'd, *RESPLEN bytes).  Everything, the helper's start
 * included, ends within TIMEOUT_S seconds: the helper is killed then. */
enum ocspfetch_status ocspfetch(const char *helper, const char *url, const unsigned char *req,
				size_t len, int timeout_s, unsigned char **resp, size_t *resplen,
				char *why, size_t whylen);

#endif
