/* fuzz_tokproto_helper.c - libFuzzer harness for what pam_certmap_token
 * reads from the module: TOK_LIST and TOK_SIGN, alone or as frames. */
#include "config.h"
#include "tokproto.h"
#include "tokreq.h"
#include "fuzz/fuzz.h"

#include <string.h>

/* Input: a first byte of TOK_LIST or TOK_SIGN means that payload follows;
 * anything else (a frame starts with a zero byte) is the byte stream the
 * module sent, read as token/main.c does: one TOK_LIST, then TOK_SIGNs. */

/* Certificates the helper pretends to have found: TOK_SIGN's index range. */
#define NCERTS 4
#define SOCKET_PASS_MAX ((size_t)64 * 1024)

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

/* A payload read to its end is exactly what writing the values gives; and
 * the values sent as a frame come back unchanged. */
static void same_payload(const struct tokbuf *b, const struct tokbuf *again, uint8_t type,
			 const char *what)
{
	struct tokbuf back;
	uint8_t got = 0;
	int sv[2];

	if (again->error || again->len != b->len || memcmp(again->data, b->data, b->len) != 0)
		fuzz_die(what);
	/* Written before it is read: it must fit in the socket's buffer. */
	if (again->len > SOCKET_PASS_MAX)
		return;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		fuzz_die("socketpair");
	tokbuf_init(&back);
	if (tok_write_frame(sv[0], type, again) != 0 ||
	    tok_read_frame(sv[1], &got, &back, 1000) != 0)
		fuzz_die("a frame does not pass through a socket");
	if (got != type || back.len != again->len ||
	    (back.len > 0 && memcmp(back.data, again->data, back.len) != 0))
		fuzz_die("a frame comes back changed");
	tokbuf_free(&back);
	close(sv[0]);
	close(sv[1]);
}

static int check_list(struct tokbuf *b)
{
	struct tok_list_req req = { (char *)1, (char *)1, 0 };
	struct tokbuf again;

	if (tokreq_list(b, &req) != 0) {
		if (req.module != NULL || req.label != NULL)
			fuzz_die("a failed TOK_LIST left strings");
		return -1;
	}
	if (req.wait > TOKREQ_WAIT_MAX)
		fuzz_die("TOK_LIST accepted a wait out of bounds");
	tokbuf_init(&again);
	tokreq_put_list(&again, &req);
	same_payload(b, &again, TOK_LIST, "TOK_LIST does not round-trip");
	tokbuf_free(&again);
	tokreq_list_free(&req);
	return 0;
}

static void check_sign(struct tokbuf *b)
{
	struct tok_sign_req req = { 0 };
	struct tokbuf again;

	if (tokreq_sign(b, NCERTS, &req) != 0) {
		tokreq_sign_free(&req);
		return;
	}
	if (req.index >= NCERTS || req.pin == NULL || strlen(req.pin) != req.pin_len ||
	    req.chal_len < TOKREQ_CHALLENGE_MIN || req.chal_len > TOKREQ_CHALLENGE_MAX ||
	    (req.key != TOK_KEY_RSA && req.key != TOK_KEY_EC) || req.key_bits == 0 ||
	    req.key_bits > TOKREQ_KEY_BITS_MAX || (req.flags & ~TOK_SIGN_PINPAD) != 0)
		fuzz_die("TOK_SIGN accepted out of bounds");
	if ((req.flags & TOK_SIGN_PINPAD) && req.pin_len != 0)
		fuzz_die("TOK_SIGN accepted a PIN for the PIN pad");
	tokbuf_init(&again);
	tokreq_put_sign(&again, &req);
	same_payload(b, &again, TOK_SIGN, "TOK_SIGN does not round-trip");
	tokbuf_free(&again);
	tokreq_sign_free(&req);
}

/* handle_list, then handle_sign up to SIGN_MAX times (token/main.c): a
 * frame of another type ends the session. */
#define SIGN_MAX 3

static void stream(const uint8_t *data, size_t size)
{
	struct tokbuf b;
	uint8_t type;
	int fd = fuzz_stream(data, size, 1);

	tokbuf_init(&b);
	if (tok_read_frame(fd, &type, &b, 1000) == 0 && type == TOK_LIST && check_list(&b) == 0) {
		for (int i = 0; i < SIGN_MAX; i++) {
			if (tok_read_frame(fd, &type, &b, 1000) != 0 || type != TOK_SIGN)
				break;
			check_sign(&b);
		}
	}
	tokbuf_free(&b);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tokbuf b;

	if (size == 0)
		return 0;
	if (data[0] != TOK_LIST && data[0] != TOK_SIGN) {
		stream(data, size);
		return 0;
	}
	if (fill(&b, data + 1, size - 1) != 0)
		return 0;
	if (data[0] == TOK_LIST)
		check_list(&b);
	else
		check_sign(&b);
	tokbuf_free(&b);
	return 0;
}
