/* certname.h - a certificate's Subject and Issuer as many-to-one rules see
 * them (SPEC 2.7): the sub-field names, each value of an attribute on its
 * own as decoded text, and the match of a value against a criteria. */
#ifndef PAM_CERTMAP_CERTNAME_H
#define PAM_CERTMAP_CERTNAME_H

#include <stddef.h>
#include <openssl/x509.h>

/* The index of sub-field NAME (CN, O, OU, L, S, ST, C, E, Email, G, GN, I,
 * T, SN, DC, UID, compared without case), or -1. */
int certname_subfield(const char *name);

/* The sub-field's name as the table writes it ("OU", "Email"). */
const char *certname_subfield_name(int sub);

/* The accepted names, for messages: "CN, O, OU, ...". */
const char *certname_subfield_list(void);

/* Does VALUE (LEN bytes, may hold NUL) match CRITERIA as a whole?  '*'
 * stands for any run of characters, also none; every other character for
 * itself, compared without ASCII case unless CASE_SENSITIVE (other bytes
 * exactly). */
int certname_wildcard(const char *criteria, const unsigned char *value, size_t len,
		      int case_sensitive);

enum certname_status {
	CERTNAME_MATCH,      /* a value of the sub-field matches */
	CERTNAME_NO_MATCH,   /* the sub-field is there, no value matches */
	CERTNAME_ABSENT,     /* the name has no such attribute: never a match */
	CERTNAME_BAD,        /* a value cannot be decoded (or memory ran out): no verdict */
};

/* Told each value looked at (LEN bytes) and whether it matched. */
typedef void (*certname_value_fn)(void *ctx, const unsigned char *value, size_t len,
				  int matched);

/* Match the values of sub-field SUB of NAME against CRITERIA, each RDN value
 * on its own (DC components are not joined), decoded to UTF-8.  With FN
 * (may be NULL) every value is looked at; without, the first match ends. */
enum certname_status certname_match(const X509_NAME *name, int sub, const char *criteria,
				    int case_sensitive, certname_value_fn fn, void *ctx);

#endif
