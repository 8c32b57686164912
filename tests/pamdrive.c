/* pamdrive.c - drives pam_authenticate for the integration tests: puts file contents into the
 * PAM environment (as web servers do with PEM) and reports the PAM code, once or from threads;
 * or, as callers that are hard on a child process, answers a PIN with its standard
 * descriptors closed or its SIGCHLD ignored or reaped. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <security/pam_appl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_USAGE 64   /* above every PAM code, so a usage error is never mistaken for one */
#define EXIT_INTERNAL 70
#define MAX_ENVS 16
#define MAX_FILE (1024 * 1024)

static const char *const code_names[] = {
	[PAM_SUCCESS] = "PAM_SUCCESS",
	[PAM_OPEN_ERR] = "PAM_OPEN_ERR",
	[PAM_SYMBOL_ERR] = "PAM_SYMBOL_ERR",
	[PAM_SERVICE_ERR] = "PAM_SERVICE_ERR",
	[PAM_SYSTEM_ERR] = "PAM_SYSTEM_ERR",
	[PAM_BUF_ERR] = "PAM_BUF_ERR",
	[PAM_PERM_DENIED] = "PAM_PERM_DENIED",
	[PAM_AUTH_ERR] = "PAM_AUTH_ERR",
	[PAM_CRED_INSUFFICIENT] = "PAM_CRED_INSUFFICIENT",
	[PAM_AUTHINFO_UNAVAIL] = "PAM_AUTHINFO_UNAVAIL",
	[PAM_USER_UNKNOWN] = "PAM_USER_UNKNOWN",
	[PAM_MAXTRIES] = "PAM_MAXTRIES",
	[PAM_NEW_AUTHTOK_REQD] = "PAM_NEW_AUTHTOK_REQD",
	[PAM_ACCT_EXPIRED] = "PAM_ACCT_EXPIRED",
	[PAM_SESSION_ERR] = "PAM_SESSION_ERR",
	[PAM_CRED_UNAVAIL] = "PAM_CRED_UNAVAIL",
	[PAM_CRED_EXPIRED] = "PAM_CRED_EXPIRED",
	[PAM_CRED_ERR] = "PAM_CRED_ERR",
	[PAM_NO_MODULE_DATA] = "PAM_NO_MODULE_DATA",
	[PAM_CONV_ERR] = "PAM_CONV_ERR",
	[PAM_AUTHTOK_ERR] = "PAM_AUTHTOK_ERR",
	[PAM_AUTHTOK_RECOVERY_ERR] = "PAM_AUTHTOK_RECOVERY_ERR",
	[PAM_AUTHTOK_LOCK_BUSY] = "PAM_AUTHTOK_LOCK_BUSY",
	[PAM_AUTHTOK_DISABLE_AGING] = "PAM_AUTHTOK_DISABLE_AGING",
	[PAM_TRY_AGAIN] = "PAM_TRY_AGAIN",
	[PAM_IGNORE] = "PAM_IGNORE",
	[PAM_ABORT] = "PAM_ABORT",
	[PAM_AUTHTOK_EXPIRED] = "PAM_AUTHTOK_EXPIRED",
	[PAM_MODULE_UNKNOWN] = "PAM_MODULE_UNKNOWN",
	[PAM_BAD_ITEM] = "PAM_BAD_ITEM",
	[PAM_CONV_AGAIN] = "PAM_CONV_AGAIN",
	[PAM_INCOMPLETE] = "PAM_INCOMPLETE",
};

#define N_CODES ((int)(sizeof(code_names) / sizeof(code_names[0])))

/* One authentication to run: what goes in, what must come out (threaded mode). */
struct job {
	const char *envs[MAX_ENVS];     /* "NAME=value", handed to pam_putenv */
	int nenvs;
	const char *user;               /* NULL: pam_start without a user */
	int want_code;
	const char *want_user;          /* "(null)" when PAM_USER must stay unset */
};

struct thread_arg {
	const char *service;
	const struct job *job;
	int rounds;
	int index;
	pthread_barrier_t *start;
	int wrong;
};

static const char *code_name(int code)
{
	if (code >= 0 && code < N_CODES && code_names[code] != NULL)
		return code_names[code];
	return "PAM_UNKNOWN_CODE";
}

static int code_parse(const char *s)
{
	char *end;
	long v;

	for (int i = 0; i < N_CODES; i++)
		if (strcmp(s, code_names[i]) == 0 || strcmp(s, code_names[i] + 4) == 0)
			return i;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < 0 || v >= N_CODES)
		return -1;
	return (int)v;
}

