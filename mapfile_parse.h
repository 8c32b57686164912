/* mapfile_parse.h - the parser's state, shared by its three files: the walk
 * over the elements (mapfile_parse.c), the attribute schema (mapfile_schema.c)
 * and what each collection directive puts in the model (mapfile_add.c). */
#ifndef PAM_CERTMAP_MAPFILE_PARSE_H
#define PAM_CERTMAP_MAPFILE_PARSE_H

#include <expat.h>
#include <openssl/evp.h>
#include <stddef.h>

#include "mapfile_model.h"

#define MF_SECTION "iisClientCertificateMappingAuthentication"

/* Where the parser stands; outside these it skips subtrees it does not know. */
enum mf_ctx {
	C_CONFIG, C_LOCATION, C_SYSWEB, C_SECURITY, C_AUTHN,
	C_SECTION, C_O2O, C_O2O_ADD, C_M2O, C_M2O_ADD, C_RULES, C_RULE_ADD, C_CLEAR,
};
#define MF_MAX_DEPTH 16
/* Names of the outer skipped elements kept for messages, and their length. */
#define MF_SKIP_NAMES 8
#define MF_SKIP_NAME_LEN 64

struct pstate {
	XML_Parser p;
	struct mapfile *mf;
	const struct mf_parse_args *a;
	struct mapfile_error *err;
	int failed;
	int positions;              /* record byte offsets (the params' positions) */
	enum mf_ctx stack[MF_MAX_DEPTH];
	uint32_t span_of[MF_MAX_DEPTH];  /* positions: each open element's span */
	int sp;
	unsigned long skip_depth;   /* > 0 inside a subtree that is not ours */
	char skip_names[MF_SKIP_NAMES][MF_SKIP_NAME_LEN];  /* the skipped elements, outermost first */
	char *loc_path;             /* path of the open <location>, NULL outside */
	uint32_t place;             /* positions: the open place, MF_NO_SPAN outside */
	size_t level;               /* index of the open section's level */
	int seen_o2o, seen_m2o, seen_rules;
	struct b64key *rule_keys;   /* combined keys of the open <rules> */
	size_t nrule_keys, caprule_keys;
	EVP_MD_CTX *md;             /* keys: the entries' SHA-256 */
	EVP_MD *sha256;
};

/* Record the first error at the parser's position and stop the parse. */
void mf_fail(struct pstate *s, enum mapfile_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The line and 1-based column of the element being started. */
uint32_t mf_line(const struct pstate *s);
uint32_t mf_column(const struct pstate *s);

/* ------------------------------------------------------- mapfile_schema.c */

enum mf_atype { A_STR, A_BOOL, A_ENUM };
#define A_REQ 1
#define A_NONEMPTY 2

struct mf_adef {
	const char *name;
	enum mf_atype type;
	int flags;
	const char *const *names;  /* A_ENUM: NULL-terminated */
};

extern const struct mf_adef mf_section_attrs[];
enum { SA_ENABLED, SA_O2O, SA_M2O, SA_DOMAIN, SA_LOGON, SA_N };
extern const struct mf_adef mf_o2o_add_attrs[];
enum { OA_ENABLED, OA_USER, OA_PASSWORD, OA_CERT, OA_N };
extern const struct mf_adef mf_m2o_add_attrs[];
enum { MA_NAME, MA_DESCRIPTION, MA_ENABLED, MA_PERMISSION, MA_USER, MA_PASSWORD, MA_N };
extern const struct mf_adef mf_rule_add_attrs[];
enum { RA_FIELD, RA_SUB, RA_MATCH, RA_CASE, RA_N };
extern const char *const mf_cert_fields[];      /* Subject, Issuer */
extern const char *const mf_permission_modes[]; /* Allow, Deny */

/* Validate ATTS of element EL against DEFS; VALS[i] is the value of DEFS[i]
 * or NULL.  IIS's lock* attributes are allowed anywhere.  Returns 0, or -1
 * after mf_fail(). */
int mf_check_attrs(struct pstate *s, const char *el, const char **atts,
		   const struct mf_adef *defs, size_t n, const char **vals);

/* A boolean attribute's value (true/false in any case), DFLT when absent. */
int mf_bool(const char *v, int dflt);

/* The index of V in the NULL-terminated NAMES, compared without case, or -1. */
int mf_enum_index(const char *const *names, const char *v);

/* Is PW of IIS's encrypted form [enc:...:enc]? */
int mf_is_encrypted(const char *pw);

/* ---------------------------------------------------------- mapfile_pos.c */

/* Called only when positions were asked for: */
void mf_pos_child(struct pstate *s);        /* an element starts inside the top one */
void mf_pos_push(struct pstate *s);         /* an element was pushed on the stack */
void mf_pos_pop(struct pstate *s, uint32_t span);  /* its end tag, SPAN as pushed */
/* Called always; each does nothing unless positions were asked for: */
void mf_pos_begin(struct pstate *s);        /* before the parse */
void mf_pos_place(struct pstate *s, const char *path);  /* <configuration> or <location> pushed */
void mf_pos_step(struct pstate *s, enum mf_ctx c);      /* system.webServer ... pushed */
void mf_pos_collection(struct pstate *s, enum mf_ctx c);  /* a collection or <rules> pushed */
/* The span of the element open at the top, or MF_NO_SPAN. */
uint32_t mf_top_span(const struct pstate *s);

/* ---------------------------------------------------------- mapfile_add.c */

/* The <add>s and <clear/>s of the collections; ATTS as expat gives them. */
void mf_o2o_add(struct pstate *s, const char **atts);
void mf_m2o_add(struct pstate *s, const char **atts);
void mf_rule_add(struct pstate *s, const char **atts);
void mf_clear(struct pstate *s, enum mf_ctx collection);

#endif
