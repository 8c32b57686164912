/* check_mapfile.c - the mapping file against SPEC section 2, one test per rule:
 * accepted documents, refusals, levels, matching, file safety, threads. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "mapfile.h"
#include "mapfile_model.h"
#include "testcert.h"
#include "unit.h"

#define SEC "iisClientCertificateMappingAuthentication"

/* The path of the section inside <configuration> or <location>: 3 lines each. */
#define AUTH_OPEN "<system.webServer>\n<security>\n<authentication>\n"
#define AUTH_CLOSE "</authentication>\n</security>\n</system.webServer>\n"
/* A <location> holding the section's parents: 4 lines each. */
#define LOC_OPEN(p) "<location path=\"" p "\">\n" AUTH_OPEN
#define LOC_CLOSE AUTH_CLOSE "</location>\n"

/* An enabled section with one entry for the next %s: 5 lines, <add> on the 3rd. */
#define SEC_ONE(user) \
	"<" SEC " enabled=\"true\">\n<oneToOneMappings>\n" \
	"<add userName=\"" user "\" certificate=\"%s\" />\n</oneToOneMappings>\n</" SEC ">\n"

/* ------------------------------------------------------------ helpers */

/* Up to three real certificates and the params that name them as candidates. */
struct cands {
	unsigned char *der[3];
	size_t len[3];
	char *b64[3];
	const unsigned char *cder[3];
	struct mapfile_params p;
};

static const char *const cand_cn[3] = { "alice cert", "bob cert", "carol cert" };

/* Candidate I: a new certificate (what it held before is the caller's to free). */
static void cand_fill(struct cands *cs, size_t i)
{
	X509 *x = testcert_valid(cand_cn[i]);

	cs->der[i] = testcert_der(x, &cs->len[i]);
	cs->b64[i] = testcert_b64(x);
	cs->cder[i] = cs->der[i];
	X509_free(x);
}

static void cands_make(struct cands *cs, size_t n)
{
	memset(cs, 0, sizeof(*cs));
	for (size_t i = 0; i < n; i++)
		cand_fill(cs, i);
	cs->p.cand_der = cs->cder;
	cs->p.cand_len = cs->len;
	cs->p.ncand = n;
}

static void cands_free(struct cands *cs)
{
	for (size_t i = 0; i < 3; i++) {
		free(cs->der[i]);
		free(cs->b64[i]);
	}
}

/* N copies of C. */
static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* Does REASON contain one of the '|'-separated words, without case? */
static int reason_has(const char *reason, const char *any_of)
{
	const char *p = any_of;
	char word[128];

	while (*p != '\0') {
		size_t n = strcspn(p, "|");

		snprintf(word, sizeof(word), "%.*s", (int)n, p);
		if (strcasestr(reason, word) != NULL)
			return 1;
		p += n;
		if (*p == '|')
			p++;
	}
	return 0;
}

/* Does REASON name the number N as a whole word (not inside base64)? */
static int reason_has_number(const char *reason, unsigned long n)
{
	const char *p = reason;

	while (*p != '\0') {
		size_t len = strspn(p, "0123456789");
		int before_ok = p == reason || !isalnum((unsigned char)p[-1]);

		if (len > 0) {
			int after_ok = !isalnum((unsigned char)p[len]);

			if (before_ok && after_ok && strtoul(p, NULL, 10) == n)
				return 1;
			p += len;
		} else {
			p++;
		}
	}
	return 0;
}

static struct mapfile *parse_ok_len(const char *doc, size_t len, const struct mapfile_params *p)
{
	struct mapfile_params none = { 0 };
	struct mapfile_error err;
	struct mapfile *mf = NULL;
	enum mapfile_status st;

	memset(&err, 0, sizeof(err));
	st = mapfile_parse_buffer(doc, len, p != NULL ? p : &none, &mf, &err);
	ck_assert_msg(st == MAPFILE_OK, "expected a valid file, got status %d at %lu:%lu: %s",
		      (int)st, err.line, err.column, err.reason);
	ck_assert_ptr_nonnull(mf);
	return mf;
}

static struct mapfile *parse_ok(const char *doc, const struct mapfile_params *p)
{
	return parse_ok_len(doc, strlen(doc), p);
}

/* The document must be refused as invalid at LINE (0: any line) with one of
 * the words of ANY_OF in the reason; ERR (may be NULL) gets the error.  AT is
 * the caller's line, for the failure message. */
static void expect_invalid_at(int at, const char *doc, size_t len,
			      const struct mapfile_params *p, unsigned long line,
			      const char *any_of, struct mapfile_error *err)
{
	struct mapfile_params none = { 0 };
	struct mapfile_error e;
	struct mapfile *mf = (struct mapfile *)&e;
	enum mapfile_status st;

	memset(&e, 0, sizeof(e));
	st = mapfile_parse_buffer(doc, len, p != NULL ? p : &none, &mf, &e);
	if (st == MAPFILE_OK)
		mapfile_free(mf);
	ck_assert_msg(st == MAPFILE_INVALID, "document of line %d: status %d, expected "
		      "MAPFILE_INVALID (%s)", at, (int)st, e.reason);
	ck_assert_msg(e.status == MAPFILE_INVALID, "document of line %d: err.status %d", at,
		      (int)e.status);
	ck_assert_msg(mf == NULL, "document of line %d: *out must be NULL on failure", at);
	ck_assert_msg(line == 0 || e.line == line, "document of line %d: error line %lu, "
		      "expected %lu: %s", at, e.line, line, e.reason);
	ck_assert_msg(e.line >= 1 && e.column >= 1, "document of line %d: position %lu:%lu is "
		      "not 1-based", at, e.line, e.column);
	ck_assert_msg(any_of == NULL || reason_has(e.reason, any_of),
		      "document of line %d: reason \"%s\" has none of \"%s\"", at, e.reason,
		      any_of);
	if (err != NULL)
		*err = e;
}

#define expect_invalid_len(doc, len, p, line, any_of, err) \
	expect_invalid_at(__LINE__, (doc), (len), (p), (line), (any_of), (err))
#define expect_invalid(doc, p, line, any_of, err) \
	expect_invalid_at(__LINE__, (doc), strlen(doc), (p), (line), (any_of), (err))

/* The userName the file maps candidate CAND to at location Q, or NULL. */
static const char *user_at(const struct mapfile *mf, const char *q, int cand,
			   struct mapfile_answer *ans)
{
	memset(ans, 0x5a, sizeof(*ans));
	mapfile_query(mf, q, cand, ans);
	return mapfile_answer_user(ans);
}

/* Assert that candidate CAND maps to USER at Q through the entry on LINE. */
static void expect_user(const struct mapfile *mf, const char *q, int cand, const char *user,
			unsigned long line)
{
	struct mapfile_answer ans;
	const char *u = user_at(mf, q, cand, &ans);

	ck_assert_msg(u != NULL && strcmp(u, user) == 0, "at '%s' candidate %d maps to '%s', "
		      "expected '%s'", q, cand, u != NULL ? u : "(null)", user);
	ck_assert_ptr_nonnull(ans.entry);
	ck_assert_uint_eq(ans.entry->line, line);
	ck_assert_int_eq(ans.entry->cand, cand);
}

/* Assert that no entry of the effective collection at Q is candidate CAND. */
static void expect_no_entry(const struct mapfile *mf, const char *q, int cand)
{
	struct mapfile_answer ans;
	const char *u = user_at(mf, q, cand, &ans);

	ck_assert_msg(ans.entry == NULL, "at '%s' candidate %d found the entry on line %lu",
		      q, cand, ans.entry != NULL ? ans.entry->line : 0UL);
	ck_assert_ptr_null(u);
}

/* What mapfile_foreach_entry reports, in order. */
struct seen {
	size_t n;
	struct {
		unsigned long line;
		enum mapfile_dead dead;
		int enabled, cand;
		char level[64];
		char user[64];
		char cert[2048];
	} e[16];
};

static void seen_add(void *ctx, const char *level_path, const struct mapfile_entry *e)
{
	struct seen *s = ctx;

	if (s->n >= 16)
		return;
	s->e[s->n].line = e->line;
	s->e[s->n].dead = e->dead;
	s->e[s->n].enabled = e->enabled;
	s->e[s->n].cand = e->cand;
	snprintf(s->e[s->n].level, sizeof(s->e[s->n].level), "%s",
		 level_path != NULL ? level_path : "");
	snprintf(s->e[s->n].user, sizeof(s->e[s->n].user), "%s",
		 e->user_name != NULL ? e->user_name : "(null)");
	snprintf(s->e[s->n].cert, sizeof(s->e[s->n].cert), "%s",
		 e->certificate != NULL ? e->certificate : "(null)");
	s->n++;
}

/* UTF-8 TEXT in encoding TO (no BOM), after BOM of BOMLEN bytes. */
static char *recode(const char *text, const char *to, const char *bom, size_t bomlen,
		    size_t *outlen)
{
	iconv_t cd = iconv_open(to, "UTF-8");
	size_t inleft = strlen(text), cap = 4 * inleft + 8, outleft = cap - bomlen;
	char *out = malloc(cap), *in = (char *)text, *o;

	ck_assert_msg(cd != (iconv_t)-1, "iconv_open %s", to);
	ck_assert_ptr_nonnull(out);
	memcpy(out, bom, bomlen);
	o = out + bomlen;
	ck_assert_msg(iconv(cd, &in, &inleft, &o, &outleft) != (size_t)-1, "iconv %s", to);
	ck_assert_int_eq(iconv_close(cd), 0);
	*outlen = (size_t)(o - out);
	return out;
}

/* ---------------------------------------------------- 2.1 accepted documents */

START_TEST(test_accept_full_configuration)
{
	struct cands cs;
	struct mapfile_answer ans;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 1);
	doc = unit_asprintf(
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<!-- applicationHost.config -->\n"
		"<configuration>\n"
		"  <configSections>\n"
		"    <sectionGroup name=\"system.webServer\">\n"
		"      <sectionGroup name=\"security\">\n"
		"        <sectionGroup name=\"authentication\">\n"
		"          <section name=\"" SEC "\" overrideModeDefault=\"Deny\" />\n"
		"        </sectionGroup>\n"
		"      </sectionGroup>\n"
		"    </sectionGroup>\n"
		"  </configSections>\n"
		"  <configProtectedData><providers><add name=\"AesProvider\" type=\"x\" />"
		"</providers></configProtectedData>\n"
		"  <system.applicationHost><sites><site name=\"Default Web Site\" id=\"1\" />"
		"</sites></system.applicationHost>\n"
		"  <system.webServer>\n"
		"    <security>\n"
		"      <access sslFlags=\"Ssl, SslNegotiateCert\" />\n"
		"      <authentication>\n"
		"        <anonymousAuthentication enabled=\"false\" />\n"
		"        <" SEC " enabled=\"true\" defaultLogonDomain=\"EXAMPLE\">\n"
		"          <oneToOneMappings>\n"
		"            <add enabled=\"true\" userName=\"EXAMPLE\\alice\" "
		"password=\"[enc:AesProvider:abc:enc]\" certificate=\"%s\" />\n"
		"          </oneToOneMappings>\n"
		"        </" SEC ">\n"
		"        <windowsAuthentication enabled=\"false\" />\n"
		"      </authentication>\n"
		"    </security>\n"
		"  </system.webServer>\n"
		"</configuration>\n", cs.b64[0]);
	mf = parse_ok(doc, &cs.p);
	expect_user(mf, "", 0, "EXAMPLE\\alice", 22);
	expect_user(mf, "sshd", 0, "EXAMPLE\\alice", 22);
	user_at(mf, "", 0, &ans);
	ck_assert_int_eq(ans.section_enabled, 1);
	ck_assert_int_eq(ans.one_to_one_enabled, 1);
	ck_assert_str_eq(ans.default_logon_domain, "EXAMPLE");
	ck_assert_int_eq(ans.entry->enabled, 1);
	ck_assert_int_eq(ans.entry->dead, MAPFILE_LIVE);
	ck_assert_int_eq(ans.entry->has_password, 1);
	ck_assert_int_eq(ans.entry->password_plain, 0);
	mapfile_free(mf);
	free(doc);
	cands_free(&cs);
}
END_TEST

START_TEST(test_accept_bare_section)
{
	struct cands cs;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 1);
	doc = unit_asprintf(SEC_ONE("alice"), cs.b64[0]);
	mf = parse_ok(doc, &cs.p);
	expect_user(mf, "", 0, "alice", 3);
	expect_user(mf, "Default Web Site/app", 0, "alice", 3);
	mapfile_free(mf);
	free(doc);
	cands_free(&cs);
}
END_TEST

START_TEST(test_accept_section_top_level_and_in_location)
{
	struct cands cs;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 2);
	doc = unit_asprintf("<configuration>\n"			/* 1 */
			AUTH_OPEN				/* 2-4 */
			SEC_ONE("alice")			/* 5-9, add on 7 */
			AUTH_CLOSE				/* 10-12 */
			LOC_OPEN("Default Web Site")		/* 13-16 */
			SEC_ONE("bob")				/* 17-21, add on 19 */
			LOC_CLOSE				/* 22-25 */
			"</configuration>\n", cs.b64[0], cs.b64[1]);
	mf = parse_ok(doc, &cs.p);
	expect_user(mf, "", 0, "alice", 7);
	expect_no_entry(mf, "", 1);
	expect_user(mf, "Default Web Site/app", 0, "alice", 7);
	expect_user(mf, "Default Web Site/app", 1, "bob", 19);
	expect_user(mf, "Default Web Site", 1, "bob", 19);
	expect_no_entry(mf, "Other Site", 1);
	mapfile_free(mf);
	free(doc);
	cands_free(&cs);
}
END_TEST

START_TEST(test_accept_other_elements_ignored)
{
	struct cands cs;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 1);
	doc = unit_asprintf(
		"<configuration xmlns=\"http://schemas.microsoft.com/.NetConfiguration/v2.0\">\n"
		"<appSettings>free text here<add key=\"k\" value=\"v\" /></appSettings>\n"
		"<system.web><authentication mode=\"Windows\"><forms><remove x=\"1\" /></forms>"
		"</authentication></system.web>\n"
		"<system.webServer>\n"
		"<modules runAllManagedModulesForAllRequests=\"True\" />\n"
		"<security>\n"
		"<access sslFlags=\"Ssl,SslNegotiateCert,SslRequireCert\" />\n"
		"<requestFiltering><fileExtensions><clear /></fileExtensions></requestFiltering>\n"
		"<authentication>\n"
		"<clientCertificateMappingAuthentication enabled=\"false\" />\n"
		"<basicAuthentication enabled=\"false\" foo=\"bar\">text</basicAuthentication>\n"
		"<" SEC " enabled=\"true\">\n"
		"<oneToOneMappings>\n"
		"<add userName=\"alice\" certificate=\"%s\" />\n"
		"</oneToOneMappings>\n"
		"</" SEC ">\n"
		"<digestAuthentication enabled=\"false\" />\n"
		"</authentication>\n"
		"</security>\n"
		"<rewrite><rules><rule name=\"r\" /></rules></rewrite>\n"
		"</system.webServer>\n"
		"<location path=\"x\"><system.web><authorization /></system.web></location>\n"
		"</configuration>\n", cs.b64[0]);
	mf = parse_ok(doc, &cs.p);
	expect_user(mf, "", 0, "alice", 14);
	mapfile_free(mf);
	free(doc);
	cands_free(&cs);
}
END_TEST

