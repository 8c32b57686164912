/* edit.h - certmap's edits of a mapping file as byte splices at the places
 * the one parse of the file recorded (mapfile_params.positions): every byte
 * the edit does not concern is kept. */
#ifndef CERTMAP_EDIT_H
#define CERTMAP_EDIT_H

#include <stddef.h>
#include <stdint.h>

#include "mapfile.h"

enum edit_op { EDIT_ADD, EDIT_REMOVE, EDIT_ENABLE, EDIT_DISABLE };

#define EDIT_SHA256_LEN 32

struct edit_request {
	enum edit_op op;
	const char *location;        /* as -l gave it; "" is the top level */
	const unsigned char *der;    /* the certificate, or NULL when sha256 names it */
	size_t der_len;
	const unsigned char *sha256; /* EDIT_SHA256_LEN bytes of the DER's hash; when der is NULL */
	const char *user;            /* add: the userName, UTF-8 */
	int disabled;                /* add: with enabled="false" */
};

enum edit_status {
	EDIT_OK,         /* res->buf holds the new document */
	EDIT_UNCHANGED,  /* the entry is already as asked: nothing to write */
	EDIT_NOT_FOUND,  /* no such entry at the level; res->elsewhere may name one */
	EDIT_REFUSED,    /* this document cannot be edited so: res->why */
	EDIT_NOMEM,
};

struct edit_result {
	char *buf;               /* the new document, malloc'd */
	size_t len;
	unsigned long line;      /* line of the entry found in the old document, 0 for none */
	size_t count;            /* entries for the certificate at the level in the old one */
	char why[256];
	char *elsewhere;         /* NOT_FOUND: path of a level that maps it, or NULL */
};

/* How to parse a document for RQ: its certificate as the one candidate, and
 * every entry kept when a SHA-256 names it; with POSITIONS for edit_apply. */
struct edit_load {
	const unsigned char *der[1];
	size_t len[1];
	struct mapfile_params p;
};
void edit_load_init(struct edit_load *l, const struct edit_request *rq, int positions);

/* The <add>s for RQ's certificate in the <oneToOneMappings> of RQ's level, in
 * a model parsed as edit_load_init says: how many, and the last one (its
 * span when parsed with positions, else MF_NO_SPAN). */
struct edit_hit {
	size_t count;
	const struct mapfile_entry *entry;
	uint32_t span;
};
/* 0, or -1 when memory runs out. */
int edit_find(const struct mapfile *mf, const struct edit_request *rq, struct edit_hit *hit);

/* Apply RQ to the document OLD of LEN bytes, whose model MF was parsed as
 * edit_load_init says with positions, or build a new document when OLD is
 * NULL (MF is then NULL too). */
enum edit_status edit_apply(const char *old, size_t len, const struct mapfile *mf,
			    const struct edit_request *rq, struct edit_result *res);
void edit_result_free(struct edit_result *res);

/* ---------------------------------------------------------------- edit_m2o.c */

/* One rule of a new mapping: certificateField, certificateSubField (as
 * certname knows it) and matchCriteria. */
struct edit_rule {
	enum mapfile_field field;
	const char *subfield;
	const char *criteria;
};

/* A many-to-one mapping of a location's level, named without case. */
struct edit_mapping {
	enum edit_op op;
	const char *location;        /* as -l gave it; "" is the top level */
	const char *name;
	/* add: */
	const char *user;            /* the userName of an Allow mapping, UTF-8 */
	const char *description;     /* or NULL */
	int deny;                    /* permissionMode="Deny" */
	int disabled;                /* enabled="false" */
	int case_insensitive;        /* compareCaseSensitive="false" on every rule */
	const struct edit_rule *rules;
	size_t nrules;
};

/* The <add>s named RQ's name in the <manyToOneMappings> of RQ's level: how
 * many, and the last one (its span when parsed with positions). */
struct edit_mapping_hit {
	size_t count;
	const struct mapfile_mapping *mapping;
	uint32_t span;
};
void edit_mapping_find(const struct mapfile *mf, const struct edit_mapping *rq,
		       struct edit_mapping_hit *hit);

/* As edit_apply, for a mapping: add appends a canonical <add> with its
 * <rules>; remove takes the whole element; enable and disable set its
 * enabled attribute.  MF was parsed with positions. */
enum edit_status edit_mapping_apply(const char *old, size_t len, const struct mapfile *mf,
				    const struct edit_mapping *rq, struct edit_result *res);

#endif
