/* layout.h - the shape of a document as certmap's editor keeps it: its line
 * ending and indentation step, and splices of whole lines at element spans. */
#ifndef CERTMAP_LAYOUT_H
#define CERTMAP_LAYOUT_H

#include <stddef.h>

#include "certmap/edit.h"
#include "certmap/sbuf.h"
#include "mapfile_model.h"

struct doc {
	const char *b;
	size_t len;
	const char *eol;         /* the first line's ending: "\r\n" or "\n" */
	char unit[9];            /* one level of indentation */
	int utf8;                /* new text may stay UTF-8 (else character references) */
};

/* The layout of B[0, LEN): the line ending of its first line, and the
 * indentation step (a TAB if the first indented line uses one, else the
 * fewest leading spaces before an element, 2 when there are none). */
void doc_layout(struct doc *d, const char *b, size_t len, int utf8);

/* The indentation of a new child of element E: as its last child's when
 * that starts a line, else one step deeper than E. */
void doc_child_indent(struct sbuf *o, const struct doc *d, const struct mf_span *e);

/* Replace [A, Z) of the document by INS, into RES. */
enum edit_status doc_splice(const struct doc *d, size_t a, size_t z, const struct sbuf *ins,
			    struct edit_result *res);

/* Put BLOCK (whole lines) after the last child of element E, named NAME; an
 * empty-element tag <NAME .../> is opened and closed around it. */
enum edit_status doc_insert_into(const struct doc *d, const struct mf_span *e, const char *name,
				 const struct sbuf *block, struct edit_result *res);

/* EDIT_REFUSED with the reason when B[0, LEN) is UTF-16, which certmap does
 * not edit (its positions are of 16-bit units); else EDIT_OK. */
enum edit_status doc_refuse_utf16(const char *b, size_t len, struct edit_result *res);

/* Remove element E; with its line(s) when it stands alone on them. */
enum edit_status doc_remove(const struct doc *d, const struct mf_span *e,
			    struct edit_result *res);

#endif
