/* check_tokproto.c - the module <-> helper wire format: the checked buffer
 * (bounds, sticky errors, strings) and frames over sockets and pipes. */
#include "config.h"
#include "unit.h"
#include "tokproto.h"

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

Suite *unit_suite(void)
{
	Suite *s = suite_create("tokproto");
	TCase *buf = tcase_create("buffer");
	TCase *fr = tcase_create("frames");

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
	return s;
}
