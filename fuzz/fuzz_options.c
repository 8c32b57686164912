/* fuzz_options.c - libFuzzer harness for the module's option parser: the
 * input split into arguments at NUL or newline, as pam.d words. */
#include "config.h"
#include "options.h"
#include "fuzz/fuzz.h"

#include <string.h>

#define MAX_ARGS 64

static int str_eq(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int is_abs(const char *p)
{
	return p == NULL || p[0] == '/';
}

/* What a successful parse promises (SPEC 3.2). */
static void check_result(const struct options *o)
{
	if (o->mapfile == NULL || !is_abs(o->mapfile) || o->pkcs11_module == NULL ||
	    !is_abs(o->pkcs11_module) || !is_abs(o->ca_file) || !is_abs(o->ca_dir) ||
	    !is_abs(o->crl_file))
		fuzz_die("a path option that is not absolute");
	if (o->env == NULL || o->env[0] == '\0' || (o->location != NULL && o->location[0] == '\0'))
		fuzz_die("an empty string option");
	if (o->token_timeout < 1 || o->token_timeout > OPTIONS_MAX_TIMEOUT)
		fuzz_die("token_timeout out of range");
	if (o->source != SOURCE_PKCS11 && o->source != SOURCE_ENV)
		fuzz_die("unknown source");
	if (o->use_first_pass && o->try_first_pass)
		fuzz_die("use_first_pass with try_first_pass");
	if (o->crl_file != NULL && o->ca_file == NULL && o->ca_dir == NULL)
		fuzz_die("crl_file without a CA");
}

static int same_options(const struct options *a, const struct options *b)
{
	return str_eq(a->mapfile, b->mapfile) && str_eq(a->location, b->location) &&
	       a->source == b->source && str_eq(a->env, b->env) && str_eq(a->domain, b->domain) &&
	       str_eq(a->pkcs11_module, b->pkcs11_module) &&
	       str_eq(a->token_label, b->token_label) && a->token_timeout == b->token_timeout &&
	       str_eq(a->ca_file, b->ca_file) && str_eq(a->ca_dir, b->ca_dir) &&
	       str_eq(a->crl_file, b->crl_file) && a->use_first_pass == b->use_first_pass &&
	       a->try_first_pass == b->try_first_pass && a->process_env == b->process_env &&
	       a->allow_expired == b->allow_expired && a->debug == b->debug;
}

/* Does any option name (the part before '=') appear twice? */
static int names_repeat(int argc, const char **argv)
{
	for (int i = 0; i < argc; i++)
		for (int j = i + 1; j < argc; j++) {
			size_t ni = strcspn(argv[i], "="), nj = strcspn(argv[j], "=");

			if (ni == nj && strncmp(argv[i], argv[j], ni) == 0)
				return 1;
		}
	return 0;
}

/* The order of distinct options does not matter. */
static void check_order(int argc, const char **argv, int rc, const struct options *o)
{
	const char *rev[MAX_ARGS];
	struct options r;
	char err[256];

	if (names_repeat(argc, argv))
		return;
	for (int i = 0; i < argc; i++)
		rev[i] = argv[argc - 1 - i];
	if (options_parse(argc, rev, &r, err, sizeof(err)) != rc ||
	    (rc == 0 && !same_options(o, &r)))
		fuzz_die("the order of options changes the result");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *argv[MAX_ARGS];
	struct options o;
	char err[256];
	int argc = 0, rc;
	char *buf, *p, *end;

	buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (p = buf, end = buf + size; p <= end && argc < MAX_ARGS; p++) {
		argv[argc++] = p;
		p += strcspn(p, "\n");  /* stops at a NUL too */
		*p = '\0';
	}
	/* An empty input is no argument at all, as a pam.d line with none. */
	if (size == 0)
		argc = 0;
	err[0] = '\0';
	rc = options_parse(argc, argv, &o, err, sizeof(err));
	if (rc != 0 && (rc != -1 || err[0] == '\0' || memchr(err, '\0', sizeof(err)) == NULL))
		fuzz_die("a refusal without a reason");
	if (rc == 0)
		check_result(&o);
	check_order(argc, argv, rc, &o);
	free(buf);
	return 0;
}