START_TEST(test_accept_utf8_bom)
{
	struct cands cs;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 1);
	doc = unit_asprintf("\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" SEC_ONE("alice"),
			cs.b64[0]);
	mf = parse_ok(doc, &cs.p);
	expect_user(mf, "", 0, "alice", 4);
	mapfile_free(mf);
	free(doc);
	cands_free(&cs);
}
END_TEST

/* The same document in UTF-16 with a BOM; the userName comes back as UTF-8. */
static void check_utf16(const char *to, const char *bom)
{
	struct cands cs;
	struct mapfile *mf;
	char *text, *doc;
	size_t len;

	cands_make(&cs, 1);
	text = unit_asprintf("<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n" SEC_ONE("jos\xc3\xa9"),
			 cs.b64[0]);
	doc = recode(text, to, bom, 2, &len);
	mf = parse_ok_len(doc, len, &cs.p);
	expect_user(mf, "", 0, "jos\xc3\xa9", 4);
	mapfile_free(mf);
	free(doc);
	free(text);
	cands_free(&cs);
}

START_TEST(test_accept_utf16le_bom)
{
	check_utf16("UTF-16LE", "\xff\xfe");
}
END_TEST

START_TEST(test_accept_utf16be_bom)
{
	check_utf16("UTF-16BE", "\xfe\xff");
}
END_TEST

START_TEST(test_accept_iso_8859_1_declared)
{
	struct cands cs;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 1);
	doc = unit_asprintf("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n" SEC_ONE("jos\xe9"),
			cs.b64[0]);
	mf = parse_ok(doc, &cs.p);
	expect_user(mf, "", 0, "jos\xc3\xa9", 4);
	mapfile_free(mf);
	free(doc);
	cands_free(&cs);
}
END_TEST

START_TEST(test_accept_us_ascii_declared)
{
	struct cands cs;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 1);
	doc = unit_asprintf("<?xml version=\"1.0\" encoding=\"US-ASCII\"?>\n" SEC_ONE("alice"),
			cs.b64[0]);
	mf = parse_ok(doc, &cs.p);
	expect_user(mf, "", 0, "alice", 4);
	mapfile_free(mf);
	free(doc);
	cands_free(&cs);
}
END_TEST

START_TEST(test_accept_crlf)
{
	struct cands cs;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 1);
	doc = unit_asprintf("<?xml version=\"1.0\"?>\r\n<" SEC " enabled=\"true\">\r\n"
			"<oneToOneMappings>\r\n\r\n"
			"<add userName=\"alice\" certificate=\"%s\" />\r\n"
			"</oneToOneMappings>\r\n</" SEC ">\r\n", cs.b64[0]);
	mf = parse_ok(doc, &cs.p);
	expect_user(mf, "", 0, "alice", 5);
	mapfile_free(mf);
	free(doc);
	/* A CR LF pair is one line end when errors are counted too. */
	expect_invalid("<" SEC ">\r\n<oneToOneMappings>\r\n\r\n<bogus />\r\n</oneToOneMappings>\r\n"
		       "</" SEC ">\r\n", NULL, 4, "bogus", NULL);
	cands_free(&cs);
}
END_TEST

START_TEST(test_accept_comments_anywhere)
{
	struct cands cs;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 2);
	doc = unit_asprintf("<?xml version=\"1.0\"?>\n"
			"<!-- before the root -->\n"
			"<" SEC " enabled=\"true\"><!-- in the section -->\n"
			"<oneToOneMappings>\n"
			"<!-- <add userName=\"alice\" certificate=\"%1$s\" /> -->\n"
			"<!--\n<add userName=\"bob\" certificate=\"%2$s\" />\n-->\n"
			"<add userName=\"alice\" certificate=\"%1$s\" /><!-- after an add -->\n"
			"</oneToOneMappings>\n"
			"<manyToOneMappings><!-- m2o --></manyToOneMappings>\n"
			"</" SEC ">\n<!-- after the root -->\n", cs.b64[0], cs.b64[1]);
	mf = parse_ok(doc, &cs.p);
	expect_user(mf, "", 0, "alice", 9);
	expect_no_entry(mf, "", 1);
	mapfile_free(mf);
	free(doc);
	cands_free(&cs);
}
END_TEST

START_TEST(test_accept_single_quoted_attributes)
{
	struct cands cs;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 1);
	doc = unit_asprintf("<" SEC " enabled='true'>\n<oneToOneMappings>\n"
			"<add userName='al\"ice' enabled='true' certificate='%s' />\n"
			"</oneToOneMappings>\n</" SEC ">\n", cs.b64[0]);
	mf = parse_ok(doc, &cs.p);
	expect_user(mf, "", 0, "al\"ice", 3);
	mapfile_free(mf);
	free(doc);
	cands_free(&cs);
}
END_TEST

START_TEST(test_accept_character_references)
{
	struct cands cs;
	struct mapfile *mf;
	char *doc, *c = NULL;

	cands_make(&cs, 1);
	/* The base64 cut in five with &#10; &#13; &#9; &#32; &#x20; between the parts. */
	c = unit_asprintf("%.20s&#10;%.20s&#13;%.20s&#9;%.20s&#32;&#x20;%s", cs.b64[0],
		      cs.b64[0] + 20, cs.b64[0] + 40, cs.b64[0] + 60, cs.b64[0] + 80);
	doc = unit_asprintf("<" SEC " enabled=\"&#116;rue\">\n<oneToOneMappings>\n"
			"<add userName=\"&#x41;l&amp;ice&lt;&gt;&quot;&apos;\"\n"
			"     certificate=\"%s\" />\n"
			"</oneToOneMappings>\n</" SEC ">\n", c);
	mf = parse_ok(doc, &cs.p);
	expect_user(mf, "", 0, "Al&ice<>\"'", 3);
	mapfile_free(mf);
	free(doc);
	free(c);
	cands_free(&cs);
}
END_TEST

START_TEST(test_accept_self_closing_section)
{
	struct cands cs;
	struct mapfile_answer ans;
	struct mapfile *mf;

	cands_make(&cs, 1);
	mf = parse_ok("<configuration>\n" AUTH_OPEN "<" SEC " enabled=\"true\" />\n" AUTH_CLOSE
		      "</configuration>\n", &cs.p);
	ck_assert_ptr_null(user_at(mf, "", 0, &ans));
	ck_assert_int_eq(ans.section_enabled, 1);
	ck_assert_int_eq(ans.one_to_one_enabled, 1);
	ck_assert_ptr_null(ans.entry);
	mapfile_free(mf);
	/* The same as the root, and as an open/close pair holding whitespace. */
	mf = parse_ok("<" SEC " enabled=\"true\"/>", &cs.p);
	user_at(mf, "", 0, &ans);
	ck_assert_int_eq(ans.section_enabled, 1);
	mapfile_free(mf);
	mf = parse_ok("<" SEC " enabled=\"true\"> \n\t </" SEC ">", &cs.p);
	user_at(mf, "", 0, &ans);
	ck_assert_int_eq(ans.section_enabled, 1);
	mapfile_free(mf);
	cands_free(&cs);
}
END_TEST

START_TEST(test_accept_attributes_on_several_lines)
{
	struct cands cs;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 1);
	/* The base64 itself is cut over two lines, indented: literal whitespace. */
	doc = unit_asprintf("<" SEC "\n   enabled=\"true\"\n   logonMethod=\"ClearText\">\n"
			"   <oneToOneMappings>\n"
			"      <add\n         enabled=\"true\"\n         userName=\"alice\"\n"
			"         certificate=\"%.64s\n\t\t%s\"\n      />\n"
			"   </oneToOneMappings>\n</" SEC ">\n", cs.b64[0], cs.b64[0] + 64);
	mf = parse_ok(doc, &cs.p);
	expect_user(mf, "", 0, "alice", 5);
	mapfile_free(mf);
	free(doc);
	cands_free(&cs);
}
END_TEST

START_TEST(test_accept_lock_attributes_ignored)
{
	struct cands cs;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 1);
	doc = unit_asprintf("<configuration>\n"
			"<location path=\"Site\" overrideMode=\"Allow\" allowOverride=\"true\" "
			"inheritInChildApplications=\"false\">\n"
			AUTH_OPEN
			"<" SEC " enabled=\"true\" lockAttributes=\"enabled\" "
			"lockAllAttributesExcept=\"defaultLogonDomain\" lockElements=\"x\" "
			"lockAllElementsExcept=\"oneToOneMappings\" lockItem=\"true\">\n"
			"<oneToOneMappings lockElements=\"clear\" lockItem=\"true\">\n"
			"<add userName=\"alice\" certificate=\"%s\" lockItem=\"true\" "
			"lockAttributes=\"userName\" />\n"
			"<clear lockItem=\"true\" />\n"
			"<add userName=\"alice\" certificate=\"%s\" lockAttributes=\"enabled\" "
			"lockAllAttributesExcept=\"password\" />\n"
			"</oneToOneMappings>\n"
			"<manyToOneMappings lockItem=\"true\">\n"
			"<add name=\"m\" lockItem=\"true\">\n"
			"<rules lockElements=\"clear\"><add certificateField=\"Subject\" "
			"certificateSubField=\"CN\" matchCriteria=\"x\" lockItem=\"true\" />"
			"</rules>\n"
			"</add>\n"
			"</manyToOneMappings>\n"
			"</" SEC ">\n"
			LOC_CLOSE
			"</configuration>\n", cs.b64[0], cs.b64[0]);
	mf = parse_ok(doc, &cs.p);
	expect_user(mf, "site", 0, "alice", 10);
	mapfile_free(mf);
	free(doc);
	cands_free(&cs);
}
END_TEST

START_TEST(test_accept_many_to_one_parsed)
{
	struct cands cs;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 1);
	doc = unit_asprintf("<" SEC " enabled=\"true\" manyToOneCertificateMappingsEnabled=\"false\">\n"
			"<manyToOneMappings>\n"
			"<clear />\n"
			"<add name=\"My 1st  Mapping\" description=\"d\" enabled=\"true\" "
			"permissionMode=\"Deny\" userName=\"EXAMPLE\\dave\" password=\"x\">\n"
			"<rules>\n"
			"<clear />\n"
			"<add certificateField=\"Issuer\" certificateSubField=\"CN\" "
			"matchCriteria=\"Test CA\" compareCaseSensitive=\"false\" />\n"
			"<add certificateField=\"Subject\" certificateSubField=\"O\" "
			"matchCriteria=\"Example\" />\n"
			"</rules>\n"
			"</add>\n"
			"<add name=\"second\" />\n"
			"</manyToOneMappings>\n"
			"<oneToOneMappings>\n"
			"<add userName=\"alice\" certificate=\"%s\" />\n"
			"</oneToOneMappings>\n"
			"</" SEC ">\n", cs.b64[0]);
	mf = parse_ok(doc, &cs.p);
	expect_user(mf, "", 0, "alice", 14);
	mapfile_free(mf);
	free(doc);
	cands_free(&cs);
}
END_TEST

START_TEST(test_accept_no_section_maps_nothing)
{
	struct cands cs;
	struct mapfile_answer ans;
	struct mapfile *mf;

	cands_make(&cs, 1);
	mf = parse_ok("<configuration>\n" AUTH_OPEN AUTH_CLOSE "</configuration>\n", &cs.p);
	ck_assert_ptr_null(user_at(mf, "", 0, &ans));
	ck_assert_int_eq(ans.section_enabled, 0);
	ck_assert_ptr_null(ans.entry);
	mapfile_free(mf);
	cands_free(&cs);
}
END_TEST

/* ----------------------------------------------------------- refusals */

START_TEST(test_refuse_doctype)
{
	expect_invalid("<?xml version=\"1.0\"?>\n<!DOCTYPE configuration>\n<configuration />\n",
		       NULL, 2, "DOCTYPE", NULL);
	expect_invalid("<!DOCTYPE " SEC " [<!ENTITY u \"alice\">]>\n<" SEC " enabled=\"true\">"
		       "<oneToOneMappings><add userName=\"&u;\" certificate=\"QUJD\" />"
		       "</oneToOneMappings></" SEC ">\n", NULL, 1, "DOCTYPE", NULL);
	expect_invalid("<?xml version=\"1.0\"?>\n"
		       "<!DOCTYPE configuration SYSTEM \"file:///etc/passwd\">\n"
		       "<configuration />\n", NULL, 2, "DOCTYPE", NULL);
	expect_invalid("<?xml version=\"1.0\"?>\n"
		       "<!DOCTYPE c [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
		       "<configuration>&x;</configuration>\n", NULL, 2, "DOCTYPE", NULL);
}
END_TEST

START_TEST(test_refuse_billion_laughs)
{
	expect_invalid("<?xml version=\"1.0\"?>\n"
		       "<!DOCTYPE lolz [\n"
		       " <!ENTITY lol \"lol\">\n"
		       " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
		       " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
		       " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
		       " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
		       " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
		       " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
		       " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
		       " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
		       " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
		       "]>\n"
		       "<" SEC " enabled=\"true\"><oneToOneMappings>"
		       "<add userName=\"&lol9;\" certificate=\"QUJD\" />"
		       "</oneToOneMappings></" SEC ">\n", NULL, 2, "DOCTYPE", NULL);
}
END_TEST

START_TEST(test_refuse_unknown_encoding)
{
	expect_invalid("<?xml version=\"1.0\" encoding=\"windows-1252\"?>\n<" SEC " />\n",
		       NULL, 1, "encoding", NULL);
	expect_invalid("<?xml version=\"1.0\" encoding=\"latin1\"?>\n<" SEC " />\n",
		       NULL, 1, "encoding", NULL);
}
END_TEST

START_TEST(test_refuse_root_element)
{
	expect_invalid("<foo />\n", NULL, 1, "root|foo", NULL);
	/* Names are case-sensitive. */
	expect_invalid("<Configuration>\n</Configuration>\n", NULL, 1, "root|Configuration", NULL);
	expect_invalid("<oneToOneMappings>\n</oneToOneMappings>\n", NULL, 1,
		       "root|oneToOneMappings", NULL);
	expect_invalid("<IisClientCertificateMappingAuthentication />\n", NULL, 1,
		       "root|IisClient", NULL);
}
END_TEST

START_TEST(test_refuse_not_well_formed)
{
	static const char nul_in_value[] = "<" SEC ">\n<oneToOneMappings>\n"
		"<add certificate=\"QU\0JD\" />\n</oneToOneMappings>\n</" SEC ">\n";
	static const char nul_at_end[] = "<" SEC " />\n\0";
	struct mapfile_error err;

	expect_invalid("<" SEC ">\n<oneToOneMappings>\n<add certificate=\"QUJD\" />\n"
		       "</oneToOneMapping>\n</" SEC ">\n", NULL, 4, NULL, &err);
	expect_invalid("<" SEC ">\n<oneToOneMappings>\n", NULL, 0, NULL, NULL);
	expect_invalid("<" SEC " />\n<" SEC " />\n", NULL, 2, NULL, NULL);
	expect_invalid("<" SEC " enabled=\"true\" enabled=\"false\" />\n", NULL, 1, NULL, NULL);
	expect_invalid("<" SEC " enabled=true />\n", NULL, 1, NULL, NULL);
	expect_invalid("", NULL, 0, NULL, NULL);
	expect_invalid("   \n\n", NULL, 0, NULL, NULL);
	/* A NUL byte inside the buffer is not the end of the document. */
	expect_invalid_len(nul_in_value, sizeof(nul_in_value) - 1, NULL, 3, NULL, NULL);
	expect_invalid_len(nul_at_end, sizeof(nul_at_end) - 1, NULL, 2, NULL, NULL);
	expect_invalid("<" SEC ">\n<oneToOneMappings>\n<add certificate=\"a&b\" />\n"
		       "</oneToOneMappings>\n</" SEC ">\n", NULL, 3, NULL, NULL);
}
END_TEST