/* The env source never prompts; a module that does gets a refusal, not a hang. */
static int conv_none(int n, const struct pam_message **msg, struct pam_response **resp,
		     void *data)
{
	(void)n;
	(void)msg;
	(void)data;
	*resp = NULL;
	return PAM_CONV_ERR;
}

/* -p PIN: every hidden prompt gets the PIN; messages are printed as "info: " and "error: "
 * lines (on the saved standard output with -c).  DATA is the PIN. */
static FILE *msg_out;

static int conv_pin(int n, const struct pam_message **msg, struct pam_response **resp,
		    void *data)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
			r[i].resp = strdup(data);
			break;
		case PAM_TEXT_INFO:
		case PAM_ERROR_MSG:
			fprintf(msg_out, "%s: %s\n", msg[i]->msg_style == PAM_TEXT_INFO ? "info" :
				"error", msg[i]->msg);
			break;
		default:
			break;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

/* -S reap: a caller that reaps every child itself, as daemons with a SIGCHLD handler do;
 * the module's own helper among them. */
static void reap_all(int sig)
{
	int saved = errno;

	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

static int sigchld_as(const char *how)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	if (strcmp(how, "ignore") == 0)
		sa.sa_handler = SIG_IGN;
	else if (strcmp(how, "reap") == 0)
		sa.sa_handler = reap_all;
	else
		return -1;
	sa.sa_flags = SA_RESTART;
	return sigaction(SIGCHLD, &sa, NULL);
}

/* -c: standard output moves above fd 2 for the answer, and fds 0, 1 and 2 are closed, as
 * in a daemon that closed them.  Returns the stream for the answer, or NULL. */
static FILE *close_stdio(void)
{
	int out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 10);

	if (out < 0)
		return NULL;
	fflush(stdout);
	close(STDIN_FILENO);
	close(STDOUT_FILENO);
	close(STDERR_FILENO);
	return fdopen(out, "w");
}

/* Returns a malloc'd "NAME=<file contents>", trailing newline kept, or NULL. */
static char *env_from_file(const char *name, size_t namelen, const char *path)
{
	FILE *f = NULL;
	char *buf = NULL;
	char *ret = NULL;
	size_t len;

	f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "pamdrive: %s: %s\n", path, strerror(errno));
		goto out;
	}
	buf = malloc(namelen + 1 + MAX_FILE + 1);
	if (buf == NULL)
		goto out;
	memcpy(buf, name, namelen);
	buf[namelen] = '=';
	len = fread(buf + namelen + 1, 1, MAX_FILE + 1, f);
	if (ferror(f) || len > MAX_FILE) {
		fprintf(stderr, "pamdrive: %s: read error or larger than %d bytes\n", path,
			MAX_FILE);
		goto out;
	}
	buf[namelen + 1 + len] = '\0';
	ret = buf;
	buf = NULL;
out:
	free(buf);
	if (f != NULL)
		fclose(f);
	return ret;
}

/* NAME=@FILE -> "NAME=<contents of FILE>" */
static char *env_arg(const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (eq == NULL || eq == arg || eq[1] != '@') {
		fprintf(stderr, "pamdrive: -e wants NAME=@FILE, not '%s'\n", arg);
		return NULL;
	}
	return env_from_file(arg, (size_t)(eq - arg), eq + 2);
}

/* One pam_start .. pam_end.  Fills *user with a malloc'd copy of PAM_USER or NULL. */
static const char *pin_answer;

static int authenticate(const char *service, const struct job *job, char **user)
{
	const struct pam_conv conv = { pin_answer != NULL ? conv_pin : conv_none,
				       (void *)pin_answer };
	pam_handle_t *pamh = NULL;
	const void *item = NULL;
	int rc;

	*user = NULL;
	rc = pam_start(service, job->user, &conv, &pamh);
	if (rc != PAM_SUCCESS)
		return rc;
	for (int i = 0; i < job->nenvs; i++) {
		rc = pam_putenv(pamh, job->envs[i]);
		if (rc != PAM_SUCCESS) {
			fprintf(stderr, "pamdrive: pam_putenv: %s\n", code_name(rc));
			goto out;
		}
	}
	rc = pam_authenticate(pamh, 0);
	if (pam_get_item(pamh, PAM_USER, &item) == PAM_SUCCESS && item != NULL) {
		*user = strdup(item);
		if (*user == NULL)
			rc = PAM_BUF_ERR;
	}
out:
	pam_end(pamh, rc);
	return rc;
}

