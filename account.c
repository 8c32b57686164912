/* account.c - from a mapped userName to a local account (SPEC 3.4): the name
 * as written, else the bare name of DOMAIN\name, name@DOMAIN or .\name. */
#include "config.h"
#include "ascii.h"
#include "account.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Past this, a passwd entry is not an account but a broken database. */
#define PWBUF_MAX ((size_t)1024 * 1024)
#define PWBUF_MIN ((size_t)1024)
/* Longer names are no account and are never handed to NSS: its modules need
 * not cope with them (nss_systemd aborts the process on a name of a few MB). */
#define ACCOUNT_NAME_MAX ((size_t)1024)

static enum account_status lookup(const char *name, char **out)
{
	enum account_status st = ACCOUNT_NOMEM;
	struct passwd pw, *res = NULL;
	long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t len = sz > 0 ? (size_t)sz : PWBUF_MIN;
	char *buf = NULL, *nbuf;
	int err;

	*out = NULL;
	for (;;) {
		nbuf = realloc(buf, len);
		if (nbuf == NULL)
			goto out;
		buf = nbuf;
		err = getpwnam_r(name, &pw, buf, len, &res);
		if (err != ERANGE)
			break;
		if (len >= PWBUF_MAX) {
			st = ACCOUNT_ERROR;
			goto out;
		}
		len = len * 2 > PWBUF_MAX ? PWBUF_MAX : len * 2;
	}
	/* Only 0 with no result is "no such user": glibc answers so when every
	 * NSS service said NOTFOUND.  ENOENT, ESRCH, EBADF or EPERM (which
	 * getpwnam_r(3) also lists for "not found") come from a service that
	 * could not answer (sssd or a directory down): the account may well
	 * exist, so it is an error, and "alice@DOMAIN" never falls back to a
	 * local "alice" because a directory was down. */
	if (res == NULL) {
		if (err == 0)
			st = ACCOUNT_UNKNOWN;
		else
			st = err == ENOMEM ? ACCOUNT_NOMEM : ACCOUNT_ERROR;
		goto out;
	}
	*out = strdup(res->pw_name);
	if (*out != NULL)
		st = ACCOUNT_OK;
out:
	free(buf);
	return st;
}

static int domain_is_ours(const char *dom, size_t domlen, const char *default_domain,
			  const char *opt_domain)
{
	const char *cands[] = { ".", default_domain, opt_domain };
	size_t i;

	for (i = 0; i < sizeof(cands) / sizeof(cands[0]); i++) {
		if (cands[i] != NULL && strlen(cands[i]) == domlen &&
		    ascii_ncasecmp(dom, cands[i], domlen) == 0)
			return 1;
	}
	return 0;
}

/* Both parts must be non-empty and the name must not hold another
 * separator, so only one form is ever stripped. */
char *account_bare_name(const char *name, const char *default_domain, const char *opt_domain,
			int *nomem)
{
	const char *sep, *user, *dom;
	size_t userlen, domlen;
	char *res;

	*nomem = 0;
	sep = strchr(name, '\\');
	if (sep != NULL) {
		dom = name;
		domlen = (size_t)(sep - name);
		user = sep + 1;
		userlen = strlen(user);
	} else {
		sep = strchr(name, '@');
		if (sep == NULL)
			return NULL;
		user = name;
		userlen = (size_t)(sep - name);
		dom = sep + 1;
		domlen = strlen(dom);
	}
	if (domlen == 0 || userlen == 0 || strcspn(user, "\\@") < userlen)
		return NULL;
	if (!domain_is_ours(dom, domlen, default_domain, opt_domain))
		return NULL;
	res = strndup(user, userlen);
	*nomem = res == NULL;
	return res;
}

enum account_status account_resolve(const char *name, const char *default_domain,
				    const char *opt_domain, char **out)
{
	enum account_status st = ACCOUNT_UNKNOWN;
	char *bare = NULL;
	int nomem;

	*out = NULL;
	if (name == NULL || name[0] == '\0' ||
	    strnlen(name, ACCOUNT_NAME_MAX + 1) > ACCOUNT_NAME_MAX)
		goto out;
	st = lookup(name, out);
	if (st != ACCOUNT_UNKNOWN)
		goto out;
	bare = account_bare_name(name, default_domain, opt_domain, &nomem);
	if (bare == NULL) {
		st = nomem ? ACCOUNT_NOMEM : ACCOUNT_UNKNOWN;
		goto out;
	}
	st = lookup(bare, out);
out:
	free(bare);
	return st;
}