START_TEST(test_refuse_unknown_element_in_section)
{
	struct mapfile_error err;

	/* The column of the '<', counted from 1. */
	expect_invalid("<" SEC ">\n  <foo />\n</" SEC ">\n", NULL, 2, "foo", &err);
	ck_assert_uint_eq(err.column, 3);
	expect_invalid("<" SEC ">\n<oneToOneMappings>\n<add certificate=\"QUJD\">\n<rules />\n"
		       "</add>\n</oneToOneMappings>\n</" SEC ">\n", NULL, 4, "rules", NULL);
	expect_invalid("<" SEC ">\n<oneToOneMappings>\n<Add certificate=\"QUJD\" />\n"
		       "</oneToOneMappings>\n</" SEC ">\n", NULL, 3, "Add", NULL);
	expect_invalid("<" SEC ">\n<OneToOneMappings />\n</" SEC ">\n", NULL, 2, "OneToOne", NULL);
	expect_invalid("<" SEC ">\n<manyToOneMappings>\n<add name=\"m\">\n<rule />\n</add>\n"
		       "</manyToOneMappings>\n</" SEC ">\n", NULL, 4, "rule", NULL);
	expect_invalid("<" SEC ">\n<manyToOneMappings>\n<add name=\"m\">\n<rules>\n"
		       "<add certificateField=\"Subject\" certificateSubField=\"CN\" "
		       "matchCriteria=\"x\"><x /></add>\n</rules>\n</add>\n</manyToOneMappings>\n"
		       "</" SEC ">\n", NULL, 5, "x", NULL);
	/* A long name does not overflow the reason. */
	{
		char *name = repeat('x', 5000);
		char *doc = unit_asprintf("<" SEC ">\n<%s />\n</" SEC ">\n", name);
		struct mapfile_error e;

		expect_invalid(doc, NULL, 2, "xxxx", &e);
		ck_assert_uint_lt(strlen(e.reason), sizeof(e.reason));
		free(doc);
		free(name);
	}
	/* The section's own name inside the section is not a child it has. */
	expect_invalid("<" SEC ">\n<" SEC " />\n</" SEC ">\n", NULL, 2, NULL, NULL);
}
END_TEST

START_TEST(test_refuse_remove_element)
{
	struct mapfile_error err;

	expect_invalid("<" SEC " enabled=\"true\">\n<oneToOneMappings>\n"
		       "<remove certificate=\"QUJD\" />\n</oneToOneMappings>\n</" SEC ">\n",
		       NULL, 3, "unrecognized", &err);
	ck_assert_msg(strstr(err.reason, "remove") != NULL, "reason: %s", err.reason);
	expect_invalid("<" SEC " enabled=\"true\">\n<manyToOneMappings>\n"
		       "<remove name=\"x\" />\n</manyToOneMappings>\n</" SEC ">\n",
		       NULL, 3, "unrecognized", NULL);
}
END_TEST

START_TEST(test_refuse_unknown_attribute)
{
	struct mapfile_error err;

	/* Names are case-sensitive: Enabled is not enabled. */
	expect_invalid("<" SEC "\n Enabled=\"true\" />\n", NULL, 1, NULL, &err);
	ck_assert_msg(strstr(err.reason, "Enabled") != NULL, "reason: %s", err.reason);
	expect_invalid("<" SEC ">\n<oneToOneMappings>\n"
		       "<add username=\"alice\" certificate=\"QUJD\" />"
		       "\n</oneToOneMappings>\n</" SEC ">\n", NULL, 3, NULL, &err);
	ck_assert_msg(strstr(err.reason, "username") != NULL, "reason: %s", err.reason);
	expect_invalid("<" SEC ">\n<oneToOneMappings foo=\"1\">\n</oneToOneMappings>\n</" SEC ">\n",
		       NULL, 2, "foo", NULL);
	expect_invalid("<" SEC ">\n<oneToOneMappings>\n<clear all=\"true\" />\n"
		       "</oneToOneMappings>\n</" SEC ">\n", NULL, 3, "all", NULL);
	expect_invalid("<" SEC ">\n<manyToOneMappings>\n<add name=\"m\" certificate=\"QUJD\" />\n"
		       "</manyToOneMappings>\n</" SEC ">\n", NULL, 3, "certificate", NULL);
	expect_invalid("<" SEC ">\n<manyToOneMappings>\n<add name=\"m\">\n<rules>\n"
		       "<add certificateField=\"Subject\" certificateSubField=\"CN\" "
		       "matchCriteria=\"x\" name=\"y\" />\n</rules>\n</add>\n</manyToOneMappings>\n"
		       "</" SEC ">\n", NULL, 5, "name", NULL);
	expect_invalid("<" SEC " xmlns=\"urn:x\" />\n", NULL, 1, NULL, NULL);
}
END_TEST

START_TEST(test_refuse_config_source)
{
	struct mapfile_error err;

	expect_invalid("<configuration>\n" AUTH_OPEN "<" SEC " configSource=\"certmap.config\" />\n"
		       AUTH_CLOSE "</configuration>\n", NULL, 5, "support", &err);
	ck_assert_msg(strstr(err.reason, "configSource") != NULL, "reason: %s", err.reason);
}
END_TEST

START_TEST(test_refuse_missing_certificate)
{
	struct mapfile_error err;

	expect_invalid("<" SEC " enabled=\"true\">\n<oneToOneMappings>\n"
		       "<add userName=\"alice\" />\n</oneToOneMappings>\n</" SEC ">\n",
		       NULL, 3, "certificate", &err);
	ck_assert_msg(reason_has(err.reason, "missing|required"), "reason: %s", err.reason);
}
END_TEST

/* The status of parsing DOC without candidates. */
static enum mapfile_status parse_status(const char *doc)
{
	struct mapfile_params none = { 0 };
	struct mapfile_error err;
	struct mapfile *mf = NULL;
	enum mapfile_status st;

	st = mapfile_parse_buffer(doc, strlen(doc), &none, &mf, &err);
	if (mf != NULL)
		mapfile_free(mf);
	return st;
}

START_TEST(test_boolean_true_false_any_case)
{
	static const char *const bad[] = { "yes", "1", "0", "", "on", " true", "truee" };
	static const char *const attrs[] = { "enabled", "oneToOneCertificateMappingsEnabled",
					     "manyToOneCertificateMappingsEnabled" };
	struct cands cs;
	struct mapfile_answer ans;
	struct mapfile *mf;
	char *doc;

	for (size_t a = 0; a < 3; a++) {
		for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
			doc = unit_asprintf("<" SEC "\n%s=\"%s\" />\n", attrs[a], bad[b]);
			expect_invalid(doc, NULL, 1, attrs[a], NULL);
			free(doc);
		}
	}
	expect_invalid("<" SEC ">\n<oneToOneMappings>\n"
		       "<add certificate=\"QUJD\" enabled=\"yes\" />\n"
		       "</oneToOneMappings>\n</" SEC ">\n", NULL, 3, "enabled", NULL);
	expect_invalid("<" SEC ">\n<manyToOneMappings>\n<add name=\"m\" enabled=\"1\" />\n"
		       "</manyToOneMappings>\n</" SEC ">\n", NULL, 3, "enabled", NULL);
	expect_invalid("<" SEC ">\n<manyToOneMappings>\n<add name=\"m\">\n<rules>\n"
		       "<add certificateField=\"Subject\" certificateSubField=\"CN\" "
		       "matchCriteria=\"x\" compareCaseSensitive=\"no\" />\n</rules>\n</add>\n"
		       "</manyToOneMappings>\n</" SEC ">\n", NULL, 5, "compareCaseSensitive", NULL);

	/* "TRUE" and "False" are booleans, with their meaning. */
	cands_make(&cs, 2);
	doc = unit_asprintf("<" SEC " enabled=\"TRUE\" oneToOneCertificateMappingsEnabled=\"tRuE\" "
			"manyToOneCertificateMappingsEnabled=\"False\">\n<oneToOneMappings>\n"
			"<add userName=\"alice\" enabled=\"True\" certificate=\"%s\" />\n"
			"<add userName=\"bob\" enabled=\"FALSE\" certificate=\"%s\" />\n"
			"</oneToOneMappings>\n</" SEC ">\n", cs.b64[0], cs.b64[1]);
	mf = parse_ok(doc, &cs.p);
	expect_user(mf, "", 0, "alice", 3);
	ck_assert_ptr_null(user_at(mf, "", 1, &ans));
	ck_assert_ptr_nonnull(ans.entry);
	ck_assert_int_eq(ans.entry->enabled, 0);
	mapfile_free(mf);
	free(doc);
	doc = unit_asprintf("<" SEC " enabled=\"False\">\n<oneToOneMappings>\n"
			"<add userName=\"alice\" certificate=\"%s\" />\n"
			"</oneToOneMappings>\n</" SEC ">\n", cs.b64[0]);
	mf = parse_ok(doc, &cs.p);
	ck_assert_ptr_null(user_at(mf, "", 0, &ans));
	ck_assert_int_eq(ans.section_enabled, 0);
	mapfile_free(mf);
	free(doc);
	cands_free(&cs);
}
END_TEST

START_TEST(test_enum_logon_method_names_without_case)
{
	static const char *const good[] = { "Interactive", "batch", "NETWORK", "cleartext",
					    "ClearText" };
	static const char *const bad[] = { "3", "0", "Kerberos", "", "Clear Text" };
	char *doc;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		doc = unit_asprintf("<" SEC " logonMethod=\"%s\" />\n", good[i]);
		ck_assert_msg(parse_status(doc) == MAPFILE_OK, "logonMethod %s refused", good[i]);
		free(doc);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		doc = unit_asprintf("<" SEC "\n logonMethod=\"%s\" />\n", bad[i]);
		expect_invalid(doc, NULL, 1, "logonMethod", NULL);
		free(doc);
	}
}
END_TEST

/* A many-to-one <add> with attributes M and one rule with attributes R. */
static char *m2o_doc(const char *m, const char *r)
{
	return unit_asprintf("<" SEC ">\n<manyToOneMappings>\n<add %s>\n<rules>\n<add %s />\n</rules>\n"
			 "</add>\n</manyToOneMappings>\n</" SEC ">\n", m, r);
}

#define RULE_OK "certificateField=\"Subject\" certificateSubField=\"CN\" matchCriteria=\"x\""

START_TEST(test_enum_permission_mode_and_certificate_field)
{
	static const char *const pm_good[] = { "Allow", "deny", "ALLOW" };
	static const char *const pm_bad[] = { "1", "2", "Block", "" };
	static const char *const cf_good[] = { "Subject", "issuer", "SUBJECT" };
	static const char *const cf_bad[] = { "1", "2", "Thumbprint", "" };
	char *m, *r, *doc;

	for (size_t i = 0; i < 3; i++) {
		m = unit_asprintf("name=\"m\" permissionMode=\"%s\"", pm_good[i]);
		doc = m2o_doc(m, RULE_OK);
		ck_assert_msg(parse_status(doc) == MAPFILE_OK, "permissionMode %s", pm_good[i]);
		free(doc);
		free(m);
		r = unit_asprintf("certificateField=\"%s\" certificateSubField=\"CN\" "
			      "matchCriteria=\"x\"", cf_good[i]);
		doc = m2o_doc("name=\"m\"", r);
		ck_assert_msg(parse_status(doc) == MAPFILE_OK, "certificateField %s", cf_good[i]);
		free(doc);
		free(r);
	}
	for (size_t i = 0; i < 4; i++) {
		m = unit_asprintf("name=\"m\" permissionMode=\"%s\"", pm_bad[i]);
		doc = m2o_doc(m, RULE_OK);
		expect_invalid(doc, NULL, 3, "permissionMode", NULL);
		free(doc);
		free(m);
		r = unit_asprintf("certificateField=\"%s\" certificateSubField=\"CN\" "
			      "matchCriteria=\"x\"", cf_bad[i]);
		doc = m2o_doc("name=\"m\"", r);
		expect_invalid(doc, NULL, 5, "certificateField", NULL);
		free(doc);
		free(r);
	}
}
END_TEST

START_TEST(test_many_to_one_name_required_non_empty)
{
	char *doc;

	doc = m2o_doc("description=\"no name\"", RULE_OK);
	expect_invalid(doc, NULL, 3, "name", NULL);
	free(doc);
	doc = m2o_doc("name=\"\"", RULE_OK);
	expect_invalid(doc, NULL, 3, "name", NULL);
	free(doc);
	doc = m2o_doc("name=\"m\"", RULE_OK);
	ck_assert_int_eq(parse_status(doc), MAPFILE_OK);
	free(doc);
}
END_TEST

START_TEST(test_many_to_one_user_name_non_empty)
{
	char *doc;

	doc = m2o_doc("name=\"m\" userName=\"\"", RULE_OK);
	expect_invalid(doc, NULL, 3, "userName", NULL);
	free(doc);
	doc = m2o_doc("name=\"m\" userName=\"alice\"", RULE_OK);
	ck_assert_int_eq(parse_status(doc), MAPFILE_OK);
	free(doc);
}
END_TEST

START_TEST(test_rule_required_attributes)
{
	char *doc;

	doc = m2o_doc("name=\"m\"", "certificateSubField=\"CN\" matchCriteria=\"x\"");
	expect_invalid(doc, NULL, 5, "certificateField", NULL);
	free(doc);
	doc = m2o_doc("name=\"m\"", "certificateField=\"Subject\" matchCriteria=\"x\"");
	expect_invalid(doc, NULL, 5, "certificateSubField", NULL);
	free(doc);
	doc = m2o_doc("name=\"m\"", "certificateField=\"Subject\" certificateSubField=\"CN\"");
	expect_invalid(doc, NULL, 5, "matchCriteria", NULL);
	free(doc);
}
END_TEST

START_TEST(test_many_to_one_duplicate_name_without_case)
{
	expect_invalid("<" SEC ">\n<manyToOneMappings>\n<add name=\"Map One\" />\n"
		       "<add name=\"MAP one\" />\n</manyToOneMappings>\n</" SEC ">\n",
		       NULL, 4, "duplicate", NULL);
	/* Inherited from the top level into a location. */
	expect_invalid("<configuration>\n" AUTH_OPEN "<" SEC "><manyToOneMappings>"
		       "<add name=\"m\" /></manyToOneMappings></" SEC ">\n" AUTH_CLOSE
		       LOC_OPEN("site")
		       "<" SEC ">\n<manyToOneMappings>\n<add name=\"M\" />\n</manyToOneMappings>\n"
		       "</" SEC ">\n" LOC_CLOSE "</configuration>\n", NULL, 15, "duplicate", NULL);
	/* After <clear/> the name is free again. */
	ck_assert_int_eq(parse_status("<" SEC ">\n<manyToOneMappings>\n<add name=\"m\" />\n"
				      "<clear />\n<add name=\"M\" />\n</manyToOneMappings>\n"
				      "</" SEC ">\n"), MAPFILE_OK);
}
END_TEST

/* A many-to-one mapping holding rules R1 then R2. */
static char *rules_doc(const char *r1, const char *r2)
{
	return unit_asprintf("<" SEC ">\n<manyToOneMappings>\n<add name=\"m\">\n<rules>\n"
			 "<add %s />\n<add %s />\n</rules>\n</add>\n</manyToOneMappings>\n"
			 "</" SEC ">\n", r1, r2);
}

