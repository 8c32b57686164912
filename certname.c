/* certname.c - a certificate's Subject and Issuer as many-to-one rules see
 * them: the sub-field names of SPEC 2.7, decoded values, the '*' match. */
#include "config.h"
#include "ascii.h"
#include "certname.h"

#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/obj_mac.h>

/* The X.500 short names Windows prints (CertNameToStr), which IIS rules use. */
static const struct {
	const char *name;
	int nid;
} subfields[] = {
	{ "CN", NID_commonName },
	{ "O", NID_organizationName },
	{ "OU", NID_organizationalUnitName },
	{ "L", NID_localityName },
	{ "S", NID_stateOrProvinceName },
	{ "ST", NID_stateOrProvinceName },
	{ "C", NID_countryName },
	{ "E", NID_pkcs9_emailAddress },
	{ "Email", NID_pkcs9_emailAddress },
	{ "G", NID_givenName },
	{ "GN", NID_givenName },
	{ "I", NID_initials },
	{ "T", NID_title },
	{ "SN", NID_surname },
	{ "DC", NID_domainComponent },
	{ "UID", NID_userId },
};
#define NSUBFIELDS (sizeof(subfields) / sizeof(subfields[0]))

int certname_subfield(const char *name)
{
	for (size_t i = 0; i < NSUBFIELDS; i++)
		if (ascii_casecmp(subfields[i].name, name) == 0)
			return (int)i;
	return -1;
}

const char *certname_subfield_name(int sub)
{
	return sub >= 0 && (size_t)sub < NSUBFIELDS ? subfields[sub].name : "?";
}

const char *certname_subfield_list(void)
{
	return "CN, O, OU, L, S, ST, C, E, Email, G, GN, I, T, SN, DC, UID";
}

static int same_char(unsigned char a, unsigned char b, int case_sensitive)
{
	return case_sensitive ? a == b : ascii_lower(a) == ascii_lower(b);
}

int certname_wildcard(const char *criteria, const unsigned char *value, size_t len,
		      int case_sensitive)
{
	const unsigned char *p = (const unsigned char *)criteria;
	size_t plen = strlen(criteria), pi = 0, vi = 0, star = SIZE_MAX, mark = 0;

	/* The last '*' seen takes what the rest cannot: linear backtracking. */
	while (vi < len) {
		if (pi < plen && p[pi] == '*') {
			star = pi++;
			mark = vi;
		} else if (pi < plen && same_char(p[pi], value[vi], case_sensitive)) {
			pi++;
			vi++;
		} else if (star != SIZE_MAX) {
			pi = star + 1;
			vi = ++mark;
		} else {
			return 0;
		}
	}
	while (pi < plen && p[pi] == '*')
		pi++;
	return pi == plen;
}

enum certname_status certname_match(const X509_NAME *name, int sub, const char *criteria,
				    int case_sensitive, certname_value_fn fn, void *ctx)
{
	enum certname_status st = CERTNAME_ABSENT;
	int pos = -1;

	if (name == NULL || sub < 0 || (size_t)sub >= NSUBFIELDS)
		return CERTNAME_BAD;
	while ((pos = X509_NAME_get_index_by_NID(name, subfields[sub].nid, pos)) >= 0) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, pos);
		unsigned char *utf8 = NULL;
		int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
		int m;

		if (n < 0)
			return CERTNAME_BAD;
		m = certname_wildcard(criteria, utf8, (size_t)n, case_sensitive);
		if (fn != NULL)
			fn(ctx, utf8, (size_t)n, m);
		OPENSSL_free(utf8);
		if (m)
			st = CERTNAME_MATCH;
		else if (st == CERTNAME_ABSENT)
			st = CERTNAME_NO_MATCH;
		if (m && fn == NULL)
			break;
	}
	return st;
}
