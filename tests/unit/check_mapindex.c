/* check_mapindex.c - the index records (SPEC 2.8): a model rebuilt from them
 * answers every query as the whole file does; a record that is not what it
 * claims (a flipped byte, a cut, another index's) is refused, never used;
 * and the file identity that says when an index or cache is current. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "fileid.h"
#include "mapfile.h"
#include "mapfile_model.h"
#include "mapindex.h"
#include "mistore.h"
#include "testcert.h"
#include "unit.h"

#define SEC "iisClientCertificateMappingAuthentication"
#define AUTH_OPEN "<system.webServer><security><authentication>"
#define AUTH_CLOSE "</authentication></security></system.webServer>"
#define RULE(field, sub, crit) \
	"<add certificateField=\"" field "\" certificateSubField=\"" sub "\" " \
	"matchCriteria=\"" crit "\" />"

/* Three certificates: alice's, bob's, carol's. */
struct certs {
	X509 *x[3];
	unsigned char *der[3];
	size_t len[3];
	char *b64[3];
};

static void certs_make(struct certs *c)
{
	static const char *const cn[3] = { "alice", "bob", "carol" };

	for (int i = 0; i < 3; i++) {
		c->x[i] = testcert_valid(cn[i]);
		c->der[i] = testcert_der(c->x[i], &c->len[i]);
		c->b64[i] = testcert_b64(c->x[i]);
	}
}

static void certs_free(struct certs *c)
{
	for (int i = 0; i < 3; i++) {
		X509_free(c->x[i]);
		free(c->der[i]);
		free(c->b64[i]);
	}
}

/* Levels, <clear/>s, inheritance, disabled and spaced values, a dead one,
 * one certificate at several places, many-to-one mappings at two levels. */
static char *big_doc(const struct certs *c)
{
	return unit_asprintf(
		"<configuration>" AUTH_OPEN
		"<" SEC " enabled=\"true\" defaultLogonDomain=\"TOP\"><oneToOneMappings>\n"
		"<add userName=\"alice-top\" certificate=\"%1$s\" />\n"
		"<add userName=\"dead\" certificate=\"not base64 at all\" />\n"
		"<add userName=\"bob-top\" enabled=\"false\" certificate=\"%2$s\" />\n"
		"</oneToOneMappings><manyToOneMappings>\n"
		"<add name=\"carols\" userName=\"carol-m2o\"><rules>" RULE("Subject", "CN", "car*")
		"</rules></add>\n"
		"<add name=\"deny-bob\" permissionMode=\"Deny\"><rules>" RULE("Subject", "CN", "bob")
		"</rules></add>\n"
		"</manyToOneMappings></" SEC ">" AUTH_CLOSE
		"<location path=\"A\">" AUTH_OPEN
		"<" SEC " oneToOneCertificateMappingsEnabled=\"true\"><oneToOneMappings>\n"
		"<clear/><add userName=\"alice-a1\" certificate=\"%1$s\" />\n"
		"</oneToOneMappings></" SEC ">" AUTH_CLOSE "</location>\n"
		"<location path=\"a/B\">" AUTH_OPEN
		"<" SEC " defaultLogonDomain=\"AB\"><oneToOneMappings>\n"
		"<add userName=\"carol-ab\" certificate=\" %3$s \" />\n"
		"<clear/>\n"
		"<add userName=\"bob-ab\" certificate=\"%2$s\" />\n"
		"<add userName=\"alice-ab\" certificate=\"%1$s\" />\n"
		"</oneToOneMappings><manyToOneMappings><clear/>\n"
		"<add name=\"all\" userName=\"anyone\" enabled=\"false\"><rules>"
		RULE("Issuer", "CN", "*") "</rules></add>\n"
		"</manyToOneMappings></" SEC ">" AUTH_CLOSE "</location>\n"
		"<location path=\"x\">" AUTH_OPEN
		"<" SEC " enabled=\"false\" manyToOneCertificateMappingsEnabled=\"false\"/>"
		AUTH_CLOSE "</location>\n"
		"</configuration>\n", c->b64[0], c->b64[1], c->b64[2]);
}

/* ------------------------------------------------------------ the store */

struct built {
	struct mi_store *store;
	struct mi_header h;
};

static void build(const char *doc, struct built *b)
{
	struct mapfile_params p = { .keys = 1 };
	struct mapfile *mf = NULL;

	memset(&b->h, 0, sizeof(b->h));
	b->h.version = MI_VERSION;
	memcpy(b->h.build, "0123456789abcdef", MI_BUILD_LEN);
	b->h.verdict.status = mapfile_parse_buffer(doc, strlen(doc), &p, &mf, &b->h.verdict);
	b->store = mi_store_new();
	ck_assert_ptr_nonnull(b->store);
	ck_assert_int_eq(mi_encode(&b->h, mf, mi_store_put, b->store), 0);
	ck_assert_int_eq(mi_store_seal(b->store), 0);
	mapfile_free(mf);
}