static void *thread_main(void *p)
{
	struct thread_arg *a = p;
	int rc;

	rc = pthread_barrier_wait(a->start);
	if (rc != 0 && rc != PTHREAD_BARRIER_SERIAL_THREAD) {
		a->wrong = a->rounds;
		return NULL;
	}
	for (int r = 0; r < a->rounds; r++) {
		char *user = NULL;
		const char *shown;

		rc = authenticate(a->service, a->job, &user);
		shown = user != NULL ? user : "(null)";
		if (rc != a->job->want_code || strcmp(shown, a->job->want_user) != 0) {
			fprintf(stderr, "pamdrive: thread %d round %d: got %s user=%s, "
				"want %s user=%s\n", a->index, r, code_name(rc), shown,
				code_name(a->job->want_code), a->job->want_user);
			a->wrong++;
		}
		free(user);
	}
	return NULL;
}

static void jobs_free(struct job *jobs, int njobs)
{
	for (int i = 0; i < njobs; i++) {
		free((void *)jobs[i].envs[jobs[i].nenvs - 1]);
		free((void *)jobs[i].user);
		free((void *)jobs[i].want_user);
	}
	free(jobs);
}

/* Spec line: CERTFILE PAM_USER|- EXPECTED_CODE EXPECTED_USER|(null).  Each job gets the
 * shared -e variables plus ENVNAME=<CERTFILE contents>. */
static int spec_line(const char *line, const char *envname, const struct job *base,
		     struct job *job)
{
	char file[PATH_MAX], user[256], code[64], want[256];
	char *env = NULL;
	int rc = -1;

	if (sscanf(line, "%4095s %255s %63s %255s", file, user, code, want) != 4) {
		fprintf(stderr, "pamdrive: bad spec line: %s", line);
		goto out;
	}
	*job = *base;
	job->user = NULL;
	job->want_user = NULL;
	job->want_code = code_parse(code);
	if (job->want_code < 0) {
		fprintf(stderr, "pamdrive: unknown PAM code '%s'\n", code);
		goto out;
	}
	if (job->nenvs >= MAX_ENVS)
		goto out;
	env = env_from_file(envname, strlen(envname), file);
	if (env == NULL)
		goto out;
	if (strcmp(user, "-") != 0) {
		job->user = strdup(user);
		if (job->user == NULL)
			goto out;
	}
	job->want_user = strdup(want);
	if (job->want_user == NULL)
		goto out;
	job->envs[job->nenvs++] = env;
	env = NULL;
	rc = 0;
out:
	if (rc != 0) {
		free((void *)job->user);
		free((void *)job->want_user);
		job->user = NULL;
		job->want_user = NULL;
	}
	free(env);
	return rc;
}

static int spec_read(const char *path, const char *envname, const struct job *base,
		     struct job **jobs, int *njobs)
{
	FILE *f = NULL;
	char line[PATH_MAX + 1024];
	struct job *v = NULL;
	int n = 0, rc = -1;

	f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "pamdrive: %s: %s\n", path, strerror(errno));
		goto out;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		struct job *nv;

		if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0')
			continue;
		nv = realloc(v, sizeof(*v) * (size_t)(n + 1));
		if (nv == NULL)
			goto out;
		v = nv;
		if (spec_line(line, envname, base, &v[n]) != 0)
			goto out;
		n++;
	}
	if (ferror(f) || n == 0) {
		fprintf(stderr, "pamdrive: %s: unreadable or no jobs\n", path);
		goto out;
	}
	*jobs = v;
	*njobs = n;
	v = NULL;
	rc = 0;
out:
	if (v != NULL)
		jobs_free(v, n);
	if (f != NULL)
		fclose(f);
	return rc;
}

static int run_threads(const char *service, const struct job *jobs, int njobs, int nthreads,
		       int rounds)
{
	pthread_t *tids = NULL;
	struct thread_arg *args = NULL;
	pthread_barrier_t start;
	int started = 0, wrong = 0, ret = EXIT_INTERNAL;

	if (pthread_barrier_init(&start, NULL, (unsigned)nthreads) != 0)
		return EXIT_INTERNAL;
	tids = calloc((size_t)nthreads, sizeof(*tids));
	args = calloc((size_t)nthreads, sizeof(*args));
	if (tids == NULL || args == NULL)
		goto out;
	for (int i = 0; i < nthreads; i++) {
		args[i] = (struct thread_arg){ service, &jobs[i % njobs], rounds, i, &start, 0 };
		if (pthread_create(&tids[i], NULL, thread_main, &args[i]) != 0) {
			/* the barrier would never open: nothing sensible left to do */
			fprintf(stderr, "pamdrive: pthread_create failed\n");
			_exit(EXIT_INTERNAL);
		}
		started++;
	}
	for (int i = 0; i < started; i++) {
		if (pthread_join(tids[i], NULL) != 0)
			goto out;
		wrong += args[i].wrong;
	}
	printf("threads=%d rounds=%d authentications=%d wrong=%d\n", nthreads, rounds,
	       nthreads * rounds, wrong);
	ret = wrong == 0 ? 0 : 1;
out:
	free(args);
	free(tids);
	pthread_barrier_destroy(&start);
	return ret;
}