START_TEST(test_rule_duplicate_combined_key)
{
	static const char *const same[] = {
		"certificateField=\"subject\" certificateSubField=\"CN\" matchCriteria=\"x\"",
		"certificateField=\"Subject\" certificateSubField=\"CN\" matchCriteria=\"x\" "
		"compareCaseSensitive=\"true\"",
		"matchCriteria=\"x\" certificateSubField=\"CN\" certificateField=\"SUBJECT\" "
		"compareCaseSensitive=\"TRUE\"",
	};
	static const char *const other[] = {
		"certificateField=\"Subject\" certificateSubField=\"cn\" matchCriteria=\"x\"",
		"certificateField=\"Subject\" certificateSubField=\"CN\" matchCriteria=\"X\"",
		"certificateField=\"Issuer\" certificateSubField=\"CN\" matchCriteria=\"x\"",
		"certificateField=\"Subject\" certificateSubField=\"CN\" matchCriteria=\"x\" "
		"compareCaseSensitive=\"false\"",
	};
	char *doc;

	for (size_t i = 0; i < 3; i++) {
		doc = rules_doc(RULE_OK, same[i]);
		expect_invalid(doc, NULL, 6, "duplicate", NULL);
		free(doc);
	}
	for (size_t i = 0; i < 4; i++) {
		doc = rules_doc(RULE_OK, other[i]);
		ck_assert_msg(parse_status(doc) == MAPFILE_OK, "rule %s refused", other[i]);
		free(doc);
	}
	/* Two mappings may hold the same rule: the key is per collection. */
	ck_assert_int_eq(parse_status("<" SEC ">\n<manyToOneMappings>\n"
				      "<add name=\"a\"><rules><add " RULE_OK " /></rules></add>\n"
				      "<add name=\"b\"><rules><add " RULE_OK " /></rules></add>\n"
				      "</manyToOneMappings>\n</" SEC ">\n"), MAPFILE_OK);
	/* <clear/> inside <rules> frees the key. */
	ck_assert_int_eq(parse_status("<" SEC ">\n<manyToOneMappings>\n<add name=\"a\"><rules>"
				      "<add " RULE_OK " /><clear /><add " RULE_OK " /></rules>"
				      "</add>\n</manyToOneMappings>\n</" SEC ">\n"), MAPFILE_OK);
}
END_TEST

START_TEST(test_child_element_at_most_once)
{
	expect_invalid("<" SEC ">\n<oneToOneMappings />\n<oneToOneMappings />\n</" SEC ">\n",
		       NULL, 3, "oneToOneMappings", NULL);
	expect_invalid("<" SEC ">\n<manyToOneMappings />\n<oneToOneMappings />\n"
		       "<manyToOneMappings />\n</" SEC ">\n", NULL, 4, "manyToOneMappings", NULL);
	expect_invalid("<" SEC ">\n<manyToOneMappings>\n<add name=\"m\">\n<rules />\n<rules />\n"
		       "</add>\n</manyToOneMappings>\n</" SEC ">\n", NULL, 5, "rules", NULL);
	/* One of each is fine, in either order. */
	ck_assert_int_eq(parse_status("<" SEC ">\n<manyToOneMappings />\n<oneToOneMappings />\n"
				      "</" SEC ">\n"), MAPFILE_OK);
}
END_TEST

START_TEST(test_text_only_whitespace_in_section)
{
	expect_invalid("<" SEC ">hello\n</" SEC ">\n", NULL, 1, "text|hello", NULL);
	expect_invalid("<" SEC ">\n<oneToOneMappings>x\n</oneToOneMappings>\n</" SEC ">\n",
		       NULL, 2, "text|x", NULL);
	expect_invalid("<" SEC ">\n<oneToOneMappings>\n<add certificate=\"QUJD\">QUJD</add>\n"
		       "</oneToOneMappings>\n</" SEC ">\n", NULL, 3, "text|QUJD", NULL);
	expect_invalid("<" SEC ">\n<manyToOneMappings>.\n</manyToOneMappings>\n</" SEC ">\n",
		       NULL, 2, "text", NULL);
	expect_invalid("<" SEC ">\n<manyToOneMappings>\n<add name=\"m\">\n<rules>-\n</rules>\n"
		       "</add>\n</manyToOneMappings>\n</" SEC ">\n", NULL, 4, "text", NULL);
	expect_invalid("<" SEC ">\n<oneToOneMappings><![CDATA[x]]>\n</oneToOneMappings>\n"
		       "</" SEC ">\n", NULL, 2, NULL, NULL);
	/* Spaces, tabs, CR LF and character references to them are whitespace. */
	ck_assert_int_eq(parse_status("<" SEC ">\r\n\t <oneToOneMappings> \t\r\n <clear />&#10;"
				      "</oneToOneMappings>\n</" SEC ">\n"), MAPFILE_OK);
}
END_TEST

START_TEST(test_misplaced_section_is_invalid)
{
	/* Directly under system.webServer. */
	expect_invalid("<configuration>\n<system.webServer>\n<" SEC " enabled=\"true\" />\n"
		       "</system.webServer>\n</configuration>\n", NULL, 3, NULL, NULL);
	/* Directly under configuration. */
	expect_invalid("<configuration>\n<" SEC " enabled=\"true\" />\n</configuration>\n",
		       NULL, 2, NULL, NULL);
	/* Under another element inside authentication. */
	expect_invalid("<configuration>\n" AUTH_OPEN "<basicAuthentication>\n"
		       "<" SEC " enabled=\"true\" />\n</basicAuthentication>\n" AUTH_CLOSE
		       "</configuration>\n", NULL, 6, NULL, NULL);
	/* Under system.web instead of system.webServer. */
	expect_invalid("<configuration>\n<system.web>\n<security>\n<authentication>\n"
		       "<" SEC " enabled=\"true\" />\n</authentication>\n</security>\n"
		       "</system.web>\n</configuration>\n", NULL, 5, NULL, NULL);
	/* A <location> that is not a child of <configuration>. */
	expect_invalid("<configuration>\n<system.webServer>\n<location path=\"a\">\n"
		       AUTH_OPEN "<" SEC " enabled=\"true\" />\n" AUTH_CLOSE "</location>\n"
		       "</system.webServer>\n</configuration>\n", NULL, 7, NULL, NULL);
	/* Under <location> directly. */
	expect_invalid("<configuration>\n<location path=\"a\">\n<" SEC " enabled=\"true\" />\n"
		       "</location>\n</configuration>\n", NULL, 3, NULL, NULL);
}
END_TEST

/* SPEC 2.3: a collection anywhere but directly in the section is an error
 * naming the element and its line, as IIS's "Unrecognized element". */
START_TEST(test_misplaced_collection_is_invalid)
{
	struct mapfile_error err;

	/* Under the AD-mapping section, as an LLM-written README has it. */
	expect_invalid("<configuration>\n" AUTH_OPEN "<clientCertificateMappingAuthentication "
		       "enabled=\"true\">\n<oneToOneMappings>\n<add userName=\"a\" "
		       "certificate=\"QUJD\" />\n</oneToOneMappings>\n"
		       "</clientCertificateMappingAuthentication>\n" AUTH_CLOSE "</configuration>\n",
		       NULL, 6, "oneToOneMappings", &err);
	ck_assert_msg(strstr(err.reason, "clientCertificateMappingAuthentication") != NULL,
		      "the parent is not named: %s", err.reason);
	/* Deeper down, in a location. */
	expect_invalid("<configuration>\n<location path=\"x\">\n<system.webServer>\n"
		       "<a><b>\n<manyToOneMappings />\n</b></a>\n</system.webServer>\n</location>\n"
		       "</configuration>\n", NULL, 5, "manyToOneMappings", &err);
	ck_assert_msg(strstr(err.reason, "<b>") != NULL, "the parent is not named: %s",
		      err.reason);
	/* Under <authentication>, beside the section. */
	expect_invalid("<configuration>\n" AUTH_OPEN "<" SEC " enabled=\"true\" />\n"
		       "<oneToOneMappings />\n" AUTH_CLOSE "</configuration>\n", NULL, 6,
		       "oneToOneMappings", NULL);
	/* Other elements of those names' neighbours are still skipped. */
	ck_assert_int_eq(parse_status("<configuration>\n" AUTH_OPEN
				      "<clientCertificateMappingAuthentication enabled=\"true\" />\n"
				      AUTH_CLOSE "</configuration>\n"), MAPFILE_OK);
}
END_TEST

START_TEST(test_nested_location_is_invalid)
{
	expect_invalid("<configuration>\n<location path=\"a\">\n<location path=\"b\">\n"
		       AUTH_OPEN "<" SEC " enabled=\"true\" />\n" AUTH_CLOSE
		       "</location>\n</location>\n</configuration>\n", NULL, 3, "location", NULL);
	expect_invalid("<configuration>\n<location path=\"a\">\n<location path=\"b\" />\n"
		       "</location>\n</configuration>\n", NULL, 3, "location", NULL);
}
END_TEST

START_TEST(test_section_twice_at_one_level)
{
	/* The top level and path="." are one level. */
	expect_invalid("<configuration>\n" AUTH_OPEN "<" SEC " />\n" AUTH_CLOSE
		       LOC_OPEN(".") "<" SEC " />\n" LOC_CLOSE "</configuration>\n",
		       NULL, 13, NULL, NULL);
	/* The top level and a <location> without path. */
	expect_invalid("<configuration>\n" AUTH_OPEN "<" SEC " />\n" AUTH_CLOSE
		       "<location>\n" AUTH_OPEN "<" SEC " />\n" LOC_CLOSE "</configuration>\n",
		       NULL, 13, NULL, NULL);
	/* path="" and path=".". */
	expect_invalid("<configuration>\n" LOC_OPEN("") "<" SEC " />\n" LOC_CLOSE
		       LOC_OPEN(".") "<" SEC " />\n" LOC_CLOSE "</configuration>\n",
		       NULL, 15, NULL, NULL);
	/* Two locations whose paths differ only in case and slashes. */
	expect_invalid("<configuration>\n" LOC_OPEN("Site/App") "<" SEC " />\n" LOC_CLOSE
		       LOC_OPEN("/site//APP/") "<" SEC " />\n" LOC_CLOSE "</configuration>\n",
		       NULL, 15, NULL, NULL);
	/* Twice under one system.webServer, and in two system.webServer blocks. */
	expect_invalid("<configuration>\n" AUTH_OPEN "<" SEC " />\n<" SEC " />\n" AUTH_CLOSE
		       "</configuration>\n", NULL, 6, NULL, NULL);
	expect_invalid("<configuration>\n" AUTH_OPEN "<" SEC " />\n" AUTH_CLOSE
		       AUTH_OPEN "<" SEC " />\n" AUTH_CLOSE "</configuration>\n",
		       NULL, 12, NULL, NULL);
}
END_TEST

START_TEST(test_locations_without_section_do_not_count)
{
	struct cands cs;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 1);
	doc = unit_asprintf("<configuration>\n"
			"<location path=\"a\"><system.webServer><security>"
			"<access sslFlags=\"Ssl\" />"
			"</security></system.webServer></location>\n"
			LOC_OPEN("A")				/* 3-6 */
			SEC_ONE("alice")			/* 7-11, add on 9 */
			LOC_CLOSE
			"<location path=\"a\" />\n"
			"</configuration>\n", cs.b64[0]);
	mf = parse_ok(doc, &cs.p);
	expect_user(mf, "a", 0, "alice", 9);
	mapfile_free(mf);
	free(doc);
	cands_free(&cs);
}
END_TEST

/* ----------------------------------------------------------- 2.3 levels */

/* A document whose only section sits in <location LOCATTR>. */
static void check_top_level_alias(const char *locattr)
{
	struct cands cs;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 1);
	doc = unit_asprintf("<configuration>\n<location%s>\n" AUTH_OPEN SEC_ONE("alice") LOC_CLOSE
			"</configuration>\n", locattr, cs.b64[0]);
	mf = parse_ok(doc, &cs.p);
	expect_user(mf, "", 0, "alice", 8);
	expect_user(mf, "any/where", 0, "alice", 8);
	mapfile_free(mf);
	free(doc);
	cands_free(&cs);
}

START_TEST(test_level_dot_empty_and_no_path_are_top)
{
	check_top_level_alias(" path=\".\"");
	check_top_level_alias(" path=\"\"");
	check_top_level_alias("");
	check_top_level_alias(" path=\"/\"");
}
END_TEST

START_TEST(test_level_segments_compared_without_case)
{
	struct cands cs;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 1);
	doc = unit_asprintf("<configuration>\n" LOC_OPEN("Default Web Site/App") SEC_ONE("alice")
			LOC_CLOSE "</configuration>\n", cs.b64[0]);
	mf = parse_ok(doc, &cs.p);
	expect_user(mf, "default web site/APP", 0, "alice", 8);
	expect_user(mf, "/DEFAULT WEB SITE//app/x/", 0, "alice", 8);
	expect_no_entry(mf, "Default Web Site", 0);
	expect_no_entry(mf, "DefaultWebSite/App", 0);
	mapfile_free(mf);
	free(doc);
	cands_free(&cs);
}
END_TEST

START_TEST(test_level_applies_to_whole_segments)
{
	struct cands cs;
	struct mapfile_answer ans;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 1);
	doc = unit_asprintf("<configuration>\n" LOC_OPEN("a/b") SEC_ONE("alice") LOC_CLOSE
			"</configuration>\n", cs.b64[0]);
	mf = parse_ok(doc, &cs.p);
	expect_user(mf, "a/b", 0, "alice", 8);
	expect_user(mf, "a/b/c", 0, "alice", 8);
	expect_no_entry(mf, "a/bc", 0);
	expect_no_entry(mf, "a", 0);
	expect_no_entry(mf, "", 0);
	expect_no_entry(mf, "ab", 0);
	user_at(mf, "a/bc", 0, &ans);
	ck_assert_int_eq(ans.section_enabled, 0);
	mapfile_free(mf);
	free(doc);
	cands_free(&cs);
}
END_TEST

START_TEST(test_level_order_by_segments_not_document)
{
	struct cands cs;
	struct mapfile_answer ans;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 3);
	doc = unit_asprintf("<configuration>\n"
			LOC_OPEN("a/b")					/* 2-5 */
			"<" SEC " defaultLogonDomain=\"AB\">\n"		/* 6 */
			"<oneToOneMappings>\n<clear />\n"		/* 7-8 */
			"<add userName=\"bob\" certificate=\"%s\" />\n"	/* 9 */
			"</oneToOneMappings>\n</" SEC ">\n"		/* 10-11 */
			LOC_CLOSE					/* 12-15 */
			LOC_OPEN("a")					/* 16-19 */
			"<" SEC " enabled=\"true\">\n"			/* 20 */
			"<oneToOneMappings>\n"				/* 21 */
			"<add userName=\"carol\" certificate=\"%s\" />\n"	/* 22 */
			"</oneToOneMappings>\n</" SEC ">\n"		/* 23-24 */
			LOC_CLOSE					/* 25-28 */
			AUTH_OPEN					/* 29-31 */
			"<" SEC " enabled=\"false\" defaultLogonDomain=\"TOP\">\n" /* 32 */
			"<oneToOneMappings>\n"				/* 33 */
			"<add userName=\"alice\" certificate=\"%s\" />\n"	/* 34 */
			"</oneToOneMappings>\n</" SEC ">\n"		/* 35-36 */
			AUTH_CLOSE
			"</configuration>\n", cs.b64[1], cs.b64[2], cs.b64[0]);
	mf = parse_ok(doc, &cs.p);
	/* a/b: "" then a then a/b, so enabled from a, the collection cleared at a/b. */
	expect_user(mf, "a/b", 1, "bob", 9);
	expect_no_entry(mf, "a/b", 0);
	expect_no_entry(mf, "a/b", 2);
	user_at(mf, "a/b/c", 1, &ans);
	ck_assert_int_eq(ans.section_enabled, 1);
	ck_assert_str_eq(ans.default_logon_domain, "AB");
	/* a: the top level's entry and its own. */
	expect_user(mf, "a", 0, "alice", 34);
	expect_user(mf, "a", 2, "carol", 22);
	expect_no_entry(mf, "a", 1);
	user_at(mf, "a", 0, &ans);
	ck_assert_str_eq(ans.default_logon_domain, "TOP");
	/* The top level is disabled. */
	ck_assert_ptr_null(user_at(mf, "", 0, &ans));
	ck_assert_int_eq(ans.section_enabled, 0);
	ck_assert_ptr_nonnull(ans.entry);
	ck_assert_uint_eq(ans.entry->line, 34);
	mapfile_free(mf);
	free(doc);
	cands_free(&cs);
}
END_TEST

