/* cmd_list.c - certmap list [--json]: every entry of the mapping file, at
 * every location, with its certificate's fingerprint, names, end date and
 * status; then every many-to-one mapping with its rules. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

#include "cert.h"
#include "certmap/cmd.h"

/* What is shown of one entry; the strings are NULL when there is no certificate. */
struct row {
	const char *location;
	const struct mapfile_entry *e;
	const char *status;
	char sha256[65];
	char *subject, *issuer;  /* OPENSSL_malloc'd */
	char not_after[32];      /* "" when unreadable */
};

struct list {
	int json;
	time_t now;
	unsigned long n;
	int nomem;
};

/* Status in order of importance: a dead value, then a disabled entry, then
 * dates.  A certificate not yet valid is "expired" too: outside its
 * validity period, refused alike (the usage says so). */
static int fill_row(struct list *l, struct row *r)
{
	X509 *x = NULL;
	char why[128];

	r->status = "dead";
	if (r->e->dead != MAPFILE_LIVE || r->e->certificate == NULL)
		return 0;
	switch (cert_from_bytes((const unsigned char *)r->e->certificate,
				strlen(r->e->certificate), &x, why, sizeof(why))) {
	case CERT_OK:
		break;
	case CERT_NOMEM:
		return -1;
	default:
		return 0;  /* strict base64, but not a certificate: it never matches */
	}
	r->subject = cert_subject(x);
	r->issuer = cert_issuer(x);
	if (cert_sha256_hex(x, r->sha256) != CERT_OK || !r->subject || !r->issuer) {
		X509_free(x);
		return -1;
	}
	if (cert_not_after(x, r->not_after) != CERT_OK)
		r->not_after[0] = '\0';
	if (!r->e->enabled)
		r->status = "disabled";
	else if (cert_check_time(x, l->now) != CERT_TIME_OK)
		r->status = "expired";
	else
		r->status = "ok";
	X509_free(x);
	return 0;
}

/* A text field: control bytes escaped, so one entry stays one line of
 * TAB-separated fields whatever the file holds. */
static void put_text(const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch < 0x20 || ch == 0x7f)
			printf("\\x%02x", ch);
		else
			putchar(ch);
	}
}

static void print_text(const struct row *r)
{
	const struct mapfile_entry *e = r->e;

	/* The top level has no path: "/" is what -l accepts for it too. */
	put_text(r->location[0] ? r->location : "/");
	putchar('\t');
	put_text(e->user_name && e->user_name[0] ? e->user_name : "-");
	printf("\t%s\t%s\t", e->enabled ? "enabled" : "disabled",
	       r->subject ? r->sha256 : "-");
	put_text(r->subject ? r->subject : "-");
	printf("\t%s\t%s\n", r->not_after[0] ? r->not_after : "-", r->status);
}

/* A JSON string, or null.  The parser hands over UTF-8 (expat's output)
 * and subjects are ASCII, so bytes >= 0x80 pass through as they are. */
