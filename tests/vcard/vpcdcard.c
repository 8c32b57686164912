/* vpcdcard.c - a virtual CAC smart card (libcacard, backed by an NSS database) plugged into
 * vsmartcard's vpcd reader driver of pcscd, for tests/integration/token_card.sh: the card
 * is inserted and pulled out on a signal, as a user would. */
#include "config.h"

#include <errno.h>
#include <libcacard.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

/*
 * usage: vpcdcard [-r] -s STATEFILE -p PORT DBDIR NICKNAME...
 *   Serves a CAC holding the certificates NICKNAME... (and their keys) of the NSS database
 *   DBDIR (SQL format; its password is the card's PIN) in the vpcd reader listening on
 *   127.0.0.1:PORT.  -r: start with the card out.  SIGUSR1 pulls the card out, SIGUSR2 puts
 *   it back, SIGTERM ends.  STATEFILE says "in" or "out" once the reader was told.
 *
 * vpcd's protocol: every message, both ways, is a 2-byte big-endian length and its bytes.
 * To the card, a 1-byte message is a command (0 power off, 1 power on, 2 reset, 4 send the
 * ATR, answered with it), anything longer an APDU, answered with the response APDU.  A
 * closed connection is a card pulled out.
 */

#define READER "pam_certmap test reader"
#define RESP_MAX (64 * 1024)

static volatile sig_atomic_t want_in = 1, stop;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		want_in = 0;
	else if (sig == SIGUSR2)
		want_in = 1;
	else
		stop = 1;
}

static int signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* no SA_RESTART: a blocked read returns EINTR, and the loop looks at the flags */
	if (sigaction(SIGUSR1, &sa, NULL) != 0 || sigaction(SIGUSR2, &sa, NULL) != 0 ||
	    sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0)
		return -1;
	return signal(SIGPIPE, SIG_IGN) == SIG_ERR ? -1 : 0;
}

static void state(const char *path, const char *what)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f == NULL)
		return;
	fprintf(f, "%s\n", what);
	if (fclose(f) == 0)
		rename(tmp, path);
}

/* vpcd's side (Debian 12's 3.3) sends a length and its data in two writes: with Nagle there
 * and delayed ACKs here each message would wait 40 ms, so every read first asks for a quick
 * ACK (Linux clears the flag after each). */
static int read_full(int fd, unsigned char *p, size_t n)
{
	int one = 1;

	while (n > 0) {
		ssize_t r;

		(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
		r = read(fd, p, n);
		if (r < 0 && errno == EINTR && !stop && want_in)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* One write per message: length and data together. */
static int send_msg(int fd, const unsigned char *p, size_t n)
{
	unsigned char buf[2 + RESP_MAX];
	size_t off = 0;

	buf[0] = (unsigned char)(n >> 8);
	buf[1] = (unsigned char)n;
	memcpy(buf + 2, p, n);
	n += 2;
	while (off < n) {
		ssize_t w = write(fd, buf + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

static int connect_vpcd(int port)
{
	struct sockaddr_in sa;
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* One message from vpcd, answered.  -1 when the connection ended or a signal came. */
static int serve_one(int fd, VReader *r)
{
	unsigned char len[2], in[RESP_MAX], out[RESP_MAX];
	int n, outlen = sizeof(out);

	if (read_full(fd, len, 2) != 0)
		return -1;
	n = len[0] << 8 | len[1];
	if (n == 0 || read_full(fd, in, (size_t)n) != 0)
		return -1;
	if (n == 1) {
		switch (in[0]) {
		case 0:
			vreader_power_off(r);
			return 0;
		case 1:
		case 2:
			vreader_power_on(r, NULL, NULL);
			return 0;
		case 4:
			vcard_emul_get_atr(NULL, out, &outlen);
			return send_msg(fd, out, (size_t)outlen);
		default:
			return 0;
		}
	}
	if (vreader_xfr_bytes(r, in, n, out, &outlen) != VREADER_OK || outlen <= 0) {
		/* never an empty answer: vpcd would take it for a card pulled out */
		out[0] = 0x6f;
		out[1] = 0x00;
		outlen = 2;
	}
	return send_msg(fd, out, (size_t)outlen);
}

static VReader *card_open(const char *db, char **nicks, int n)
{
	char opts[4096];
	size_t o;
	VCardEmulOptions *eo;

	o = (size_t)snprintf(opts, sizeof(opts), "db=\"sql:%s\" use_hw=no soft=(,%s,CAC,", db,
			      READER);
	for (int i = 0; i < n && o < sizeof(opts); i++)
		o += (size_t)snprintf(opts + o, sizeof(opts) - o, ",%s", nicks[i]);
	if (o + 2 > sizeof(opts))
		return NULL;
	strcat(opts, ")");
	eo = vcard_emul_options(opts);
	if (eo == NULL || vcard_emul_init(eo) != VCARD_EMUL_OK)
		return NULL;
	return vreader_get_reader_by_name(READER);
}

/* The card goes out (the library forgets it, the connection closes) or back in. */
static int card_move(VReader *r, int *fd, int port, const char *statefile)
{
	if (!want_in && *fd >= 0) {
		vcard_emul_force_card_remove(r);
		close(*fd);
		*fd = -1;
		state(statefile, "out");
	}
	if (want_in && *fd < 0) {
		if (vreader_card_is_present(r) != VREADER_OK)
			vcard_emul_force_card_insert(r);
		*fd = connect_vpcd(port);
		if (*fd < 0) {
			usleep(200 * 1000);  /* pcscd not there yet, or restarting */
			return 0;
		}
		state(statefile, "in");
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *statefile = NULL;
	int c, port = 0, fd = -1;
	VReader *r;

	while ((c = getopt(argc, argv, "rs:p:")) != -1) {
		switch (c) {
		case 'r':
			want_in = 0;
			break;
		case 's':
			statefile = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		default:
			return 64;
		}
	}
	if (statefile == NULL || port <= 0 || port > 65535 || argc - optind < 2) {
		fprintf(stderr, "usage: vpcdcard [-r] -s STATEFILE -p PORT DBDIR NICKNAME...\n");
		return 64;
	}
	if (signals() != 0)
		return 70;
	r = card_open(argv[optind], argv + optind + 1, argc - optind - 1);
	if (r == NULL) {
		fprintf(stderr, "vpcdcard: libcacard found no card in %s\n", argv[optind]);
		return 1;
	}
	state(statefile, "out");
	while (!stop) {
		card_move(r, &fd, port, statefile);
		if (fd < 0) {
			if (!want_in)
				pause();  /* until a signal */
			continue;
		}
		if (serve_one(fd, r) != 0 && want_in && !stop) {
			close(fd);  /* pcscd went away: connect again */
			fd = -1;
		}
	}
	if (fd >= 0)
		close(fd);
	vreader_free(r);
	vcard_emul_finalize();
	return 0;
}