START_TEST(test_level_attribute_overrides_inherited)
{
	struct mapfile_answer ans;
	struct mapfile *mf;

	mf = parse_ok("<configuration>\n"
		      AUTH_OPEN "<" SEC " enabled=\"true\" defaultLogonDomain=\"TOP\" />\n"
		      AUTH_CLOSE
		      LOC_OPEN("a") "<" SEC " defaultLogonDomain=\"AAA\" />\n" LOC_CLOSE
		      LOC_OPEN("a/b") "<" SEC " oneToOneCertificateMappingsEnabled=\"false\" />\n"
		      LOC_CLOSE
		      LOC_OPEN("c") "<" SEC " enabled=\"false\" />\n" LOC_CLOSE
		      "</configuration>\n", NULL);
	mapfile_query(mf, "a/b", -1, &ans);
	ck_assert_str_eq(ans.default_logon_domain, "AAA");
	ck_assert_int_eq(ans.section_enabled, 1);
	ck_assert_int_eq(ans.one_to_one_enabled, 0);
	mapfile_query(mf, "a/x", -1, &ans);
	ck_assert_str_eq(ans.default_logon_domain, "AAA");
	ck_assert_int_eq(ans.one_to_one_enabled, 1);
	mapfile_query(mf, "b", -1, &ans);
	ck_assert_str_eq(ans.default_logon_domain, "TOP");
	ck_assert_int_eq(ans.section_enabled, 1);
	mapfile_query(mf, "c/d", -1, &ans);
	ck_assert_int_eq(ans.section_enabled, 0);
	ck_assert_str_eq(ans.default_logon_domain, "TOP");
	mapfile_free(mf);
}
END_TEST

START_TEST(test_level_clear_drops_inherited_and_earlier)
{
	struct cands cs;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 3);
	doc = unit_asprintf("<configuration>\n"
			AUTH_OPEN SEC_ONE("alice")			/* 2-9, add on 7 */
			AUTH_CLOSE					/* 10-12 */
			LOC_OPEN("a")					/* 13-16 */
			"<" SEC ">\n<oneToOneMappings>\n"		/* 17-18 */
			"<add userName=\"bob\" certificate=\"%s\" />\n"	/* 19 */
			"<clear />\n"					/* 20 */
			"<add userName=\"carol\" certificate=\"%s\" />\n"	/* 21 */
			"<add userName=\"dave\" certificate=\"%s\" />\n"	/* 22 */
			"</oneToOneMappings>\n</" SEC ">\n"
			LOC_CLOSE "</configuration>\n", cs.b64[0], cs.b64[1], cs.b64[2], cs.b64[0]);
	mf = parse_ok(doc, &cs.p);
	expect_user(mf, "a", 0, "dave", 22);
	expect_no_entry(mf, "a", 1);
	expect_user(mf, "a", 2, "carol", 21);
	expect_user(mf, "", 0, "alice", 7);
	expect_no_entry(mf, "", 1);
	expect_no_entry(mf, "", 2);
	mapfile_free(mf);
	free(doc);
	cands_free(&cs);
}
END_TEST

START_TEST(test_level_inherited_disabled_child_enabled)
{
	struct cands cs;
	struct mapfile_answer ans;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 1);
	doc = unit_asprintf("<configuration>\n"
			AUTH_OPEN "<" SEC " enabled=\"false\">\n<oneToOneMappings>\n"	/* 2-6 */
			"<add userName=\"alice\" certificate=\"%s\" />\n"		/* 7 */
			"</oneToOneMappings>\n</" SEC ">\n" AUTH_CLOSE
			LOC_OPEN("svc") "<" SEC " enabled=\"true\" />\n" LOC_CLOSE
			LOC_OPEN("off") "<" SEC " enabled=\"false\" />\n" LOC_CLOSE
			"</configuration>\n", cs.b64[0]);
	mf = parse_ok(doc, &cs.p);
	expect_user(mf, "svc", 0, "alice", 7);
	ck_assert_ptr_null(user_at(mf, "", 0, &ans));
	ck_assert_int_eq(ans.section_enabled, 0);
	ck_assert_ptr_null(user_at(mf, "off", 0, &ans));
	mapfile_free(mf);
	free(doc);
	/* And the other way: enabled above, disabled below. */
	doc = unit_asprintf("<configuration>\n" AUTH_OPEN SEC_ONE("alice") AUTH_CLOSE
			LOC_OPEN("svc") "<" SEC " enabled=\"false\" />\n" LOC_CLOSE
			"</configuration>\n", cs.b64[0]);
	mf = parse_ok(doc, &cs.p);
	expect_user(mf, "other", 0, "alice", 7);
	ck_assert_ptr_null(user_at(mf, "svc/x", 0, &ans));
	ck_assert_int_eq(ans.section_enabled, 0);
	ck_assert_ptr_nonnull(ans.entry);
	mapfile_free(mf);
	free(doc);
	cands_free(&cs);
}
END_TEST

START_TEST(test_level_sibling_locations_independent)
{
	struct cands cs;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 1);
	doc = unit_asprintf("<configuration>\n"
			LOC_OPEN("a") SEC_ONE("alice") LOC_CLOSE	/* add on 8 */
			LOC_OPEN("b") SEC_ONE("bob") LOC_CLOSE		/* add on 21 */
			"</configuration>\n", cs.b64[0], cs.b64[0]);
	mf = parse_ok(doc, &cs.p);
	expect_user(mf, "a", 0, "alice", 8);
	expect_user(mf, "b/c", 0, "bob", 21);
	expect_no_entry(mf, "c", 0);
	mapfile_free(mf);
	free(doc);
	cands_free(&cs);
}
END_TEST

START_TEST(test_path_applies)
{
	ck_assert_int_eq(mapfile_path_applies("", ""), 1);
	ck_assert_int_eq(mapfile_path_applies("", "a/b"), 1);
	ck_assert_int_eq(mapfile_path_applies("/", "a"), 1);
	ck_assert_int_eq(mapfile_path_applies("a", "a"), 1);
	ck_assert_int_eq(mapfile_path_applies("a/b", "a/b/c"), 1);
	ck_assert_int_eq(mapfile_path_applies("a/b", "a/bc"), 0);
	ck_assert_int_eq(mapfile_path_applies("a/b", "a"), 0);
	ck_assert_int_eq(mapfile_path_applies("a/b", ""), 0);
	ck_assert_int_eq(mapfile_path_applies("a", ""), 0);
	ck_assert_int_eq(mapfile_path_applies("ab", "a"), 0);
	ck_assert_int_eq(mapfile_path_applies("a", "ab"), 0);
	ck_assert_int_eq(mapfile_path_applies("A/B", "a/b"), 1);
	ck_assert_int_eq(mapfile_path_applies("a//b/", "/A/B"), 1);
	ck_assert_int_eq(mapfile_path_applies("/a/", "a/b/c"), 1);
	ck_assert_int_eq(mapfile_path_applies("Default Web Site", "default web site/app"), 1);
	ck_assert_int_eq(mapfile_path_applies("Default Web Site", "Default"), 0);
	ck_assert_int_eq(mapfile_path_applies("a/b/c", "a/b"), 0);
	ck_assert_int_eq(mapfile_path_applies("b", "a/b"), 0);
}
END_TEST

/* ---------------------------------------------------------- 2.5 matching */

START_TEST(test_match_whitespace_removed)
{
	struct cands cs;
	struct mapfile *mf;
	char *doc, *c;

	cands_make(&cs, 1);
	c = unit_asprintf(" %.10s %.10s\t%.10s\n%.10s&#13;&#10;%.10s&#10;\t%.10s&#13;%s \t\n",
		      cs.b64[0], cs.b64[0] + 10, cs.b64[0] + 20, cs.b64[0] + 30, cs.b64[0] + 40,
		      cs.b64[0] + 50, cs.b64[0] + 60);
	doc = unit_asprintf("<" SEC " enabled=\"true\">\n<oneToOneMappings>\n"
			"<add userName=\"alice\" certificate=\"%s\" />\n"
			"</oneToOneMappings>\n</" SEC ">\n", c);
	mf = parse_ok(doc, &cs.p);
	expect_user(mf, "", 0, "alice", 3);
	mapfile_free(mf);
	free(doc);
	free(c);
	cands_free(&cs);
}
END_TEST

START_TEST(test_match_user_name_verbatim)
{
	struct cands cs;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 1);
	doc = unit_asprintf("<" SEC " enabled=\"true\">\n<oneToOneMappings>\n"
			"<add userName=\" EXAMPLE\\Alice&#9;&amp;Co \" certificate=\"%s\" />\n"
			"</oneToOneMappings>\n</" SEC ">\n", cs.b64[0]);
	mf = parse_ok(doc, &cs.p);
	expect_user(mf, "", 0, " EXAMPLE\\Alice\t&Co ", 3);
	mapfile_free(mf);
	free(doc);
	cands_free(&cs);
}
END_TEST

/* A certificate whose base64 ends in '=', so it has unused bits. */
static void padded_cert(unsigned char **der, size_t *len, char **b64)
{
	char cn[40] = "p";

	for (size_t i = 1; i < sizeof(cn) - 1; i++) {
		X509 *x = testcert_valid(cn);

		*b64 = testcert_b64(x);
		if ((*b64)[strlen(*b64) - 1] == '=') {
			*der = testcert_der(x, len);
			X509_free(x);
			return;
		}
		free(*b64);
		X509_free(x);
		cn[i] = 'p';
		cn[i + 1] = '\0';
	}
	ck_abort_msg("no certificate with padding");
}

/* Replace candidate I with a certificate whose base64 has a '+' or a '/'
 * (a random small EC certificate lacks both about once in a few hundred). */
static void url_digits_cert(struct cands *cs, size_t i)
{
	for (int tries = 0; tries < 50; tries++) {
		if (strpbrk(cs->b64[i], "+/") != NULL)
			return;
		free(cs->der[i]);
		free(cs->b64[i]);
		cand_fill(cs, i);
	}
	ck_abort_msg("no certificate with '+' or '/' in its base64");
}

static const char b64_digits[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

START_TEST(test_match_dead_entries_never_match)
{
	static const enum mapfile_dead want[] = {
		MAPFILE_DEAD_EMPTY, MAPFILE_DEAD_PEM, MAPFILE_DEAD_BASE64URL,
		MAPFILE_DEAD_THUMBPRINT, MAPFILE_DEAD_THUMBPRINT, MAPFILE_DEAD_THUMBPRINT,
		MAPFILE_DEAD_LENGTH, MAPFILE_DEAD_PADDING, MAPFILE_DEAD_PADDING,
		MAPFILE_DEAD_CHARACTER, MAPFILE_LIVE,
	};
	const size_t nwant = sizeof(want) / sizeof(want[0]);
	struct cands cs;
	struct seen seen;
	struct mapfile *mf;
	unsigned char sha1[20], sha256[32];
	char sha1hex[41], sha1spaced[61], sha256hex[65];
	char *pem, *url, *lost, *eqmid, *bits, *star, *doc;
	size_t n;

	cands_make(&cs, 2);
	url_digits_cert(&cs, 0);
	/* Candidate 1 is a certificate with padding, for the unused bits. */
	free(cs.der[1]);
	free(cs.b64[1]);
	padded_cert(&cs.der[1], &cs.len[1], &cs.b64[1]);
	cs.cder[1] = cs.der[1];

	ck_assert_int_eq(EVP_Digest(cs.der[0], cs.len[0], sha1, NULL, EVP_sha1(), NULL), 1);
	ck_assert_int_eq(EVP_Digest(cs.der[0], cs.len[0], sha256, NULL, EVP_sha256(), NULL), 1);
	for (size_t i = 0; i < 20; i++) {
		snprintf(sha1hex + 2 * i, 3, "%02X", sha1[i]);
		snprintf(sha1spaced + 3 * i, 4, "%02x ", sha1[i]);
	}
	for (size_t i = 0; i < 32; i++)
		snprintf(sha256hex + 2 * i, 3, "%02x", sha256[i]);

	pem = unit_asprintf("-----BEGIN CERTIFICATE-----&#10;%s&#10;-----END CERTIFICATE-----",
			cs.b64[0]);
	url = strdup(cs.b64[0]);
	ck_assert_ptr_nonnull(url);
	ck_assert_msg(strpbrk(url, "+/") != NULL, "the base64 has no '+' or '/'");
	for (char *p = url; *p != '\0'; p++)
		*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	lost = unit_asprintf("%.100s%s", cs.b64[0], cs.b64[0] + 101);
	eqmid = strdup(cs.b64[0]);
	ck_assert_ptr_nonnull(eqmid);
	eqmid[8] = '=';
	star = strdup(cs.b64[0]);
	ck_assert_ptr_nonnull(star);
	star[12] = '*';
	/* Set the lowest unused bit of the last digit before the padding. */
	bits = strdup(cs.b64[1]);
	ck_assert_ptr_nonnull(bits);
	n = strcspn(bits, "=") - 1;
	bits[n] = b64_digits[(strchr(b64_digits, bits[n]) - b64_digits) | 1];
	ck_assert_str_ne(bits, cs.b64[1]);

	doc = unit_asprintf("<" SEC " enabled=\"true\">\n<oneToOneMappings>\n"
			"<add userName=\"empty\" certificate=\"\" />\n"		/* 3 */
			"<add userName=\"pem\" certificate=\"%s\" />\n"		/* 4 */
			"<add userName=\"url\" certificate=\"%s\" />\n"		/* 5 */
			"<add userName=\"sha1\" certificate=\"%s\" />\n"	/* 6 */
			"<add userName=\"sha1sp\" certificate=\"%s\" />\n"	/* 7 */
			"<add userName=\"sha256\" certificate=\"%s\" />\n"	/* 8 */
			"<add userName=\"lost\" certificate=\"%s\" />\n"	/* 9 */
			"<add userName=\"eqmid\" certificate=\"%s\" />\n"	/* 10 */
			"<add userName=\"bits\" certificate=\"%s\" />\n"	/* 11 */
			"<add userName=\"star\" certificate=\"%s\" />\n"	/* 12 */
			"<add userName=\"live\" certificate=\"QUJD\" />\n"	/* 13 */
			"</oneToOneMappings>\n</" SEC ">\n",
			pem, url, sha1hex, sha1spaced, sha256hex, lost, eqmid, bits, star);
	/* keep_all, so the walk below sees the entries that match no candidate. */
	cs.p.keep_all = 1;
	mf = parse_ok(doc, &cs.p);
	expect_no_entry(mf, "", 0);
	expect_no_entry(mf, "", 1);
	memset(&seen, 0, sizeof(seen));
	mapfile_foreach_entry(mf, seen_add, &seen);
	ck_assert_uint_eq(seen.n, nwant);
	for (size_t i = 0; i < nwant; i++) {
		ck_assert_uint_eq(seen.e[i].line, 3 + i);
		ck_assert_msg(seen.e[i].dead == want[i], "line %lu: dead %d, expected %d",
			      seen.e[i].line, (int)seen.e[i].dead, (int)want[i]);
		ck_assert_int_eq(seen.e[i].cand, -1);
	}
	mapfile_free(mf);
	free(doc);
	free(pem);
	free(url);
	free(lost);
	free(eqmid);
	free(bits);
	free(star);
	cands_free(&cs);
}
END_TEST

/* Microsoft's own placeholders are text, not base64url or a stray character. */
START_TEST(test_match_dead_placeholders_are_text)
{
	static const char *const text[] = {
		"Base64-Encoded-Certificate-Data", "CERTIFICATE_BLOB", "[Certificate Thumbprint]",
		"&lt;base64 certificate&gt;", "your_certificate_here",
	};
	struct mapfile_params p = { .keep_all = 1 };
	struct seen seen;

	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
		char *doc = unit_asprintf("<" SEC " enabled=\"true\"><oneToOneMappings>"
				      "<add userName=\"u\" certificate=\"%s\" /></oneToOneMappings>"
				      "</" SEC ">", text[i]);
		struct mapfile *mf = parse_ok(doc, &p);

		memset(&seen, 0, sizeof(seen));
		mapfile_foreach_entry(mf, seen_add, &seen);
		ck_assert_uint_eq(seen.n, 1);
		ck_assert_msg(seen.e[0].dead == MAPFILE_DEAD_TEXT, "%s: dead %d", text[i],
			      (int)seen.e[0].dead);
		mapfile_free(mf);
		free(doc);
	}
	ck_assert_msg(reason_has(mapfile_dead_reason(MAPFILE_DEAD_TEXT), "not base64"),
		      "%s", mapfile_dead_reason(MAPFILE_DEAD_TEXT));
}
END_TEST