static void put_json(const char *s)
{
	if (s == NULL) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", stdout);
		else if (ch == '\t')
			fputs("\\t", stdout);
		else if (ch == '\r')
			fputs("\\r", stdout);
		else if (ch < 0x20 || ch == 0x7f)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void print_json(const struct list *l, const struct row *r)
{
	const int cert = r->subject != NULL;

	fputs(l->n ? ",\n  {" : "\n  {", stdout);
	fputs("\"location\": ", stdout);
	put_json(r->location);
	fputs(", \"userName\": ", stdout);
	put_json(r->e->user_name);
	printf(", \"enabled\": %s, \"sha256\": ", r->e->enabled ? "true" : "false");
	put_json(cert ? r->sha256 : NULL);
	fputs(", \"subject\": ", stdout);
	put_json(r->subject);
	fputs(", \"issuer\": ", stdout);
	put_json(r->issuer);
	fputs(", \"notAfter\": ", stdout);
	put_json(cert && r->not_after[0] ? r->not_after : NULL);
	fputs(", \"status\": ", stdout);
	put_json(r->status);
	putchar('}');
}

static void list_entry(void *ctx, const char *level_path, const struct mapfile_entry *e)
{
	struct list *l = ctx;
	struct row r;

	if (l->nomem)
		return;
	memset(&r, 0, sizeof(r));
	r.location = level_path;
	r.e = e;
	if (fill_row(l, &r) != 0) {
		l->nomem = 1;
		goto out;
	}
	if (l->json)
		print_json(l, &r);
	else
		print_text(&r);
	l->n++;
out:
	OPENSSL_free(r.subject);
	OPENSSL_free(r.issuer);
}

/* ----------------------------------------------------- many-to-one mappings */

static const char *field_name(enum mapfile_field f)
{
	return f == MAPFILE_FIELD_SUBJECT ? "Subject" : "Issuer";
}

/* What a mapping does, first what stops it: disabled, no-rules (matches
 * nothing), deny, no-user (an Allow that maps nobody), allow. */
static const char *mapping_status(const struct mapfile_mapping *m)
{
	if (!m->enabled)
		return "disabled";
	if (m->nrules == 0)
		return "no-rules";
	if (m->deny)
		return "deny";
	return m->user_name == NULL ? "no-user" : "allow";
}

/* The rules as certmap add-mapping takes them, joined by " & "; a rule
 * compared without case ends in " (without case)". */
static void put_rules(const struct mapfile *mf, const struct mapfile_mapping *m)
{
	const struct mapfile_rule *r = mapfile_mapping_rules(mf, m);

	if (m->nrules == 0)
		fputs("-", stdout);
	for (size_t i = 0; i < m->nrules; i++) {
		printf("%s%s:", i ? " & " : "", field_name(r[i].field));
		put_text(r[i].subfield_name);
		putchar('=');
		put_text(r[i].criteria);
		if (!r[i].case_sensitive)
			fputs(" (without case)", stdout);
	}
}

static void print_mapping_text(const struct mapfile *mf, const char *location,
			       const struct mapfile_mapping *m)
{
	put_text(location[0] ? location : "/");
	putchar('\t');
	put_text(m->user_name ? m->user_name : "-");
	printf("\t%s\tmany-to-one\t", m->enabled ? "enabled" : "disabled");
	put_text(m->name);
	putchar('\t');
	put_rules(mf, m);
	printf("\t%s\n", mapping_status(m));
}

static void print_mapping_json(const struct list *l, const struct mapfile *mf,
			       const char *location, const struct mapfile_mapping *m)
{
	const struct mapfile_rule *r = mapfile_mapping_rules(mf, m);

	fputs(l->n ? ",\n  {" : "\n  {", stdout);
	fputs("\"kind\": \"manyToOne\", \"location\": ", stdout);
	put_json(location);
	fputs(", \"name\": ", stdout);
	put_json(m->name);
	fputs(", \"description\": ", stdout);
	put_json(m->description);
	fputs(", \"userName\": ", stdout);
	put_json(m->user_name);
	printf(", \"enabled\": %s, \"permissionMode\": \"%s\", \"rules\": [",
	       m->enabled ? "true" : "false", m->deny ? "Deny" : "Allow");
	for (size_t i = 0; i < m->nrules; i++) {
		printf("%s{\"certificateField\": \"%s\", \"certificateSubField\": ", i ? ", " : "",
		       field_name(r[i].field));
		put_json(r[i].subfield_name);
		fputs(", \"matchCriteria\": ", stdout);
		put_json(r[i].criteria);
		printf(", \"compareCaseSensitive\": %s}", r[i].case_sensitive ? "true" : "false");
	}
	fputs("], \"status\": ", stdout);
	put_json(mapping_status(m));
	putchar('}');
}

struct mapping_list {
	struct list *l;
	const struct mapfile *mf;
};

static void list_mapping(void *ctx, const char *level_path, const struct mapfile_mapping *m)
{
	struct mapping_list *ml = ctx;

	if (ml->l->json)
		print_mapping_json(ml->l, ml->mf, level_path, m);
	else
		print_mapping_text(ml->mf, level_path, m);
	ml->l->n++;
}

int cmd_list(const struct global *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct list l;
	struct mapping_list ml;
	struct mapfile *mf = NULL;
	struct mapfile_error err;
	int rc = CM_EXIT_ERROR;
	int c;

	memset(&l, 0, sizeof(l));
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			l.json = 1;
			break;
		case 'h':
			cm_usage(stdout);
			return CM_EXIT_OK;
		default:
			return cm_bad_option(c, argv);
		}
	}
	if (optind != argc)
		return cm_bad_usage("list takes no arguments besides --json");

	if (cm_load(g, NULL, 1, &mf, &err) != MAPFILE_OK) {
		cm_print_load_error(g->mapfile, &err);
		goto out;
	}
	l.now = time(NULL);
	if (l.json)
		putchar('[');
	mapfile_foreach_entry(mf, list_entry, &l);
	if (l.nomem) {
		cm_err("out of memory");
		goto out;
	}
	ml.l = &l;
	ml.mf = mf;
	mapfile_foreach_mapping(mf, list_mapping, &ml);
	if (l.json)
		fputs(l.n ? "\n]\n" : "]\n", stdout);
	rc = CM_EXIT_OK;
out:
	if (mf)
		mapfile_free(mf);
	return rc;
}
