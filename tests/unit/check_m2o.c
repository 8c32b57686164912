/* check_m2o.c - many-to-one mappings against SPEC 2.7, one test per rule:
 * when they are tried, the walk and its order across levels, the rules, the
 * '*' match, case, sub-fields, and that names alone prove nothing. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certchain.h"
#include "certname.h"
#include "mapfile.h"
#include "testcert.h"
#include "unit.h"

#define SEC "iisClientCertificateMappingAuthentication"
#define AUTH_OPEN "<system.webServer><security><authentication>"
#define AUTH_CLOSE "</authentication></security></system.webServer>"

/* A mapping NAME with attributes ATTRS (after name) holding RULES. */
#define MAP(name, attrs, rules) \
	"<add name=\"" name "\" " attrs "><rules>" rules "</rules></add>\n"
#define RULE(field, sub, crit) \
	"<add certificateField=\"" field "\" certificateSubField=\"" sub "\" " \
	"matchCriteria=\"" crit "\" />"
#define RULE_CI(field, sub, crit) \
	"<add certificateField=\"" field "\" certificateSubField=\"" sub "\" " \
	"matchCriteria=\"" crit "\" compareCaseSensitive=\"false\" />"

/* ------------------------------------------------------------ helpers */

/* A name of "KEY=VALUE" pairs, NULL-terminated (OpenSSL's short names). */
static X509_NAME *make_name(const char *const *pairs)
{
	X509_NAME *n = X509_NAME_new();

	ck_assert_ptr_nonnull(n);
	for (; *pairs != NULL; pairs++) {
		const char *eq = strchr(*pairs, '=');
		char key[32];

		ck_assert_ptr_nonnull(eq);
		snprintf(key, sizeof(key), "%.*s", (int)(eq - *pairs), *pairs);
		ck_assert_msg(X509_NAME_add_entry_by_txt(n, key, MBSTRING_UTF8,
							 (const unsigned char *)eq + 1, -1, -1,
							 0) == 1, "attribute %s", *pairs);
	}
	return n;
}

/* A certificate with these names, valid now, signed by KEY (its own when
 * NULL: the chain is not what these tests are about). */
static X509 *make_cert_signed(const char *const *subject, const char *const *issuer,
			      EVP_PKEY *signer)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	X509_NAME *s = make_name(subject), *i = make_name(issuer);

	ck_assert(key != NULL && x != NULL);
	ck_assert_int_eq(X509_set_version(x, X509_VERSION_3), 1);
	ck_assert_int_eq(ASN1_INTEGER_set(X509_get_serialNumber(x), 4711), 1);
	ck_assert_int_eq(X509_set_subject_name(x, s), 1);
	ck_assert_int_eq(X509_set_issuer_name(x, i), 1);
	ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notBefore(x), -3600));
	ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notAfter(x), 86400));
	ck_assert_int_eq(X509_set_pubkey(x, key), 1);
	ck_assert_int_gt(X509_sign(x, signer != NULL ? signer : key, EVP_sha256()), 0);
	X509_NAME_free(s);
	X509_NAME_free(i);
	EVP_PKEY_free(key);
	return x;
}

static X509 *make_cert(const char *const *subject, const char *const *issuer)
{
	return make_cert_signed(subject, issuer, NULL);
}

static const char *const staff_subject[] = {
	"DC=corp", "DC=example", "O=Example", "OU=Staff", "OU=Admins", "CN=alice",
	"emailAddress=alice@example.test", NULL,
};
static const char *const example_ca[] = { "O=Example", "CN=Example CA", NULL };

static X509 *staff(void)
{
	return make_cert(staff_subject, example_ca);
}

static struct mapfile *parse(const char *doc, X509 *x, unsigned char **der)
{
	struct mapfile_params p = { 0 };
	struct mapfile_error err;
	struct mapfile *mf = NULL;
	size_t len = 0;

	*der = testcert_der(x, &len);
	p.cand_der = (const unsigned char *const *)der;
	p.cand_len = &len;
	p.ncand = 1;
	memset(&err, 0, sizeof(err));
	ck_assert_msg(mapfile_parse_buffer(doc, strlen(doc), &p, &mf, &err) == MAPFILE_OK,
		      "%lu:%lu: %s", err.line, err.column, err.reason);
	return mf;
}

/* What DOC decides for X at LOC, as a word: "-" for nothing, "entry:USER"
 * for a one-to-one entry, "NAME:USER" for a mapping that maps, "NAME:deny",
 * "NAME:-" for a mapping that decides but maps nothing.  Malloc'd. */
