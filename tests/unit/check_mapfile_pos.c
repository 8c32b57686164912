/* check_mapfile_pos.c - the byte positions the parser records for certmap's
 * editor (mapfile_params.positions): each element's tags where they are, the
 * places a section can go, and no change to what the file says. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapfile_model.h"
#include "unit.h"

#define SEC "iisClientCertificateMappingAuthentication"
#define AUTH_OPEN "<system.webServer>\n<security>\n<authentication>\n"
#define AUTH_CLOSE "</authentication>\n</security>\n</system.webServer>\n"

static struct mapfile *load(const char *doc, int positions)
{
	struct mapfile_params p = { .positions = positions, .keep_all = 1 };
	struct mapfile_error err;
	struct mapfile *mf = NULL;

	memset(&err, 0, sizeof(err));
	ck_assert_msg(mapfile_parse_buffer(doc, strlen(doc), &p, &mf, &err) == MAPFILE_OK,
		      "%lu:%lu: %s", err.line, err.column, err.reason);
	return mf;
}

/* SPAN of DOC is the element NAME (with the start of its attributes): its
 * start tag, and its end tag or none. */
static void expect_element(const char *doc, const struct mapfile *mf, uint32_t span,
			   const char *name)
{
	const struct mf_span *e;
	size_t n = strlen(name), word = strcspn(name, " ");

	ck_assert_msg(span != MF_NO_SPAN && span < mf->nspans, "<%s> has no span", name);
	e = &mf->spans[span];
	ck_assert_msg(doc[e->start] == '<' && strncmp(doc + e->start + 1, name, n) == 0,
		      "<%s> does not start at its span: '%.20s'", name, doc + e->start);
	ck_assert_msg(doc[e->tag_end - 1] == '>', "<%s>: start tag ends at '%.10s'", name,
		      doc + e->tag_end - 1);
	if (e->empty) {
		ck_assert_msg(doc[e->tag_end - 2] == '/', "<%s/> is not empty", name);
		ck_assert_uint_eq(e->close, e->tag_end);
		ck_assert_uint_eq(e->end, e->tag_end);
	} else {
		ck_assert_msg(strncmp(doc + e->close, "</", 2) == 0 &&
			      strncmp(doc + e->close + 2, name, word) == 0 && doc[e->end - 1] == '>',
			      "</%s> is not at its span: '%.20s'", name, doc + e->close);
	}
}

static const char doc_full[] =
	"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
	"<configuration>\n"
	"  <system.webServer>\n"
	"    <security>\n"
	"      <access sslFlags=\"Ssl\" />\n"
	"    </security>\n"
	"  </system.webServer>\n"
	"  <location path=\"site\">\n"
	"    " AUTH_OPEN
	"      <" SEC " enabled=\"true\">\n"
	"        <oneToOneMappings>\n"
	"          <add userName=\"a\" certificate=\"QUJD\" />\n"
	"          <add userName=\"b\" certificate=\"REVG\"></add>\n"
	"        </oneToOneMappings>\n"
	"        <manyToOneMappings>\n"
	"          <add name=\"m\"><rules><add certificateField=\"Subject\" "
	"certificateSubField=\"CN\" matchCriteria=\"x\" /></rules></add>\n"
	"        </manyToOneMappings>\n"
	"      </" SEC ">\n"
	"    " AUTH_CLOSE
	"  </location>\n"
	"  <location path=\"other\" />\n"
	"</configuration>\n";

