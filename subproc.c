/* subproc.c - helper processes for the module: posix_spawn (the kernel shares
 * the caller's memory until the exec, so a 1 GiB display manager pays what a
 * small program pays), and a pidfd from the start, so a kill can never reach
 * a process that reused the helper's PID after the caller reaped it (where
 * the kernel has pidfds; without them, the PID as before). */
#include "config.h"
#include "subproc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A descriptor above 2, close-on-exec.  With the caller's fd 0 or 1 closed,
 * socketpair hands those numbers out, and the helper's dup2 onto 0 and 1
 * would then close the wrong end. */
static int above_stdio(int fd)
{
	int moved;

	if (fd > STDERR_FILENO)
		return fd;
	moved = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	close(fd);
	return moved;
}

static int spawn_exec(struct spawned *sp, int theirs, const char *path, const char *name,
		      char *const *envp, int flags)
{
	char *const argv[] = { (char *)name, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	int rc;

	rc = posix_spawn_file_actions_init(&fa);
	if (rc != 0)
		return rc;
	rc = posix_spawnattr_init(&attr);
	if (rc != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return rc;
	}
	sigemptyset(&none);
	sigfillset(&all);
	if ((rc = posix_spawn_file_actions_adddup2(&fa, theirs, STDIN_FILENO)) == 0 &&
	    (rc = posix_spawn_file_actions_adddup2(&fa, theirs, STDOUT_FILENO)) == 0 &&
	    ((flags & SPAWN_KEEP_STDERR) != 0 ||
	     (rc = posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0)) == 0) &&
	    (rc = posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1)) == 0 &&
	    (rc = posix_spawnattr_setsigmask(&attr, &none)) == 0 &&
	    (rc = posix_spawnattr_setsigdefault(&attr, &all)) == 0 &&
	    (rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) == 0)
		rc = posix_spawn(&sp->pid, path, &fa, &attr, argv, envp);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		sp->pid = -1;
	return rc;
}

int spawn_start(struct spawned *sp, const char *path, const char *name, char *const *envp,
		int flags, char *err, size_t errlen)
{
	int sv[2] = { -1, -1 };
	int rc;

	sp->pid = -1;
	sp->pidfd = -1;
	sp->fd = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return -1;
	}
	sv[0] = above_stdio(sv[0]);
	sv[1] = above_stdio(sv[1]);
	if (sv[0] < 0 || sv[1] < 0) {
		snprintf(err, errlen, "cannot move the socket above fd 2: %s", strerror(errno));
		goto fail;
	}
	rc = spawn_exec(sp, sv[1], path, name, envp, flags);
	if (rc != 0) {
		errno = rc;
		snprintf(err, errlen, "cannot start %s: %s", path, strerror(rc));
		goto fail;
	}
	close(sv[1]);
	sv[1] = -1;
	sp->fd = sv[0];
	/* The helper waits for our first frame, so it is still there to be named. */
	sp->pidfd = pidfd_open(sp->pid, 0);
	/* Without pidfds (kernels before 5.3, and valgrind 3.19, which refuses the
	 * call) the PID is all there is: spawn_reap falls back to it. */
	if (sp->pidfd < 0 && errno != ENOSYS) {
		int e = errno;

		/* No kill by PID: with the socket closed the helper reads EOF
		 * before anything else and exits; a PID is only waited for. */
		snprintf(err, errlen, "pidfd_open: %s", strerror(e));
		close(sv[0]);
		sv[0] = -1;
		(void)waitpid(sp->pid, NULL, 0);
		sp->pid = -1;
		errno = e;
		goto fail;
	}
	return 0;
fail:
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	sp->fd = -1;
	return -1;
}

/* Has the process behind PIDFD ended within MS milliseconds? */
static int ended_within(int pidfd, int ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	struct timespec now, end;
	int left = ms;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += ms / 1000;
	end.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	for (;;) {
		int r = poll(&p, 1, left);

		if (r >= 0 || errno != EINTR)
			return r > 0;
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = (int)((end.tv_sec - now.tv_sec) * 1000 + (end.tv_nsec - now.tv_nsec) / 1000000L);
		if (left <= 0)
			return 0;
	}
}

/* The PID-only fallback of spawn_reap: steps of 10 ms, then SIGKILL. */
static int reap_by_pid(pid_t pid, int grace_ms, int *killed, int *status)
{
	pid_t r = 0;

	for (int waited = 0; grace_ms > 0 && waited < grace_ms && r == 0; waited += 10) {
		r = waitpid(pid, status, WNOHANG);
		if (r == 0)
			nanosleep(&(struct timespec){ 0, 10L * 1000 * 1000 }, NULL);
	}
	if (r == 0) {
		*killed = kill(pid, SIGKILL) == 0;
		do
			r = waitpid(pid, status, 0);
		while (r < 0 && errno == EINTR);
	}
	return r == pid ? 0 : -1;
}

/* waitid on the pidfd; the same answer as a siginfo, or -1 (ECHILD: the
 * caller reaps its children itself, or ignores SIGCHLD). */
static int reap_by_pidfd(int pidfd, int grace_ms, int *killed, siginfo_t *si)
{
	int r;

	if (grace_ms <= 0 || !ended_within(pidfd, grace_ms))
		*killed = pidfd_send_signal(pidfd, SIGKILL, NULL, 0) == 0;
	memset(si, 0, sizeof(*si));
	do
		r = waitid((idtype_t)P_PIDFD, (id_t)pidfd, si, WEXITED);
	while (r != 0 && errno == EINTR);
	return r;
}

enum spawn_end spawn_reap(struct spawned *sp, int grace_ms, int *code)
{
	enum spawn_end end = SPAWN_GONE;
	int killed = 0, exited = 0, status = 0, value = 0;
	siginfo_t si;

	*code = 0;
	if (sp->fd >= 0)
		close(sp->fd);
	sp->fd = -1;
	if (sp->pidfd >= 0) {
		if (reap_by_pidfd(sp->pidfd, grace_ms, &killed, &si) != 0)
			goto out;
		exited = si.si_code == CLD_EXITED;
		value = si.si_status;
	} else if (sp->pid > 0) {
		if (reap_by_pid(sp->pid, grace_ms, &killed, &status) != 0)
			goto out;
		exited = WIFEXITED(status);
		value = exited ? WEXITSTATUS(status) : WTERMSIG(status);
	} else {
		goto out;
	}
	if (exited) {
		end = SPAWN_EXITED;
		*code = value;
	} else if (killed && value == SIGKILL) {
		end = SPAWN_KILLED;
	} else {
		end = SPAWN_SIGNALLED;
		*code = value;
	}
out:
	if (sp->pidfd >= 0)
		close(sp->pidfd);
	sp->pidfd = -1;
	sp->pid = -1;
	return end;
}