static char *verdict(const char *doc, const char *loc, X509 *x)
{
	unsigned char *der = NULL;
	struct mapfile *mf = parse(doc, x, &der);
	struct mapfile_answer ans;
	const char *user;
	char *res;

	ck_assert_int_eq(mapfile_query_cert(mf, loc, 0, x, &ans), MAPFILE_OK);
	user = mapfile_answer_user(&ans);
	if (ans.entry != NULL)
		res = unit_asprintf("entry:%s", user ? user : "-");
	else if (ans.mapping != NULL)
		res = unit_asprintf("%s:%s", ans.mapping->name,
				ans.mapping->deny ? "deny" : user ? user : "-");
	else
		res = unit_asprintf("%s", user ? user : "-");
	mapfile_free(mf);
	free(der);
	return res;
}

#define expect_verdict(doc, loc, x, want) \
	do { \
		char *v_ = verdict((doc), (loc), (x)); \
		ck_assert_msg(strcmp(v_, (want)) == 0, "at '%s': got '%s', want '%s'", \
			      (loc), v_, (want)); \
		free(v_); \
	} while (0)

/* A bare enabled section with section attributes ATTRS and mappings M. */
static char *section(const char *attrs, const char *m)
{
	return unit_asprintf("<" SEC " enabled=\"true\" %s>\n<manyToOneMappings>\n%s"
			 "</manyToOneMappings>\n</" SEC ">\n", attrs, m);
}

/* One mapping with rules R: what it decides for X. */
static char *one(const char *rules, X509 *x)
{
	char *doc = unit_asprintf("<" SEC " enabled=\"true\"><manyToOneMappings>"
			      "<add name=\"m\" userName=\"u\"><rules>%s</rules></add>"
			      "</manyToOneMappings></" SEC ">", rules);
	char *v = verdict(doc, "", x);

	free(doc);
	return v;
}

#define expect_rules(rules, x, matches) \
	do { \
		char *v_ = one((rules), (x)); \
		ck_assert_msg(strcmp(v_, (matches) ? "m:u" : "-") == 0, \
			      "rules %s: got '%s', want %s", (rules), v_, \
			      (matches) ? "a match" : "none"); \
		free(v_); \
	} while (0)

/* ------------------------------------------------------------ the model */

struct seen {
	const struct mapfile_mapping *m[4];
	const char *path[4];
	size_t n;
};

static void collect(void *ctx, const char *level_path, const struct mapfile_mapping *m)
{
	struct seen *s = ctx;

	if (s->n < 4) {
		s->path[s->n] = level_path;
		s->m[s->n++] = m;
	}
}

START_TEST(test_m2o_parsed_as_written)
{
	static const char doc[] =
		"<" SEC " enabled=\"true\"><manyToOneMappings>\n"
		"<add name=\"My 1st  Mapping\" description=\"d\" permissionMode=\"deny\" "
		"password=\"plain\" enabled=\"FALSE\"><rules>\n"
		"<add certificateField=\"issuer\" certificateSubField=\"cn\" "
		"matchCriteria=\"Example*\" compareCaseSensitive=\"False\" />\n"
		"</rules></add>\n"
		"<add name=\"b\" userName=\"EXAMPLE\\staff\" password=\"[enc:AesProvider:x:enc]\" />\n"
		"</manyToOneMappings></" SEC ">";
	X509 *x = staff();
	unsigned char *der;
	struct mapfile *mf = parse(doc, x, &der);
	struct seen seen = { { NULL }, { NULL }, 0 };
	const struct mapfile_mapping *a, *b;
	const struct mapfile_rule *r;

	mapfile_foreach_mapping(mf, collect, &seen);
	ck_assert_uint_eq(seen.n, 2);
	a = seen.m[0];
	b = seen.m[1];
	ck_assert_str_eq(seen.path[0], "");
	ck_assert_str_eq(a->name, "My 1st  Mapping");
	ck_assert_str_eq(a->description, "d");
	ck_assert_ptr_null(a->user_name);
	ck_assert_int_eq(a->deny, 1);
	ck_assert_int_eq(a->enabled, 0);
	ck_assert(a->has_password && a->password_plain);
	ck_assert_uint_eq(a->line, 2);
	ck_assert_uint_eq(a->nrules, 1);
	r = mapfile_mapping_rules(mf, a);
	ck_assert_int_eq(r->field, MAPFILE_FIELD_ISSUER);
	ck_assert_str_eq(r->subfield_name, "cn");
	ck_assert_str_eq(certname_subfield_name(r->subfield), "CN");
	ck_assert_str_eq(r->criteria, "Example*");
	ck_assert_int_eq(r->case_sensitive, 0);
	ck_assert_uint_eq(r->line, 3);
	/* Defaults: enabled, Allow, no rules, an encrypted password. */
	ck_assert_str_eq(b->user_name, "EXAMPLE\\staff");
	ck_assert_ptr_null(b->description);
	ck_assert(b->enabled && !b->deny && b->has_password && !b->password_plain);
	ck_assert_uint_eq(b->nrules, 0);
	ck_assert_ptr_null(mapfile_mapping_rules(mf, b));
	mapfile_free(mf);
	free(der);
	X509_free(x);
}
END_TEST