START_TEST(test_positions_of_levels_entries_and_mappings)
{
	struct mapfile *mf = load(doc_full, 1);
	const struct mf_level *l;

	ck_assert_uint_eq(mf->nlevels, 1);
	l = &mf->levels[0];
	expect_element(doc_full, mf, l->section_span, SEC);
	expect_element(doc_full, mf, l->o2o_span, "oneToOneMappings");
	expect_element(doc_full, mf, l->m2o_span, "manyToOneMappings");
	ck_assert_uint_eq(mf->no2o, 2);
	expect_element(doc_full, mf, mf->o2o_spans[0], "add userName=\"a\"");
	expect_element(doc_full, mf, mf->o2o_spans[1], "add userName=\"b\"");
	ck_assert_uint_eq(mf->nm2o, 1);
	expect_element(doc_full, mf, mf->m2o[0].span, "add name=\"m\"");
	expect_element(doc_full, mf, mf->m2o[0].rules_span, "rules");
	/* The last child of the collection: where a new entry is indented from. */
	ck_assert(mf->spans[l->o2o_span].has_child);
	ck_assert_uint_eq(mf->spans[l->o2o_span].last_child, mf->spans[mf->o2o_spans[1]].start);
	ck_assert_int_eq(mf->utf8, 0);
	ck_assert_int_eq(mf->bare, 0);
	mapfile_free(mf);
}
END_TEST

START_TEST(test_positions_of_places)
{
	struct mapfile *mf = load(doc_full, 1);
	const struct mf_place *root, *site, *other;

	ck_assert_uint_eq(mf->nplaces, 3);
	root = &mf->places[0];
	site = &mf->places[1];
	other = &mf->places[2];
	ck_assert_ptr_null(root->path);
	expect_element(doc_full, mf, root->el, "configuration");
	expect_element(doc_full, mf, root->sysweb, "system.webServer");
	expect_element(doc_full, mf, root->security, "security");
	/* The root's <security> holds no <authentication>. */
	ck_assert_uint_eq(root->authn, MF_NO_SPAN);
	ck_assert_str_eq(site->path, "site");
	expect_element(doc_full, mf, site->el, "location path=\"site\"");
	expect_element(doc_full, mf, site->authn, "authentication");
	ck_assert_uint_eq(mf->levels[0].place, 1);
	ck_assert_str_eq(other->path, "other");
	expect_element(doc_full, mf, other->el, "location path=\"other\"");
	ck_assert(mf->spans[other->el].empty);
	ck_assert_uint_eq(other->sysweb, MF_NO_SPAN);
	mapfile_free(mf);
}
END_TEST

START_TEST(test_positions_bare_section)
{
	static const char doc[] = "<" SEC " enabled=\"true\"><oneToOneMappings /></" SEC ">";
	struct mapfile *mf = load(doc, 1);

	ck_assert_int_eq(mf->bare, 1);
	ck_assert_int_eq(mf->utf8, 1);
	ck_assert_uint_eq(mf->nplaces, 0);
	ck_assert_uint_eq(mf->levels[0].place, MF_NO_SPAN);
	expect_element(doc, mf, mf->levels[0].section_span, SEC);
	expect_element(doc, mf, mf->levels[0].o2o_span, "oneToOneMappings");
	ck_assert(mf->spans[mf->levels[0].o2o_span].empty);
	mapfile_free(mf);
}
END_TEST

/* Without positions nothing is recorded; with them the model says the same. */
START_TEST(test_positions_change_nothing_else)
{
	struct mapfile *a = load(doc_full, 0), *b = load(doc_full, 1);

	ck_assert_uint_eq(a->nspans, 0);
	ck_assert_ptr_null(a->o2o_spans);
	ck_assert_uint_eq(a->nplaces, 0);
	ck_assert_uint_eq(a->levels[0].section_span, MF_NO_SPAN);
	ck_assert_uint_eq(a->nlevels, b->nlevels);
	ck_assert_uint_eq(a->ndirs, b->ndirs);
	ck_assert_uint_eq(a->nentries, b->nentries);
	for (size_t i = 0; i < a->nentries; i++) {
		ck_assert_uint_eq(a->entries[i].line, b->entries[i].line);
		ck_assert_str_eq(a->entries[i].user_name, b->entries[i].user_name);
	}
	mapfile_free(a);
	mapfile_free(b);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("mapfile positions");
	TCase *tc = tcase_create("positions");

	tcase_add_test(tc, test_positions_of_levels_entries_and_mappings);
	tcase_add_test(tc, test_positions_of_places);
	tcase_add_test(tc, test_positions_bare_section);
	tcase_add_test(tc, test_positions_change_nothing_else);
	suite_add_tcase(s, tc);
	return s;
}
