/* mapfile.h - the IIS mapping file (SPEC section 2): safe open, one-pass
 * expat parse with full validation, levels and inheritance, and the look-up
 * of a certificate in the one-to-one and many-to-one collections. */
#ifndef PAM_CERTMAP_MAPFILE_H
#define PAM_CERTMAP_MAPFILE_H

#include <stddef.h>
#include <openssl/x509.h>

#define MAPFILE_DEFAULT_PATH "/etc/security/certmap.xml"
#define MAPFILE_DEFAULT_MAX_SIZE ((size_t)256 * 1024 * 1024)

/* Results of loading a file.  Everything but MAPFILE_OK denies every query. */
enum mapfile_status {
	MAPFILE_OK = 0,
	MAPFILE_MISSING,   /* ENOENT */
	MAPFILE_UNSAFE,    /* symlink, not regular, not root-owned, writable by group/others, too large */
	MAPFILE_INVALID,   /* not well-formed, schema error, duplicate, DOCTYPE ... */
	MAPFILE_IO,        /* any other open/read error */
	MAPFILE_NOMEM,
};

/* The one error type of this layer: where and why. */
struct mapfile_error {
	enum mapfile_status status;
	unsigned long line;    /* 0 when the error has no position (open, stat) */
	unsigned long column;  /* 1-based, as editors count */
	char reason[512];
};

/* Why an entry's certificate value can never match (SPEC 2.5 "dead"). */
enum mapfile_dead {
	MAPFILE_LIVE = 0,
	MAPFILE_DEAD_EMPTY,       /* certificate="" */
	MAPFILE_DEAD_PEM,         /* -----BEGIN CERTIFICATE----- armour left in */
	MAPFILE_DEAD_BASE64URL,   /* '-' or '_' instead of '+' '/' */
	MAPFILE_DEAD_THUMBPRINT,  /* 40 or 64 hex digits: a hash, not the certificate */
	MAPFILE_DEAD_LENGTH,      /* not a multiple of 4: a character lost or added */
	MAPFILE_DEAD_PADDING,     /* '=' misplaced, or non-zero unused bits */
	MAPFILE_DEAD_CHARACTER,   /* a character outside the base64 alphabet */
	MAPFILE_DEAD_TEXT,        /* not base64 at all: a placeholder or text */
};

/* Load options.  Candidates are the DER certificates whose entries the caller
 * wants to look up; they are compared during the parse, so no entry is decoded
 * or copied unless it matches. */
struct mapfile_params {
	size_t max_size;               /* 0 means MAPFILE_DEFAULT_MAX_SIZE */
	int keep_all;                  /* keep every entry's strings (certmap check/list) */
	int positions;                 /* record where each element stands (certmap's editor;
					* mapfile_model.h), at no cost to a load without */
	int keys;                      /* keep every entry's userName and flags and a SHA-256
					* of its value: what the look-up index and the module's
					* cache answer from (mapindex.h) */
	const unsigned char *const *cand_der;  /* candidate certificates, DER */
	const size_t *cand_len;
	size_t ncand;
};

/* One <add> of <oneToOneMappings>. */
struct mapfile_entry {
	unsigned long line, column;
	int enabled;              /* effective value of the entry's enabled attribute */
	enum mapfile_dead dead;
	int cand;                 /* index of the candidate it equals, or -1 */
	int has_password;         /* a password attribute is present */
	int password_plain;       /* ... and it is not of the [enc:...:enc] form */
	char *user_name;          /* NULL when absent; kept when cand >= 0 or keep_all */
	char *certificate;        /* the value, whitespace removed; keep_all only */
};

enum mapfile_field { MAPFILE_FIELD_SUBJECT, MAPFILE_FIELD_ISSUER };

/* One <add> of a many-to-one mapping's <rules> (SPEC 2.7). */
struct mapfile_rule {
	unsigned long line, column;
	enum mapfile_field field;   /* certificateField */
	int subfield;               /* certificateSubField as certname_subfield() knows it */
	char *subfield_name;        /* ... as written */
	char *criteria;             /* matchCriteria */
	int case_sensitive;         /* compareCaseSensitive, default true */
};

/* One <add> of <manyToOneMappings>; its rules are those after the last
 * <clear/> of its <rules>, in document order (mapfile_mapping_rules). */
struct mapfile_mapping {
	unsigned long line, column;
	char *name;
	char *description;          /* NULL when absent */
	char *user_name;            /* NULL when absent (never empty: the schema refuses it) */
	int enabled;                /* default true */
	int deny;                   /* permissionMode="Deny"; Allow is the default */
	int has_password;           /* a password attribute is present */
	int password_plain;         /* ... and it is not of the [enc:...:enc] form */
	size_t first_rule, nrules;
};

struct mapfile;

/* The rules of mapping M of MF: M->nrules of them. */
const struct mapfile_rule *mapfile_mapping_rules(const struct mapfile *mf,
						 const struct mapfile_mapping *m);

/* Open PATH safely (SPEC 2.6) and parse it.  On success *out holds the model
 * and MAPFILE_OK is returned; otherwise err says why and *out is NULL. */
enum mapfile_status mapfile_load(const char *path, const struct mapfile_params *p,
				 struct mapfile **out, struct mapfile_error *err);

