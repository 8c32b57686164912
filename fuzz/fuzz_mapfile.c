/* fuzz_mapfile.c - libFuzzer harness for the mapping-file parser, validator
 * and queries, many-to-one evaluation included; the same document loaded with
 * and without keep_all must agree, and with positions, whose every span must
 * hold its element's tags. */
#include "config.h"
#include "mapfile.h"
#include "mapfile_model.h"
#include "fuzz/fuzz.h"

#include <string.h>

/* Input: one mode byte, then the document.  Mode bit 0: which of the two
 * loads gets explained and walked; bit 1: bob's certificate is a second
 * candidate. */
#define MODE_EXPLAIN_KEEP_ALL 0x01
#define MODE_TWO_CANDIDATES 0x02

#define MAX_LOCATIONS 16

static const char *const fixed_locations[] = {
	"", "webapp", "intranet", "WebApp/sub/../x", "Site/App", "a/b/c", "/", "x//y/./z",
};

static unsigned char *cand_der[2];
static size_t cand_len[2];
/* The candidates as certificates, and one that is no candidate: their
 * subjects and issuers are what the many-to-one rules look at. */
static X509 *cand_x509[3];

struct loaded {
	enum mapfile_status st;
	struct mapfile_error err;
	struct mapfile *mf;
};

/* What both loads must say alike about the candidates' entries. */
struct entry_list {
	size_t n;
	unsigned long line[64], column[64];
	int cand[64], enabled[64];
	const char *user[64];
	char *paths[MAX_LOCATIONS];
	size_t npaths;
};

static void collect(void *ctx, const char *level_path, const struct mapfile_entry *e)
{
	struct entry_list *l = ctx;
	size_t i;

	/* The strings must be readable whole; the hint too. */
	if (strlen(level_path) + strlen(mapfile_dead_reason(e->dead)) +
	    strlen(mapfile_dead_hint(e->dead)) + (e->user_name ? strlen(e->user_name) : 0) +
	    (e->certificate ? strlen(e->certificate) : 0) == (size_t)-1)
		abort();
	for (i = 0; i < l->npaths && strcmp(l->paths[i], level_path) != 0; i++)
		;
	if (i == l->npaths && l->npaths < MAX_LOCATIONS)
		l->paths[l->npaths++] = strdup(level_path);
	if (e->cand < 0 || l->n >= 64)
		return;
	l->line[l->n] = e->line;
	l->column[l->n] = e->column;
	l->cand[l->n] = e->cand;
	l->enabled[l->n] = e->enabled;
	l->user[l->n] = e->user_name;
	l->n++;
}

static void trace(void *ctx, const char *line)
{
	size_t *total = ctx;

	*total += strlen(line);
}

