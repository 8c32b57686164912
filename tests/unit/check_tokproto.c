/* check_tokproto.c - the module <-> helper wire format: the checked buffer
 * (bounds, sticky errors, strings), frames over sockets and pipes, the
 * module's requests (tokreq.c) and what it reads back (tokparse.c). */
#include "config.h"
#include "unit.h"
#include "testcert.h"
#include "tokparse.h"
#include "tokproto.h"
#include "tokreq.h"
#include "tokstr.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

static void fill(struct tokbuf *b, const void *p, size_t n)
{
	tokbuf_init(b);
	b->data = malloc(n > 0 ? n : 1);
	ck_assert_ptr_nonnull(b->data);
	memcpy(b->data, p, n);
	b->len = b->cap = n;
}

static void pair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

START_TEST(u32_is_big_endian)
{
	static const unsigned char want[] = { 1, 2, 3, 4, 0xff, 0xfe, 0xfd, 0xfc };
	struct tokbuf b;
	uint32_t v;

	tokbuf_init(&b);
	ck_assert_int_eq(tokbuf_put_u32(&b, 0x01020304u), 0);
	ck_assert_int_eq(tokbuf_put_u32(&b, 0xfffefdfcu), 0);
	ck_assert_uint_eq(b.len, sizeof(want));
	ck_assert_mem_eq(b.data, want, sizeof(want));
	ck_assert_int_eq(tokbuf_get_u32(&b, &v), 0);
	ck_assert_uint_eq(v, 0x01020304u);
	ck_assert_int_eq(tokbuf_get_u32(&b, &v), 0);
	ck_assert_uint_eq(v, 0xfffefdfcu);
	ck_assert_int_eq(tokbuf_done(&b), 0);
	tokbuf_free(&b);
}
END_TEST

START_TEST(bytes_and_strings_round_trip)
{
	static const unsigned char bin[] = { 0, 1, 0, 2 };
	const unsigned char *p;
	struct tokbuf b;
	char *s = NULL, *e = NULL;
	size_t n;

	tokbuf_init(&b);
	ck_assert_int_eq(tokbuf_put_bytes(&b, bin, sizeof(bin)), 0);
	ck_assert_int_eq(tokbuf_put_str(&b, "PIN for t1"), 0);
	ck_assert_int_eq(tokbuf_put_str(&b, ""), 0);
	ck_assert_uint_eq(b.len, 4 + 4 + 4 + 10 + 4);
	ck_assert_int_eq(tokbuf_get_bytes(&b, &p, &n), 0);
	ck_assert_uint_eq(n, sizeof(bin));
	ck_assert_mem_eq(p, bin, sizeof(bin));
	ck_assert_int_eq(tokbuf_get_str(&b, &s), 0);
	ck_assert_str_eq(s, "PIN for t1");
	ck_assert_int_eq(tokbuf_get_str(&b, &e), 0);
	ck_assert_str_eq(e, "");
	ck_assert_int_eq(tokbuf_done(&b), 0);
	free(s);
	free(e);
	tokbuf_free(&b);
}
END_TEST

START_TEST(leftover_bytes_are_not_done)
{
	static const unsigned char in[] = { 0, 0, 0, 7, 9 };
	struct tokbuf b;
	uint32_t v;

	fill(&b, in, sizeof(in));
	ck_assert_int_eq(tokbuf_get_u32(&b, &v), 0);
	ck_assert_uint_eq(v, 7);
	ck_assert_int_eq(tokbuf_done(&b), -1);
	tokbuf_free(&b);
}
END_TEST