START_TEST(test_m2o_unknown_subfield_invalid_with_line)
{
	static const char doc[] =
		"<" SEC " enabled=\"true\">\n<manyToOneMappings>\n<add name=\"m\">\n<rules>\n"
		"<add certificateField=\"Subject\" certificateSubField=\"Organisation\" "
		"matchCriteria=\"x\" />\n</rules>\n</add>\n</manyToOneMappings>\n</" SEC ">\n";
	struct mapfile_params p = { 0 };
	struct mapfile_error err;
	struct mapfile *mf = NULL;

	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(mapfile_parse_buffer(doc, strlen(doc), &p, &mf, &err), MAPFILE_INVALID);
	ck_assert_ptr_null(mf);
	ck_assert_uint_eq(err.line, 5);
	ck_assert_msg(strstr(err.reason, "'Organisation'") != NULL &&
		      strstr(err.reason, "OU") != NULL, "reason: %s", err.reason);
}
END_TEST

START_TEST(test_m2o_subfield_names)
{
	static const char *const known[] = {
		"CN", "cn", "O", "OU", "L", "S", "ST", "C", "E", "Email", "EMAIL", "G", "GN", "I",
		"T", "SN", "DC", "UID", "uid",
	};
	static const char *const unknown[] = {
		"", "Organization", "CN ", "emailAddress", "SERIALNUMBER", "STREET", "X", "*",
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		ck_assert_msg(certname_subfield(known[i]) >= 0, "%s refused", known[i]);
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		ck_assert_msg(certname_subfield(unknown[i]) < 0, "'%s' accepted", unknown[i]);
	ck_assert_str_eq(certname_subfield_name(certname_subfield("email")), "Email");
}
END_TEST

/* ------------------------------------------------------ when it is tried */

START_TEST(test_m2o_exact_entry_decides_even_disabled)
{
	X509 *x = staff();
	char *b64 = testcert_b64(x);
	const char *m = MAP("all", "userName=\"staff\"", RULE("Subject", "OU", "Staff"));
	char *on = unit_asprintf("<" SEC " enabled=\"true\"><oneToOneMappings>"
			     "<add userName=\"alice\" certificate=\"%s\" /></oneToOneMappings>"
			     "<manyToOneMappings>%s</manyToOneMappings></" SEC ">", b64, m);
	char *off = unit_asprintf("<" SEC " enabled=\"true\"><oneToOneMappings>"
			      "<add userName=\"alice\" enabled=\"false\" certificate=\"%s\" />"
			      "</oneToOneMappings><manyToOneMappings>%s</manyToOneMappings>"
			      "</" SEC ">", b64, m);
	char *none = section("", m);

	expect_verdict(on, "", x, "entry:alice");
	expect_verdict(off, "", x, "entry:-");
	expect_verdict(none, "", x, "all:staff");
	free(on);
	free(off);
	free(none);
	free(b64);
	X509_free(x);
}
END_TEST

START_TEST(test_m2o_one_to_one_off_many_to_one_applies)
{
	X509 *x = staff();
	char *b64 = testcert_b64(x);
	char *doc = unit_asprintf("<" SEC " enabled=\"true\" oneToOneCertificateMappingsEnabled=\"false\">"
			      "<oneToOneMappings><add userName=\"alice\" certificate=\"%s\" />"
			      "</oneToOneMappings><manyToOneMappings>%s</manyToOneMappings>"
			      "</" SEC ">", b64,
			      MAP("all", "userName=\"staff\"", RULE("Subject", "OU", "Staff")));

	/* The entry decides nothing: the mapping does. */
	expect_verdict(doc, "", x, "all:staff");
	free(doc);
	free(b64);
	X509_free(x);
}
END_TEST

START_TEST(test_m2o_needs_section_and_m2o_enabled)
{
	X509 *x = staff();
	const char *m = MAP("all", "userName=\"staff\"", RULE("Subject", "OU", "Staff"));
	char *off = unit_asprintf("<" SEC " enabled=\"false\"><manyToOneMappings>%s"
			      "</manyToOneMappings></" SEC ">", m);
	char *dflt = unit_asprintf("<" SEC "><manyToOneMappings>%s</manyToOneMappings></" SEC ">", m);
	char *m2o_off = section("manyToOneCertificateMappingsEnabled=\"false\"", m);
	/* Switched off at the top, on again at the location; and the other way. */
	char *levels = unit_asprintf("<configuration>" AUTH_OPEN "<" SEC " enabled=\"true\" "
				 "manyToOneCertificateMappingsEnabled=\"False\"><manyToOneMappings>%s"
				 "</manyToOneMappings></" SEC ">" AUTH_CLOSE
				 "<location path=\"on\">" AUTH_OPEN "<" SEC " "
				 "manyToOneCertificateMappingsEnabled=\"TRUE\" />" AUTH_CLOSE
				 "</location></configuration>", m);

	expect_verdict(off, "", x, "-");
	expect_verdict(dflt, "", x, "-");
	expect_verdict(m2o_off, "", x, "-");
	expect_verdict(levels, "", x, "-");
	expect_verdict(levels, "on", x, "all:staff");
	expect_verdict(levels, "on/sub", x, "all:staff");
	free(off);
	free(dflt);
	free(m2o_off);
	free(levels);
	X509_free(x);
}
END_TEST

/* The count that says whether many-to-one is usable at a location. */
START_TEST(test_m2o_count_of_enabled_mappings)
{
	char *doc = section("", MAP("a", "userName=\"u\"", RULE("Subject", "CN", "*"))
			    MAP("b", "enabled=\"false\"", RULE("Subject", "CN", "*"))
			    MAP("c", "permissionMode=\"Deny\"", RULE("Subject", "CN", "*")));
	char *none = section("", MAP("b", "enabled=\"false\"", RULE("Subject", "CN", "*")));
	struct mapfile_params p = { 0 };
	struct mapfile_error err;
	struct mapfile *mf = NULL;
	struct mapfile_answer ans;

	ck_assert_int_eq(mapfile_parse_buffer(doc, strlen(doc), &p, &mf, &err), MAPFILE_OK);
	mapfile_query(mf, "", -1, &ans);
	ck_assert_uint_eq(ans.many_to_one_count, 2);
	ck_assert_int_eq(ans.many_to_one_enabled, 1);
	ck_assert_ptr_null(ans.mapping);
	mapfile_free(mf);
	ck_assert_int_eq(mapfile_parse_buffer(none, strlen(none), &p, &mf, &err), MAPFILE_OK);
	mapfile_query(mf, "", -1, &ans);
	ck_assert_uint_eq(ans.many_to_one_count, 0);
	mapfile_free(mf);
	free(doc);
	free(none);
}
END_TEST

/* ---------------------------------------------------------------- the walk */

START_TEST(test_m2o_first_match_decides)
{
	X509 *x = staff();
	char *doc = section("", MAP("first", "userName=\"one\"", RULE("Subject", "OU", "Staff"))
			    MAP("second", "userName=\"two\"", RULE("Subject", "CN", "alice")));
	char *miss = section("", MAP("first", "userName=\"one\"", RULE("Subject", "OU", "Nobody"))
			     MAP("second", "userName=\"two\"", RULE("Subject", "CN", "alice")));

	expect_verdict(doc, "", x, "first:one");
	expect_verdict(miss, "", x, "second:two");
	free(doc);
	free(miss);
	X509_free(x);
}
END_TEST

START_TEST(test_m2o_deny_before_allow)
{
	X509 *x = staff();
	char *doc = section("", MAP("no", "permissionMode=\"Deny\"", RULE("Subject", "OU", "Admins"))
			    MAP("yes", "userName=\"staff\"", RULE("Subject", "OU", "Staff")));

	expect_verdict(doc, "", x, "no:deny");
	free(doc);
	X509_free(x);
}
END_TEST

START_TEST(test_m2o_allow_before_deny)
{
	X509 *x = staff();
	char *doc = section("", MAP("yes", "userName=\"staff\"", RULE("Subject", "OU", "Staff"))
			    MAP("no", "permissionMode=\"Deny\"", RULE("Subject", "OU", "Admins")));

	expect_verdict(doc, "", x, "yes:staff");
	free(doc);
	X509_free(x);
}
END_TEST

START_TEST(test_m2o_disabled_mapping_skipped)
{
	X509 *x = staff();
	char *doc = section("", MAP("no", "permissionMode=\"Deny\" enabled=\"false\"",
				    RULE("Subject", "OU", "Admins"))
			    MAP("yes", "userName=\"staff\"", RULE("Subject", "OU", "Staff")));

	expect_verdict(doc, "", x, "yes:staff");
	free(doc);
	X509_free(x);
}
END_TEST

START_TEST(test_m2o_mapping_without_rules_matches_nothing)
{
	X509 *x = staff();
	char *doc = section("", "<add name=\"empty\" permissionMode=\"Deny\" />\n"
			    "<add name=\"cleared\" permissionMode=\"Deny\"><rules>"
			    RULE("Subject", "CN", "*") "<clear /></rules></add>\n"
			    MAP("yes", "userName=\"staff\"", RULE("Subject", "OU", "Staff")));

	expect_verdict(doc, "", x, "yes:staff");
	free(doc);
	X509_free(x);
}
END_TEST

START_TEST(test_m2o_allow_without_user_decides)
{
	X509 *x = staff();
	char *doc = section("", MAP("nobody", "", RULE("Subject", "OU", "Staff"))
			    MAP("later", "userName=\"staff\"", RULE("Subject", "OU", "Staff")));

	/* It decides: nothing maps, and the later mapping is not tried. */
	expect_verdict(doc, "", x, "nobody:-");
	free(doc);
	X509_free(x);
}
END_TEST

START_TEST(test_m2o_rules_all_must_match)
{
	X509 *x = staff();

	expect_rules(RULE("Subject", "OU", "Staff") RULE("Issuer", "CN", "Example CA"), x, 1);
	expect_rules(RULE("Subject", "OU", "Staff") RULE("Issuer", "CN", "Other CA"), x, 0);
	expect_rules(RULE("Subject", "OU", "Nobody") RULE("Issuer", "CN", "Example CA"), x, 0);
	X509_free(x);
}
END_TEST

START_TEST(test_m2o_clear_inside_rules)
{
	X509 *x = staff();

	/* The rule that fails is before <clear/>: gone. */
	expect_rules(RULE("Subject", "OU", "Nobody") "<clear />" RULE("Subject", "OU", "Staff"),
		     x, 1);
	/* The rule that fails is after it: it counts. */
	expect_rules(RULE("Subject", "OU", "Staff") "<clear />" RULE("Subject", "OU", "Nobody"),
		     x, 0);
	X509_free(x);
}
END_TEST

/* ------------------------------------------------------------ the levels */

/* Top level: Allow for Staff.  Location "a": Deny for Admins, after it.
 * Location "a/b": <clear/>, then Deny for Admins.  Location "c": <clear/>. */
static const char levels_doc[] =
	"<configuration>" AUTH_OPEN "<" SEC " enabled=\"true\"><manyToOneMappings>"
	MAP("staff", "userName=\"staff\"", RULE("Subject", "OU", "Staff"))
	"</manyToOneMappings></" SEC ">" AUTH_CLOSE
	"<location path=\"a\">" AUTH_OPEN "<" SEC "><manyToOneMappings>"
	MAP("admins", "permissionMode=\"Deny\"", RULE("Subject", "OU", "Admins"))
	"</manyToOneMappings></" SEC ">" AUTH_CLOSE "</location>"
	"<location path=\"A/B\">" AUTH_OPEN "<" SEC "><manyToOneMappings><clear />"
	MAP("admins2", "permissionMode=\"Deny\"", RULE("Subject", "OU", "Admins"))
	"</manyToOneMappings></" SEC ">" AUTH_CLOSE "</location>"
	"<location path=\"c\">" AUTH_OPEN "<" SEC "><manyToOneMappings><clear />"
	"</manyToOneMappings></" SEC ">" AUTH_CLOSE "</location>"
	"</configuration>";

START_TEST(test_m2o_inherited_mappings_come_first)
{
	X509 *x = staff();

	expect_verdict(levels_doc, "", x, "staff:staff");
	/* A child's Deny cannot overtake the parent's Allow without <clear/>. */
	expect_verdict(levels_doc, "a", x, "staff:staff");
	X509_free(x);
}
END_TEST

START_TEST(test_m2o_clear_at_a_deeper_level)
{
	X509 *x = staff();

	expect_verdict(levels_doc, "a/b", x, "admins2:deny");
	expect_verdict(levels_doc, "a/b/deeper", x, "admins2:deny");
	expect_verdict(levels_doc, "c", x, "-");
	/* Whole segments: "ab" is not under "a". */
	expect_verdict(levels_doc, "ab", x, "staff:staff");
	X509_free(x);
}
END_TEST

START_TEST(test_m2o_clear_before_adds_in_one_level)
{
	X509 *x = staff();
	char *doc = section("", MAP("gone", "permissionMode=\"Deny\"", RULE("Subject", "CN", "*"))
			    "<clear />\n"
			    MAP("kept", "userName=\"staff\"", RULE("Subject", "CN", "*")));

	expect_verdict(doc, "", x, "kept:staff");
	free(doc);
	X509_free(x);
}
END_TEST

/* ---------------------------------------------------------------- a rule */

START_TEST(test_m2o_wildcard_placements)
{
	X509 *x = staff();

	expect_rules(RULE("Subject", "CN", "alice"), x, 1);
	expect_rules(RULE("Subject", "CN", "*"), x, 1);
	expect_rules(RULE("Subject", "CN", "a*"), x, 1);
	expect_rules(RULE("Subject", "CN", "*e"), x, 1);
	expect_rules(RULE("Subject", "CN", "a*e"), x, 1);
	expect_rules(RULE("Subject", "CN", "*lic*"), x, 1);
	expect_rules(RULE("Subject", "CN", "**a**l*i*c*e**"), x, 1);
	expect_rules(RULE("Subject", "CN", "alice*"), x, 1);
	/* The whole value must match. */
	expect_rules(RULE("Subject", "CN", "alic"), x, 0);
	expect_rules(RULE("Subject", "CN", "lice"), x, 0);
	expect_rules(RULE("Subject", "CN", "a*x"), x, 0);
	expect_rules(RULE("Subject", "CN", "alice?"), x, 0);
	expect_rules(RULE("Subject", "CN", ""), x, 0);
	expect_rules(RULE("Subject", "E", "*@example.test"), x, 1);
	X509_free(x);
}
END_TEST

START_TEST(test_m2o_wildcard_function)
{
	static const struct {
		const char *crit, *value;
		int cs, match;
	} cases[] = {
		{ "", "", 1, 1 }, { "*", "", 1, 1 }, { "**", "", 1, 1 }, { "a", "", 1, 0 },
		{ "a*b*c", "aXbYc", 1, 1 }, { "a*b*c", "abcbc", 1, 1 }, { "a*b*c", "acb", 1, 0 },
		{ "*aab", "aaaab", 1, 1 }, { "a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaac", 1, 0 },
		{ "ABC", "abc", 1, 0 }, { "ABC", "abc", 0, 1 }, { "A*C", "abc", 0, 1 },
		/* Only ASCII letters are folded: other bytes compare exactly. */
		{ "\xc3\x89", "\xc3\xa9", 0, 0 }, { "\xc3\xa9", "\xc3\xa9", 0, 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(certname_wildcard(cases[i].crit, (const unsigned char *)cases[i].value,
						strlen(cases[i].value), cases[i].cs) ==
			      cases[i].match, "'%s' against '%s'", cases[i].crit, cases[i].value);
	/* A value may hold NUL: it is compared, not an end. */
	ck_assert(certname_wildcard("a*", (const unsigned char *)"a\0b", 3, 1));
	ck_assert(!certname_wildcard("a", (const unsigned char *)"a\0b", 3, 1));
}
END_TEST

START_TEST(test_m2o_regex_characters_are_literal)
{
	static const char *const subject[] = { "CN=a.b?c+[d]\\e^$(f)|{2}", NULL };
	X509 *x = make_cert(subject, example_ca);

	expect_rules(RULE("Subject", "CN", "a.b?c+[d]\\e^$(f)|{2}"), x, 1);
	expect_rules(RULE("Subject", "CN", "a.b?c+[d]\\e^$(f)|*"), x, 1);
	expect_rules(RULE("Subject", "CN", "a?b?c+[d]\\e^$(f)|{2}"), x, 0);
	expect_rules(RULE("Subject", "CN", "a.*"), x, 1);
	expect_rules(RULE("Subject", "CN", ".*"), x, 0);
	expect_rules(RULE("Subject", "CN", "a.b.c*"), x, 0);
	expect_rules(RULE("Subject", "CN", "[a]*"), x, 0);
	X509_free(x);
}
END_TEST

START_TEST(test_m2o_case_modes)
{
	static const char *const subject[] = { "CN=Alice \xc3\x89t\xc3\xa9", "O=Example", NULL };
	X509 *x = make_cert(subject, example_ca);

	expect_rules(RULE("Subject", "O", "example"), x, 0);
	expect_rules(RULE("Subject", "O", "Example"), x, 1);
	expect_rules(RULE_CI("Subject", "O", "EXAMPLE"), x, 1);
	expect_rules(RULE_CI("Subject", "O", "ex*LE"), x, 1);
	/* Without case for ASCII only: an accented capital stays what it is. */
	expect_rules(RULE_CI("Subject", "CN", "alice \xc3\x89t\xc3\xa9"), x, 1);
	expect_rules(RULE_CI("Subject", "CN", "alice \xc3\xa9t\xc3\xa9"), x, 0);
	X509_free(x);
}
END_TEST

START_TEST(test_m2o_multi_valued_subfield)
{
	X509 *x = staff();

	expect_rules(RULE("Subject", "OU", "Staff"), x, 1);
	expect_rules(RULE("Subject", "OU", "Admins"), x, 1);
	expect_rules(RULE("Subject", "OU", "Staff") RULE("Subject", "OU", "Admins"), x, 1);
	expect_rules(RULE("Subject", "OU", "Staff,Admins"), x, 0);
	X509_free(x);
}
END_TEST

START_TEST(test_m2o_dc_components_not_joined)
{
	X509 *x = staff();

	expect_rules(RULE("Subject", "DC", "corp"), x, 1);
	expect_rules(RULE("Subject", "DC", "example"), x, 1);
	expect_rules(RULE("Subject", "DC", "corp.example"), x, 0);
	expect_rules(RULE("Subject", "DC", "*.*"), x, 0);
	X509_free(x);
}
END_TEST

START_TEST(test_m2o_subject_or_issuer)
{
	X509 *x = staff();

	expect_rules(RULE("Subject", "CN", "alice"), x, 1);
	expect_rules(RULE("Issuer", "CN", "alice"), x, 0);
	expect_rules(RULE("Issuer", "CN", "Example CA"), x, 1);
	expect_rules(RULE("Subject", "CN", "Example CA"), x, 0);
	expect_rules(RULE("Issuer", "O", "Example"), x, 1);
	expect_rules(RULE("Subject", "O", "Example"), x, 1);
	X509_free(x);
}
END_TEST

START_TEST(test_m2o_absent_subfield_never_matches)
{
	X509 *x = staff();

	expect_rules(RULE("Subject", "L", "*"), x, 0);
	expect_rules(RULE("Issuer", "OU", "*"), x, 0);
	expect_rules(RULE("Subject", "UID", "*"), x, 0);
	X509_free(x);
}
END_TEST

START_TEST(test_m2o_aliases_name_one_attribute)
{
	static const char *const subject[] = {
		"CN=c", "ST=Bavaria", "emailAddress=e@x.test", "GN=Gina", "initials=GX",
		"title=Dr", "SN=Smith", "UID=gsmith", "L=Munich", "C=DE", NULL,
	};
	X509 *x = make_cert(subject, example_ca);

	expect_rules(RULE("Subject", "S", "Bavaria"), x, 1);
	expect_rules(RULE("Subject", "ST", "Bavaria"), x, 1);
	expect_rules(RULE("Subject", "E", "e@x.test"), x, 1);
	expect_rules(RULE("Subject", "Email", "e@x.test"), x, 1);
	expect_rules(RULE("Subject", "G", "Gina"), x, 1);
	expect_rules(RULE("Subject", "gn", "Gina"), x, 1);
	expect_rules(RULE("Subject", "I", "GX"), x, 1);
	expect_rules(RULE("Subject", "T", "Dr"), x, 1);
	expect_rules(RULE("Subject", "SN", "Smith"), x, 1);
	expect_rules(RULE("Subject", "UID", "gsmith"), x, 1);
	expect_rules(RULE("Subject", "L", "Munich"), x, 1);
	expect_rules(RULE("Subject", "C", "DE"), x, 1);
	X509_free(x);
}
END_TEST

/* ------------------------------------------------- names prove nothing */

static EVP_PKEY *ca_key(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

	ck_assert_ptr_nonnull(k);
	return k;
}

/* A self-signed CA with NAME and KEY, written as PEM to FILE. */
static X509 *make_ca(const char *const *name, EVP_PKEY *key, const char *file, char *path,
		     size_t pathlen)
{
	X509 *ca = X509_new();
	X509_NAME *n = make_name(name);
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	char *pem;

	ck_assert_ptr_nonnull(ca);
	ck_assert_int_eq(X509_set_version(ca, X509_VERSION_3), 1);
	ck_assert_int_eq(ASN1_INTEGER_set(X509_get_serialNumber(ca), 1), 1);
	ck_assert_int_eq(X509_set_subject_name(ca, n), 1);
	ck_assert_int_eq(X509_set_issuer_name(ca, n), 1);
	ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notBefore(ca), -86400));
	ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notAfter(ca), 86400 * 30));
	ck_assert_int_eq(X509_set_pubkey(ca, key), 1);
	X509V3_set_ctx(&ctx, ca, ca, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints, "critical,CA:TRUE");
	ck_assert_ptr_nonnull(ext);
	ck_assert_int_eq(X509_add_ext(ca, ext, -1), 1);
	X509_EXTENSION_free(ext);
	ck_assert_int_gt(X509_sign(ca, key, EVP_sha256()), 0);
	pem = testcert_pem(ca);
	unit_write_file(file, pem, strlen(pem), 0644, path, pathlen);
	free(pem);
	X509_NAME_free(n);
	return ca;
}

