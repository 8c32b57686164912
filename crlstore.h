/* crlstore.h - the CRLs a chain check consults: crl_file's read up front, and
 * an issuer's from crl_dir read when the check asks for them. */
#ifndef PAM_CERTMAP_CRLSTORE_H
#define PAM_CERTMAP_CRLSTORE_H

#include <stddef.h>
#include <openssl/x509_vfy.h>

#include "certchain.h"

/* Add T's CRL sources to STORE: every CRL of crl_file, and crl_dir as a
 * lookup of the checked certificate's issuer (crlstore_bind).  A file without
 * a CRL, a malformed CRL, a missing file or a crl_dir that is no directory is
 * CERT_CONFIG with the reason in WHY. */
enum cert_status crlstore_add(X509_STORE *store, const struct trust *t, char *why, size_t whylen);

/* Tell CTX, made from that store, where crl_dir is.  CTX's app data is
 * taken for it; a context not bound this way sees crl_file's CRLs only. */
void crlstore_bind(X509_STORE_CTX *ctx, const struct trust *t);

#endif