/* A source over a store whose values can be spoilt: FLIP flips that byte of
 * every value (modulo its length), CUT drops that many bytes of its end. */
struct spoil {
	struct mi_store *store;
	long flip;
	size_t cut;
};

static int spoilt_get(void *ctx, const void *key, size_t klen, unsigned char **v, size_t *len)
{
	struct spoil *s = ctx;
	int r = mi_store_get(s->store, key, klen, v, len);

	if (r == 1 && s->flip >= 0 && *len > 0)
		(*v)[(size_t)s->flip % *len] ^= 0x20;
	if (r == 1)
		*len = *len > s->cut ? *len - s->cut : 0;
	return r;
}

static struct mi_source source(struct built *b, struct spoil *s)
{
	struct mi_source src;

	src.get = spoilt_get;
	src.ctx = s;
	s->store = b->store;
	memcpy(src.build, b->h.build, MI_BUILD_LEN);
	return src;
}

/* ---------------------------------------------------------- comparison */

static void same_entry(const struct mapfile_entry *a, const struct mapfile_entry *b, const char *q)
{
	ck_assert_msg((a == NULL) == (b == NULL), "%s: entry %p vs %p", q, (void *)a, (void *)b);
	if (a == NULL)
		return;
	ck_assert_uint_eq(a->line, b->line);
	ck_assert_int_eq(a->enabled, b->enabled);
	ck_assert_int_eq(a->cand, b->cand);
	ck_assert_int_eq(a->has_password, b->has_password);
	ck_assert_str_eq(a->user_name ? a->user_name : "(none)", b->user_name ? b->user_name : "(none)");
}

static void same_answer(const struct mapfile_answer *a, const struct mapfile_answer *b, const char *q)
{
	ck_assert_int_eq(a->section_enabled, b->section_enabled);
	ck_assert_int_eq(a->one_to_one_enabled, b->one_to_one_enabled);
	ck_assert_int_eq(a->many_to_one_enabled, b->many_to_one_enabled);
	ck_assert_uint_eq(a->many_to_one_count, b->many_to_one_count);
	ck_assert_str_eq(a->default_logon_domain ? a->default_logon_domain : "(none)",
			 b->default_logon_domain ? b->default_logon_domain : "(none)");
	same_entry(a->entry, b->entry, q);
	ck_assert_msg((a->mapping == NULL) == (b->mapping == NULL), "%s: mapping", q);
	if (a->mapping != NULL) {
		ck_assert_str_eq(a->mapping->name, b->mapping->name);
		ck_assert_uint_eq(a->mapping->line, b->mapping->line);
	}
	ck_assert_str_eq(mapfile_answer_user(a) ? mapfile_answer_user(a) : "(nobody)",
			 mapfile_answer_user(b) ? mapfile_answer_user(b) : "(nobody)");
}

/* For location Q and the candidates PICK (indices into C), the whole file
 * and the model from the index answer alike, for every candidate. */
static void compare(const char *doc, struct built *b, const struct certs *c, const char *q,
		    const int *pick, size_t n)
{
	const unsigned char *der[3];
	size_t len[3];
	struct mapfile_params p = { .cand_der = der, .cand_len = len, .ncand = n };
	struct mapfile *full = NULL, *mini = NULL;
	struct mapfile_error err;
	struct spoil sp = { NULL, -1, 0 };
	struct mi_source src = source(b, &sp);

	for (size_t i = 0; i < n; i++) {
		der[i] = c->der[pick[i]];
		len[i] = c->len[pick[i]];
	}
	ck_assert_int_eq(mapfile_parse_buffer(doc, strlen(doc), &p, &full, &err), MAPFILE_OK);
	ck_assert_msg(mi_answer(&src, q, &p, &mini, &err) == MAPFILE_OK, "%s: %s", q, err.reason);
	for (int cand = -1; cand < (int)n; cand++) {
		struct mapfile_answer a, m;

		mapfile_query(full, q, cand, &a);
		mapfile_query(mini, q, cand, &m);
		same_answer(&a, &m, q);
		if (cand < 0)
			continue;
		ck_assert_int_eq(mapfile_query_cert(full, q, cand, c->x[pick[cand]], &a),
				 mapfile_query_cert(mini, q, cand, c->x[pick[cand]], &m));
		same_answer(&a, &m, q);
	}
	mapfile_free(full);
	mapfile_free(mini);
}