START_TEST(test_m2o_untrusted_ca_same_subject)
{
	EVP_PKEY *good = ca_key(), *evil = ca_key();
	char path[512], evil_path[512], why[256];
	X509 *ca = make_ca(example_ca, good, "good-ca.pem", path, sizeof(path));
	/* The same CA name, another key: anyone can make such a CA. */
	X509 *fake = make_ca(example_ca, evil, "evil-ca.pem", evil_path, sizeof(evil_path));
	X509 *real = make_cert_signed(staff_subject, example_ca, good);
	X509 *forged = make_cert_signed(staff_subject, example_ca, evil);
	struct trust t = { .ca_file = path };
	char *doc = section("", MAP("staff", "userName=\"staff\"",
				    RULE("Subject", "OU", "Staff") RULE("Issuer", "CN", "Example CA")));

	/* The file matches both: its rules see only names. */
	expect_verdict(doc, "", real, "staff:staff");
	expect_verdict(doc, "", forged, "staff:staff");
	/* What makes the difference is the chain, which the module demands. */
	ck_assert_int_eq(cert_verify_chain(real, NULL, &t, time(NULL), NULL, why, sizeof(why)),
			 CERT_OK);
	ck_assert_int_eq(cert_verify_chain(forged, NULL, &t, time(NULL), NULL, why, sizeof(why)),
			 CERT_BAD);
	free(doc);
	X509_free(ca);
	X509_free(fake);
	X509_free(real);
	X509_free(forged);
	EVP_PKEY_free(good);
	EVP_PKEY_free(evil);
}
END_TEST

