/* util.c - helpers shared by the certmap commands: reading a certificate
 * argument, loading the mapping file, and wording errors for an admin. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>

#include "account.h"
#include "cert.h"
#include "certmap/cmd.h"
#include "mapload.h"

void cm_err(const char *fmt, ...)
{
	va_list ap;

	fputs("certmap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Read at most CERT_FILE_MAX bytes of FD; one byte more says the file is too
 * large.  Returns the length, or -1 with errno set (EFBIG when too large). */
static ssize_t read_all(int fd, unsigned char *buf, size_t cap)
{
	size_t n = 0;

	while (n < cap) {
		ssize_t r = read(fd, buf + n, cap - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n == cap) {
		errno = EFBIG;
		return -1;
	}
	return (ssize_t)n;
}

int cm_cert_read(const char *arg, struct cm_cert *c)
{
	int is_stdin = strcmp(arg, "-") == 0;
	int fd = is_stdin ? STDIN_FILENO : -1;
	unsigned char *buf = NULL;
	char why[256] = "";
	ssize_t len;
	int ret = -1;

	memset(c, 0, sizeof(*c));
	c->name = is_stdin ? "(standard input)" : arg;
	if (!is_stdin) {
		fd = open(arg, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0) {
			cm_err("%s: %s", c->name, strerror(errno));
			goto out;
		}
	}
	buf = malloc(CERT_FILE_MAX + 1);
	if (!buf) {
		cm_err("out of memory");
		goto out;
	}
	len = read_all(fd, buf, CERT_FILE_MAX + 1);
	if (len < 0) {
		if (errno == EFBIG)
			cm_err("%s: larger than %zu bytes, not a certificate", c->name,
			       CERT_FILE_MAX);
		else
			cm_err("%s: %s", c->name, strerror(errno));
		goto out;
	}
	if (len == 0) {
		cm_err("%s: empty, not a certificate", c->name);
		goto out;
	}
	switch (cert_from_bytes(buf, (size_t)len, &c->x509, why, sizeof(why))) {
	case CERT_OK:
		break;
	case CERT_NOMEM:
		cm_err("out of memory");
		goto out;
	default:
		cm_err("%s: %s", c->name, why[0] ? why : "not a certificate in PEM, DER or base64");
		goto out;
	}
	if (cert_der(c->x509, &c->der, &c->der_len) != CERT_OK) {
		cm_err("%s: cannot encode the certificate as DER", c->name);
		goto out;
	}
	ret = 0;
out:
	free(buf);
	if (fd >= 0 && !is_stdin)
		close(fd);
	return ret;
}

void cm_cert_free(struct cm_cert *c)
{
	X509_free(c->x509);
	OPENSSL_free(c->der);
	c->x509 = NULL;
	c->der = NULL;
	c->der_len = 0;
}

/* Load G's file with C (may be NULL) as candidate 0: from its index when
 * INDEXED and the index is current, as the module does. */
static enum mapfile_status load(const struct global *g, const struct cm_cert *c, int keep_all,
				int indexed, struct mapfile **mf, struct mapfile_error *err)
{
	const unsigned char *der[1];
	size_t len[1];
	struct mapfile_params p;
	struct mapload_note note;

	memset(&p, 0, sizeof(p));
	memset(err, 0, sizeof(*err));
	p.keep_all = keep_all;
	if (c) {
		der[0] = c->der;
		len[0] = c->der_len;
		p.cand_der = der;
		p.cand_len = len;
		p.ncand = 1;
	}
	if (indexed)
		return mapload(g->mapfile, g->location, &p, NULL, mf, err, &note);
	return mapfile_load(g->mapfile, &p, mf, err);
}

enum mapfile_status cm_load(const struct global *g, const struct cm_cert *c, int keep_all,
			    struct mapfile **mf, struct mapfile_error *err)
{
	return load(g, c, keep_all, 0, mf, err);
}

enum mapfile_status cm_load_indexed(const struct global *g, const struct cm_cert *c,
				    struct mapfile **mf, struct mapfile_error *err)
{
	return load(g, c, 0, 1, mf, err);
}

int cm_query(const struct global *g, const struct mapfile *mf, const struct cm_cert *c,
	     struct mapfile_answer *ans)
{
	switch (mapfile_query_cert(mf, g->location, 0, c->x509, ans)) {
	case MAPFILE_OK:
		return 0;
	case MAPFILE_NOMEM:
		cm_err("out of memory");
		return -1;
	default:
		cm_err("%s: the certificate's subject or issuer cannot be read for the many-to-one "
		       "mappings", c->name);
		return -1;
	}
}

const char *cm_error_reason(const struct mapfile_error *err)
{
	if (err->reason[0])
		return err->reason;
	switch (err->status) {
	case MAPFILE_OK:
		return "no error";
	case MAPFILE_MISSING:
		return "no such file";
	case MAPFILE_UNSAFE:
		return "not safe to read: it must be a regular file owned by root "
		       "and not writable by group or others";
	case MAPFILE_INVALID:
		return "not a valid mapping file";
	case MAPFILE_NOMEM:
		return "out of memory";
	case MAPFILE_IO:
		break;
	}
	return "cannot be read";
}

void cm_print_load_error(const char *path, const struct mapfile_error *err)
{
	if (err->line)
		cm_err("%s:%lu:%lu: %s", path, err->line, err->column, cm_error_reason(err));
	else
		cm_err("%s: %s", path, cm_error_reason(err));
}

int cm_names_tried(const char *user, const char *domain, char *buf, size_t len)
{
	char qu[160], qd[160];
	int nomem = 0;
	char *bare = account_bare_name(user, domain, NULL, &nomem);

	buf[0] = '\0';
	if (bare != NULL) {
		char qb[160];

		snprintf(buf, len, ": tried %s and %s", cm_quote(user, qu, sizeof(qu)),
			 cm_quote(bare, qb, sizeof(qb)));
	} else if (strchr(user, '\\') != NULL || strchr(user, '@') != NULL)
		snprintf(buf, len, ": tried %s only; its domain part is dropped when the domain is "
			 "'.', the defaultLogonDomain (%s here), or pam_certmap's domain= option",
			 cm_quote(user, qu, sizeof(qu)),
			 domain != NULL ? cm_quote(domain, qd, sizeof(qd)) : "none");
	free(bare);
	return nomem ? -1 : 0;
}

const char *cm_quote(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	if (len < 3)
		return "";
	buf[n++] = '\'';
	for (; *s && n + 5 < len; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch < 0x20 || ch == 0x7f || ch == '\'')
			n += (size_t)snprintf(buf + n, len - n, "\\x%02x", ch);
		else
			buf[n++] = (char)ch;
	}
	if (*s && n + 4 < len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n++] = '\'';
	buf[n] = '\0';
	return buf;
}

int cm_time_str(const ASN1_TIME *t, char out[32])
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (!t || !ASN1_TIME_to_tm(t, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm)) {
		snprintf(out, 32, "(unreadable)");
		return -1;
	}
	return 0;
}