START_TEST(test_match_dead_reason_words)
{
	for (int d = MAPFILE_DEAD_EMPTY; d <= MAPFILE_DEAD_TEXT; d++) {
		const char *r = mapfile_dead_reason((enum mapfile_dead)d);
		const char *h = mapfile_dead_hint((enum mapfile_dead)d);

		ck_assert_msg(r != NULL && r[0] != '\0', "no reason for %d", d);
		ck_assert_msg(h != NULL && h[0] != '\0', "no hint for %d", d);
	}
	ck_assert_msg(reason_has(mapfile_dead_reason(MAPFILE_DEAD_PEM), "PEM|BEGIN|armo"),
		      "PEM: %s", mapfile_dead_reason(MAPFILE_DEAD_PEM));
	ck_assert_msg(reason_has(mapfile_dead_reason(MAPFILE_DEAD_THUMBPRINT),
				 "thumbprint|hash|fingerprint"),
		      "thumbprint: %s", mapfile_dead_reason(MAPFILE_DEAD_THUMBPRINT));
	ck_assert_msg(reason_has(mapfile_dead_reason(MAPFILE_DEAD_EMPTY), "empty"),
		      "empty: %s", mapfile_dead_reason(MAPFILE_DEAD_EMPTY));
}
END_TEST

/* Entries for the same certificate on lines 23 and 41, the second wrapped:
 * invalid with or without candidates, and the reason names both lines. */
static void check_whitespace_variants(const struct mapfile_params *p, const char *b64)
{
	struct mapfile_error err;
	char *pad1 = repeat('\n', 20), *pad2 = repeat('\n', 17);
	char *doc;

	doc = unit_asprintf("<" SEC " enabled=\"true\">\n<oneToOneMappings>\n%s"
			"<add userName=\"alice\" certificate=\"%s\" />\n%s"
			"<add userName=\"bob\" certificate=\"%.64s\n  %s\" />\n"
			"</oneToOneMappings>\n</" SEC ">\n", pad1, b64, pad2, b64, b64 + 64);
	expect_invalid(doc, p, 41, NULL, &err);
	ck_assert_msg(reason_has_number(err.reason, 23) && reason_has_number(err.reason, 41),
		      "reason does not name lines 23 and 41: %s", err.reason);
	free(doc);
	free(pad1);
	free(pad2);
}

START_TEST(test_match_whitespace_variants_invalid)
{
	struct cands cs;
	struct mapfile_params none = { 0 };

	cands_make(&cs, 1);
	check_whitespace_variants(&cs.p, cs.b64[0]);
	check_whitespace_variants(&none, cs.b64[0]);
	cands_free(&cs);
}
END_TEST

START_TEST(test_match_whitespace_variant_inherited_invalid)
{
	struct cands cs;
	char *doc;

	cands_make(&cs, 1);
	doc = unit_asprintf("<configuration>\n" AUTH_OPEN SEC_ONE("alice") AUTH_CLOSE	/* add 7 */
			LOC_OPEN("a") "<" SEC ">\n<oneToOneMappings>\n"
			"<add userName=\"bob\" certificate=\" %s\" />\n"		/* 19 */
			"</oneToOneMappings>\n</" SEC ">\n" LOC_CLOSE "</configuration>\n",
			cs.b64[0], cs.b64[0]);
	expect_invalid(doc, &cs.p, 19, NULL, NULL);
	free(doc);
	cands_free(&cs);
}
END_TEST

#define IIS_DUP "Cannot add duplicate collection entry of type 'add' with unique key " \
	"attribute 'certificate' set to '"

START_TEST(test_duplicate_same_level_iis_wording)
{
	struct cands cs;
	struct mapfile_params none = { 0 };
	struct mapfile_error err;
	char *doc;

	cands_make(&cs, 1);
	doc = unit_asprintf("<" SEC " enabled=\"true\">\n<oneToOneMappings>\n"
			"<add userName=\"alice\" certificate=\"%1$s\" />\n"
			"<add userName=\"bob\" enabled=\"false\" certificate=\"%1$s\" />\n"
			"</oneToOneMappings>\n</" SEC ">\n", cs.b64[0]);
	expect_invalid(doc, &cs.p, 4, NULL, &err);
	ck_assert_msg(strstr(err.reason, IIS_DUP) != NULL, "reason: %s", err.reason);
	ck_assert_msg(strstr(err.reason, IIS_DUP "MII") != NULL, "value not shown: %s",
		      err.reason);
	expect_invalid(doc, &none, 4, NULL, &err);
	ck_assert_msg(strstr(err.reason, IIS_DUP) != NULL, "reason: %s", err.reason);
	free(doc);
	/* The key is the string, dead or not. */
	expect_invalid("<" SEC ">\n<oneToOneMappings>\n<add certificate=\"\" />\n"
		       "<add certificate=\"\" />\n</oneToOneMappings>\n</" SEC ">\n",
		       NULL, 4, NULL, &err);
	ck_assert_msg(strstr(err.reason, IIS_DUP "'") != NULL, "reason: %s", err.reason);
	cands_free(&cs);
}
END_TEST

/* The 128-bit keys of the values are not cryptographic: equal keys only
 * suggest a duplicate, and the values decide (a certificate crafted to
 * collide with another's key must not make the file invalid). */
START_TEST(test_duplicate_confirmed_by_values)
{
	struct cands cs;
	struct mapfile_params none = { 0 };
	struct mapfile_error err;
	struct mf_parse_args a;
	struct mapfile *mf = NULL;
	const struct mf_suspect both = { 0, 1 };
	char *doc;

	ck_assert_int_eq(mf_values_same("MIIBx", "MIIBx"), MF_SAME_VALUE);
	ck_assert_int_eq(mf_values_same("MII Bx", "M\r\nIIB\tx "), MF_SAME_CERTIFICATE);
	ck_assert_int_eq(mf_values_same("MIIBx", "MIIBy"), MF_DIFFERENT);
	ck_assert_int_eq(mf_values_same("MIIBx", "MIIBxy"), MF_DIFFERENT);
	ck_assert_int_eq(mf_values_same("", " "), MF_SAME_CERTIFICATE);

	/* A forced collision: two different certificates taken as suspects are
	 * read again from the document and found different. */
	cands_make(&cs, 2);
	doc = unit_asprintf("<" SEC " enabled=\"true\">\n<oneToOneMappings>\n"
			"<add userName=\"alice\" certificate=\"%s\" />\n"
			"<add userName=\"bob\" certificate=\"%s\" />\n"
			"</oneToOneMappings>\n</" SEC ">\n", cs.b64[0], cs.b64[1]);
	ck_assert_int_eq(mapfile_parse_buffer(doc, strlen(doc), &none, &mf, &err), MAPFILE_OK);
	memset(&a, 0, sizeof(a));
	a.params = &none;
	a.fd = -1;
	a.buf = doc;
	a.len = strlen(doc);
	a.max_size = MAPFILE_DEFAULT_MAX_SIZE;
	ck_assert_int_eq(mf_confirm_o2o(mf, &a, &both, 1, 0, &err), MAPFILE_OK);
	/* ... unless the walk gave up on too many of them. */
	ck_assert_int_eq(mf_confirm_o2o(mf, &a, &both, 1, 1, &err), MAPFILE_INVALID);
	ck_assert_msg(strstr(err.reason, "share their keys") != NULL, "reason: %s", err.reason);
	mapfile_free(mf);
	free(doc);

	/* One certificate at two locations that never meet: a valid file, whose
	 * two entries the confirmation calls one certificate. */
	doc = unit_asprintf("<configuration>\n" LOC_OPEN("a") SEC_ONE("alice") LOC_CLOSE	/* add 8 */
			LOC_OPEN("b") SEC_ONE("bob") LOC_CLOSE "</configuration>\n",	/* add 21 */
			cs.b64[0], cs.b64[0]);
	ck_assert_int_eq(mapfile_parse_buffer(doc, strlen(doc), &none, &mf, &err), MAPFILE_OK);
	a.buf = doc;
	a.len = strlen(doc);
	ck_assert_int_eq(mf_confirm_o2o(mf, &a, &both, 1, 0, &err), MAPFILE_INVALID);
	ck_assert_msg(strstr(err.reason, IIS_DUP "MII") != NULL, "reason: %s", err.reason);
	ck_assert_msg(strstr(err.reason, "first added at line 8") != NULL, "reason: %s",
		      err.reason);
	ck_assert_uint_eq(err.line, 21);
	mapfile_free(mf);
	free(doc);
	cands_free(&cs);
}
END_TEST

START_TEST(test_duplicate_inherited_invalid)
{
	struct cands cs;
	struct mapfile_error err;
	char *doc;

	cands_make(&cs, 1);
	doc = unit_asprintf("<configuration>\n" AUTH_OPEN SEC_ONE("alice") AUTH_CLOSE	/* add 7 */
			LOC_OPEN("a/b") SEC_ONE("bob") LOC_CLOSE			/* add 19 */
			"</configuration>\n", cs.b64[0], cs.b64[0]);
	expect_invalid(doc, &cs.p, 19, NULL, &err);
	ck_assert_msg(strstr(err.reason, IIS_DUP) != NULL, "reason: %s", err.reason);
	free(doc);
	/* The deeper level comes first in the document: its <add> is the duplicate. */
	doc = unit_asprintf("<configuration>\n" LOC_OPEN("a") SEC_ONE("bob") LOC_CLOSE	/* add 8 */
			AUTH_OPEN SEC_ONE("alice") AUTH_CLOSE				/* add 20 */
			"</configuration>\n", cs.b64[0], cs.b64[0]);
	expect_invalid(doc, &cs.p, 8, NULL, &err);
	ck_assert_msg(strstr(err.reason, IIS_DUP) != NULL, "reason: %s", err.reason);
	free(doc);
	/* A <clear/> at "a" reaches "a/b" but not "ab" or "a b", which still
	 * inherit the top level's entry. */
	doc = unit_asprintf("<configuration>\n" AUTH_OPEN SEC_ONE("alice") AUTH_CLOSE	/* add 7 */
			LOC_OPEN("a") "<" SEC ">\n<oneToOneMappings>\n<clear />\n"	/* 13-19 */
			"</oneToOneMappings>\n</" SEC ">\n" LOC_CLOSE		/* 20-25 */
			LOC_OPEN("a/b") SEC_ONE("bob") LOC_CLOSE			/* add 32 */
			LOC_OPEN("ab") SEC_ONE("carol") LOC_CLOSE			/* add 45 */
			"</configuration>\n", cs.b64[0], cs.b64[0], cs.b64[0]);
	expect_invalid(doc, &cs.p, 45, NULL, &err);
	ck_assert_msg(strstr(err.reason, IIS_DUP) != NULL, "reason: %s", err.reason);
	free(doc);
	doc = unit_asprintf("<configuration>\n" LOC_OPEN("a b") SEC_ONE("carol") LOC_CLOSE	/* add 8 */
			LOC_OPEN("A/B") SEC_ONE("bob") LOC_CLOSE			/* add 21 */
			LOC_OPEN("a") "<" SEC ">\n<oneToOneMappings>\n<clear />\n"
			"</oneToOneMappings>\n</" SEC ">\n" LOC_CLOSE
			AUTH_OPEN SEC_ONE("alice") AUTH_CLOSE
			"</configuration>\n", cs.b64[0], cs.b64[0], cs.b64[0]);
	expect_invalid(doc, &cs.p, 8, NULL, &err);
	ck_assert_msg(strstr(err.reason, IIS_DUP) != NULL, "reason: %s", err.reason);
	free(doc);
	cands_free(&cs);
}
END_TEST

START_TEST(test_duplicate_after_clear_valid)
{
	struct cands cs;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 1);
	doc = unit_asprintf("<configuration>\n" AUTH_OPEN SEC_ONE("alice") AUTH_CLOSE	/* add 7 */
			LOC_OPEN("a") "<" SEC ">\n<oneToOneMappings>\n<clear />\n"
			"<add userName=\"bob\" certificate=\"%s\" />\n"		/* 20 */
			"</oneToOneMappings>\n</" SEC ">\n" LOC_CLOSE "</configuration>\n",
			cs.b64[0], cs.b64[0]);
	mf = parse_ok(doc, &cs.p);
	expect_user(mf, "a", 0, "bob", 20);
	expect_user(mf, "", 0, "alice", 7);
	mapfile_free(mf);
	free(doc);
	/* Cleared at an intermediate level: the deeper level may add it again,
	 * whatever the order of the levels in the document. */
	doc = unit_asprintf("<configuration>\n" LOC_OPEN("a/b") SEC_ONE("bob") LOC_CLOSE	/* add 8 */
			LOC_OPEN("A") "<" SEC ">\n<oneToOneMappings>\n<clear />\n"
			"</oneToOneMappings>\n</" SEC ">\n" LOC_CLOSE
			AUTH_OPEN SEC_ONE("alice") AUTH_CLOSE				/* add 33 */
			"</configuration>\n", cs.b64[0], cs.b64[0]);
	mf = parse_ok(doc, &cs.p);
	expect_user(mf, "a/b", 0, "bob", 8);
	expect_no_entry(mf, "a", 0);
	expect_user(mf, "b", 0, "alice", 33);
	mapfile_free(mf);
	free(doc);
	/* Same level: add, clear, add again. */
	doc = unit_asprintf("<" SEC " enabled=\"true\">\n<oneToOneMappings>\n"
			"<add userName=\"alice\" certificate=\"%1$s\" />\n<clear />\n"
			"<add userName=\"bob\" certificate=\"%1$s\" />\n"
			"</oneToOneMappings>\n</" SEC ">\n", cs.b64[0]);
	mf = parse_ok(doc, &cs.p);
	expect_user(mf, "", 0, "bob", 5);
	mapfile_free(mf);
	free(doc);
	cands_free(&cs);
}
END_TEST

