/* mapfile_model.h - what the parser keeps of a mapping file: levels (one per
 * section found), their directives in document order, the entries, and on
 * request where each element stands in the bytes (for certmap's editor). */
#ifndef PAM_CERTMAP_MAPFILE_MODEL_H
#define PAM_CERTMAP_MAPFILE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "b64scan.h"
#include "mapfile.h"

/* A section attribute: not given (inherit) or given with a value. */
enum { MF_UNSET = -1 };

/* Positions, recorded only with mapfile_params.positions: an element's bytes
 * from the start of the document.  Its start tag is [start, tag_end) (all of
 * it for an empty-element tag <x/>), its end tag [close, end) (both tag_end
 * for <x/>).  Indices into spans[]; MF_NO_SPAN where nothing was recorded. */
#define MF_NO_SPAN UINT32_MAX

struct mf_span {
	size_t start, tag_end, close, end;
	size_t last_child;     /* start of its last child element, when has_child */
	uint8_t empty, has_child;
};

/* Where a section can stand: the root <configuration> or a <location>, with
 * the first system.webServer, security and authentication on the way down
 * (each inside the one before).  Positions only. */
struct mf_place {
	char *path;            /* the <location>'s path as written; NULL for the root */
	uint32_t el, sysweb, security, authn;  /* spans */
};

struct mf_level {
	char *path;            /* <location path> as written, "" for the top level */
	char *norm;            /* segments joined by '/', empty segments dropped */
	size_t nseg;
	unsigned long line, column;  /* of the section element */
	int enabled, o2o_enabled, m2o_enabled;  /* MF_UNSET or 0/1 */
	char *default_logon_domain;  /* NULL when not given */
	size_t first_dir, ndir;      /* its directives: dirs[first_dir ..] */
	uint32_t place;              /* positions: its place in places[], or MF_NO_SPAN (bare) */
	uint32_t section_span, o2o_span, m2o_span;  /* positions: the section, its collections */
};

enum mf_dir_kind {
	MF_O2O_ADD,
	MF_O2O_CLEAR,
	MF_M2O_ADD,
	MF_M2O_CLEAR,
};

/* A directive in 4 bytes: kind in the top bits, index below (into o2o[],
 * m2o[] or clears[]); files of millions of entries stay small. */
typedef uint32_t mf_dir;
#define MF_DIR_SHIFT 28
#define MF_DIR_MAX_INDEX ((1u << MF_DIR_SHIFT) - 1)
#define MF_DIR(kind, index) (((uint32_t)(kind) << MF_DIR_SHIFT) | (uint32_t)(index))
#define MF_DIR_KIND(d) ((enum mf_dir_kind)((d) >> MF_DIR_SHIFT))
#define MF_DIR_INDEX(d) ((d) & MF_DIR_MAX_INDEX)

#define MF_NO_ENTRY UINT32_MAX

/* With mapfile_params.keys, an entry's key: the SHA-256 of its certificate
 * value without whitespace (for a live value, the canonical base64 of the
 * DER, so a certificate's key is the SHA-256 of that text). */
#define MF_KEY_LEN 32

/* What validation needs of every one-to-one <add>; the public entry is
 * kept only for entries that equal a candidate, or with keep_all.  Two equal
 * keys only suggest a duplicate: mapfile_dup.c confirms it with the values. */
struct mf_o2o {
	struct b64key key;     /* of the value without whitespace */
	uint32_t line, column;
	uint32_t entry;        /* index into entries[], or MF_NO_ENTRY */
};

struct mf_pos {
	uint32_t line, column;
};

struct mf_m2o {
	struct b64key key;     /* of the name without case */
	struct mapfile_mapping m;
	uint32_t span, rules_span;  /* positions: the <add> and its <rules> */
};

struct mapfile {
	struct mf_level *levels;
	size_t nlevels, caplevels;
	mf_dir *dirs;
	size_t ndirs, capdirs;
	struct mf_o2o *o2o;
	size_t no2o, capo2o;
	struct mf_pos *clears;
	size_t nclears, capclears;
	struct mapfile_entry *entries;
	size_t nentries, capentries;
	unsigned char (*ekeys)[MF_KEY_LEN];  /* keys: each entry's key (mf_entry_key) */
	size_t capekeys;
	struct mf_m2o *m2o;
	size_t nm2o, capm2o;
	struct mapfile_rule *rules;  /* of every mapping, each one's together */
	size_t nrules, caprules;
	/* Positions (mapfile_params.positions), else empty. */
	struct mf_span *spans;
	size_t nspans, capspans;
	uint32_t *o2o_spans;   /* the span of each o2o[] */
	size_t capo2o_spans;
	struct mf_place *places;
	size_t nplaces, capplaces;
	int bare;              /* the root element is the section */
	int utf8;              /* the declared encoding is UTF-8 (or none is declared) */
};

