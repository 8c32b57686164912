/* cert_ssh.h - a certificate's public key in OpenSSH's authorized_keys form:
 * ssh-rsa (RFC 4253) and ecdsa-sha2-nistp256/384/521 (RFC 5656). */
#ifndef PAM_CERTMAP_CERT_SSH_H
#define PAM_CERTMAP_CERT_SSH_H

#include <stddef.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

/* OpenSSH refuses RSA moduli outside this range (sshkey.c, sshbuf.h). */
#define CERT_SSH_RSA_MIN_BITS 1024
#define CERT_SSH_RSA_MAX_BITS 16384

enum cert_ssh_status {
	CERT_SSH_OK = 0,
	CERT_SSH_UNSUPPORTED,  /* a key OpenSSH cannot take as ssh-rsa or ecdsa; why says which */
	CERT_SSH_BAD,          /* the key cannot be read; why says so */
	CERT_SSH_NOMEM,
};

/* The key of PK as an authorized_keys line has it: *TYPE is a constant
 * ("ssh-rsa", "ecdsa-sha2-nistp256", ...) and *B64 the base64 of the key
 * blob, newly allocated with malloc.  On anything but CERT_SSH_OK both are
 * NULL and WHY (may be NULL) holds a short reason. */
enum cert_ssh_status cert_ssh_pkey(const EVP_PKEY *pk, const char **type, char **b64,
				   char *why, size_t whylen);

/* The same for the public key of certificate X. */
enum cert_ssh_status cert_ssh_x509(X509 *x, const char **type, char **b64,
				   char *why, size_t whylen);

#endif