static int str_eq(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* What a many-to-one answer must be, whatever the file says. */
static void check_m2o(const struct mapfile *mf, const struct mapfile_answer *a)
{
	const struct mapfile_mapping *m = a->mapping;
	const char *user = mapfile_answer_user(a);

	if (m == NULL)
		return;
	if (a->entry != NULL || !a->section_enabled || !a->many_to_one_enabled || !m->enabled ||
	    m->nrules == 0 || a->many_to_one_count == 0)
		fuzz_die("a many-to-one mapping decided where none may");
	if (user != NULL && (m->deny || user != m->user_name))
		fuzz_die("a Deny mapping, or another's name, maps");
	if (mapfile_mapping_rules(mf, m) == NULL)
		fuzz_die("a mapping with rules has none");
}

/* The whole answer for certificate X (candidate CAND, or -1) at LOC. */
static void same_cert_answer(const struct mapfile *a, const struct mapfile *b, const char *loc,
			     int cand, X509 *x)
{
	struct mapfile_answer p, q;
	enum mapfile_status sp = mapfile_query_cert(a, loc, cand, x, &p);
	enum mapfile_status sq = mapfile_query_cert(b, loc, cand, x, &q);

	if (sp != sq)
		fuzz_die("keep_all changes whether the names can be read");
	if (sp != MAPFILE_OK)
		return;
	check_m2o(a, &p);
	check_m2o(b, &q);
	if ((p.mapping == NULL) != (q.mapping == NULL) ||
	    (p.mapping != NULL && p.mapping->line != q.mapping->line) ||
	    (p.entry == NULL) != (q.entry == NULL) ||
	    !str_eq(mapfile_answer_user(&p), mapfile_answer_user(&q)))
		fuzz_die("the many-to-one answer depends on keep_all");
}

static void same_answer(const struct mapfile *a, const struct mapfile *b, const char *loc,
			int cand)
{
	struct mapfile_answer x, y;

	mapfile_query(a, loc, cand, &x);
	mapfile_query(b, loc, cand, &y);
	if (x.section_enabled != y.section_enabled ||
	    x.one_to_one_enabled != y.one_to_one_enabled ||
	    !str_eq(x.default_logon_domain, y.default_logon_domain) ||
	    (x.entry == NULL) != (y.entry == NULL) ||
	    (x.entry != NULL && x.entry->line != y.entry->line) ||
	    !str_eq(mapfile_answer_user(&x), mapfile_answer_user(&y)))
		fuzz_die("the answer depends on keep_all");
}

static void same_entries(const struct entry_list *x, const struct entry_list *y)
{
	if (x->n != y->n)
		fuzz_die("keep_all changes which entries hold a candidate");
	for (size_t i = 0; i < x->n; i++)
		if (x->line[i] != y->line[i] || x->column[i] != y->column[i] ||
		    x->cand[i] != y->cand[i] || x->enabled[i] != y->enabled[i] ||
		    !str_eq(x->user[i], y->user[i]))
			fuzz_die("keep_all changes an entry");
}

/* LOAD_KEEP_ALL and LOAD_POSITIONS, ORed. */
#define LOAD_KEEP_ALL 1
#define LOAD_POSITIONS 2

static void load(const uint8_t *doc, size_t len, int how, size_t ncand, struct loaded *l)
{
	struct mapfile_params p = {
		.keep_all = (how & LOAD_KEEP_ALL) != 0,
		.positions = (how & LOAD_POSITIONS) != 0,
		.cand_der = (const unsigned char *const *)cand_der,
		.cand_len = cand_len,
		.ncand = ncand,
	};

	l->st = mapfile_parse_buffer((const char *)doc, len, &p, &l->mf, &l->err);
	if ((l->st == MAPFILE_OK) != (l->mf != NULL))
		fuzz_die("status and model disagree");
	if (memchr(l->err.reason, '\0', sizeof(l->err.reason)) == NULL)
		fuzz_die("reason not terminated");
}

/* Explain and walk one load for every location, and compare the answers of
 * both loads. */
static void exercise(struct loaded *walked, struct loaded *other, size_t ncand)
{
	struct entry_list lw = { 0 }, lo = { 0 };
	size_t total = 0;

	mapfile_foreach_entry(walked->mf, collect, &lw);
	mapfile_foreach_entry(other->mf, collect, &lo);
	same_entries(&lw, &lo);
	for (size_t i = 0; i < sizeof(fixed_locations) / sizeof(fixed_locations[0]) + lw.npaths;
	     i++) {
		const char *loc = i < lw.npaths ? lw.paths[i] : fixed_locations[i - lw.npaths];

		for (int cand = -1; cand < (int)ncand; cand++)
			same_answer(walked->mf, other->mf, loc, cand);
		for (int c = 0; c < 3; c++)
			same_cert_answer(walked->mf, other->mf, loc, c < (int)ncand ? c : -1,
					 cand_x509[c]);
		/* Explaining formats every line: one candidate per location. */
		mapfile_explain(walked->mf, loc, (int)(i % (ncand + 1)) - 1,
				cand_x509[i % 3], trace, &total);
	}
	for (size_t i = 0; i < lw.npaths; i++)
		free(lw.paths[i]);
	for (size_t i = 0; i < lo.npaths; i++)
		free(lo.paths[i]);
}

/* Every recorded span lies in the document, in order; in a document whose
 * bytes are ASCII-compatible it starts with '<' and ends with '>'. */
static void check_spans(const struct mapfile *mf, const uint8_t *doc, size_t len)
{
	int ascii = !(len >= 2 && (doc[0] == 0xff || doc[0] == 0xfe || doc[0] == 0 || doc[1] == 0));

	for (size_t i = 0; i < mf->nspans; i++) {
		const struct mf_span *e = &mf->spans[i];

		if (!(e->start < e->tag_end && e->tag_end <= e->close && e->close <= e->end &&
		      e->end <= len) || (e->has_child && !(e->last_child >= e->tag_end &&
							  e->last_child < e->close)))
			fuzz_die("a span lies outside its element");
		if (ascii && (doc[e->start] != '<' || doc[e->tag_end - 1] != '>' ||
			      doc[e->end - 1] != '>' ||
			      (!e->empty && (doc[e->close] != '<' || doc[e->close + 1] != '/'))))
			fuzz_die("a span does not hold its element's tags");
	}
	for (size_t i = 0; i < mf->no2o; i++)
		if (mf->o2o_spans == NULL || mf->o2o_spans[i] >= mf->nspans)
			fuzz_die("an entry has no span");
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	cand_x509[0] = fuzz_cert(FUZZ_ALICE_PEM);
	cand_x509[1] = fuzz_cert(FUZZ_BOB_PEM);
	cand_x509[2] = fuzz_cert(FUZZ_RSA_PEM);
	cand_der[0] = fuzz_der(cand_x509[0], &cand_len[0]);
	cand_der[1] = fuzz_der(cand_x509[1], &cand_len[1]);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct loaded plain = { 0 }, all = { 0 }, pos = { 0 };
	size_t ncand;
	uint8_t mode;

	if (size < 1)
		return 0;
	mode = data[0];
	ncand = mode & MODE_TWO_CANDIDATES ? 2 : 1;
	load(data + 1, size - 1, 0, ncand, &plain);
	load(data + 1, size - 1, LOAD_KEEP_ALL, ncand, &all);
	load(data + 1, size - 1, LOAD_KEEP_ALL | LOAD_POSITIONS, ncand, &pos);
	if (plain.st != all.st || plain.err.line != all.err.line ||
	    plain.err.column != all.err.column || strcmp(plain.err.reason, all.err.reason) != 0)
		fuzz_die("keep_all changes the verdict on the file");
	if (plain.st != pos.st || plain.err.line != pos.err.line ||
	    strcmp(plain.err.reason, pos.err.reason) != 0)
		fuzz_die("positions change the verdict on the file");
	if (pos.st == MAPFILE_OK)
		check_spans(pos.mf, data + 1, size - 1);
	if (plain.st == MAPFILE_OK) {
		if (mode & MODE_EXPLAIN_KEEP_ALL)
			exercise(&all, &plain, ncand);
		else
			exercise(&plain, &all, ncand);
	}
	mapfile_free(plain.mf);
	mapfile_free(all.mf);
	mapfile_free(pos.mf);
	return 0;
}
