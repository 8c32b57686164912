/* spawnbench.c - what starting a helper costs the caller, small or large: subproc.c's
 * posix_spawn against a plain fork and exec, with and without a large resident heap
 * (bench/spawn prints the table).  A measurement, not a test. */
#include "config.h"
#include "subproc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUNS_MAX 10000

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* What the module does: spawn_start, then spawn_reap (the helper reads EOF and exits). */
static int once_spawn(const char *prog)
{
	struct spawned sp;
	char err[256];
	int code = 0;

	if (spawn_start(&sp, prog, "spawnbench-child", environ, 0, err, sizeof(err)) != 0) {
		fprintf(stderr, "spawnbench: %s\n", err);
		return -1;
	}
	return spawn_reap(&sp, 1000, &code) == SPAWN_EXITED && code == 0 ? 0 : -1;
}

/* What the module did before: fork, which copies the caller's page tables, then exec. */
static int once_fork(const char *prog)
{
	char *const argv[] = { "spawnbench-child", NULL };
	int status = 0;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execve(prog, argv, environ);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	static long long t[RUNS_MAX];
	const char *how, *prog;
	size_t mib;
	char *heap = NULL;
	int runs;

	if (argc != 5 || (strcmp(argv[1], "spawn") != 0 && strcmp(argv[1], "fork") != 0)) {
		fprintf(stderr, "usage: spawnbench spawn|fork MIB RUNS PROGRAM\n");
		return 64;
	}
	how = argv[1];
	mib = strtoul(argv[2], NULL, 10);
	runs = atoi(argv[3]);
	prog = argv[4];
	if (runs < 1 || runs > RUNS_MAX)
		return 64;
	if (mib > 0) {
		/* touched, so that every page is mapped and has its page-table entry */
		heap = malloc(mib << 20);
		if (heap == NULL) {
			fprintf(stderr, "spawnbench: cannot allocate %zu MiB\n", mib);
			return 1;
		}
		memset(heap, 1, mib << 20);
	}
	for (int i = 0; i < runs; i++) {
		long long t0 = now_ns();
		int rc = strcmp(how, "spawn") == 0 ? once_spawn(prog) : once_fork(prog);

		t[i] = now_ns() - t0;
		if (rc != 0) {
			fprintf(stderr, "spawnbench: run %d failed\n", i);
			return 1;
		}
	}
	qsort(t, (size_t)runs, sizeof(t[0]), cmp_ll);
	/* method, resident MiB, median and p95 (nearest rank) in microseconds */
	printf("%s\t%zu\t%.1f\t%.1f\n", how, mib, (double)t[runs / 2] / 1000.0,
	       (double)t[(runs * 95 + 99) / 100 - 1] / 1000.0);
	free(heap);
	return 0;
}