START_TEST(test_index_answers_as_the_file)
{
	static const char *const locs[] = { "", "a", "A/b", "a/b/c", "a/./B/", "a/bc", "x",
					    "x/y", "elsewhere" };
	static const int one[1][1] = { { 0 } }, all[3] = { 0, 1, 2 }, twice[2] = { 2, 2 };
	struct certs c;
	struct built b;
	char *doc;

	certs_make(&c);
	doc = big_doc(&c);
	build(doc, &b);
	ck_assert_msg(b.h.verdict.status == MAPFILE_OK, "%s", b.h.verdict.reason);
	for (size_t i = 0; i < sizeof(locs) / sizeof(locs[0]); i++) {
		compare(doc, &b, &c, locs[i], one[0], 1);
		compare(doc, &b, &c, locs[i], all, 3);
		compare(doc, &b, &c, locs[i], twice, 2);
		compare(doc, &b, &c, locs[i], NULL, 0);
	}
	mi_store_free(b.store);
	free(doc);
	certs_free(&c);
}
END_TEST

/* The header of an invalid file: its verdict only, no other record. */
START_TEST(test_index_of_invalid_file_holds_the_verdict)
{
	const char *doc = "<" SEC " enabled=\"maybe\"/>";
	const char hkey = MI_KEY_HEADER, lkey = MI_KEY_LEVEL;
	unsigned char *v = NULL;
	struct mi_header h;
	struct built b;
	size_t len = 0;

	build(doc, &b);
	ck_assert_int_eq(b.h.verdict.status, MAPFILE_INVALID);
	ck_assert_int_eq(mi_store_get(b.store, &hkey, 1, &v, &len), 1);
	ck_assert_int_eq(mi_header_decode(v, len, &h), 0);
	ck_assert_int_eq(h.verdict.status, MAPFILE_INVALID);
	ck_assert_uint_eq(h.verdict.line, 1);
	ck_assert_msg(strstr(h.verdict.reason, "true or false") != NULL, "%s", h.verdict.reason);
	free(v);
	ck_assert_int_eq(mi_store_get(b.store, &lkey, 1, &v, &len), 0);
	mi_store_free(b.store);
}
END_TEST

START_TEST(test_index_header_round_trip_and_checksum)
{
	const char hkey = MI_KEY_HEADER;
	unsigned char *v = NULL;
	struct mi_header h;
	struct certs c;
	struct built b;
	size_t len = 0;
	char *doc;

	certs_make(&c);
	doc = big_doc(&c);
	build(doc, &b);
	ck_assert_int_eq(mi_store_get(b.store, &hkey, 1, &v, &len), 1);
	ck_assert_int_eq(mi_header_decode(v, len, &h), 0);
	ck_assert_int_eq(memcmp(h.build, b.h.build, MI_BUILD_LEN), 0);
	ck_assert_uint_eq(h.nlevels, 4);
	ck_assert_uint_eq(h.nentries, 6);  /* the dead value is not indexed */
	ck_assert_uint_eq(h.nmappings, 3);
	/* Every byte counts. */
	for (size_t i = 0; i < len; i++) {
		v[i] ^= 0x01;
		ck_assert_msg(mi_header_decode(v, len, &h) != 0, "byte %zu flipped", i);
		v[i] ^= 0x01;
	}
	ck_assert_int_eq(mi_header_decode(v, len - 1, &h), -1);
	free(v);
	mi_store_free(b.store);
	free(doc);
	certs_free(&c);
}
END_TEST

/* Any flipped byte or cut of a record: refused (MAPFILE_IO), never used. */
START_TEST(test_index_spoilt_records_refused)
{
	static const int all[3] = { 0, 1, 2 };
	const unsigned char *der[3];
	size_t len[3];
	struct mapfile_params p = { .cand_der = der, .cand_len = len, .ncand = 3 };
	struct mapfile *mini = NULL;
	struct mapfile_error err;
	struct certs c;
	struct built b;
	char *doc;

	certs_make(&c);
	for (int i = 0; i < 3; i++) {
		der[i] = c.der[all[i]];
		len[i] = c.len[all[i]];
	}
	doc = big_doc(&c);
	build(doc, &b);
	for (long flip = 0; flip < 400; flip++) {
		struct spoil sp = { NULL, flip, 0 };
		struct mi_source src = source(&b, &sp);

		ck_assert_int_eq(mi_answer(&src, "a/b", &p, &mini, &err), MAPFILE_IO);
		ck_assert_ptr_null(mini);
	}
	for (size_t cut = 1; cut < 64; cut++) {
		struct spoil sp = { NULL, -1, cut };
		struct mi_source src = source(&b, &sp);

		ck_assert_int_eq(mi_answer(&src, "a/b", &p, &mini, &err), MAPFILE_IO);
	}
	/* The records of another index (another build) do not fit. */
	{
		struct spoil sp = { NULL, -1, 0 };
		struct mi_source src = source(&b, &sp);

		src.build[0] ^= 1;
		ck_assert_int_eq(mi_answer(&src, "", &p, &mini, &err), MAPFILE_IO);
		ck_assert_msg(strstr(err.reason, "checksum") != NULL, "%s", err.reason);
	}
	mi_store_free(b.store);
	free(doc);
	certs_free(&c);
}
END_TEST