/* The parser (mapfile_parse.c) fills MF from an expat parse of the document;
 * CAND are the candidates' canonical base64 strings. */
struct mf_cand {
	char *b64;
	size_t len;
	struct b64key key;
};

struct mf_parse_args {
	const struct mapfile_params *params;
	const struct mf_cand *cands;
	size_t ncands;
	int fd;                /* read from fd when >= 0, else from buf/len */
	size_t max_size;
	const char *buf;
	size_t len;
	/* A second parse that confirms duplicates (mapfile_dup.c) copies the
	 * certificate values of the one-to-one <add>s numbered collect[] (sorted,
	 * unique) to collected[]. */
	const uint32_t *collect;
	size_t ncollect;
	char **collected;
};

enum mapfile_status mf_parse(struct mapfile *mf, const struct mf_parse_args *a,
			     struct mapfile_error *err);

/* The key of entry E of MF, loaded with keys (mapfile_add.c). */
const unsigned char *mf_entry_key(const struct mapfile *mf, const struct mapfile_entry *e);

/* The key of a certificate's canonical base64 text B64 (LEN characters). */
int mf_key_of(const char *b64, size_t len, unsigned char out[MF_KEY_LEN]);

/* Free what positions recorded (mapfile_pos.c). */
void mf_pos_free(struct mapfile *mf);

/* Whole-file checks after the parse (mapfile.c): levels twice, duplicates.
 * A is what the parse read, for confirming duplicates with the values. */
enum mapfile_status mf_validate(struct mapfile *mf, const struct mf_parse_args *a,
				struct mapfile_error *err);

/* ---------------------------------------------------------- mapfile_dup.c */

/* How two certificate values compare: the same as written (IIS's duplicate
 * key), the same once whitespace is removed (one certificate), or not. */
enum mf_same { MF_DIFFERENT = 0, MF_SAME_VALUE, MF_SAME_CERTIFICATE };
enum mf_same mf_values_same(const char *a, const char *b);

/* Two one-to-one <add>s, numbered in o2o[], whose keys are equal. */
struct mf_suspect {
	uint32_t first, again;
};
/* Suspects kept before they are confirmed; beyond, the walk stops there. */
#define MF_MAX_SUSPECTS 4096

/* Confirm the N suspects, in order, by their values read again from A's
 * document: the first pair that holds one certificate makes the file invalid
 * with the IIS wording (or the whitespace one).  MAPFILE_OK when none does;
 * FULL says the walk stopped at MF_MAX_SUSPECTS, and then that is an error. */
enum mapfile_status mf_confirm_o2o(const struct mapfile *mf, const struct mf_parse_args *a,
				   const struct mf_suspect *sus, size_t n, int full,
				   struct mapfile_error *err);

/* Called by the parser for the <add> numbered IDX when A collects values. */
void mf_collect_value(const struct mf_parse_args *a, uint32_t idx, const char *value);

/* ----------------------------------------------- shared by the query files */

/* The next segment of a location path from *P: 1 with SEG and LEN, 0 at the
 * end; empty and "." segments are skipped. */
int mf_next_seg(const char **p, const char **seg, size_t *len);

/* Number of segments of location Q. */
size_t mf_path_nseg(const char *q);

/* The level with exactly DEPTH segments that applies to Q, if any (distinct
 * levels that apply to one location differ in depth). */
const struct mf_level *mf_level_at(const struct mapfile *mf, const char *q, size_t depth);

/* Where the effective collection of Q starts (Q has DEPTH segments): after
 * the last <clear/> of kind CLEAR of the deepest level that has one. */
void mf_effective_start(const struct mapfile *mf, const char *location, size_t depth,
			enum mf_dir_kind clear, size_t *from_depth, size_t *from_dir);

/* Where explain's lines go; a NULL walk or fn says nothing. */
struct mf_walk {
	mapfile_trace_fn fn;
	void *ctx;
};
void mf_say(const struct mf_walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The many-to-one side of a query (mapfile_m2o.c).  mf_m2o_count: enabled
 * mappings in the effective collection at Q.  mf_m2o_decide: the first of
 * them whose rules all match X into *OUT (NULL for none), each step told to
 * W; MAPFILE_OK, MAPFILE_NOMEM or MAPFILE_INVALID (X's names unreadable). */
size_t mf_m2o_count(const struct mapfile *mf, const char *q);
enum mapfile_status mf_m2o_decide(const struct mapfile *mf, const char *q, X509 *x,
				  const struct mapfile_mapping **out, const struct mf_walk *w);

/* Make room for element N of *ARR (capacity *CAP, elements of ELSIZE
 * bytes).  Returns 0, or -1 when memory runs out. */
int mf_grow(void **arr, size_t *cap, size_t n, size_t elsize);

/* Errors with a position. */
void mf_error(struct mapfile_error *err, enum mapfile_status st, unsigned long line,
	      unsigned long column, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#endif
