/* cmd_check.c - certmap check: validate the mapping file and report, in the
 * style of a compiler, what would make pam_certmap deny or misbehave, for
 * one-to-one entries and many-to-one mappings alike. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "account.h"
#include "cert.h"
#include "certmap/check.h"
#include "certmap/cmd.h"
#include "certmap/sync.h"

/* "FILE:LINE: error: ..." or, without a position, "FILE: error: ...". */
void diag(struct check *c, unsigned long line, enum severity sev, const char *fmt, ...)
{
	va_list ap;

	if (line)
		printf("%s:%lu: ", c->path, line);
	else
		printf("%s: ", c->path);
	fputs(sev == SEV_ERROR ? "error: " : sev == SEV_WARNING ? "warning: " : "note: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (sev == SEV_ERROR)
		c->errors++;
	else if (sev == SEV_WARNING)
		c->warnings++;
}

static void check_time(struct check *c, const struct mapfile_entry *e, X509 *x)
{
	char when[32];

	switch (cert_check_time(x, c->now)) {
	case CERT_TIME_OK:
		break;
	case CERT_TIME_EXPIRED:
		if (cert_not_after(x, when) != CERT_OK)
			snprintf(when, sizeof(when), "(unreadable date)");
		diag(c, e->line, SEV_WARNING, "certificate expired on %s; "
		     "pam_certmap refuses it unless allow_expired is set", when);
		break;
	case CERT_TIME_NOT_YET_VALID:
		cm_time_str(X509_get0_notBefore(x), when);
		diag(c, e->line, SEV_WARNING,
		     "certificate is not valid before %s; pam_certmap refuses it until then", when);
		break;
	case CERT_TIME_BAD:
		diag(c, e->line, SEV_WARNING,
		     "certificate validity dates cannot be read; pam_certmap refuses it");
		break;
	}
}

/* Characters a shell takes literally: such a word needs no quotes. */
static int shell_plain(const char *s)
{
	return s[0] != '\0' && s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				  "0123456789@%+=:,./_-")] == '\0';
}

/* S as one shell word, or PLACEHOLDER when it holds control bytes (a
 * command to copy must not carry them) or does not fit in BUF. */
static const char *shell_word(const char *s, const char *placeholder, char *buf, size_t len)
{
	size_t n = 0;

	if (s == NULL || s[0] == '\0')
		return placeholder;
	if (shell_plain(s))
		return s;
	buf[n++] = '\'';
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f || n + 6 > len)
			return placeholder;
		if (*s == '\'') {
			memcpy(buf + n, "'\\''", 4);
			n += 4;
		} else {
			buf[n++] = *s;
		}
	}
	buf[n++] = '\'';
	buf[n] = '\0';
	return buf;
}

/* The command that maps the certificate again, with the entry's location
 * and userName: "certmap [-f FILE] [-l LOCATION] add --user NAME CERT.pem". */
static const char *add_command(const struct check *c, const char *level_path,
			       const struct mapfile_entry *e, char *buf, size_t len)
{
	char file[256], loc[256], user[256];
	int has_file = strcmp(c->path, MAPFILE_DEFAULT_PATH) != 0;
	int has_loc = !mapfile_path_applies(level_path, "");

	snprintf(buf, len, "certmap%s%s%s%s add --user %s CERT.pem", has_file ? " -f " : "",
		 has_file ? shell_word(c->path, "FILE", file, sizeof(file)) : "",
		 has_loc ? " -l " : "",
		 has_loc ? shell_word(level_path, "LOCATION", loc, sizeof(loc)) : "",
		 shell_word(e->user_name, "NAME", user, sizeof(user)));
	return buf;
}

/* What can be mended in place, for the dead values where there is a way. */
static const char *dead_fix(enum mapfile_dead d)
{
	switch (d) {
	case MAPFILE_DEAD_PEM:
		return "remove the -----BEGIN/END CERTIFICATE----- lines from the value, or ";
	case MAPFILE_DEAD_BASE64URL:
		return "write '+' for '-' and '/' for '_' in the value, or ";
	default:
		return "";
	}
}

static void check_dead(struct check *c, const char *level_path, const struct mapfile_entry *e)
{
	char cmd[1024];

	diag(c, e->line, SEV_ERROR, "certificate value is not a certificate: %s, so it never "
	     "matches; %smap the certificate again with 'certmap add': delete this <add> "
	     "and run: %s",
	     mapfile_dead_reason(e->dead), dead_fix(e->dead),
	     add_command(c, level_path, e, cmd, sizeof(cmd)));
}

/* Why strict base64 is no certificate: the DER header of a certificate (a
 * SEQUENCE) says how long it is, which tells a truncated value. */
static void der_shape(const char *b64, char *out, size_t len)
{
	size_t n = strlen(b64), have, total, hdr = 2, i;
	unsigned char *der = malloc(n / 4 * 3 + 1);
	int dl;

	snprintf(out, len, "its bytes are not an X.509 certificate");
	if (der == NULL || n < 4 || (dl = EVP_DecodeBlock(der, (const unsigned char *)b64,
							  (int)n)) < 0)
		goto out;
	/* EVP_DecodeBlock counts the '=' padding as zero bytes. */
	have = (size_t)dl - (b64[n - 1] == '=') - (b64[n - 2] == '=');
	if (have < 2 || der[0] != 0x30 || der[1] == 0x80) {
		snprintf(out, len, "its bytes do not start as a certificate does");
		goto out;
	}
	total = der[1];
	if (der[1] > 0x80) {
		hdr = 2 + (der[1] & 0x7fu);
		if (hdr > 6 || hdr > have)
			goto out;
		for (total = 0, i = 2; i < hdr; i++)
			total = total << 8 | der[i];
	}
	total += hdr;
	if (total > have)
		snprintf(out, len, "it is truncated: the certificate is %zu bytes long, the value "
			 "holds %zu (a line lost when it was copied?)", total, have);
	else if (total < have)
		snprintf(out, len, "the value holds %zu bytes after the end of the certificate",
			 have - total);
out:
	free(der);
}