/* Single mode: ROUNDS authentications in this one process (the module stays
 * loaded, as in a web server), each reported on a line of OUT; before each but
 * the first, the shell command BETWEEN runs with ROUND set (a test rewrites the
 * mapping file there).  Returns the last round's code. */
static int run_rounds(FILE *out, const char *service, const struct job *job, int rounds,
		      const char *between)
{
	int rc = PAM_SYSTEM_ERR;

	for (int r = 1; r <= rounds; r++) {
		char *user = NULL, round[16];

		if (r > 1 && between != NULL) {
			snprintf(round, sizeof(round), "%d", r);
			if (setenv("ROUND", round, 1) != 0 || system(between) != 0) {
				fprintf(stderr, "pamdrive: before round %d: '%s' failed\n", r, between);
				return EXIT_INTERNAL;
			}
		}
		rc = authenticate(service, job, &user);
		if (rounds > 1)
			fprintf(out, "round %d: ", r);
		fprintf(out, "%s user=%s\n", code_name(rc), user != NULL ? user : "(null)");
		fflush(out);
		free(user);
	}
	return rc;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: pamdrive [-n ROUNDS [-x COMMAND]] [-e NAME=@FILE]... "
		"[-p PIN [-c] [-S ignore|reap]] [-u USER|-U] SERVICE\n"
		"       pamdrive -t THREADS [-n ROUNDS] -s SPECFILE [-E NAME] [-e NAME=@FILE]... "
		"SERVICE\n"
		"SPECFILE lines: CERTFILE PAM_USER|- EXPECTED_CODE EXPECTED_USER|(null)\n"
		"With -n alone, ROUNDS authentications in one process, \"round N: CODE user=U\"\n"
		"each; COMMAND runs (sh -c, ROUND=N) before each round but the first.\n");
}

static int parse_count(const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < 1 || v > 10000)
		return -1;
	*out = (int)v;
	return 0;
}

int main(int argc, char **argv)
{
	struct job base = { .nenvs = 0 };
	struct job *jobs = NULL;
	const char *spec = NULL, *envname = "SSL_CLIENT_CERT", *between = NULL;
	int nthreads = 0, rounds = 1, njobs = 0, opt_U = 0, opt_c = 0, ret = EXIT_USAGE, c;
	FILE *out = stdout;

	msg_out = stdout;
	while ((c = getopt(argc, argv, "t:n:s:E:e:u:Up:cS:x:")) != -1) {
		switch (c) {
		case 'p':
			pin_answer = optarg;
			break;
		case 'c':
			opt_c = 1;
			break;
		case 'S':
			if (sigchld_as(optarg) != 0)
				goto out_usage;
			break;
		case 't':
			if (parse_count(optarg, &nthreads) != 0)
				goto out_usage;
			break;
		case 'n':
			if (parse_count(optarg, &rounds) != 0)
				goto out_usage;
			break;
		case 's':
			spec = optarg;
			break;
		case 'E':
			envname = optarg;
			break;
		case 'e':
			if (base.nenvs >= MAX_ENVS - 1)
				goto out_usage;
			base.envs[base.nenvs] = env_arg(optarg);
			if (base.envs[base.nenvs] == NULL)
				goto out_usage;
			base.nenvs++;
			break;
		case 'u':
			base.user = optarg;
			break;
		case 'U':
			opt_U = 1;
			break;
		case 'x':
			between = optarg;
			break;
		default:
			goto out_usage;
		}
	}
	if (optind != argc - 1 || (base.user != NULL && opt_U) ||
	    (nthreads > 0) != (spec != NULL) || (nthreads == 0 && base.user == NULL && !opt_U) ||
	    (between != NULL && nthreads > 0))
		goto out_usage;

	if (nthreads > 0) {
		ret = EXIT_INTERNAL;
		if (spec_read(spec, envname, &base, &jobs, &njobs) != 0)
			goto out;
		ret = run_threads(argv[optind], jobs, njobs, nthreads, rounds);
		goto out;
	}
	if (opt_c && (out = msg_out = close_stdio()) == NULL)
		return EXIT_INTERNAL;
	ret = run_rounds(out, argv[optind], &base, rounds, between);
	goto out;
out_usage:
	usage();
out:
	if (jobs != NULL)
		jobs_free(jobs, njobs);
	for (int i = 0; i < base.nenvs; i++)
		free((void *)base.envs[i]);
	if (fflush(out) != 0)
		ret = EXIT_INTERNAL;
	if (out != stdout)
		fclose(out);
	return ret;
}
