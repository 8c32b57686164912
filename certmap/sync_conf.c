/* sync_conf.c - the configuration of certmap sync: "key = value" lines, each
 * key checked as it is read, every error named with its line. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ldap.h>
#include <openssl/evp.h>

#include "ascii.h"
#include "certmap/sync.h"

#define CONF_MAX_SIZE ((size_t)64 * 1024)
#define DEFAULT_FILTER "(userCertificate;binary=*)"

enum key {
	K_URI, K_BASE, K_FILTER, K_USER_ATTRIBUTE, K_TLS_CACERT, K_BIND_DN,
	K_BIND_PASSWORD_FILE, K_OUTPUT, K_LOCATION, K_TIMEOUT, K_MAX_DROP, K_STALE_AFTER,
	K_PAGE_SIZE, K_CONTENT_SYNC, K_STATE, K_N
};

static const char *const key_name[K_N] = {
	"uri", "base", "filter", "user_attribute", "tls_cacert", "bind_dn",
	"bind_password_file", "output", "location", "timeout", "max_drop", "stale_after",
	"page_size", "content_sync", "state",
};

struct reader {
	struct sync_conf *c;
	unsigned long line;
	int seen[K_N];
};

static int bad(const struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(const struct reader *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cm_err("%s:%lu: %s", r->c->path, r->line, msg);
	return -1;
}

static int set_string(const struct reader *r, char **dst, const char *v)
{
	*dst = strdup(v);
	if (*dst == NULL)
		return bad(r, "out of memory");
	return 0;
}

/* A whole number from LO to HI, with an optional SUFFIX ("%", "h"). */
static int set_number(const struct reader *r, enum key k, const char *v, unsigned lo,
		      unsigned hi, const char *suffix, unsigned *out)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (suffix != NULL && strcmp(end, suffix) == 0)
		end += strlen(suffix);
	if (!isdigit((unsigned char)v[0]) || *end != '\0' || errno != 0 || n < lo || n > hi)
		return bad(r, "%s must be a whole number from %u to %u%s, not '%s'", key_name[k],
			   lo, hi, suffix != NULL ? suffix : "", v);
	*out = (unsigned)n;
	return 0;
}

/* ldap:// (with StartTLS) or ldaps://, naming a server and nothing more. */
static int check_uri(const struct reader *r, const char *uri)
{
	LDAPURLDesc *u = NULL;
	int rc = -1;

	if (ldap_url_parse(uri, &u) != LDAP_URL_SUCCESS) {
		bad(r, "'%s' is not an LDAP URI", uri);
	} else if (ascii_casecmp(u->lud_scheme, "ldap") != 0 &&
		   ascii_casecmp(u->lud_scheme, "ldaps") != 0) {
		bad(r, "'%s': only ldaps:// and ldap:// (always with StartTLS) are used: the "
		    "certificates must come from a server whose identity TLS proved", uri);
	} else if ((u->lud_dn != NULL && u->lud_dn[0] != '\0') || u->lud_attrs != NULL ||
		   u->lud_filter != NULL || u->lud_exts != NULL) {
		bad(r, "'%s': give the server only; base and filter are keys of their own", uri);
	} else {
		rc = 0;
	}
	if (u != NULL)
		ldap_free_urldesc(u);
	return rc;
}

