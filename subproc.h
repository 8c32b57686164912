/* subproc.h - start a helper program on a socket without copying the caller's
 * memory, wait for it with a deadline, and stop it by a handle that cannot
 * name another process. */
#ifndef PAM_CERTMAP_SUBPROC_H
#define PAM_CERTMAP_SUBPROC_H

#include <stddef.h>
#include <sys/types.h>

struct spawned {
	pid_t pid;     /* -1 when nothing runs */
	int pidfd;     /* the process itself; -1 before it starts, or without pidfds (then
			* the PID, used only while the helper is provably unreaped) */
	int fd;        /* our end of the socket; the helper has the other as fd 0 and 1 */
};

/* How a helper ended, as spawn_reap saw it. */
enum spawn_end {
	SPAWN_GONE = 0,     /* already reaped by someone else (the caller's SIGCHLD handler) */
	SPAWN_EXITED,       /* exited; *code is its status */
	SPAWN_SIGNALLED,    /* killed by a signal; *code is the signal */
	SPAWN_KILLED,       /* we killed it: it did not end in time */
};

/* spawn_start flags */
#define SPAWN_KEEP_STDERR 0x1  /* the helper's fd 2 is the caller's (certmap), not /dev/null */

/* Start PATH (argv[0] = NAME, no other argument) with environment ENVP, its fd
 * 0 and 1 on a new socket and fd 2 on /dev/null, every other descriptor
 * closed, every signal default and unblocked.  Works whatever the caller's fd
 * 0, 1 and 2 are (closed included).  0, or -1 with errno and ERR filled. */
int spawn_start(struct spawned *sp, const char *path, const char *name, char *const *envp,
		int flags, char *err, size_t errlen);

/* Close our end of the socket: the helper reads EOF and exits.  spawn_reap
 * still reaps it. */
void spawn_hangup(struct spawned *sp);

/* Close our end of the socket, give the helper up to GRACE_MS to exit (0: no
 * grace), kill it if it has not, and reap it.  Returns how it ended; *CODE as
 * described above.  Safe to call twice and on a struct that never started. */
enum spawn_end spawn_reap(struct spawned *sp, int grace_ms, int *code);

#endif
