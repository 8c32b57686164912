/* options.c - strict parsing of the pam.d arguments.  Every option is listed
 * once in a table; anything else is refused, never ignored. */
#include "config.h"
#include "options.h"
#include "mapfile.h"
#include "ocspfetch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* OPT_SECONDS is 1..OPTIONS_MAX_TIMEOUT; OPT_SECONDS0 also takes 0 ("off"). */
enum opt_kind { OPT_FLAG, OPT_STRING, OPT_PATH, OPT_SOURCE, OPT_SECONDS, OPT_SECONDS0, OPT_OCSP,
	OPT_URL };

struct opt_def {
	const char *name;
	enum opt_kind kind;
	size_t offset;
	int only;  /* ANY_SOURCE, or the one source the option means something for */
};

#define OFF(f) offsetof(struct options, f)
#define ANY_SOURCE 0
#define ONLY_PKCS11 1
#define ONLY_ENV 2

static const struct opt_def opt_defs[] = {
	{ "mapfile", OPT_PATH, OFF(mapfile), ANY_SOURCE },
	{ "location", OPT_STRING, OFF(location), ANY_SOURCE },
	{ "source", OPT_SOURCE, OFF(source), ANY_SOURCE },
	{ "env", OPT_STRING, OFF(env), ONLY_ENV },
	{ "domain", OPT_STRING, OFF(domain), ANY_SOURCE },
	{ "process_env", OPT_FLAG, OFF(process_env), ONLY_ENV },
	{ "allow_expired", OPT_FLAG, OFF(allow_expired), ANY_SOURCE },
	{ "debug", OPT_FLAG, OFF(debug), ANY_SOURCE },
	{ "pkcs11_module", OPT_PATH, OFF(pkcs11_module), ONLY_PKCS11 },
	{ "token_label", OPT_STRING, OFF(token_label), ONLY_PKCS11 },
	{ "token_timeout", OPT_SECONDS, OFF(token_timeout), ONLY_PKCS11 },
	{ "wait_for_card", OPT_SECONDS0, OFF(wait_for_card), ONLY_PKCS11 },
	{ "ca_file", OPT_PATH, OFF(ca_file), ANY_SOURCE },
	{ "ca_dir", OPT_PATH, OFF(ca_dir), ANY_SOURCE },
	{ "crl_file", OPT_PATH, OFF(crl_file), ANY_SOURCE },
	{ "crl_dir", OPT_PATH, OFF(crl_dir), ANY_SOURCE },
	{ "ocsp", OPT_OCSP, OFF(ocsp), ANY_SOURCE },
	{ "ocsp_url", OPT_URL, OFF(ocsp_url), ANY_SOURCE },
	{ "ocsp_timeout", OPT_SECONDS, OFF(ocsp_timeout), ANY_SOURCE },
	{ "use_first_pass", OPT_FLAG, OFF(use_first_pass), ONLY_PKCS11 },
	{ "try_first_pass", OPT_FLAG, OFF(try_first_pass), ONLY_PKCS11 },
};

static const struct opt_def *opt_find(const char *arg, size_t namelen)
{
	for (size_t i = 0; i < sizeof(opt_defs) / sizeof(opt_defs[0]); i++)
		if (strlen(opt_defs[i].name) == namelen &&
		    strncmp(opt_defs[i].name, arg, namelen) == 0)
			return &opt_defs[i];
	return NULL;
}