/* The store finds each record, and refuses to grow past its limit. */
START_TEST(test_store_limit)
{
	struct mi_store *s = mi_store_new();
	unsigned char *v = NULL;
	size_t len = 0;
	char key[16];
	int rc = 0, i;

	ck_assert_ptr_nonnull(s);
	mi_store_limit(s, 4096);
	for (i = 0; i < 1000 && rc == 0; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		rc = mi_store_put(s, key, strlen(key), "value", 5);
	}
	ck_assert_int_eq(rc, -1);
	ck_assert_int_lt(i, 1000);
	ck_assert_uint_le(mi_store_bytes(s), 4096 * 2);
	ck_assert_int_eq(mi_store_seal(s), 0);
	ck_assert_int_eq(mi_store_get(s, "k1", 2, &v, &len), 1);
	ck_assert_uint_eq(len, 5);
	ck_assert_int_eq(memcmp(v, "value", 5), 0);
	free(v);
	ck_assert_int_eq(mi_store_get(s, "k99999", 6, &v, &len), 0);
	mi_store_free(s);
}
END_TEST

/* The identity that proves an index current: every part counts, and an
 * identity proves nothing while a later write could keep its change time. */
START_TEST(test_fileid_rules)
{
	struct fileid a = { 1, 2, 3, { 100, 5 }, { 200, 7 } }, b;
	struct fstamp p;
	struct timespec now;

	b = a;
	ck_assert(fileid_equal(&a, &b));
	b.dev++;
	ck_assert(!fileid_equal(&a, &b));
	b = a;
	b.ino++;
	ck_assert(!fileid_equal(&a, &b));
	b = a;
	b.size++;
	ck_assert(!fileid_equal(&a, &b));
	b = a;
	b.mtime.nsec++;
	ck_assert(!fileid_equal(&a, &b));
	b = a;
	b.ctime.nsec++;
	ck_assert(!fileid_equal(&a, &b));

	/* A probe in the change time's own tick proves nothing; one past it does. */
	p = a.ctime;
	ck_assert(!fileid_probe_settled(&a, a.dev, &p));
	p.nsec--;
	ck_assert(!fileid_probe_settled(&a, a.dev, &p));
	p.nsec += 2;
	ck_assert(fileid_probe_settled(&a, a.dev, &p));
	/* On another filesystem, only well past it. */
	ck_assert(!fileid_probe_settled(&a, a.dev + 1, &p));
	p.sec += FILEID_OTHER_FS_MARGIN_SEC;
	ck_assert(fileid_probe_settled(&a, a.dev + 1, &p));

	/* The clock's rule: a tick's margin, or two seconds for whole seconds. */
	now.tv_sec = 200;
	now.tv_nsec = 7 + FILEID_TICK_MARGIN_NSEC / 2;
	ck_assert(!fileid_clock_settled(&a, &now));
	now.tv_nsec = 7 + FILEID_TICK_MARGIN_NSEC + 1;
	ck_assert(fileid_clock_settled(&a, &now));
	a.ctime.nsec = 0;
	now.tv_sec = 201;
	now.tv_nsec = 500000000;
	ck_assert(!fileid_clock_settled(&a, &now));
	now.tv_sec = 200 + FILEID_COARSE_MARGIN_SEC;
	now.tv_nsec = 1;
	ck_assert(fileid_clock_settled(&a, &now));
	/* A change time in the future never settles. */
	now.tv_sec = 100;
	ck_assert(!fileid_clock_settled(&a, &now));
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("mapindex");
	TCase *t = tcase_create("records");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, test_index_answers_as_the_file);
	tcase_add_test(t, test_index_of_invalid_file_holds_the_verdict);
	tcase_add_test(t, test_index_header_round_trip_and_checksum);
	tcase_add_test(t, test_index_spoilt_records_refused);
	tcase_add_test(t, test_store_limit);
	tcase_add_test(t, test_fileid_rules);
	suite_add_tcase(s, t);
	return s;
}
