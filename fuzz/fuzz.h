/* fuzz.h - what the libFuzzer harnesses share: two fixed real certificates
 * (public parts only) and a stream that hands the input to a frame reader. */
#ifndef PAM_CERTMAP_FUZZ_H
#define PAM_CERTMAP_FUZZ_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* examples/certs/alice.pem: EC P-256, mapped in examples/certmap.xml. */
#define FUZZ_ALICE_PEM \
	"-----BEGIN CERTIFICATE-----\n" \
	"MIIBSTCB8QIUfowXSr/EVbQhptc/DBN6wTaxwowwCgYIKoZIzj0EAwIwLjEQMA4G\n" \
	"A1UECgwHRXhhbXBsZTEaMBgGA1UEAwwRRXhhbXBsZSBDbGllbnQgQ0EwHhcNMjYx\n" \
	"MTI1MTk0MzI0WhcNNDYxMTIwMTk0MzI0WjAiMRAwDgYDVQQKDAdFeGFtcGxlMQ4w\n" \
	"DAYDVQQDDAVhbGljZTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABBt/TEmvtpkz\n" \
	"TZsZgmnvNgH/aKP0x134vono0LEKmicF1m0mRjO4uFodGj7EITxKFJn/4+ehTCcv\n" \
	"Dy3cUcPf47AwCgYIKoZIzj0EAwIDRwAwRAIgc/fCyrxwhoT5+8u9JQXLHSqPkXKg\n" \
	"QcXeW11kYQqFBhkCIBcHNX0b+MKNB/Svkwjj7cCgKX6SgMFZUadFTtin8RR2\n" \
	"-----END CERTIFICATE-----\n"

/* examples/certs/bob.pem. */
#define FUZZ_BOB_PEM \
	"-----BEGIN CERTIFICATE-----\n" \
	"MIIBRzCB7wIUfowXSr/EVbQhptc/DBN6wTaxwo0wCgYIKoZIzj0EAwIwLjEQMA4G\n" \
	"A1UECgwHRXhhbXBsZTEaMBgGA1UEAwwRRXhhbXBsZSBDbGllbnQgQ0EwHhcNMjYx\n" \
	"MTI1MTk0MzI0WhcNNDYxMTIwMTk0MzI0WjAgMRAwDgYDVQQKDAdFeGFtcGxlMQww\n" \
	"CgYDVQQDDANib2IwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAScghTMDFQ7sU+Z\n" \
	"QJzT5v4zJ8mSJIVDwMBzi+y2PDCJRCpP9xwqlmOskq0aDJmpeKTi90gWDn/oEfP7\n" \
	"3DfbkNe8MAoGCCqGSM49BAMCA0cAMEQCIChjBQTsvRB7Ghn6uE+Lls25I+9hpBGR\n" \
	"nIP5JJnrndANAiB5qH9n0xyF7J9wQZHRtMUFnv5JSDBY95qAbCslMsVlfg==\n" \
	"-----END CERTIFICATE-----\n"

/* A self-signed RSA 2048 certificate made for the fuzzers; its key was
 * thrown away, so no signature over it verifies except by chance. */