/* ---------------------------------------------------------------- explain */

struct lines {
	char text[8192];
};

static void add_line(void *ctx, const char *line)
{
	struct lines *l = ctx;

	strncat(l->text, line, sizeof(l->text) - strlen(l->text) - 2);
	strcat(l->text, "\n");
}

START_TEST(test_m2o_explain_walk)
{
	X509 *x = staff();
	char *doc = section("", MAP("off", "enabled=\"false\"", RULE("Subject", "CN", "*"))
			    MAP("staff", "userName=\"staff\"",
				RULE("Subject", "OU", "Staff") RULE("Issuer", "CN", "Other*"))
			    MAP("any", "userName=\"anyone\"", RULE("Subject", "L", "*")));
	unsigned char *der;
	struct mapfile *mf = parse(doc, x, &der);
	static struct lines l;

	memset(&l, 0, sizeof(l));
	mapfile_explain(mf, "", 0, x, add_line, &l);
	ck_assert_msg(strstr(l.text, "mapping 'off'") && strstr(l.text, "skipped"), "%s", l.text);
	ck_assert_msg(strstr(l.text, "value 'Staff': matches") &&
		      strstr(l.text, "value 'Admins': does not match") &&
		      strstr(l.text, "value 'Example CA': does not match") &&
		      strstr(l.text, "a rule does not match"), "%s", l.text);
	ck_assert_msg(strstr(l.text, "has no L: the rule never matches") &&
		      strstr(l.text, "no many-to-one mapping matches"), "%s", l.text);
	mapfile_free(mf);
	free(der);
	free(doc);
	X509_free(x);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("many-to-one");
	TCase *model = tcase_create("model");
	TCase *when = tcase_create("when");
	TCase *walk = tcase_create("walk");
	TCase *rule = tcase_create("rule");
	TCase *trust = tcase_create("trust");

	tcase_add_test(model, test_m2o_parsed_as_written);
	tcase_add_test(model, test_m2o_unknown_subfield_invalid_with_line);
	tcase_add_test(model, test_m2o_subfield_names);
	suite_add_tcase(s, model);

	tcase_add_test(when, test_m2o_exact_entry_decides_even_disabled);
	tcase_add_test(when, test_m2o_one_to_one_off_many_to_one_applies);
	tcase_add_test(when, test_m2o_needs_section_and_m2o_enabled);
	tcase_add_test(when, test_m2o_count_of_enabled_mappings);
	suite_add_tcase(s, when);

	tcase_add_test(walk, test_m2o_first_match_decides);
	tcase_add_test(walk, test_m2o_deny_before_allow);
	tcase_add_test(walk, test_m2o_allow_before_deny);
	tcase_add_test(walk, test_m2o_disabled_mapping_skipped);
	tcase_add_test(walk, test_m2o_mapping_without_rules_matches_nothing);
	tcase_add_test(walk, test_m2o_allow_without_user_decides);
	tcase_add_test(walk, test_m2o_rules_all_must_match);
	tcase_add_test(walk, test_m2o_clear_inside_rules);
	tcase_add_test(walk, test_m2o_inherited_mappings_come_first);
	tcase_add_test(walk, test_m2o_clear_at_a_deeper_level);
	tcase_add_test(walk, test_m2o_clear_before_adds_in_one_level);
	tcase_add_test(walk, test_m2o_explain_walk);
	suite_add_tcase(s, walk);

	tcase_add_test(rule, test_m2o_wildcard_placements);
	tcase_add_test(rule, test_m2o_wildcard_function);
	tcase_add_test(rule, test_m2o_regex_characters_are_literal);
	tcase_add_test(rule, test_m2o_case_modes);
	tcase_add_test(rule, test_m2o_multi_valued_subfield);
	tcase_add_test(rule, test_m2o_dc_components_not_joined);
	tcase_add_test(rule, test_m2o_subject_or_issuer);
	tcase_add_test(rule, test_m2o_absent_subfield_never_matches);
	tcase_add_test(rule, test_m2o_aliases_name_one_attribute);
	suite_add_tcase(s, rule);

	tcase_add_test(trust, test_m2o_untrusted_ca_same_subject);
	suite_add_tcase(s, trust);
	return s;
}
