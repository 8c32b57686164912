/* pidfd_shim.c - lets bench/run count instructions under valgrind 3.19, which refuses
 * pidfd_open with ENOSYS: an LD_PRELOAD library that then stands in for the pidfd. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A stand-in is an eventfd (a real descriptor, so nothing else gets its number) with the
 * child's PID behind it.  Benchmark callers are single-threaded; the table is small. */
#define MAX_FAKE 16

struct fake {
	int fd;
	pid_t pid;
};

static struct fake fakes[MAX_FAKE];

/* The real functions, found once: a dlsym() per close() would show in the counts. */
static int (*real_waitid)(idtype_t, id_t, siginfo_t *, int);
static int (*real_poll)(struct pollfd *, nfds_t, int);
static int (*real_close)(int);

__attribute__((constructor)) static void shim_init(void)
{
	real_waitid = (int (*)(idtype_t, id_t, siginfo_t *, int))dlsym(RTLD_NEXT, "waitid");
	real_poll = (int (*)(struct pollfd *, nfds_t, int))dlsym(RTLD_NEXT, "poll");
	real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
}

static struct fake *fake_of(int fd)
{
	for (int i = 0; i < MAX_FAKE; i++)
		if (fakes[i].pid > 0 && fakes[i].fd == fd)
			return &fakes[i];
	return NULL;
}

int pidfd_open(pid_t pid, unsigned int flags)
{
	long r = syscall(SYS_pidfd_open, pid, flags);
	int fd;

	if (r >= 0 || errno != ENOSYS)
		return (int)r;
	for (int i = 0; i < MAX_FAKE; i++) {
		if (fakes[i].pid > 0)
			continue;
		fd = eventfd(0, EFD_CLOEXEC);
		if (fd < 0)
			return -1;
		fakes[i].fd = fd;
		fakes[i].pid = pid;
		return fd;
	}
	errno = EMFILE;
	return -1;
}

int pidfd_send_signal(int pidfd, int sig, siginfo_t *info, unsigned int flags)
{
	const struct fake *f = fake_of(pidfd);

	if (f != NULL)
		return kill(f->pid, sig);
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, info, flags);
}

/* glibc names the parameters with reserved names, which this file cannot use. */
// NOLINTNEXTLINE(readability-inconsistent-declaration-parameter-name)
int waitid(idtype_t idtype, id_t id, siginfo_t *info, int options)
{
	const struct fake *f = idtype == P_PIDFD ? fake_of((int)id) : NULL;

	if (real_waitid == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (f != NULL)
		return real_waitid(P_PID, (id_t)f->pid, info, options);
	return real_waitid(idtype, id, info, options);
}

/* poll() on one stand-in: readable once the child has ended (not reaped), checked every
 * millisecond until the timeout.  glibc declares poll()'s array write-only, which it is not
 * (events is read): gcc's warning about reading it is wrong here. */
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// NOLINTNEXTLINE(readability-inconsistent-declaration-parameter-name)
int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	const struct fake *f = n == 1 ? fake_of(fds[0].fd) : NULL;
	const struct timespec ms = { 0, 1000000 };

	if (real_poll == NULL || real_waitid == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (f == NULL)
		return real_poll(fds, n, timeout);
	for (int waited = 0;; waited++) {
		siginfo_t si = { 0 };

		if (real_waitid(P_PID, (id_t)f->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
		    si.si_pid == f->pid) {
			fds[0].revents = POLLIN;
			return 1;
		}
		if (timeout >= 0 && waited >= timeout) {
			fds[0].revents = 0;
			return 0;
		}
		nanosleep(&ms, NULL);
	}
}

int close(int fd)
{
	struct fake *f = fake_of(fd);

	if (f != NULL)
		f->pid = 0;
	if (real_close == NULL) {
		errno = ENOSYS;
		return -1;
	}
	return real_close(fd);
}
