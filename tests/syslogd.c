/* syslogd.c - a minimal syslog sink for the integration tests: receives datagrams on an
 * AF_UNIX socket and appends each one as a line to a file, so tests can assert log lines. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_MSG 65536

/* Set by the signal handler only; the loop ends and the socket is removed. */
static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static int catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	/* no SA_RESTART: recv must return EINTR so the loop sees the flag */
	if (sigemptyset(&sa.sa_mask) != 0 || sigaction(SIGTERM, &sa, NULL) != 0 ||
	    sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGHUP, &sa, NULL) != 0)
		return -1;
	return 0;
}

/* Binding fails when PATH exists: a running syslog is never replaced. */
static int open_socket(const char *path)
{
	const struct timeval tick = { .tv_sec = 0, .tv_usec = 200000 };
	struct sockaddr_un sun;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "syslogd: %s: path too long\n", path);
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("syslogd: socket");
		return -1;
	}
	if (bind(fd, (const struct sockaddr *)&sun, sizeof(sun)) != 0) {
		fprintf(stderr, "syslogd: bind %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	/* a signal landing between the flag test and recv must not leave us blocked */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, sizeof(tick)) != 0) {
		perror("syslogd: setsockopt");
		close(fd);
		return -1;
	}
	/* unprivileged test processes log too */
	if (chmod(path, 0666) != 0) {
		fprintf(stderr, "syslogd: chmod %s: %s\n", path, strerror(errno));
		unlink(path);
		close(fd);
		return -1;
	}
	return fd;
}

/* One message, one line: trailing newlines and NULs dropped, inner newlines made visible. */
static int write_line(int out, char *msg, size_t len)
{
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\0'))
		len--;
	for (size_t i = 0; i < len; i++)
		if (msg[i] == '\n' || msg[i] == '\0')
			msg[i] = ' ';
	msg[len++] = '\n';
	/* O_APPEND and one write per line: readers never see half a line */
	return write(out, msg, len) == (ssize_t)len ? 0 : -1;
}

int main(int argc, char **argv)
{
	static char buf[MAX_MSG + 1];
	int sock = -1, out = -1, ret = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: syslogd SOCKETPATH LOGFILE\n");
		return 2;
	}
	if (catch_signals() != 0) {
		perror("syslogd: sigaction");
		return 1;
	}
	out = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (out < 0) {
		fprintf(stderr, "syslogd: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	sock = open_socket(argv[1]);
	if (sock < 0)
		goto out;
	while (!stopping) {
		ssize_t n = recv(sock, buf, MAX_MSG, 0);

		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			perror("syslogd: recv");
			goto out;
		}
		if (write_line(out, buf, (size_t)n) != 0) {
			perror("syslogd: write");
			goto out;
		}
	}
	ret = 0;
out:
	if (sock >= 0) {
		close(sock);
		if (unlink(argv[1]) != 0)
			ret = 1;
	}
	close(out);
	return ret;
}