/* A live value is strict base64; it must also be a certificate. */
static void check_value(struct check *c, const char *level_path, const struct mapfile_entry *e)
{
	X509 *x = NULL;
	char why[256] = "", shape[160], cmd[1024];

	if (!e->certificate)
		return;
	switch (cert_from_bytes((const unsigned char *)e->certificate, strlen(e->certificate),
				&x, why, sizeof(why))) {
	case CERT_OK:
		check_time(c, e, x);
		break;
	case CERT_NOMEM:
		c->nomem = 1;
		break;
	case CERT_BAD:
	case CERT_CONFIG:  /* not returned by decoding */
		/* why would only say "not PEM, DER or base64": no help here. */
		der_shape(e->certificate, shape, sizeof(shape));
		diag(c, e->line, SEV_ERROR,
		     "certificate value is base64 but does not decode to an X.509 certificate: "
		     "%s, so it never matches; map the certificate again with 'certmap add': "
		     "delete this <add> and run: %s", shape,
		     add_command(c, level_path, e, cmd, sizeof(cmd)));
		break;
	}
	X509_free(x);
}

void check_account(struct check *c, unsigned long line, const char *name,
			  const char *domain)
{
	char *account = NULL;
	char q[160], tried[512];

	switch (account_resolve(name, domain, NULL, &account)) {
	case ACCOUNT_OK:
		break;
	case ACCOUNT_UNKNOWN:
		if (cm_names_tried(name, domain, tried, sizeof(tried)) != 0)
			c->nomem = 1;
		diag(c, line, SEV_WARNING, "userName %s is not a local account%s",
		     cm_quote(name, q, sizeof(q)), tried);
		break;
	case ACCOUNT_ERROR:
		diag(c, line, SEV_WARNING,
		     "cannot tell whether userName %s is a local account: "
		     "the user database could not be asked", cm_quote(name, q, sizeof(q)));
		break;
	case ACCOUNT_NOMEM:
		c->nomem = 1;
		break;
	}
	free(account);
}

static void check_user(struct check *c, const char *level_path, const struct mapfile_entry *e)
{
	struct mapfile_answer ans;

	if (!e->user_name || !e->user_name[0]) {
		if (e->enabled)
			diag(c, e->line, SEV_WARNING, "entry has no userName, so it maps nobody");
		return;
	}
	/* The defaultLogonDomain in force at the entry's own level. */
	mapfile_query(c->mf, level_path, -1, &ans);
	check_account(c, e->line, e->user_name, ans.default_logon_domain);
}

static void check_entry(void *ctx, const char *level_path, const struct mapfile_entry *e)
{
	struct check *c = ctx;

	if (e->dead != MAPFILE_LIVE)
		check_dead(c, level_path, e);
	else
		check_value(c, level_path, e);
	check_user(c, level_path, e);
	/* Only the presence is told: the value itself is never printed. */
	if (e->password_plain)
		diag(c, e->line, SEV_WARNING,
		     "plaintext password in the file; pam_certmap never uses it, remove it");
}

static void summary(struct check *c)
{
	/* certmap sync's regions (synccheck.c), in valid and invalid files alike. */
	synccheck_run(c->path, c->now, &c->errors, &c->warnings);
	printf("%s: %lu error%s, %lu warning%s\n", c->path,
	       c->errors, c->errors == 1 ? "" : "s", c->warnings, c->warnings == 1 ? "" : "s");
}

int cmd_check(const struct global *g, int argc, char **argv)
{
	struct check c;
	struct mapfile *mf = NULL;
	struct mapfile_error err;
	int rc = cm_no_args("check", argc, argv);

	if (rc >= 0)
		return rc;
	rc = CM_EXIT_ERROR;

	memset(&c, 0, sizeof(c));
	c.path = g->mapfile;
	c.now = time(NULL);
	switch (cm_load(g, NULL, 1, &mf, &err)) {
	case MAPFILE_OK:
		break;
	case MAPFILE_NOMEM:
		cm_err("out of memory");
		goto out;
	default:
		/* The loader stops at the first error: the file is unusable as a whole. */
		diag(&c, err.line, SEV_ERROR, "%s", cm_error_reason(&err));
		if (err.status == MAPFILE_INVALID)
			check_index(&c);
		summary(&c);
		goto out;
	}
	c.mf = mf;
	mapfile_foreach_entry(mf, check_entry, &c);
	mapfile_foreach_mapping(mf, check_mapping, &c);
	check_trust_note(&c);
	check_index(&c);
	if (c.nomem) {
		cm_err("out of memory");
		goto out;
	}
	summary(&c);
	if (c.errors == 0)
		rc = CM_EXIT_OK;
out:
	if (mf)
		mapfile_free(mf);
	return rc;
}
