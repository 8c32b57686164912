/* subproc.c - helper processes for the module: posix_spawn (the kernel shares
 * the caller's memory until the exec, so a 1 GiB display manager pays what a
 * small program pays), and a pidfd from the start, so a kill can never reach
 * a process that reused the helper's PID after the caller reaped it. */
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
	/* The helper waits for our first frame, so it is still there to be named.
	 * Without pidfds (a kernel before 5.3; valgrind 3.19, Debian 12's, which
	 * the test suite runs under) the PID serves, guarded (spawn_reap). */
	sp->pidfd = pidfd_open(sp->pid, 0);
	if (sp->pidfd < 0 && errno == ENOSYS)
		return 0;
	if (sp->pidfd < 0) {
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

/* Without a pidfd: is PID, still our unreaped child, running?  waitid with
 * WNOWAIT looks without reaping; ECHILD means the caller reaped it. */
static int pid_running(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == 0;
}

/* The same as ended_within, by looking every 10 ms. */
static int pid_ended_within(pid_t pid, int ms)
{
	for (int waited = 0; waited < ms; waited += 10) {
		if (!pid_running(pid))
			return 1;
		usleep(10 * 1000);
	}
	return !pid_running(pid);
}

/* Without a pidfd the PID is killed only while waitid shows it unreaped, so
 * it cannot have been reused; only a caller's SIGCHLD handler reaping it in
 * the instant between the look and the kill escapes this. */
static int kill_late(struct spawned *sp, int grace_ms)
{
	if (sp->pidfd >= 0) {
		if (grace_ms > 0 && ended_within(sp->pidfd, grace_ms))
			return 0;
		return pidfd_send_signal(sp->pidfd, SIGKILL, NULL, 0) == 0;
	}
	if ((grace_ms > 0 && pid_ended_within(sp->pid, grace_ms)) || !pid_running(sp->pid))
		return 0;
	return kill(sp->pid, SIGKILL) == 0;
}

void spawn_hangup(struct spawned *sp)
{
	if (sp->fd >= 0)
		close(sp->fd);
	sp->fd = -1;
}

enum spawn_end spawn_reap(struct spawned *sp, int grace_ms, int *code)
{
	enum spawn_end end = SPAWN_GONE;
	siginfo_t si;
	int killed = 0, r;

	*code = 0;
	spawn_hangup(sp);
	if (sp->pidfd < 0 && sp->pid <= 0)
		goto out;
	killed = kill_late(sp, grace_ms);
	memset(&si, 0, sizeof(si));
	do
		r = sp->pidfd >= 0 ? waitid((idtype_t)P_PIDFD, (id_t)sp->pidfd, &si, WEXITED) :
				     waitid(P_PID, (id_t)sp->pid, &si, WEXITED);
	while (r != 0 && errno == EINTR);
	/* ECHILD: the caller reaps its children itself, or ignores SIGCHLD. */
	if (r != 0)
		end = SPAWN_GONE;
	else if (si.si_code == CLD_EXITED) {
		end = SPAWN_EXITED;
		*code = si.si_status;
	} else if (killed && si.si_status == SIGKILL) {
		end = SPAWN_KILLED;
	} else {
		end = SPAWN_SIGNALLED;
		*code = si.si_status;
	}
	if (sp->pidfd >= 0)
		close(sp->pidfd);
out:
	sp->pidfd = -1;
	sp->pid = -1;
	return end;
}