/* The same for a file already opened (and checked) as FD, read from where
 * it stands; FD stays open. */
enum mapfile_status mapfile_load_fd(int fd, const struct mapfile_params *p,
				    struct mapfile **out, struct mapfile_error *err);

/* Parse a document already in memory, without the file-safety checks of
 * mapfile_load; for tests, benchmarks and fuzzers. */
enum mapfile_status mapfile_parse_buffer(const char *buf, size_t len,
					 const struct mapfile_params *p,
					 struct mapfile **out, struct mapfile_error *err);

void mapfile_free(struct mapfile *mf);

/* What the file says for location Q about one candidate (SPEC 2.3, 2.5, 2.7). */
struct mapfile_answer {
	int section_enabled;              /* effective enabled */
	int one_to_one_enabled;           /* effective oneToOneCertificateMappingsEnabled */
	int many_to_one_enabled;          /* effective manyToOneCertificateMappingsEnabled */
	size_t many_to_one_count;         /* enabled mappings in the effective collection */
	const char *default_logon_domain; /* effective, or NULL */
	const struct mapfile_entry *entry;/* the entry of the effective collection equal to the candidate, or NULL */
	const struct mapfile_mapping *mapping;  /* mapfile_query_cert: the many-to-one
						 * mapping that decides, when no entry does */
};

/* Fill ANS for location Q and candidate index CAND, one-to-one only (ANS's
 * mapping stays NULL).  Never fails. */
void mapfile_query(const struct mapfile *mf, const char *location, int cand,
		   struct mapfile_answer *ans);

/* The whole answer for certificate X, candidate CAND (SPEC 2.7): as
 * mapfile_query, and when the effective one-to-one collection has no entry
 * for it (or one-to-one mappings are off: ANS's entry is then NULL) and
 * many-to-one mappings are on, the first enabled mapping all of whose rules
 * match X.  MAPFILE_OK, MAPFILE_NOMEM, or MAPFILE_INVALID when X's names
 * cannot be read, and then nothing decides. */
enum mapfile_status mapfile_query_cert(const struct mapfile *mf, const char *location,
				       int cand, X509 *x, struct mapfile_answer *ans);

/* The userName the answer maps to, or NULL.  One-to-one (SPEC 2.5): nothing
 * maps when the section or one-to-one mappings are disabled, the entry is
 * disabled, or its userName is missing or empty.  Many-to-one (SPEC 2.7): a
 * deciding Deny mapping, or one without userName, maps nothing.  The one
 * place where these rules are written.  A many-to-one answer still needs a
 * verified chain before it may grant (names prove nothing). */
const char *mapfile_answer_user(const struct mapfile_answer *ans);

/* Step-by-step account of a query, for certmap explain: the levels, the
 * one-to-one entry, and with X (may be NULL) the many-to-one walk, each
 * mapping, rule, value and verdict.  FN is called once per line. */
typedef void (*mapfile_trace_fn)(void *ctx, const char *line);
void mapfile_explain(const struct mapfile *mf, const char *location, int cand, X509 *x,
		     mapfile_trace_fn fn, void *ctx);

/* Walk the <add>s of <oneToOneMappings> in document order, with the path of
 * their level: every one when loaded with keep_all, else those equal to a
 * candidate.  For certmap check and list. */
typedef void (*mapfile_entry_fn)(void *ctx, const char *level_path,
				 const struct mapfile_entry *e);
void mapfile_foreach_entry(const struct mapfile *mf, mapfile_entry_fn fn, void *ctx);

/* Walk every <add> of <manyToOneMappings> in document order, with the path
 * of its level.  For certmap check and list. */
typedef void (*mapfile_mapping_fn)(void *ctx, const char *level_path,
				   const struct mapfile_mapping *m);
void mapfile_foreach_mapping(const struct mapfile *mf, mapfile_mapping_fn fn, void *ctx);

/* Walk the effective many-to-one collection at location Q (SPEC 2.7), in
 * the order it is tried, disabled mappings included.  For certmap's edits. */
void mapfile_foreach_effective_mapping(const struct mapfile *mf, const char *location,
				       mapfile_mapping_fn fn, void *ctx);

/* Walk the effective one-to-one collection at location Q (SPEC 2.3): the
 * levels that apply, from fewer segments to more, each level's <add>s in
 * document order, minus what a <clear/> dropped.  FN gets each entry in ANS
 * (ans->entry) with Q's effective section attributes, so mapfile_answer_user
 * says whether it maps.  Entries are those kept: every one with keep_all,
 * else those equal to a candidate.  For certmap keys. */
typedef void (*mapfile_answer_fn)(void *ctx, const struct mapfile_answer *ans);
void mapfile_foreach_effective(const struct mapfile *mf, const char *location,
			       mapfile_answer_fn fn, void *ctx);

/* Human words for a dead reason, and a hint on how to fix it. */
const char *mapfile_dead_reason(enum mapfile_dead d);
const char *mapfile_dead_hint(enum mapfile_dead d);

/* Does level path P apply to location Q (whole segments, without case)? */
int mapfile_path_applies(const char *p, const char *q);

#endif
