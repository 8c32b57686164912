/* fuzz_cert.c - libFuzzer harness for the certificate decoder: every env
 * encoding (cert_from_env) and certificate files (cert_from_bytes). */
#include "config.h"
#include "cert.h"
#include "fuzz/fuzz.h"

#include <string.h>
#include <openssl/crypto.h>

/* Times around the usual range and at the ends of what time_t holds. */
static const time_t times[] = {
	0, 1795635553, 4949235553, (time_t)INT32_MAX, (time_t)INT32_MIN, INT64_MAX, INT64_MIN,
};

/* Everything the module and certmap ask of a decoded certificate. */
static void exercise(X509 *x)
{
	char hex[65], after[32], again_hex[65], why[256];
	unsigned char *der = NULL;
	X509 *again = NULL;
	char *subject;
	size_t len;

	if (cert_sha256_hex(x, hex) == CERT_OK && strlen(hex) != 64)
		fuzz_die("fingerprint is not 64 digits");
	subject = cert_subject(x);
	if (subject != NULL && strlen(subject) == (size_t)-1)
		abort();
	OPENSSL_free(subject);
	if (cert_not_after(x, after) == CERT_OK && memchr(after, '\0', sizeof(after)) == NULL)
		fuzz_die("notAfter not terminated");
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++)
		if (cert_check_time(x, times[i]) > CERT_TIME_BAD)
			fuzz_die("unknown time verdict");
	why[0] = '\0';
	if (cert_key_check(x, why, sizeof(why)) != CERT_OK && why[0] == '\0')
		fuzz_die("a refused key without a reason");
	/* Its own DER is a certificate file of the same certificate. */
	if (cert_der(x, &der, &len) != CERT_OK)
		return;
	if (cert_from_bytes(der, len, &again, NULL, 0) != CERT_OK)
		fuzz_die("the DER of a decoded certificate does not decode");
	if (cert_sha256_hex(again, again_hex) != CERT_OK || strcmp(hex, again_hex) != 0)
		fuzz_die("the DER of a decoded certificate is another certificate");
	X509_free(again);
	OPENSSL_free(der);
}

static void check_why(enum cert_status st, const char *why, size_t whylen)
{
	if (memchr(why, '\0', whylen) == NULL)
		fuzz_die("why not terminated");
	if (st != CERT_OK && why[0] == '\0')
		fuzz_die("a refusal without a reason");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum cert_status st;
	char why[128];
	X509 *x = NULL;
	char *value;

	memset(why, 0, sizeof(why));
	st = cert_from_bytes(data, size, &x, why, sizeof(why));
	check_why(st, why, sizeof(why));
	if ((st == CERT_OK) != (x != NULL))
		fuzz_die("status and certificate disagree");
	if (x != NULL)
		exercise(x);
	X509_free(x);
	x = NULL;

	/* An env value is a C string: it ends at the first NUL. */
	value = malloc(size + 1);
	if (value == NULL)
		return 0;
	memcpy(value, data, size);
	value[size] = '\0';
	memset(why, 0, sizeof(why));
	st = cert_from_env(value, &x, why, sizeof(why));
	check_why(st, why, sizeof(why));
	if ((st == CERT_OK) != (x != NULL))
		fuzz_die("status and certificate disagree");
	if (x != NULL)
		exercise(x);
	X509_free(x);
	free(value);
	return 0;
}