/* ------------------------------------------------------- nothing maps */

#define NM_DOC(secattrs, addattrs) \
	"<" SEC secattrs ">\n<oneToOneMappings>\n<add" addattrs " certificate=\"%s\" />\n" \
	"</oneToOneMappings>\n</" SEC ">\n"

/* Parse DOC (one entry for candidate 0, line 3): nothing maps, the entry is
 * found.  Frees DOC. */
static struct mapfile *check_nothing_maps(char *doc, const struct cands *cs,
					  struct mapfile_answer *ans)
{
	struct mapfile *mf = parse_ok(doc, &cs->p);

	free(doc);
	ck_assert_ptr_null(user_at(mf, "", 0, ans));
	ck_assert_msg(ans->entry != NULL, "the entry must be found even when nothing maps");
	ck_assert_uint_eq(ans->entry->line, 3);
	ck_assert_int_eq(ans->entry->cand, 0);
	return mf;
}

START_TEST(test_nothing_maps_section_enabled_absent)
{
	struct cands cs;
	struct mapfile_answer ans;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 1);
	doc = unit_asprintf(NM_DOC("", " userName=\"alice\""), cs.b64[0]);
	mf = check_nothing_maps(doc, &cs, &ans);
	ck_assert_int_eq(ans.section_enabled, 0);
	ck_assert_int_eq(ans.one_to_one_enabled, 1);
	ck_assert_ptr_null(ans.default_logon_domain);
	ck_assert_str_eq(ans.entry->user_name, "alice");
	mapfile_free(mf);
	cands_free(&cs);
}
END_TEST

START_TEST(test_nothing_maps_section_disabled)
{
	struct cands cs;
	struct mapfile_answer ans;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 1);
	doc = unit_asprintf(NM_DOC(" enabled=\"false\"", " userName=\"alice\""), cs.b64[0]);
	mf = check_nothing_maps(doc, &cs, &ans);
	ck_assert_int_eq(ans.section_enabled, 0);
	mapfile_free(mf);
	cands_free(&cs);
}
END_TEST

START_TEST(test_nothing_maps_one_to_one_disabled)
{
	struct cands cs;
	struct mapfile_answer ans;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 1);
	doc = unit_asprintf(NM_DOC(" enabled=\"true\" oneToOneCertificateMappingsEnabled=\"false\"",
			       " userName=\"alice\""), cs.b64[0]);
	mf = check_nothing_maps(doc, &cs, &ans);
	ck_assert_int_eq(ans.section_enabled, 1);
	ck_assert_int_eq(ans.one_to_one_enabled, 0);
	mapfile_free(mf);
	cands_free(&cs);
}
END_TEST

START_TEST(test_nothing_maps_entry_disabled)
{
	struct cands cs;
	struct mapfile_answer ans;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 1);
	doc = unit_asprintf(NM_DOC(" enabled=\"true\"", " userName=\"alice\" enabled=\"false\""),
			cs.b64[0]);
	mf = check_nothing_maps(doc, &cs, &ans);
	ck_assert_int_eq(ans.section_enabled, 1);
	ck_assert_int_eq(ans.one_to_one_enabled, 1);
	ck_assert_int_eq(ans.entry->enabled, 0);
	mapfile_free(mf);
	cands_free(&cs);
}
END_TEST

START_TEST(test_nothing_maps_user_name_missing)
{
	struct cands cs;
	struct mapfile_answer ans;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 1);
	doc = unit_asprintf(NM_DOC(" enabled=\"true\"", ""), cs.b64[0]);
	mf = check_nothing_maps(doc, &cs, &ans);
	ck_assert_int_eq(ans.entry->enabled, 1);
	ck_assert_ptr_null(ans.entry->user_name);
	mapfile_free(mf);
	cands_free(&cs);
}
END_TEST

START_TEST(test_nothing_maps_user_name_empty)
{
	struct cands cs;
	struct mapfile_answer ans;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 1);
	doc = unit_asprintf(NM_DOC(" enabled=\"true\"", " userName=\"\""), cs.b64[0]);
	mf = check_nothing_maps(doc, &cs, &ans);
	ck_assert_int_eq(ans.entry->enabled, 1);
	mapfile_free(mf);
	cands_free(&cs);
}
END_TEST

/* mapfile_answer_user for an answer with these flags and an entry NAME. */
static const char *rule_user(int section, int o2o, int enabled, char *name)
{
	struct mapfile_entry e;
	struct mapfile_answer ans;

	memset(&e, 0, sizeof(e));
	memset(&ans, 0, sizeof(ans));
	e.enabled = enabled;
	e.cand = 0;
	e.user_name = name;
	ans.section_enabled = section;
	ans.one_to_one_enabled = o2o;
	ans.entry = &e;
	return mapfile_answer_user(&ans);
}

START_TEST(test_answer_user_rule)
{
	char alice[] = "alice", empty[] = "";
	struct mapfile_answer ans;

	memset(&ans, 0, sizeof(ans));
	ans.section_enabled = 1;
	ans.one_to_one_enabled = 1;
	ck_assert_ptr_null(mapfile_answer_user(&ans));
	ck_assert_ptr_eq(rule_user(1, 1, 1, alice), alice);
	ck_assert_ptr_null(rule_user(0, 1, 1, alice));
	ck_assert_ptr_null(rule_user(1, 0, 1, alice));
	ck_assert_ptr_null(rule_user(1, 1, 0, alice));
	ck_assert_ptr_null(rule_user(1, 1, 1, empty));
	ck_assert_ptr_null(rule_user(1, 1, 1, NULL));
}
END_TEST

START_TEST(test_query_without_candidate)
{
	struct mapfile_answer ans;
	struct mapfile *mf;

	mf = parse_ok("<" SEC " enabled=\"true\">\n<oneToOneMappings>\n"
		      "<add userName=\"alice\" certificate=\"QUJD\" />\n"
		      "</oneToOneMappings>\n</" SEC ">\n", NULL);
	ck_assert_ptr_null(user_at(mf, "", -1, &ans));
	ck_assert_ptr_null(ans.entry);
	ck_assert_int_eq(ans.section_enabled, 1);
	ck_assert_ptr_null(user_at(mf, "", 0, &ans));
	ck_assert_ptr_null(ans.entry);
	mapfile_free(mf);
}
END_TEST

/* ------------------------------------------------ passwords, keep_all */

START_TEST(test_password_recorded_not_exposed)
{
	struct cands cs;
	struct mapfile_answer ans;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 3);
	doc = unit_asprintf("<" SEC " enabled=\"true\">\n<oneToOneMappings>\n"
			"<add userName=\"a\" password=\"[enc:IISCngProvider:QUJD:enc]\" "
			"certificate=\"%s\" />\n"
			"<add userName=\"b\" password=\"hunter2\" certificate=\"%s\" />\n"
			"<add userName=\"c\" certificate=\"%s\" />\n"
			"</oneToOneMappings>\n</" SEC ">\n", cs.b64[0], cs.b64[1], cs.b64[2]);
	mf = parse_ok(doc, &cs.p);
	user_at(mf, "", 0, &ans);
	ck_assert_int_eq(ans.entry->has_password, 1);
	ck_assert_int_eq(ans.entry->password_plain, 0);
	user_at(mf, "", 1, &ans);
	ck_assert_int_eq(ans.entry->has_password, 1);
	ck_assert_int_eq(ans.entry->password_plain, 1);
	user_at(mf, "", 2, &ans);
	ck_assert_int_eq(ans.entry->has_password, 0);
	mapfile_free(mf);
	free(doc);
	cands_free(&cs);
}
END_TEST

START_TEST(test_keep_all_walks_every_entry)
{
	struct cands cs;
	struct seen seen;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 2);
	cs.p.keep_all = 1;
	doc = unit_asprintf("<configuration>\n" AUTH_OPEN SEC_ONE("alice") AUTH_CLOSE	/* add 7 */
			LOC_OPEN("Site/App") "<" SEC ">\n<oneToOneMappings>\n"
			"<add userName=\"bob\" enabled=\"false\" certificate=\"%.30s\n %s\" />\n"
			"</oneToOneMappings>\n</" SEC ">\n" LOC_CLOSE			/* add 19 */
			"</configuration>\n", cs.b64[0], cs.b64[1], cs.b64[1] + 30);
	mf = parse_ok(doc, &cs.p);
	memset(&seen, 0, sizeof(seen));
	mapfile_foreach_entry(mf, seen_add, &seen);
	ck_assert_uint_eq(seen.n, 2);
	ck_assert_uint_eq(seen.e[0].line, 7);
	ck_assert_str_eq(seen.e[0].level, "");
	ck_assert_str_eq(seen.e[0].user, "alice");
	ck_assert_str_eq(seen.e[0].cert, cs.b64[0]);
	ck_assert_int_eq(seen.e[0].enabled, 1);
	ck_assert_int_eq(seen.e[0].cand, 0);
	ck_assert_uint_eq(seen.e[1].line, 19);
	ck_assert_str_eq(seen.e[1].level, "Site/App");
	ck_assert_str_eq(seen.e[1].user, "bob");
	ck_assert_str_eq(seen.e[1].cert, cs.b64[1]);
	ck_assert_int_eq(seen.e[1].enabled, 0);
	ck_assert_int_eq(seen.e[1].cand, 1);
	mapfile_free(mf);
	/* Without candidates and with keep_all the strings are still kept. */
	cs.p.ncand = 0;
	mf = parse_ok(doc, &cs.p);
	memset(&seen, 0, sizeof(seen));
	mapfile_foreach_entry(mf, seen_add, &seen);
	ck_assert_uint_eq(seen.n, 2);
	ck_assert_str_eq(seen.e[1].user, "bob");
	ck_assert_int_eq(seen.e[1].cand, -1);
	mapfile_free(mf);
	free(doc);
	cands_free(&cs);
}
END_TEST

static void count_lines(void *ctx, const char *line)
{
	size_t *n = ctx;

	ck_assert_ptr_nonnull(line);
	(*n)++;
}

START_TEST(test_explain_says_something)
{
	struct cands cs;
	struct mapfile *mf;
	size_t n = 0;
	char *doc;

	cands_make(&cs, 1);
	doc = unit_asprintf(SEC_ONE("alice"), cs.b64[0]);
	mf = parse_ok(doc, &cs.p);
	mapfile_explain(mf, "svc", 0, NULL, count_lines, &n);
	ck_assert_uint_gt(n, 0);
	mapfile_free(mf);
	free(doc);
	cands_free(&cs);
}
END_TEST

/* -------------------------------------------------- multiple candidates */

START_TEST(test_multiple_candidates)
{
	struct cands cs;
	struct mapfile *mf;
	char *doc;

	cands_make(&cs, 3);
	cs.p.ncand = 2;   /* the third certificate is in the file but not a candidate */
	doc = unit_asprintf("<" SEC " enabled=\"true\">\n<oneToOneMappings>\n"
			"<add userName=\"carol\" certificate=\"%s\" />\n"
			"<add userName=\"bob\" certificate=\"%s\" />\n"
			"<add userName=\"alice\" certificate=\"%s\" />\n"
			"</oneToOneMappings>\n</" SEC ">\n", cs.b64[2], cs.b64[1], cs.b64[0]);
	mf = parse_ok(doc, &cs.p);
	expect_user(mf, "", 0, "alice", 5);
	expect_user(mf, "", 1, "bob", 4);
	mapfile_free(mf);
	free(doc);
	cands_free(&cs);
}
END_TEST

/* ----------------------------------------------------- 2.6 file safety */

/* The ownership checks need root; elsewhere they are skipped with a note. */
static int is_root(const char *test)
{
	if (geteuid() == 0)
		return 1;
	printf("# %s: not root, the ownership part is skipped\n", test);
	return 0;
}

static int root(void)
{
	return geteuid() == 0;
}

/* A valid file NAME with MODE; its path in PATH. */
static char *write_mapfile(const char *name, unsigned mode, char *path, size_t pathlen,
			   struct cands *cs)
{
	char *doc;

	cands_make(cs, 1);
	doc = unit_asprintf(SEC_ONE("alice"), cs->b64[0]);
	unit_write_file(name, doc, strlen(doc), mode, path, pathlen);
	return doc;
}

/* mapfile_load on PATH must fail with ST at no line, with one of ANY_OF. */
static void expect_load_fails(const char *path, const struct mapfile_params *p,
			      enum mapfile_status st, const char *any_of)
{
	struct mapfile_error err;
	struct mapfile *mf = (struct mapfile *)&err;
	enum mapfile_status got;

	memset(&err, 0, sizeof(err));
	got = mapfile_load(path, p, &mf, &err);
	if (got == MAPFILE_OK)
		mapfile_free(mf);
	ck_assert_msg(got == st, "%s: status %d, expected %d (%s)", path, (int)got, (int)st,
		      err.reason);
	ck_assert_int_eq(err.status, st);
	ck_assert_ptr_null(mf);
	ck_assert_uint_eq(err.line, 0);
	ck_assert_msg(any_of == NULL || reason_has(err.reason, any_of), "reason: %s", err.reason);
}

START_TEST(test_load_regular_root_file)
{
	struct cands cs;
	struct mapfile_error err;
	struct mapfile *mf = NULL;
	char path[512], *doc;

	if (!is_root("test_load_regular_root_file"))
		return;
	doc = write_mapfile("ok.xml", 0644, path, sizeof(path), &cs);
	ck_assert_int_eq(mapfile_load(path, &cs.p, &mf, &err), MAPFILE_OK);
	expect_user(mf, "", 0, "alice", 3);
	mapfile_free(mf);
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_int_eq(mapfile_load(path, &cs.p, &mf, &err), MAPFILE_OK);
	mapfile_free(mf);
	free(doc);
	cands_free(&cs);
}
END_TEST

START_TEST(test_load_invalid_content_has_position)
{
	struct mapfile_params none = { 0 };
	struct mapfile_error err;
	struct mapfile *mf = NULL;
	char path[512];
	const char *doc = "<" SEC ">\n<oneToOneMappings>\n<remove certificate=\"QUJD\" />\n"
			  "</oneToOneMappings>\n</" SEC ">\n";

	if (!is_root("test_load_invalid_content_has_position"))
		return;
	unit_write_file("bad.xml", doc, strlen(doc), 0644, path, sizeof(path));
	ck_assert_int_eq(mapfile_load(path, &none, &mf, &err), MAPFILE_INVALID);
	ck_assert_ptr_null(mf);
	ck_assert_uint_eq(err.line, 3);
	ck_assert_uint_eq(err.column, 1);
}
END_TEST

START_TEST(test_load_symlink_unsafe)
{
	struct cands cs;
	char path[512], link[600], *doc;

	doc = write_mapfile("target.xml", 0644, path, sizeof(path), &cs);
	snprintf(link, sizeof(link), "%s/link.xml", unit_tmpdir());
	unlink(link);
	ck_assert_int_eq(symlink(path, link), 0);
	expect_load_fails(link, &cs.p, MAPFILE_UNSAFE, "link");
	free(doc);
	cands_free(&cs);
}
END_TEST

START_TEST(test_load_group_writable_unsafe)
{
	struct cands cs;
	char path[512], *doc;

	doc = write_mapfile("gw.xml", 0664, path, sizeof(path), &cs);
	expect_load_fails(path, &cs.p, MAPFILE_UNSAFE, root() ? "writ" : NULL);
	free(doc);
	cands_free(&cs);
}
END_TEST