static int add_uris(struct reader *r, const char *v)
{
	char *copy = strdup(v), *save = NULL;
	int rc = -1;

	if (copy == NULL)
		return bad(r, "out of memory");
	for (char *u = strtok_r(copy, " \t", &save); u != NULL; u = strtok_r(NULL, " \t", &save)) {
		if (r->c->nuris == SYNC_MAX_URIS) {
			bad(r, "more than %d URIs", SYNC_MAX_URIS);
			goto out;
		}
		if (check_uri(r, u) != 0 || set_string(r, &r->c->uris[r->c->nuris], u) != 0)
			goto out;
		r->c->nuris++;
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

/* An attribute name as LDAP has them: a letter, then letters, digits, '-'. */
static int is_attr_name(const char *v)
{
	if (!isalpha((unsigned char)v[0]))
		return 0;
	for (; *v != '\0'; v++)
		if (!isalnum((unsigned char)*v) && *v != '-')
			return 0;
	return 1;
}

static int set_key(struct reader *r, enum key k, const char *v)
{
	struct sync_conf *c = r->c;

	switch (k) {
	case K_URI:
		return add_uris(r, v);
	case K_BASE:
		return set_string(r, &c->base, v);
	case K_FILTER:
		return set_string(r, &c->filter, v);
	case K_USER_ATTRIBUTE:
		if (!is_attr_name(v))
			return bad(r, "user_attribute '%s' is not an attribute name", v);
		return set_string(r, &c->user_attribute, v);
	case K_TLS_CACERT:
		return set_string(r, &c->tls_cacert, v);
	case K_BIND_DN:
		return set_string(r, &c->bind_dn, v);
	case K_BIND_PASSWORD_FILE:
		return set_string(r, &c->bind_password_file, v);
	case K_OUTPUT:
		return set_string(r, &c->output, v);
	case K_LOCATION:
		return set_string(r, &c->location, v);
	case K_STATE:
		return set_string(r, &c->state, v);
	case K_TIMEOUT:
		return set_number(r, k, v, 1, 3600, NULL, &c->timeout);
	case K_MAX_DROP:
		return set_number(r, k, v, 0, 100, "%", &c->max_drop);
	case K_STALE_AFTER:
		return set_number(r, k, v, 1, 24 * 3650, "h", &c->stale_after);
	case K_PAGE_SIZE:
		return set_number(r, k, v, 1, 100000, NULL, &c->page_size);
	case K_CONTENT_SYNC:
		if (strcmp(v, "auto") == 0)
			c->content_sync = SYNC_CONTENT_AUTO;
		else if (strcmp(v, "off") == 0)
			c->content_sync = SYNC_CONTENT_OFF;
		else
			return bad(r, "content_sync is auto or off, not '%s'", v);
		return 0;
	case K_N:
		break;
	}
	return -1;
}

static char *trim(char *s)
{
	char *e = s + strlen(s);

	while (*s == ' ' || *s == '\t')
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	*e = '\0';
	return s;
}

static int parse_line(struct reader *r, char *line)
{
	char *eq, *key, *value;
	int k;

	line = trim(line);
	if (line[0] == '\0' || line[0] == '#')
		return 0;
	eq = strchr(line, '=');
	if (eq == NULL)
		return bad(r, "not 'key = value'");
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	for (k = 0; k < K_N; k++)
		if (strcmp(key, key_name[k]) == 0)
			break;
	if (k == K_N)
		return bad(r, "unknown key '%s'", key);
	if (value[0] == '\0')
		return bad(r, "%s has no value", key);
	if (r->seen[k] && k != K_URI)
		return bad(r, "%s given twice", key);
	r->seen[k] = 1;
	return set_key(r, (enum key)k, value);
}

static int read_text(const char *path, char **text)
{
	char why[256] = "";
	size_t len = 0;

	if (sync_file_read(path, CONF_MAX_SIZE, 0, text, &len, why, sizeof(why)) != 0) {
		cm_err("%s: %s", path, why);
		return -1;
	}
	if (memchr(*text, '\0', len) != NULL) {
		cm_err("%s: not a text file", path);
		return -1;
	}
	return 0;
}

/* What the keys say together. */
static int check_whole(const struct sync_conf *c)
{
	static const char *const need[] = { "uri", "base", "tls_cacert" };
	const void *have[] = { c->nuris ? c->uris[0] : NULL, c->base, c->tls_cacert };
	struct stat st;

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (have[i] == NULL) {
			cm_err("%s: %s is required", c->path, need[i]);
			return -1;
		}
	}
	if ((c->bind_dn == NULL) != (c->bind_password_file == NULL)) {
		cm_err("%s: bind_dn and bind_password_file go together (neither: an anonymous "
		       "search)", c->path);
		return -1;
	}
	if (stat(c->tls_cacert, &st) != 0) {
		cm_err("%s: tls_cacert %s: %s", c->path, c->tls_cacert, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		cm_err("%s: tls_cacert %s: not a regular file", c->path, c->tls_cacert);
		return -1;
	}
	if (c->bind_password_file != NULL) {
		char *secret = NULL;
		size_t len = 0;

		/* Found wrong now rather than after the network's delays. */
		if (sync_secret_read(c->bind_password_file, &secret, &len) != 0)
			return -1;
		sync_secret_free(secret, len);
	}
	return 0;
}

int sync_conf_load(const char *path, struct sync_conf *c)
{
	struct reader r;
	char *text = NULL, *save = NULL;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	c->path = path;
	c->timeout = 10;
	c->max_drop = 20;
	c->stale_after = 48;
	c->page_size = 500;
	memset(&r, 0, sizeof(r));
	r.c = c;
	if (read_text(path, &text) != 0)
		goto out;
	/* strtok_r would skip empty lines and so miscount them. */
	for (char *line = text; line != NULL; line = save) {
		save = strchr(line, '\n');
		if (save != NULL)
			*save++ = '\0';
		r.line++;
		if (parse_line(&r, line) != 0)
			goto out;
	}
	if ((c->filter == NULL && (c->filter = strdup(DEFAULT_FILTER)) == NULL) ||
	    (c->user_attribute == NULL && (c->user_attribute = strdup("uid")) == NULL) ||
	    (c->state == NULL && (c->state = strdup(SYNC_STATE_DEFAULT)) == NULL)) {
		cm_err("out of memory");
		goto out;
	}
	rc = check_whole(c);
out:
	free(text);
	return rc;
}

void sync_conf_free(struct sync_conf *c)
{
	for (size_t i = 0; i < c->nuris; i++)
		free(c->uris[i]);
	free(c->base);
	free(c->filter);
	free(c->user_attribute);
	free(c->tls_cacert);
	free(c->bind_dn);
	free(c->bind_password_file);
	free(c->output);
	free(c->location);
	free(c->state);
	memset(c, 0, sizeof(*c));
}

void sync_conf_fingerprint(const struct sync_conf *c, char out[65])
{
	/* The version of what the state holds: a new one makes a full refresh. */
	static const char version[] = "certmap-sync-state 1";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	const char *parts[] = { version, c->base, c->filter, c->user_attribute };

	memset(out, '0', 64);
	out[64] = '\0';
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto out;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]) + 1) != 1)
			goto out;
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32)
		goto out;
	for (unsigned i = 0; i < mdlen; i++)
		snprintf(out + 2 * (size_t)i, 3, "%02x", md[i]);
out:
	EVP_MD_CTX_free(ctx);
}