START_TEST(short_read_fails_and_stays_failed)
{
	static const unsigned char in[] = { 0, 0, 0, 5, 0, 0 };
	struct tokbuf b;
	uint32_t v = 42;

	fill(&b, in, sizeof(in));
	ck_assert_int_eq(tokbuf_get_u32(&b, &v), 0);
	ck_assert_int_eq(tokbuf_get_u32(&b, &v), -1);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(b.error, 1);
	/* Rewinding the cursor does not clear the error: it is sticky. */
	b.off = 0;
	ck_assert_int_eq(tokbuf_get_u32(&b, &v), -1);
	ck_assert_int_eq(tokbuf_done(&b), -1);
	tokbuf_free(&b);
}
END_TEST

START_TEST(bytes_longer_than_what_remains_are_refused)
{
	static const unsigned char in[] = { 0, 0, 0, 4, 'a', 'b', 'c' };
	const unsigned char *p = in;
	struct tokbuf b;
	size_t n = 99;

	fill(&b, in, sizeof(in));
	ck_assert_int_eq(tokbuf_get_bytes(&b, &p, &n), -1);
	ck_assert_ptr_null(p);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(tokbuf_done(&b), -1);
	tokbuf_free(&b);
}
END_TEST

START_TEST(huge_length_field_is_refused)
{
	static const unsigned char in[] = { 0xff, 0xff, 0xff, 0xff, 'a' };
	const unsigned char *p;
	struct tokbuf b;
	char other, *s = &other;
	size_t n;

	fill(&b, in, sizeof(in));
	ck_assert_int_eq(tokbuf_get_bytes(&b, &p, &n), -1);
	tokbuf_free(&b);
	fill(&b, in, sizeof(in));
	ck_assert_int_eq(tokbuf_get_str(&b, &s), -1);
	ck_assert_ptr_null(s);
	tokbuf_free(&b);
}
END_TEST

START_TEST(string_with_nul_is_refused)
{
	static const unsigned char in[] = { 0, 0, 0, 3, '1', 0, '2' };
	struct tokbuf b;
	char other, *s = &other;

	fill(&b, in, sizeof(in));
	ck_assert_int_eq(tokbuf_get_str(&b, &s), -1);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(tokbuf_done(&b), -1);
	tokbuf_free(&b);
}
END_TEST

START_TEST(put_beyond_a_frame_fails_and_stays_failed)
{
	struct tokbuf b;
	unsigned char *big = calloc(1, TOKPROTO_MAX_FRAME);

	ck_assert_ptr_nonnull(big);
	tokbuf_init(&b);
	/* The largest payload that fits: u32 length + bytes + the type byte. */
	ck_assert_int_eq(tokbuf_put_bytes(&b, big, TOKPROTO_MAX_FRAME - 5), 0);
	ck_assert_uint_eq(b.len, TOKPROTO_MAX_FRAME - 1);
	tokbuf_free(&b);
	ck_assert_int_eq(tokbuf_put_bytes(&b, big, TOKPROTO_MAX_FRAME - 4), -1);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(tokbuf_put_u32(&b, 1), -1);
	ck_assert_int_eq(tokbuf_put_str(&b, ""), -1);
	free(big);
	tokbuf_free(&b);
}
END_TEST

START_TEST(null_string_is_refused)
{
	struct tokbuf b;

	tokbuf_init(&b);
	ck_assert_int_eq(tokbuf_put_str(&b, NULL), -1);
	ck_assert_int_eq(b.error, 1);
	tokbuf_free(&b);
}
END_TEST

START_TEST(free_resets_the_buffer)
{
	struct tokbuf b;

	tokbuf_init(&b);
	ck_assert_int_eq(tokbuf_put_str(&b, "1234"), 0);
	b.error = 1;
	tokbuf_free(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len + b.cap + b.off, 0);
	ck_assert_int_eq(b.error, 0);
	tokbuf_free(&b);
}
END_TEST