START_TEST(test_load_world_writable_unsafe)
{
	struct cands cs;
	char path[512], *doc;

	doc = write_mapfile("ww.xml", 0646, path, sizeof(path), &cs);
	expect_load_fails(path, &cs.p, MAPFILE_UNSAFE, root() ? "writ" : NULL);
	free(doc);
	cands_free(&cs);
}
END_TEST

START_TEST(test_load_not_root_owned_unsafe)
{
	struct cands cs;
	char path[512], *doc;
	int fd;

	if (!is_root("test_load_not_root_owned_unsafe"))
		return;
	doc = write_mapfile("nobody.xml", 0644, path, sizeof(path), &cs);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fchown(fd, 65534, 65534), 0);
	ck_assert_int_eq(close(fd), 0);
	expect_load_fails(path, &cs.p, MAPFILE_UNSAFE, "owner|owned|root");
	free(doc);
	cands_free(&cs);
}
END_TEST

START_TEST(test_load_directory_unsafe)
{
	struct mapfile_params none = { 0 };
	char path[512];

	snprintf(path, sizeof(path), "%s/adir", unit_tmpdir());
	ck_assert(mkdir(path, 0755) == 0 || errno == EEXIST);
	expect_load_fails(path, &none, MAPFILE_UNSAFE, NULL);
}
END_TEST

START_TEST(test_load_fifo_unsafe)
{
	struct mapfile_params none = { 0 };
	char path[512];

	/* Opening a FIFO with no writer must neither hang nor be accepted. */
	snprintf(path, sizeof(path), "%s/fifo.xml", unit_tmpdir());
	unlink(path);
	ck_assert_int_eq(mkfifo(path, 0644), 0);
	expect_load_fails(path, &none, MAPFILE_UNSAFE, NULL);
}
END_TEST

START_TEST(test_load_empty_file_invalid)
{
	struct mapfile_params none = { 0 };
	struct mapfile_error err;
	struct mapfile *mf = NULL;
	char path[512];

	if (!is_root("test_load_empty_file_invalid"))
		return;
	unit_write_file("empty.xml", "", 0, 0644, path, sizeof(path));
	ck_assert_int_eq(mapfile_load(path, &none, &mf, &err), MAPFILE_INVALID);
	ck_assert_ptr_null(mf);
}
END_TEST

START_TEST(test_load_missing)
{
	struct mapfile_params none = { 0 };
	char path[512];

	snprintf(path, sizeof(path), "%s/does-not-exist.xml", unit_tmpdir());
	expect_load_fails(path, &none, MAPFILE_MISSING, NULL);
}
END_TEST

START_TEST(test_load_too_large_unsafe)
{
	struct cands cs;
	struct mapfile_error err;
	struct mapfile *mf = NULL;
	char path[512], *doc;

	doc = write_mapfile("big.xml", 0644, path, sizeof(path), &cs);
	cs.p.max_size = 16;
	expect_load_fails(path, &cs.p, MAPFILE_UNSAFE, root() ? "large" : NULL);
	if (is_root("test_load_too_large_unsafe")) {
		/* The limit itself is allowed, one byte less is not. */
		cs.p.max_size = strlen(doc);
		ck_assert_int_eq(mapfile_load(path, &cs.p, &mf, &err), MAPFILE_OK);
		mapfile_free(mf);
		cs.p.max_size = strlen(doc) - 1;
		expect_load_fails(path, &cs.p, MAPFILE_UNSAFE, "large");
	}
	free(doc);
	cands_free(&cs);
}
END_TEST

/* ----------------------------------------------------- thread safety */

struct worker {
	const char *doc;
	const struct mapfile_params *p;
	int bad;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < 25; i++) {
		struct mapfile_error err;
		struct mapfile_answer ans;
		struct mapfile *mf = NULL;
		const char *u0, *u1;

		if (mapfile_parse_buffer(w->doc, strlen(w->doc), w->p, &mf, &err) != MAPFILE_OK) {
			w->bad++;
			continue;
		}
		mapfile_query(mf, "svc", 0, &ans);
		u0 = mapfile_answer_user(&ans);
		mapfile_query(mf, "svc", 1, &ans);
		u1 = mapfile_answer_user(&ans);
		if (u0 == NULL || strcmp(u0, "alice") != 0 || u1 == NULL || strcmp(u1, "bob") != 0)
			w->bad++;
		mapfile_free(mf);
	}
	return NULL;
}

START_TEST(test_threads_parse_concurrently)
{
	struct cands cs;
	struct worker w[8];
	pthread_t t[8];
	char *doc;

	cands_make(&cs, 2);
	doc = unit_asprintf("<configuration>\n" AUTH_OPEN SEC_ONE("alice") AUTH_CLOSE
			LOC_OPEN("svc") SEC_ONE("bob") LOC_CLOSE "</configuration>\n",
			cs.b64[0], cs.b64[1]);
	for (int i = 0; i < 8; i++) {
		w[i].doc = doc;
		w[i].p = &cs.p;
		w[i].bad = 0;
		ck_assert_int_eq(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		ck_assert_msg(w[i].bad == 0, "thread %d: %d wrong answers", i, w[i].bad);
	}
	free(doc);
	cands_free(&cs);
}
END_TEST

/* What mapfile_foreach_effective handed over: users in order, and the
 * section attributes it passed along. */
struct eff {
	size_t n;
	char user[8][16];
	int section_enabled, one_to_one_enabled;
	char domain[16];
};

static void eff_add(void *ctx, const struct mapfile_answer *ans)
{
	struct eff *f = ctx;

	ck_assert_ptr_nonnull(ans->entry);
	if (f->n >= 8)
		return;
	snprintf(f->user[f->n++], sizeof(f->user[0]), "%s",
		 ans->entry->user_name != NULL ? ans->entry->user_name : "(null)");
	f->section_enabled = ans->section_enabled;
	f->one_to_one_enabled = ans->one_to_one_enabled;
	snprintf(f->domain, sizeof(f->domain), "%s",
		 ans->default_logon_domain != NULL ? ans->default_logon_domain : "(null)");
}

/* The users of the effective collection at Q, joined by spaces. */
static void eff_walk(const struct mapfile *mf, const char *q, struct eff *f, char *users,
		     size_t len)
{
	memset(f, 0, sizeof(*f));
	mapfile_foreach_effective(mf, q, eff_add, f);
	users[0] = '\0';
	for (size_t i = 0; i < f->n; i++)
		snprintf(users + strlen(users), len - strlen(users), "%s%s", i ? " " : "",
			 f->user[i]);
}

#define ADD(u, c) "<add userName=\"" u "\" certificate=\"" c "\" />\n"

START_TEST(test_foreach_effective_levels_and_clear)
{
	struct mapfile_params p = { 0 };
	struct mapfile *mf;
	struct eff f;
	char users[128];
	/* Levels out of depth order in the document: the walk orders them. */
	const char *doc =
		"<configuration>\n"
		LOC_OPEN("app/sub") "<" SEC " oneToOneCertificateMappingsEnabled=\"false\">\n"
		"<oneToOneMappings>\n" ADD("erin", "EEEE") "</oneToOneMappings>\n</" SEC ">\n"
		LOC_CLOSE
		AUTH_OPEN "<" SEC " enabled=\"true\" defaultLogonDomain=\"EX\">\n<oneToOneMappings>\n"
		ADD("alice", "AAAA") "<add userName=\"bob\" enabled=\"false\" certificate=\"BBBB\"/>\n"
		"</oneToOneMappings>\n</" SEC ">\n" AUTH_CLOSE
		LOC_OPEN("app") "<" SEC ">\n<oneToOneMappings>\n"
		ADD("carol", "CCCC") "<clear />\n" ADD("dave", "DDDD")
		"</oneToOneMappings>\n</" SEC ">\n" LOC_CLOSE
		LOC_OPEN("other") "<" SEC " enabled=\"false\">\n<oneToOneMappings>\n"
		ADD("frank", "FFFF") "</oneToOneMappings>\n</" SEC ">\n" LOC_CLOSE
		"</configuration>\n";

	p.keep_all = 1;
	mf = parse_ok(doc, &p);
	eff_walk(mf, "", &f, users, sizeof(users));
	ck_assert_str_eq(users, "alice bob");
	ck_assert_int_eq(f.section_enabled, 1);
	ck_assert_int_eq(f.one_to_one_enabled, 1);
	ck_assert_str_eq(f.domain, "EX");
	eff_walk(mf, "app", &f, users, sizeof(users));
	ck_assert_str_eq(users, "dave");
	eff_walk(mf, "APP/Sub/deeper", &f, users, sizeof(users));
	ck_assert_str_eq(users, "dave erin");
	ck_assert_int_eq(f.section_enabled, 1);
	ck_assert_int_eq(f.one_to_one_enabled, 0);
	eff_walk(mf, "other", &f, users, sizeof(users));
	ck_assert_str_eq(users, "alice bob frank");
	ck_assert_int_eq(f.section_enabled, 0);
	eff_walk(mf, "application", &f, users, sizeof(users));
	ck_assert_str_eq(users, "alice bob");
	mapfile_free(mf);
	/* Without keep_all nor candidates no entry is kept, so none is walked. */
	p.keep_all = 0;
	mf = parse_ok(doc, &p);
	eff_walk(mf, "app/sub", &f, users, sizeof(users));
	ck_assert_uint_eq(f.n, 0);
	mapfile_free(mf);
}
END_TEST

/* ------------------------------------------------------------- suite */

Suite *unit_suite(void)
{
	Suite *s = suite_create("mapfile");
	TCase *acc = tcase_create("accepted");
	TCase *ref = tcase_create("refused");
	TCase *lev = tcase_create("levels");
	TCase *mat = tcase_create("matching");
	TCase *fil = tcase_create("file");

	tcase_add_test(acc, test_accept_full_configuration);
	tcase_add_test(acc, test_accept_bare_section);
	tcase_add_test(acc, test_accept_section_top_level_and_in_location);
	tcase_add_test(acc, test_accept_other_elements_ignored);
	tcase_add_test(acc, test_accept_utf8_bom);
	tcase_add_test(acc, test_accept_utf16le_bom);
	tcase_add_test(acc, test_accept_utf16be_bom);
	tcase_add_test(acc, test_accept_iso_8859_1_declared);
	tcase_add_test(acc, test_accept_us_ascii_declared);
	tcase_add_test(acc, test_accept_crlf);
	tcase_add_test(acc, test_accept_comments_anywhere);
	tcase_add_test(acc, test_accept_single_quoted_attributes);
	tcase_add_test(acc, test_accept_character_references);
	tcase_add_test(acc, test_accept_self_closing_section);
	tcase_add_test(acc, test_accept_attributes_on_several_lines);
	tcase_add_test(acc, test_accept_lock_attributes_ignored);
	tcase_add_test(acc, test_accept_many_to_one_parsed);
	tcase_add_test(acc, test_accept_no_section_maps_nothing);
	suite_add_tcase(s, acc);

	tcase_add_test(ref, test_refuse_doctype);
	tcase_add_test(ref, test_refuse_billion_laughs);
	tcase_add_test(ref, test_refuse_unknown_encoding);
	tcase_add_test(ref, test_refuse_root_element);
	tcase_add_test(ref, test_refuse_not_well_formed);
	tcase_add_test(ref, test_refuse_unknown_element_in_section);
	tcase_add_test(ref, test_refuse_remove_element);
	tcase_add_test(ref, test_refuse_unknown_attribute);
	tcase_add_test(ref, test_refuse_config_source);
	tcase_add_test(ref, test_refuse_missing_certificate);
	tcase_add_test(ref, test_boolean_true_false_any_case);
	tcase_add_test(ref, test_enum_logon_method_names_without_case);
	tcase_add_test(ref, test_enum_permission_mode_and_certificate_field);
	tcase_add_test(ref, test_many_to_one_name_required_non_empty);
	tcase_add_test(ref, test_many_to_one_user_name_non_empty);
	tcase_add_test(ref, test_rule_required_attributes);
	tcase_add_test(ref, test_many_to_one_duplicate_name_without_case);
	tcase_add_test(ref, test_rule_duplicate_combined_key);
	tcase_add_test(ref, test_child_element_at_most_once);
	tcase_add_test(ref, test_text_only_whitespace_in_section);
	tcase_add_test(ref, test_misplaced_section_is_invalid);
	tcase_add_test(ref, test_misplaced_collection_is_invalid);
	tcase_add_test(ref, test_nested_location_is_invalid);
	tcase_add_test(ref, test_section_twice_at_one_level);
	tcase_add_test(ref, test_locations_without_section_do_not_count);
	suite_add_tcase(s, ref);

	tcase_add_test(lev, test_level_dot_empty_and_no_path_are_top);
	tcase_add_test(lev, test_level_segments_compared_without_case);
	tcase_add_test(lev, test_level_applies_to_whole_segments);
	tcase_add_test(lev, test_level_order_by_segments_not_document);
	tcase_add_test(lev, test_level_attribute_overrides_inherited);
	tcase_add_test(lev, test_level_clear_drops_inherited_and_earlier);
	tcase_add_test(lev, test_level_inherited_disabled_child_enabled);
	tcase_add_test(lev, test_level_sibling_locations_independent);
	tcase_add_test(lev, test_path_applies);
	suite_add_tcase(s, lev);

	tcase_add_test(mat, test_match_whitespace_removed);
	tcase_add_test(mat, test_match_user_name_verbatim);
	tcase_add_test(mat, test_match_dead_entries_never_match);
	tcase_add_test(mat, test_match_dead_placeholders_are_text);
	tcase_add_test(mat, test_match_dead_reason_words);
	tcase_add_test(mat, test_match_whitespace_variants_invalid);
	tcase_add_test(mat, test_match_whitespace_variant_inherited_invalid);
	tcase_add_test(mat, test_duplicate_same_level_iis_wording);
	tcase_add_test(mat, test_duplicate_inherited_invalid);
	tcase_add_test(mat, test_duplicate_confirmed_by_values);
	tcase_add_test(mat, test_duplicate_after_clear_valid);
	tcase_add_test(mat, test_nothing_maps_section_enabled_absent);
	tcase_add_test(mat, test_nothing_maps_section_disabled);
	tcase_add_test(mat, test_nothing_maps_one_to_one_disabled);
	tcase_add_test(mat, test_nothing_maps_entry_disabled);
	tcase_add_test(mat, test_nothing_maps_user_name_missing);
	tcase_add_test(mat, test_nothing_maps_user_name_empty);
	tcase_add_test(mat, test_answer_user_rule);
	tcase_add_test(mat, test_query_without_candidate);
	tcase_add_test(mat, test_password_recorded_not_exposed);
	tcase_add_test(mat, test_keep_all_walks_every_entry);
	tcase_add_test(mat, test_explain_says_something);
	tcase_add_test(mat, test_multiple_candidates);
	tcase_add_test(mat, test_threads_parse_concurrently);
	tcase_add_test(mat, test_foreach_effective_levels_and_clear);
	tcase_set_timeout(mat, 60);
	suite_add_tcase(s, mat);

	tcase_add_test(fil, test_load_regular_root_file);
	tcase_add_test(fil, test_load_invalid_content_has_position);
	tcase_add_test(fil, test_load_symlink_unsafe);
	tcase_add_test(fil, test_load_group_writable_unsafe);
	tcase_add_test(fil, test_load_world_writable_unsafe);
	tcase_add_test(fil, test_load_not_root_owned_unsafe);
	tcase_add_test(fil, test_load_directory_unsafe);
	tcase_add_test(fil, test_load_fifo_unsafe);
	tcase_add_test(fil, test_load_empty_file_invalid);
	tcase_add_test(fil, test_load_missing);
	tcase_add_test(fil, test_load_too_large_unsafe);
	suite_add_tcase(s, fil);
	return s;
}
