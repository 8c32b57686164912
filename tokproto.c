/* tokproto.c - the module <-> pam_certmap_token wire format: a length-checked
 * buffer with a sticky error flag, and whole frames read under one deadline. */
#include "config.h"
#include "tokproto.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

/* A payload must fit in a frame together with its type byte. */
#define TOKBUF_MAX (TOKPROTO_MAX_FRAME - 1)

void tokbuf_init(struct tokbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void tokbuf_free(struct tokbuf *b)
{
	if (b->data != NULL) {
		explicit_bzero(b->data, b->cap);
		free(b->data);
	}
	tokbuf_init(b);
}

static int fail(struct tokbuf *b)
{
	b->error = 1;
	return -1;
}

/* Grows by copying, never realloc: realloc may leave a PIN behind in memory
 * it frees without wiping. */
static int reserve(struct tokbuf *b, size_t more)
{
	unsigned char *p;
	size_t cap;

	if (b->error)
		return -1;
	if (more > TOKBUF_MAX - b->len)
		return fail(b);
	if (b->len + more <= b->cap)
		return 0;
	cap = b->cap < 256 ? 256 : b->cap;
	while (cap < b->len + more)
		cap *= 2;
	if (cap > TOKBUF_MAX)
		cap = TOKBUF_MAX;
	p = malloc(cap);
	if (p == NULL)
		return fail(b);
	if (b->data != NULL) {
		memcpy(p, b->data, b->len);
		explicit_bzero(b->data, b->cap);
		free(b->data);
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

static int put_raw(struct tokbuf *b, const void *p, size_t n)
{
	if (reserve(b, n) != 0)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int tokbuf_put_u32(struct tokbuf *b, uint32_t v)
{
	unsigned char be[4] = {
		(unsigned char)(v >> 24), (unsigned char)(v >> 16),
		(unsigned char)(v >> 8), (unsigned char)v,
	};

	return put_raw(b, be, sizeof(be));
}

int tokbuf_put_bytes(struct tokbuf *b, const void *p, size_t n)
{
	if (b->error)
		return -1;
	if ((p == NULL && n > 0) || n > TOKBUF_MAX - 4)
		return fail(b);
	/* Reserve both at once so a refused length leaves no orphan prefix. */
	if (reserve(b, 4 + n) != 0)
		return -1;
	tokbuf_put_u32(b, (uint32_t)n);
	return put_raw(b, p, n);
}

int tokbuf_put_str(struct tokbuf *b, const char *s)
{
	if (s == NULL)
		return fail(b);
	return tokbuf_put_bytes(b, s, strlen(s));
}

int tokbuf_get_u32(struct tokbuf *b, uint32_t *v)
{
	const unsigned char *p;

	*v = 0;
	if (b->error || b->len - b->off < 4)
		return fail(b);
	p = b->data + b->off;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	b->off += 4;
	return 0;
}

int tokbuf_get_bytes(struct tokbuf *b, const unsigned char **p, size_t *n)
{
	uint32_t len;

	*p = NULL;
	*n = 0;
	if (tokbuf_get_u32(b, &len) != 0)
		return -1;
	if (len > TOKPROTO_MAX_FRAME || len > b->len - b->off)
		return fail(b);
	*p = b->data + b->off;
	*n = len;
	b->off += len;
	return 0;
}

int tokbuf_get_str(struct tokbuf *b, char **s)
{
	const unsigned char *p;
	size_t n;

	*s = NULL;
	if (tokbuf_get_bytes(b, &p, &n) != 0)
		return -1;
	if (n > 0 && memchr(p, '\0', n) != NULL)
		return fail(b);
	*s = malloc(n + 1);
	if (*s == NULL)
		return fail(b);
	if (n > 0)
		memcpy(*s, p, n);
	(*s)[n] = '\0';
	return 0;
}

int tokbuf_done(const struct tokbuf *b)
{
	return b->error == 0 && b->off == b->len ? 0 : -1;
}

/* ------------------------------------------------------------ frames */

static int is_socket(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

static int wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int r;

	r = poll(&pfd, 1, timeout_ms);
	if (r == 0)
		errno = ETIMEDOUT;
	return r > 0 ? 0 : -1;
}

static int write_all(int fd, int sock, const unsigned char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if (sock)
			w = send(fd, p, n, MSG_NOSIGNAL);
		else
			w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_fd(fd, POLLOUT, -1) != 0 && errno != EINTR)
				return -1;
			continue;
		}
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int tok_write_frame(int fd, uint8_t type, const struct tokbuf *payload)
{
	unsigned char hdr[5];
	size_t flen;
	int sock;

	if (payload->error || payload->len > TOKBUF_MAX) {
		errno = EINVAL;
		return -1;
	}
	flen = payload->len + 1;
	hdr[0] = (unsigned char)(flen >> 24);
	hdr[1] = (unsigned char)(flen >> 16);
	hdr[2] = (unsigned char)(flen >> 8);
	hdr[3] = (unsigned char)flen;
	hdr[4] = type;
	sock = is_socket(fd);
	if (write_all(fd, sock, hdr, sizeof(hdr)) != 0)
		return -1;
	return write_all(fd, sock, payload->data, payload->len);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left before DEADLINE (-1: none), for poll. */
static int left_ms(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return -1;
	left = deadline - now_ms();
	return left > 0 ? (int)left : 0;
}

/* Reads exactly N bytes before DEADLINE; the deadline is fixed by the caller,
 * so a peer sending one byte at a time cannot push it back. */
static int read_all(int fd, unsigned char *p, size_t n, int64_t deadline)
{
	ssize_t r;

	while (n > 0) {
		int ms = left_ms(deadline);

		if (ms == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (wait_fd(fd, POLLIN, ms) != 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		r = read(fd, p, n);
		if (r < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		/* A peer that closed with our answer unread resets the socket:
		 * it is gone all the same. */
		if (r == 0 || (r < 0 && errno == ECONNRESET)) {
			errno = EPIPE;
			return -1;
		}
		if (r < 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Empties PAYLOAD, wiping what it held, and makes room for N bytes. */
static int reset(struct tokbuf *b, size_t n)
{
	if (b->data != NULL)
		explicit_bzero(b->data, b->cap);
	b->len = 0;
	b->off = 0;
	b->error = 0;
	return reserve(b, n);
}

static int read_body(int fd, uint8_t *type, struct tokbuf *payload, size_t flen,
		     int64_t deadline)
{
	if (reset(payload, flen - 1) != 0) {
		errno = ENOMEM;
		return -1;
	}
	if (read_all(fd, type, 1, deadline) != 0)
		return -1;
	if (read_all(fd, payload->data, flen - 1, deadline) != 0)
		return -1;
	payload->len = flen - 1;
	return 0;
}

int tok_read_frame(int fd, uint8_t *type, struct tokbuf *payload, int timeout_ms)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	unsigned char hdr[4];
	size_t flen;

	*type = 0;
	reset(payload, 0);
	/* A failed read leaves the buffer unusable until the next reset. */
	payload->error = 1;
	if (read_all(fd, hdr, sizeof(hdr), deadline) != 0)
		return -1;
	flen = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
	if (flen == 0 || flen > TOKPROTO_MAX_FRAME) {
		errno = EPROTO;
		return -1;
	}
	if (read_body(fd, type, payload, flen, deadline) != 0) {
		int saved = errno;


		reset(payload, 0);
		payload->error = 1;
		*type = 0;
		errno = saved;
		return -1;
	}
	return 0;
}