#define FUZZ_RSA_PEM \
	"-----BEGIN CERTIFICATE-----\n" \
	"MIIDRTCCAi2gAwIBAgIUXZ10fglB0RYRHJ5AU9tXlvwpGTAwDQYJKoZIhvcNAQEL\n" \
	"BQAwMTEZMBcGA1UECgwQcGFtX2NlcnRtYXAgZnV6ejEUMBIGA1UEAwwLUlNBIGZp\n" \
	"eHR1cmUwIBcNMjYxMTI1MjAyNzE5WhgPMjEyNjExMDEyMDI3MTlaMDExGTAXBgNV\n" \
	"BAoMEHBhbV9jZXJ0bWFwIGZ1enoxFDASBgNVBAMMC1JTQSBmaXh0dXJlMIIBIjAN\n" \
	"BgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAw3n+cYTrRgtHyev82v6ejc2DzruJ\n" \
	"Fcoe6YkuozmEpVk8yx3aaCeHX1rkYlwR6xTXPj2PUGVI360s9EvuFzgJAMdqrBH9\n" \
	"w4gt5tbjpkxWx07mqMbQUuzJBOtcjSH5HlhnOwDP72r1g1B0MYvZJi1bUt7Zh1Fn\n" \
	"JpaPvrDxmUrgG4OJ9+pYLMiIV1wj+uinfPUxUbBG+NH4C8uNU4qfkuKFk5EScppC\n" \
	"b0O0slW+dLVpiZryPVlP0C0IS36mBNlDpNz9SaXyeS8gVV4JZx8djTrMYdeP9PL+\n" \
	"eWG5pnmpX3SL9hzAg7SH7M1N+86G69IrXWQ3syeHIlp6/j2LuvIP9eCwQQIDAQAB\n" \
	"o1MwUTAdBgNVHQ4EFgQUjwEshNzdzRnRyLC04jcEb23mlH8wHwYDVR0jBBgwFoAU\n" \
	"jwEshNzdzRnRyLC04jcEb23mlH8wDwYDVR0TAQH/BAUwAwEB/zANBgkqhkiG9w0B\n" \
	"AQsFAAOCAQEARcNr6534bSIE1iFyn97Q9J0a30lug2w2S24HG4F7m5xx4TD2/T0l\n" \
	"2PxUnHDegFScXGgm441SpfNShWtb7gnX3sBykO7e9qF84ftwvEwCpT/Uk0AStZcg\n" \
	"7fqJExSi37MG2Ab4MBLWYoahZJBoMIusjGbFNGmGKMsvFXYO7E5aY8Xzd76gnyTg\n" \
	"EurZYN6x04hszPhTl+9BrLiOzzm9q/Iu/LY6HRoFc/mO/meyjSw8uQ7Bz0FyXCvW\n" \
	"KBWPZ54d60UM6FwRE3rPZqYGvQ1XWnRLUnrIW+/lYNPHpTnr8moe4wmR58MGtUYx\n" \
	"TkMAJn4EvLMAtiUlxmf8umZxHFjXqaaGcg==\n" \
	"-----END CERTIFICATE-----\n"

/* The challenge the harnesses verify signatures over; make_seeds signs it. */
#define FUZZ_CHALLENGE "pam_certmap fuzz challenge 01234"
#define FUZZ_CHALLENGE_LEN (sizeof(FUZZ_CHALLENGE) - 1)

/* A harness that cannot set itself up is useless: stop loudly. */
static inline void fuzz_die(const char *what)
{
	fprintf(stderr, "fuzz: %s\n", what);
	abort();
}

static inline X509 *fuzz_cert(const char *pem)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *x = bio != NULL ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;

	BIO_free(bio);
	if (x == NULL)
		fuzz_die("fixed certificate does not decode");
	return x;
}

static inline unsigned char *fuzz_der(X509 *x, size_t *len)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);

	if (n <= 0)
		fuzz_die("fixed certificate does not encode");
	*len = (size_t)n;
	return der;
}

/* A descriptor to read DATA from, as the peer would have sent it and then
 * closed: a socketpair (as between the module and the helper) or a pipe.
 * What does not fit in the kernel's buffer is dropped; -1 on failure. */
static inline int fuzz_stream(const uint8_t *data, size_t size, int use_pipe)
{
	int fds[2];

	if (use_pipe ? pipe2(fds, O_CLOEXEC) : socketpair(AF_UNIX, SOCK_STREAM, 0, fds))
		fuzz_die("no pipe or socketpair");
	if (fcntl(fds[1], F_SETFL, O_NONBLOCK) != 0)
		fuzz_die("fcntl");
	while (size > 0) {
		ssize_t w = write(fds[1], data, size);

		if (w <= 0)
			break;
		data += w;
		size -= (size_t)w;
	}
	close(fds[1]);
	return fds[0];
}

#endif
