/* pamloop.c - a long-lived PAM caller for bench/run: one process that runs pam_start,
 * pam_authenticate and pam_end again and again, as a web server does, and times each round. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define MAX_ENVS 8
#define MAX_FILE ((size_t)1024 * 1024)
#define MAX_ROUNDS 100000
#define MAX_MIB (64UL * 1024)
#define PIN_MAX 256

struct opts {
	const char *service;
	const char *user;           /* NULL: the module finds the user (env source) */
	char *envs[MAX_ENVS];       /* "NAME=value", handed to pam_putenv every round */
	int nenvs;
	char pin[PIN_MAX];          /* the conversation's answer to a hidden prompt */
	int have_pin;
	unsigned long rounds;
	unsigned long warmup;
	unsigned long mib;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: pamloop [-n ROUNDS] [-w WARMUP] [-m MIB] [-p PINFILE] [-e NAME=@FILE]... "
		"[-u USER] SERVICE\n"
		"Maps and touches MIB MiB first, then authenticates WARMUP untimed and ROUNDS timed\n"
		"times (pam_start, pam_authenticate, pam_end each); prints each timed round's wall\n"
		"time as \"us N\", then \"maxrss_kib N\".  Exit 0 only when every round succeeded.\n");
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Answers a hidden prompt with the PIN; shows nothing, answers nothing else. */
static int conv_pin(int n, const struct pam_message **msg, struct pam_response **resp,
		    void *data)
{
	const struct opts *o = data;
	struct pam_response *r;

	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	r = calloc((size_t)n, sizeof(*r));
	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF)
			continue;
		if (!o->have_pin || (r[i].resp = strdup(o->pin)) == NULL) {
			for (int j = 0; j < i; j++)
				free(r[j].resp);
			free(r);
			return PAM_CONV_ERR;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

static int read_file(const char *path, char *buf, size_t size, size_t *len)
{
	FILE *f = fopen(path, "rb");
	int rc = -1;

	if (f == NULL) {
		fprintf(stderr, "pamloop: %s: %s\n", path, strerror(errno));
		return -1;
	}
	*len = fread(buf, 1, size, f);
	if (ferror(f) || *len >= size)
		fprintf(stderr, "pamloop: %s: read error or too large\n", path);
	else
		rc = 0;
	fclose(f);
	return rc;
}

/* -e NAME=@FILE: "NAME=<contents of FILE>" */
static int env_arg(struct opts *o, const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t namelen, len;
	char *buf;

	if (eq == NULL || eq == arg || eq[1] != '@' || o->nenvs >= MAX_ENVS) {
		fprintf(stderr, "pamloop: -e wants NAME=@FILE (at most %d), not '%s'\n", MAX_ENVS,
			arg);
		return -1;
	}
	namelen = (size_t)(eq - arg);
	buf = malloc(namelen + 1 + MAX_FILE + 1);
	if (buf == NULL)
		return -1;
	memcpy(buf, arg, namelen + 1);
	if (read_file(eq + 2, buf + namelen + 1, MAX_FILE + 1, &len) != 0) {
		free(buf);
		return -1;
	}
	buf[namelen + 1 + len] = '\0';
	o->envs[o->nenvs++] = buf;
	return 0;
}

static int pin_arg(struct opts *o, const char *path)
{
	size_t len;

	if (read_file(path, o->pin, sizeof(o->pin), &len) != 0)
		return -1;
	o->pin[len] = '\0';
	o->pin[strcspn(o->pin, "\r\n")] = '\0';
	o->have_pin = 1;
	return 0;
}

/* The big caller: MIB MiB of private, written memory that a fork would have to copy. */
static int ballast(unsigned long mib)
{
	size_t len = (size_t)mib * 1024 * 1024;
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *p;

	if (mib == 0)
		return 0;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "pamloop: cannot map %lu MiB: %s\n", mib, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < len; i += (size_t)(page > 0 ? page : 4096))
		p[i] = (unsigned char)i | 1;
	return 0;   /* kept mapped until exit, on purpose */
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* One pam_start .. pam_end. */
static int authenticate(struct opts *o)
{
	const struct pam_conv conv = { conv_pin, o };
	pam_handle_t *pamh = NULL;
	int rc;

	rc = pam_start(o->service, o->user, &conv, &pamh);
	if (rc != PAM_SUCCESS)
		return rc;
	for (int i = 0; i < o->nenvs && rc == PAM_SUCCESS; i++)
		rc = pam_putenv(pamh, o->envs[i]);
	if (rc == PAM_SUCCESS)
		rc = pam_authenticate(pamh, 0);
	pam_end(pamh, rc);
	return rc;
}

static int parse(struct opts *o, int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "n:w:m:p:e:u:")) != -1) {
		int bad = 0;

		switch (c) {
		case 'n':
			bad = parse_ulong(optarg, MAX_ROUNDS, &o->rounds);
			break;
		case 'w':
			bad = parse_ulong(optarg, MAX_ROUNDS, &o->warmup);
			break;
		case 'm':
			bad = parse_ulong(optarg, MAX_MIB, &o->mib);
			break;
		case 'p':
			bad = pin_arg(o, optarg);
			break;
		case 'e':
			bad = env_arg(o, optarg);
			break;
		case 'u':
			o->user = optarg;
			break;
		default:
			bad = -1;
		}
		if (bad != 0)
			return -1;
	}
	if (optind != argc - 1)
		return -1;
	o->service = argv[optind];
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .rounds = 10, .warmup = 1 };
	struct rusage ru;
	int ret = 2;

	if (parse(&o, argc, argv) != 0) {
		usage();
		goto out;
	}
	ret = 1;
	if (ballast(o.mib) != 0)
		goto out;
	for (unsigned long r = 0; r < o.warmup + o.rounds; r++) {
		long long t0 = now_us();
		int rc = authenticate(&o);
		long long t1 = now_us();

		if (rc != PAM_SUCCESS) {
			fprintf(stderr, "pamloop: round %lu: %s\n", r, pam_strerror(NULL, rc));
			goto out;
		}
		if (r >= o.warmup)
			printf("us %lld\n", t1 - t0);
	}
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		printf("maxrss_kib %ld\n", ru.ru_maxrss);
	ret = fflush(stdout) == 0 ? 0 : 1;
out:
	explicit_bzero(o.pin, sizeof(o.pin));
	for (int i = 0; i < o.nenvs; i++)
		free(o.envs[i]);
	return ret;
}