START_TEST(frame_round_trip_on_a_socket)
{
	struct tokbuf out, in;
	uint8_t type = 0;
	char *s = NULL;
	uint32_t v;
	int sv[2];

	pair(sv);
	tokbuf_init(&out);
	tokbuf_init(&in);
	tokbuf_put_u32(&out, 7);
	tokbuf_put_str(&out, "t1");
	ck_assert_int_eq(tok_write_frame(sv[0], TOK_SIGN, &out), 0);
	ck_assert_int_eq(tok_read_frame(sv[1], &type, &in, 1000), 0);
	ck_assert_uint_eq(type, TOK_SIGN);
	ck_assert_uint_eq(in.len, out.len);
	ck_assert_int_eq(tokbuf_get_u32(&in, &v), 0);
	ck_assert_uint_eq(v, 7);
	ck_assert_int_eq(tokbuf_get_str(&in, &s), 0);
	ck_assert_str_eq(s, "t1");
	ck_assert_int_eq(tokbuf_done(&in), 0);
	free(s);
	tokbuf_free(&out);
	tokbuf_free(&in);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(frame_on_the_wire_is_length_type_payload)
{
	static const unsigned char want[] = { 0, 0, 0, 5, TOK_CERTS, 0, 0, 0, 0 };
	unsigned char got[sizeof(want) + 1];
	struct tokbuf out;
	int fds[2];

	ck_assert_int_eq(pipe(fds), 0);
	tokbuf_init(&out);
	tokbuf_put_u32(&out, 0);
	ck_assert_int_eq(tok_write_frame(fds[1], TOK_CERTS, &out), 0);
	close(fds[1]);
	ck_assert_int_eq(read(fds[0], got, sizeof(got)), (ssize_t)sizeof(want));
	ck_assert_mem_eq(got, want, sizeof(want));
	tokbuf_free(&out);
	close(fds[0]);
}
END_TEST

START_TEST(empty_payload_is_a_valid_frame)
{
	static const unsigned char wire[] = { 0, 0, 0, 1, TOK_LIST };
	struct tokbuf in;
	uint8_t type = 0;
	int sv[2];

	pair(sv);
	tokbuf_init(&in);
	ck_assert_int_eq(write(sv[0], wire, sizeof(wire)), (ssize_t)sizeof(wire));
	ck_assert_int_eq(tok_read_frame(sv[1], &type, &in, 1000), 0);
	ck_assert_uint_eq(type, TOK_LIST);
	ck_assert_uint_eq(in.len, 0);
	ck_assert_int_eq(tokbuf_done(&in), 0);
	tokbuf_free(&in);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

static void read_raw(const unsigned char *wire, size_t n, int want_errno)
{
	struct tokbuf in;
	uint8_t type = 0;
	int sv[2];

	pair(sv);
	tokbuf_init(&in);
	ck_assert_int_eq(write(sv[0], wire, n), (ssize_t)n);
	close(sv[0]);
	errno = 0;
	ck_assert_int_eq(tok_read_frame(sv[1], &type, &in, 1000), -1);
	ck_assert_int_eq(errno, want_errno);
	ck_assert_int_eq(tokbuf_done(&in), -1);
	tokbuf_free(&in);
	close(sv[1]);
}

START_TEST(zero_length_is_eproto)
{
	static const unsigned char wire[] = { 0, 0, 0, 0, TOK_LIST };

	read_raw(wire, sizeof(wire), EPROTO);
}
END_TEST

START_TEST(length_over_the_maximum_is_eproto)
{
	unsigned char wire[5] = { 0, 0, 0, 0, TOK_LIST };
	size_t n = TOKPROTO_MAX_FRAME + 1;

	wire[0] = (unsigned char)(n >> 24);
	wire[1] = (unsigned char)(n >> 16);
	wire[2] = (unsigned char)(n >> 8);
	wire[3] = (unsigned char)n;
	read_raw(wire, sizeof(wire), EPROTO);
}
END_TEST

START_TEST(eof_inside_a_frame_is_epipe)
{
	static const unsigned char wire[] = { 0, 0, 0, 9, TOK_SIGN, 1, 2 };

	read_raw(wire, sizeof(wire), EPIPE);
	read_raw(wire, 2, EPIPE);
	read_raw(wire, 0, EPIPE);
}
END_TEST

/* The module closes without reading what the helper wrote: on a Unix
 * socket the helper's next read sees a reset, which is the peer gone too. */
START_TEST(peer_closing_with_data_unread_is_epipe)
{
	struct tokbuf b;
	uint8_t type;
	int sv[2];

	pair(sv);
	tokbuf_init(&b);
	tokbuf_put_u32(&b, 0);
	ck_assert_int_eq(tok_write_frame(sv[0], TOK_CERTS, &b), 0);
	close(sv[1]);
	errno = 0;
	ck_assert_int_eq(tok_read_frame(sv[0], &type, &b, 1000), -1);
	ck_assert_int_eq(errno, EPIPE);
	tokbuf_free(&b);
	close(sv[0]);
}
END_TEST

START_TEST(silence_times_out)
{
	struct timespec t0;
	struct tokbuf in;
	uint8_t type;
	long ms;
	int sv[2];

	pair(sv);
	tokbuf_init(&in);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	errno = 0;
	ck_assert_int_eq(tok_read_frame(sv[1], &type, &in, 200), -1);
	ms = elapsed_ms(&t0);
	ck_assert_int_eq(errno, ETIMEDOUT);
	ck_assert_int_ge(ms, 190);
	ck_assert_int_lt(ms, 1000);
	tokbuf_free(&in);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* A child sends a 40-byte frame one byte every 100 ms (4 s in all). */
static pid_t trickle(int fd)
{
	static const unsigned char hdr[] = { 0, 0, 0, 36, TOK_SIGN };
	pid_t pid = fork();
	unsigned char z = 0;
	int i;

	ck_assert_int_ge(pid, 0);
	if (pid != 0)
		return pid;
	for (i = 0; i < 40; i++) {
		if (write(fd, i < 5 ? &hdr[i] : &z, 1) != 1)
			_exit(0);
		usleep(100000);
	}
	_exit(0);
}

START_TEST(trickling_peer_cannot_extend_the_deadline)
{
	struct timespec t0;
	struct tokbuf in;
	uint8_t type;
	pid_t pid;
	long ms;
	int sv[2];

	pair(sv);
	tokbuf_init(&in);
	pid = trickle(sv[0]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	errno = 0;
	ck_assert_int_eq(tok_read_frame(sv[1], &type, &in, 500), -1);
	ms = elapsed_ms(&t0);
	ck_assert_int_eq(errno, ETIMEDOUT);
	/* One deadline for the whole frame: a fresh one for the body, after the
	 * header came in at 400 ms, would end at 900 ms. */
	ck_assert_int_ge(ms, 490);
	ck_assert_int_lt(ms, 750);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	tokbuf_free(&in);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(writing_to_a_closed_socket_is_an_error_not_sigpipe)
{
	struct tokbuf out;
	int sv[2];

	signal(SIGPIPE, SIG_DFL);
	pair(sv);
	close(sv[1]);
	tokbuf_init(&out);
	tokbuf_put_str(&out, "x");
	errno = 0;
	ck_assert_int_eq(tok_write_frame(sv[0], TOK_LIST, &out), -1);
	ck_assert_int_eq(errno, EPIPE);
	tokbuf_free(&out);
	close(sv[0]);
}
END_TEST

START_TEST(failed_buffer_is_not_sent)
{
	struct tokbuf out;
	int sv[2];

	pair(sv);
	tokbuf_init(&out);
	tokbuf_put_str(&out, NULL);
	errno = 0;
	ck_assert_int_eq(tok_write_frame(sv[0], TOK_LIST, &out), -1);
	ck_assert_int_eq(errno, EINVAL);
	tokbuf_free(&out);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* The largest frame, written by a child while the parent reads it, and a
 * second frame read into the same buffer replaces the first. */
START_TEST(largest_frame_then_a_small_one)
{
	struct tokbuf out, in;
	unsigned char *big = calloc(1, TOKPROTO_MAX_FRAME);
	uint8_t type;
	pid_t pid;
	int sv[2];

	ck_assert_ptr_nonnull(big);
	pair(sv);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		tokbuf_init(&out);
		tokbuf_put_bytes(&out, big, TOKPROTO_MAX_FRAME - 5);
		if (tok_write_frame(sv[0], TOK_CERTS, &out) != 0)
			_exit(1);
		tokbuf_free(&out);
		tokbuf_put_u32(&out, 3);
		_exit(tok_write_frame(sv[0], TOK_ERROR, &out) != 0);
	}
	tokbuf_init(&in);
	ck_assert_int_eq(tok_read_frame(sv[1], &type, &in, 5000), 0);
	ck_assert_uint_eq(type, TOK_CERTS);
	ck_assert_uint_eq(in.len, TOKPROTO_MAX_FRAME - 1);
	ck_assert_int_eq(tok_read_frame(sv[1], &type, &in, 5000), 0);
	ck_assert_uint_eq(type, TOK_ERROR);
	ck_assert_uint_eq(in.len, 4);
	waitpid(pid, NULL, 0);
	free(big);
	tokbuf_free(&in);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* ---------------------------------------------------------------- requests */

static void sign_req(struct tok_sign_req *r, unsigned char *chal, size_t len)
{
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < len; i++)
		chal[i] = (unsigned char)i;
	r->index = 1;
	r->pin = "123456";
	r->key = TOK_KEY_EC;
	r->key_bits = 384;
	r->chal = chal;
	r->chal_len = len;
	memset(r->sha256, 2, sizeof(r->sha256));
	memset(r->sha384, 3, sizeof(r->sha384));
	memset(r->sha512, 5, sizeof(r->sha512));
}

/* REQ written and read back against NCERTS certificates: 0 or -1. */
static int sign_round_trip(const struct tok_sign_req *req, size_t ncerts, struct tok_sign_req *got)
{
	struct tokbuf b;
	int rc;

	tokbuf_init(&b);
	ck_assert_int_eq(tokreq_put_sign(&b, req), 0);
	memset(got, 0, sizeof(*got));
	rc = tokreq_sign(&b, ncerts, got);
	tokbuf_free(&b);
	return rc;
}

START_TEST(list_request_round_trips)
{
	struct tok_list_req in = { "/usr/lib/p11-kit-proxy.so", "PIV card", 30 }, out;
	struct tokbuf b;

	tokbuf_init(&b);
	ck_assert_int_eq(tokreq_put_list(&b, &in), 0);
	ck_assert_int_eq(tokreq_list(&b, &out), 0);
	ck_assert_str_eq(out.module, in.module);
	ck_assert_str_eq(out.label, in.label);
	ck_assert_uint_eq(out.wait, 30);
	tokreq_list_free(&out);
	ck_assert_ptr_null(out.module);
	tokbuf_free(&b);
}
END_TEST

START_TEST(list_request_with_a_wait_too_long_is_refused)
{
	struct tok_list_req in = { "/m.so", "", TOKREQ_WAIT_MAX + 1 }, out;
	struct tokbuf b;

	tokbuf_init(&b);
	ck_assert_int_eq(tokreq_put_list(&b, &in), 0);
	ck_assert_int_eq(tokreq_list(&b, &out), -1);
	ck_assert_ptr_null(out.module);
	ck_assert_ptr_null(out.label);
	tokbuf_free(&b);
}
END_TEST

START_TEST(sign_request_round_trips)
{
	unsigned char chal[32];
	struct tok_sign_req in, out;

	sign_req(&in, chal, sizeof(chal));
	ck_assert_int_eq(sign_round_trip(&in, 2, &out), 0);
	ck_assert_uint_eq(out.index, 1);
	ck_assert_str_eq(out.pin, "123456");
	ck_assert_uint_eq(out.pin_len, 6);
	ck_assert_uint_eq(out.key, TOK_KEY_EC);
	ck_assert_uint_eq(out.key_bits, 384);
	ck_assert_uint_eq(out.chal_len, sizeof(chal));
	ck_assert_mem_eq(out.chal, chal, sizeof(chal));
	ck_assert_mem_eq(out.sha384, in.sha384, sizeof(in.sha384));
	ck_assert_mem_eq(out.sha512, in.sha512, sizeof(in.sha512));
	tokreq_sign_free(&out);
	ck_assert_ptr_null(out.pin);
}
END_TEST

START_TEST(sign_request_out_of_bounds_is_refused)
{
	unsigned char chal[TOKREQ_CHALLENGE_MAX + 1];
	struct tok_sign_req in, out;

	sign_req(&in, chal, 32);
	ck_assert_int_eq(sign_round_trip(&in, 1, &out), -1);   /* index 1 of 1 */
	tokreq_sign_free(&out);
	sign_req(&in, chal, TOKREQ_CHALLENGE_MIN - 1);
	ck_assert_int_eq(sign_round_trip(&in, 2, &out), -1);
	tokreq_sign_free(&out);
	sign_req(&in, chal, TOKREQ_CHALLENGE_MAX + 1);
	ck_assert_int_eq(sign_round_trip(&in, 2, &out), -1);
	tokreq_sign_free(&out);
	sign_req(&in, chal, 32);
	in.key = 3;
	ck_assert_int_eq(sign_round_trip(&in, 2, &out), -1);
	tokreq_sign_free(&out);
	sign_req(&in, chal, 32);
	in.key_bits = TOKREQ_KEY_BITS_MAX + 1;
	ck_assert_int_eq(sign_round_trip(&in, 2, &out), -1);
	tokreq_sign_free(&out);
	sign_req(&in, chal, 32);
	in.flags = 0x2;
	ck_assert_int_eq(sign_round_trip(&in, 2, &out), -1);
	tokreq_sign_free(&out);
}
END_TEST

START_TEST(a_pin_pad_request_carries_no_pin)
{
	unsigned char chal[32];
	struct tok_sign_req in, out;

	sign_req(&in, chal, sizeof(chal));
	in.flags = TOK_SIGN_PINPAD;
	ck_assert_int_eq(sign_round_trip(&in, 2, &out), -1);
	tokreq_sign_free(&out);
	in.pin = "";
	ck_assert_int_eq(sign_round_trip(&in, 2, &out), 0);
	ck_assert_uint_eq(out.flags, TOK_SIGN_PINPAD);
	tokreq_sign_free(&out);
}
END_TEST

START_TEST(a_digest_of_the_wrong_length_is_refused)
{
	unsigned char chal[32];
	struct tok_sign_req in, out;
	struct tokbuf b;

	sign_req(&in, chal, sizeof(chal));
	tokbuf_init(&b);
	tokbuf_put_u32(&b, 0);
	tokbuf_put_str(&b, "1");
	tokbuf_put_u32(&b, 0);
	tokbuf_put_u32(&b, TOK_KEY_RSA);
	tokbuf_put_u32(&b, 2048);
	tokbuf_put_bytes(&b, chal, sizeof(chal));
	tokbuf_put_bytes(&b, in.sha256, 31);
	tokbuf_put_bytes(&b, in.sha384, sizeof(in.sha384));
	tokbuf_put_bytes(&b, in.sha512, sizeof(in.sha512));
	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(tokreq_sign(&b, 1, &out), -1);
	tokreq_sign_free(&out);
	tokbuf_free(&b);
}
END_TEST

/* ---------------------------------------------------------------- token strings */

static void escapes_to(const char *in, const char *want)
{
	char *got = tokstr_escape(in);

	ck_assert_ptr_nonnull(got);
	ck_assert_msg(strcmp(got, want) == 0, "escaped '%s', want '%s'", got, want);
	free(got);
}

START_TEST(control_characters_are_escaped)
{
	escapes_to("", "");
	escapes_to("PIV Card 01", "PIV Card 01");
	escapes_to("a\tb\x1b[2Jc\x7f", "a\\x09b\\x1b[2Jc\\x7f");
	escapes_to("back\\slash", "back\\\\slash");
	/* C1 controls (NEL, CSI) in UTF-8 */
	escapes_to("x\xc2\x85y\xc2\x9b", "x\\xc2\\x85y\\xc2\\x9b");
}
END_TEST

START_TEST(invisible_and_direction_characters_are_escaped)
{
	/* RIGHT-TO-LEFT OVERRIDE, LINE SEPARATOR, ZERO WIDTH SPACE, BOM */
	escapes_to("\xe2\x80\xae", "\\xe2\\x80\\xae");
	escapes_to("\xe2\x80\xa8", "\\xe2\\x80\\xa8");
	escapes_to("\xe2\x80\x8b", "\\xe2\\x80\\x8b");
	escapes_to("\xef\xbb\xbf", "\\xef\\xbb\\xbf");
}
END_TEST

START_TEST(malformed_utf8_is_escaped_byte_by_byte)
{
	escapes_to("\xc0\xaf", "\\xc0\\xaf");             /* overlong '/' */
	escapes_to("\xe0\x80\xaf", "\\xe0\\x80\\xaf");     /* overlong, 3 bytes */
	escapes_to("\xed\xa0\x80", "\\xed\\xa0\\x80");     /* a surrogate */
	escapes_to("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"); /* past U+10FFFF */
	escapes_to("\xe2\x82", "\\xe2\\x82");              /* cut short */
	escapes_to("\xff", "\\xff");
}
END_TEST

START_TEST(printable_utf8_is_kept)
{
	escapes_to("Zo\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91", "Zo\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91");
	escapes_to("\xc2\xa0", "\xc2\xa0");                 /* NO-BREAK SPACE is text */
}
END_TEST

/* ---------------------------------------------------------------- answers */

/* One certificate listed with token strings LABEL and SERIAL. */
static void put_one_cert(struct tokbuf *b, const char *label, const char *serial)
{
	X509 *x = testcert_valid("alice");
	size_t len;
	unsigned char *der = testcert_der(x, &len);

	tokbuf_put_u32(b, 1);
	tokbuf_put_u32(b, 0);
	tokbuf_put_str(b, label);
	tokbuf_put_str(b, serial);
	tokbuf_put_u32(b, TOK_FLAG_LOGIN_REQUIRED);
	tokbuf_put_bytes(b, der, len);
	tokbuf_put_bytes(b, "\x01", 1);
	free(der);
	X509_free(x);
}

START_TEST(token_strings_are_escaped_as_they_are_read)
{
	struct token_cert *c = NULL;
	struct tokbuf b;
	size_t n = 0;

	tokbuf_init(&b);
	put_one_cert(&b, "bad\x1b]0;x\x07\r\nlabel\\", "\x7f" "1\xc2\x85");
	ck_assert_int_eq(tokparse_certs(&b, &c, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(c[0].label, "bad\\x1b]0;x\\x07\\x0d\\x0alabel\\\\");
	ck_assert_str_eq(c[0].serial, "\\x7f1\\xc2\\x85");
	tokparse_certs_free(c, n);
	tokbuf_free(&b);
}
END_TEST

START_TEST(printable_utf8_labels_are_kept)
{
	struct token_cert *c = NULL;
	struct tokbuf b;
	size_t n = 0;

	tokbuf_init(&b);
	put_one_cert(&b, "Carte de Zo\xc3\xa9 \xe2\x82\xac", "0001");
	ck_assert_int_eq(tokparse_certs(&b, &c, &n), 0);
	ck_assert_str_eq(c[0].label, "Carte de Zo\xc3\xa9 \xe2\x82\xac");
	tokparse_certs_free(c, n);
	tokbuf_free(&b);
}
END_TEST

START_TEST(error_messages_are_escaped)
{
	struct tokbuf b;
	uint32_t flags = 0;
	char msg[64];

	tokbuf_init(&b);
	tokbuf_put_u32(&b, TOK_E_TOKEN_GONE);
	tokbuf_put_u32(&b, TOK_FLAG_PIN_LOCKED);
	tokbuf_put_str(&b, "gone\nforged: granted");
	ck_assert_uint_eq(tokparse_error(&b, &flags, msg, sizeof(msg)), TOK_E_TOKEN_GONE);
	ck_assert_uint_eq(flags, TOK_FLAG_PIN_LOCKED);
	ck_assert_str_eq(msg, "gone\\x0aforged: granted");
	tokbuf_free(&b);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("tokproto");
	TCase *buf = tcase_create("buffer");
	TCase *fr = tcase_create("frames");
	TCase *rq = tcase_create("requests");
	TCase *st = tcase_create("token strings");
	TCase *an = tcase_create("answers");

	tcase_add_test(buf, u32_is_big_endian);
	tcase_add_test(buf, bytes_and_strings_round_trip);
	tcase_add_test(buf, leftover_bytes_are_not_done);
	tcase_add_test(buf, short_read_fails_and_stays_failed);
	tcase_add_test(buf, bytes_longer_than_what_remains_are_refused);
	tcase_add_test(buf, huge_length_field_is_refused);
	tcase_add_test(buf, string_with_nul_is_refused);
	tcase_add_test(buf, put_beyond_a_frame_fails_and_stays_failed);
	tcase_add_test(buf, null_string_is_refused);
	tcase_add_test(buf, free_resets_the_buffer);
	suite_add_tcase(s, buf);

	tcase_set_timeout(fr, 20);
	tcase_add_test(fr, frame_round_trip_on_a_socket);
	tcase_add_test(fr, frame_on_the_wire_is_length_type_payload);
	tcase_add_test(fr, empty_payload_is_a_valid_frame);
	tcase_add_test(fr, zero_length_is_eproto);
	tcase_add_test(fr, length_over_the_maximum_is_eproto);
	tcase_add_test(fr, eof_inside_a_frame_is_epipe);
	tcase_add_test(fr, peer_closing_with_data_unread_is_epipe);
	tcase_add_test(fr, silence_times_out);
	tcase_add_test(fr, trickling_peer_cannot_extend_the_deadline);
	tcase_add_test(fr, writing_to_a_closed_socket_is_an_error_not_sigpipe);
	tcase_add_test(fr, failed_buffer_is_not_sent);
	tcase_add_test(fr, largest_frame_then_a_small_one);
	suite_add_tcase(s, fr);

	tcase_add_test(rq, list_request_round_trips);
	tcase_add_test(rq, list_request_with_a_wait_too_long_is_refused);
	tcase_add_test(rq, sign_request_round_trips);
	tcase_add_test(rq, sign_request_out_of_bounds_is_refused);
	tcase_add_test(rq, a_pin_pad_request_carries_no_pin);
	tcase_add_test(rq, a_digest_of_the_wrong_length_is_refused);
	suite_add_tcase(s, rq);

	tcase_add_test(st, control_characters_are_escaped);
	tcase_add_test(st, invisible_and_direction_characters_are_escaped);
	tcase_add_test(st, malformed_utf8_is_escaped_byte_by_byte);
	tcase_add_test(st, printable_utf8_is_kept);
	suite_add_tcase(s, st);

	tcase_add_test(an, token_strings_are_escaped_as_they_are_read);
	tcase_add_test(an, printable_utf8_labels_are_kept);
	tcase_add_test(an, error_messages_are_escaped);
	suite_add_tcase(s, an);
	return s;
}
