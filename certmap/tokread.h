/* tokread.h - the certificate of an inserted token, for the edit commands'
 * CERT "pkcs11:", read through pam_certmap_token as the module reads it. */
#ifndef CERTMAP_TOKREAD_H
#define CERTMAP_TOKREAD_H

#include "certmap/cmd.h"

/* The certificate of a token that CERT "pkcs11:" names: every certificate of
 * every token is listed through pam_certmap_token with PKCS#11 module MODULE;
 * one is taken, the INDEXth (from 1) when INDEX > 0.  Errors are printed;
 * returns 0 with C filled (cm_cert_free it), or -1. */
int tokread_cert(const char *module, long index, struct cm_cert *c);

#endif