static int opt_seconds(const char *arg, const char *value, long min, int *out, char *err,
		       size_t errlen)
{
	char *end = NULL;
	long v = -1;

	if (value != NULL && *value >= '0' && *value <= '9') {
		errno = 0;
		v = strtol(value, &end, 10);
		if (errno != 0 || *end != '\0')
			v = -1;
	}
	if (v < min || v > OPTIONS_MAX_TIMEOUT) {
		snprintf(err, errlen, "malformed option '%s': a whole number of seconds, %ld to %d",
			 arg, min, OPTIONS_MAX_TIMEOUT);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static int opt_ocsp(const char *arg, const char *value, struct options *o, char *err,
		    size_t errlen)
{
	static const struct { const char *name; enum trust_ocsp mode; } modes[] = {
		{ "off", TRUST_OCSP_OFF }, { "soft", TRUST_OCSP_SOFT },
		{ "require", TRUST_OCSP_REQUIRE },
	};

	for (size_t i = 0; value != NULL && i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(value, modes[i].name) == 0) {
			o->ocsp = modes[i].mode;
			return 0;
		}
	}
	snprintf(err, errlen, "malformed option '%s': ocsp is off, soft or require", arg);
	return -1;
}

static int opt_url(const char *arg, const char *value, const char **out, char *err,
		   size_t errlen)
{
	if (!ocspfetch_url_ok(value)) {
		snprintf(err, errlen, "malformed option '%s': an http:// URL", arg);
		return -1;
	}
	*out = value;
	return 0;
}

static int opt_apply(const struct opt_def *d, const char *arg, const char *value,
		     struct options *o, char *err, size_t errlen)
{
	char *field = (char *)o + d->offset;

	switch (d->kind) {
	case OPT_FLAG:
		if (value != NULL) {
			snprintf(err, errlen, "option '%s' takes no value", d->name);
			return -1;
		}
		*(int *)(void *)field = 1;
		return 0;
	case OPT_STRING:
	case OPT_PATH:
		if (value == NULL || *value == '\0') {
			snprintf(err, errlen, "option '%s' needs a value: %s=...", d->name, d->name);
			return -1;
		}
		if (d->kind == OPT_PATH && value[0] != '/') {
			snprintf(err, errlen, "%s is not an absolute path", arg);
			return -1;
		}
		*(const char **)(void *)field = value;
		return 0;
	case OPT_SECONDS:
	case OPT_SECONDS0:
		return opt_seconds(arg, value, d->kind == OPT_SECONDS ? 1 : 0,
				   (int *)(void *)field, err, errlen);
	case OPT_OCSP:
		return opt_ocsp(arg, value, o, err, errlen);
	case OPT_URL:
		return opt_url(arg, value, (const char **)(void *)field, err, errlen);
	case OPT_SOURCE:
		if (value != NULL && strcmp(value, "env") == 0) {
			o->source = SOURCE_ENV;
			return 0;
		}
		if (value != NULL && strcmp(value, "pkcs11") == 0) {
			o->source = SOURCE_PKCS11;
			return 0;
		}
		snprintf(err, errlen, "malformed option '%s': source is pkcs11 or env", arg);
		return -1;
	}
	snprintf(err, errlen, "internal error on option '%s'", arg);
	return -1;
}

/* Revocation is checked along a verified chain, and the OCSP details mean
 * nothing with OCSP off. */
static int options_check_revocation(const struct options *o, char *err, size_t errlen)
{
	const char *rev = o->crl_file != NULL ? "crl_file" : o->crl_dir != NULL ? "crl_dir" :
			  o->ocsp != TRUST_OCSP_OFF ? "ocsp" : NULL;

	if (rev != NULL && o->ca_file == NULL && o->ca_dir == NULL) {
		snprintf(err, errlen, "%s needs ca_file or ca_dir: revocation is checked "
			 "along a verified chain", rev);
		return -1;
	}
	if (o->ocsp == TRUST_OCSP_OFF && (o->ocsp_url != NULL || o->ocsp_timeout != 0)) {
		snprintf(err, errlen, "%s needs ocsp=soft or ocsp=require",
			 o->ocsp_url != NULL ? "ocsp_url" : "ocsp_timeout");
		return -1;
	}
	return 0;
}

/* Combinations that cannot mean what the administrator wants. */
static int options_check(const struct options *o, const char *pkcs11_opt, const char *env_opt,
			 char *err, size_t errlen)
{
	/* An option of the other source means the line was meant for it. */
	if (o->source == SOURCE_ENV && pkcs11_opt != NULL) {
		snprintf(err, errlen, "option '%s' applies to source=pkcs11 only", pkcs11_opt);
		return -1;
	}
	if (o->source == SOURCE_PKCS11 && env_opt != NULL) {
		snprintf(err, errlen, "option '%s' applies to source=env only", env_opt);
		return -1;
	}
	if (options_check_revocation(o, err, errlen) != 0)
		return -1;
	if (o->use_first_pass && o->try_first_pass) {
		snprintf(err, errlen, "use_first_pass and try_first_pass exclude each other");
		return -1;
	}
	return 0;
}

int options_parse(int argc, const char **argv, struct options *o, char *err, size_t errlen)
{
	const char *pkcs11_opt = NULL, *env_opt = NULL;

	memset(o, 0, sizeof(*o));
	o->mapfile = MAPFILE_DEFAULT_PATH;
	o->env = OPTIONS_DEFAULT_ENV;
	o->source = SOURCE_PKCS11;
	o->pkcs11_module = DEFAULT_PKCS11_MODULE;
	o->token_timeout = OPTIONS_DEFAULT_TIMEOUT;

	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];
		const char *eq = strchr(arg, '=');
		size_t namelen = eq ? (size_t)(eq - arg) : strlen(arg);
		const struct opt_def *d = opt_find(arg, namelen);

		if (d == NULL) {
			snprintf(err, errlen, "unknown option '%s'", arg);
			return -1;
		}
		if (opt_apply(d, arg, eq ? eq + 1 : NULL, o, err, errlen) != 0)
			return -1;
		if (d->only == ONLY_PKCS11 && pkcs11_opt == NULL)
			pkcs11_opt = d->name;
		if (d->only == ONLY_ENV && env_opt == NULL)
			env_opt = d->name;
	}
	return options_check(o, pkcs11_opt, env_opt, err, errlen);
}
