/* check_cert_ssh.c - the OpenSSH key encoder: known answers from ssh-keygen,
 * the wire format of fresh keys taken apart, and the keys it must refuse. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "cert_ssh.h"
#include "testcert.h"
#include "unit.h"

/* Public keys and what `ssh-keygen -i -m PKCS8 -f KEY` (OpenSSH 9.2) prints for them. */
static const char rsa1024_pem[] =
	"-----BEGIN PUBLIC KEY-----\n"
	"MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDbaB+jm0hS9Ro8VG2Xyhdrdc5L\n"
	"AvArgAvpiLlaAAgiWhqtxUXInXHJG8gn0BexTx7oAK4n7PxLRD8IvqJcQX/zgtdO\n"
	"H/u76GrImCcVM0SXI0bI2ug/exjLfkmQSHCaNJUJVwn/vellSnI0QVmKz3ttJjvy\n"
	"YteGRUpaTznsUcaooQIDAQAB\n"
	"-----END PUBLIC KEY-----\n";
static const char rsa1024_ssh[] =
	"AAAAB3NzaC1yc2EAAAADAQABAAAAgQDbaB+jm0hS9Ro8VG2Xyhdrdc5LAvArgAvpiLlaAAgiWhqtxUXInXHJG8gn"
	"0BexTx7oAK4n7PxLRD8IvqJcQX/zgtdOH/u76GrImCcVM0SXI0bI2ug/exjLfkmQSHCaNJUJVwn/vellSnI0QVmK"
	"z3ttJjvyYteGRUpaTznsUcaooQ==";

static const char p256_pem[] =
	"-----BEGIN PUBLIC KEY-----\n"
	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEMmuxYFR30jcl4Qr7iT1AkdxD/RIU\n"
	"Sid16je594ruwFij3tGyNmbZZLkThi1CjUCgOkFCdBCLNeapZyDHVGz84Q==\n"
	"-----END PUBLIC KEY-----\n";
/* The same key with its point compressed: OpenSSH wants it uncompressed. */
static const char p256_compressed_pem[] =
	"-----BEGIN PUBLIC KEY-----\n"
	"MDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgADMmuxYFR30jcl4Qr7iT1AkdxD/RIU\n"
	"Sid16je594ruwFg=\n"
	"-----END PUBLIC KEY-----\n";
static const char p256_ssh[] =
	"AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBDJrsWBUd9I3JeEK+4k9QJHcQ/0SFEondeo3"
	"ufeK7sBYo97RsjZm2WS5E4YtQo1AoDpBQnQQizXmqWcgx1Rs/OE=";

/* A P-521 key whose x starts with a zero byte: the coordinate keeps its 66 bytes. */
static const char p521_pem[] =
	"-----BEGIN PUBLIC KEY-----\n"
	"MIGbMBAGByqGSM49AgEGBSuBBAAjA4GGAAQAG0XAE6teptRxfT9rcIIrNEU8s1lN\n"
	"iPc4x74ymXPC7laZyzvsVTDxRlXK26R9u1WwHtt9v2R/ShJR812GphcJXW8BQRN1\n"
	"D2/CWeZZ/GiMZbzUItv6ys5KaVxbkTka2163HXmwQlyYQBbWna2IO1l+kukru+t+\n"
	"3HPUVaZEtlZeZPJy++8=\n"
	"-----END PUBLIC KEY-----\n";
static const char p521_ssh[] =
	"AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAAbRcATq16m1HF9P2twgis0RTyzWU2I9zjH"
	"vjKZc8LuVpnLO+xVMPFGVcrbpH27VbAe232/ZH9KElHzXYamFwldbwFBE3UPb8JZ5ln8aIxlvNQi2/rKzkppXFuR"
	"ORrbXrcdebBCXJhAFtadrYg7WX6S6Su7637cc9RVpkS2Vl5k8nL77w==";

static const char secp256k1_pem[] =
	"-----BEGIN PUBLIC KEY-----\n"
	"MFYwEAYHKoZIzj0CAQYFK4EEAAoDQgAEl5WDVMZxA5WyGgoPpsVJOkETTMm2AX2x\n"
	"E8uxJCIqgjitZwKPmUy4qazre/jWyNlzZqW473zYOpidRs6zcyvEQw==\n"
	"-----END PUBLIC KEY-----\n";

static EVP_PKEY *pubkey(const char *pem)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *pk;

	ck_assert_ptr_nonnull(bio);
	pk = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	ck_assert_ptr_nonnull(pk);
	BIO_free(bio);
	return pk;
}

static EVP_PKEY *keygen(const char *type, const char *curve, size_t bits)
{
	EVP_PKEY *pk = curve != NULL ? EVP_PKEY_Q_keygen(NULL, NULL, type, curve)
				     : EVP_PKEY_Q_keygen(NULL, NULL, type, bits);

	ck_assert_msg(pk != NULL, "cannot make a %s key", type);
	return pk;
}

/* Encode PK: it must succeed with type WANT_TYPE; returns the base64. */
static char *encode_ok(const EVP_PKEY *pk, const char *want_type)
{
	const char *type = NULL;
	char *b64 = NULL;
	char why[256];
	enum cert_ssh_status st = cert_ssh_pkey(pk, &type, &b64, why, sizeof(why));

	ck_assert_msg(st == CERT_SSH_OK, "status %d: %s", (int)st, why);
	ck_assert_ptr_nonnull(b64);
	ck_assert_str_eq(type, want_type);
	return b64;
}

/* The blob behind the base64, read back field by field. */
struct reader {
	unsigned char buf[4096];
	size_t len, pos;
};

static void reader_init(struct reader *r, const char *b64)
{
	size_t n = strlen(b64);
	int len;

	ck_assert_uint_le(n / 4 * 3, sizeof(r->buf));
	len = EVP_DecodeBlock(r->buf, (const unsigned char *)b64, (int)n);
	ck_assert_int_ge(len, 0);
	/* EVP_DecodeBlock counts the '=' padding as zero bytes. */
	r->len = (size_t)len - (n >= 1 && b64[n - 1] == '=') - (n >= 2 && b64[n - 2] == '=');
	r->pos = 0;
}

/* The next RFC 4251 string; its length in *LEN. */
static const unsigned char *next_string(struct reader *r, size_t *len)
{
	const unsigned char *p = r->buf + r->pos;
	uint32_t n;

	ck_assert_uint_ge(r->len - r->pos, 4);
	n = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	ck_assert_uint_ge(r->len - r->pos - 4, n);
	r->pos += 4 + n;
	*len = n;
	return p + 4;
}

static void expect_string(struct reader *r, const char *want)
{
	size_t len;
	const unsigned char *s = next_string(r, &len);

	ck_assert_uint_eq(len, strlen(want));
	ck_assert_msg(memcmp(s, want, len) == 0, "want the string %s", want);
}

/* The next mpint must be minimal, positive, and equal to the key's parameter NAME. */
static void expect_mpint(struct reader *r, const EVP_PKEY *pk, const char *name)
{
	BIGNUM *want = NULL, *got;
	size_t len;
	const unsigned char *s = next_string(r, &len);

	ck_assert_uint_gt(len, 0);
	ck_assert_msg(s[0] < 0x80, "%s: an mpint with the top bit set is negative", name);
	ck_assert_msg(len == 1 || s[0] != 0 || s[1] >= 0x80, "%s: a needless zero byte", name);
	got = BN_bin2bn(s, (int)len, NULL);
	ck_assert_ptr_nonnull(got);
	ck_assert_int_eq(EVP_PKEY_get_bn_param(pk, name, &want), 1);
	ck_assert_msg(BN_cmp(got, want) == 0, "%s differs from the key's", name);
	BN_free(got);
	BN_free(want);
}

/* ------------------------------------------------------------ known answers */

static void expect_known(const char *pem, const char *type, const char *want)
{
	EVP_PKEY *pk = pubkey(pem);
	char *b64 = encode_ok(pk, type);

	ck_assert_str_eq(b64, want);
	free(b64);
	EVP_PKEY_free(pk);
}

START_TEST(test_known_rsa)
{
	expect_known(rsa1024_pem, "ssh-rsa", rsa1024_ssh);
}
END_TEST

START_TEST(test_known_p256)
{
	expect_known(p256_pem, "ecdsa-sha2-nistp256", p256_ssh);
}
END_TEST

START_TEST(test_known_p256_compressed_point)
{
	expect_known(p256_compressed_pem, "ecdsa-sha2-nistp256", p256_ssh);
}
END_TEST

START_TEST(test_known_p521_leading_zero)
{
	expect_known(p521_pem, "ecdsa-sha2-nistp521", p521_ssh);
}
END_TEST

/* ---------------------------------------------------------- fresh keys */

START_TEST(test_rsa_wire_format)
{
	EVP_PKEY *pk = keygen("RSA", NULL, 2048);
	char *b64 = encode_ok(pk, "ssh-rsa");
	struct reader r;

	reader_init(&r, b64);
	expect_string(&r, "ssh-rsa");
	expect_mpint(&r, pk, OSSL_PKEY_PARAM_RSA_E);
	expect_mpint(&r, pk, OSSL_PKEY_PARAM_RSA_N);
	ck_assert_uint_eq(r.pos, r.len);
	free(b64);
	EVP_PKEY_free(pk);
}
END_TEST

static void ec_wire_format(const char *curve, const char *type, const char *id, size_t plen)
{
	EVP_PKEY *pk = keygen("EC", curve, 0);
	char *b64 = encode_ok(pk, type);
	unsigned char want[200];
	const unsigned char *point;
	size_t wlen = 0, len;
	struct reader r;

	reader_init(&r, b64);
	expect_string(&r, type);
	expect_string(&r, id);
	point = next_string(&r, &len);
	ck_assert_uint_eq(len, plen);
	ck_assert_int_eq(point[0], 0x04);
	/* A fresh key's encoding is uncompressed: the very bytes OpenSSH wants. */
	ck_assert_int_eq(EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
							 want, sizeof(want), &wlen), 1);
	ck_assert_uint_eq(wlen, plen);
	ck_assert_int_eq(memcmp(point, want, plen), 0);
	ck_assert_uint_eq(r.pos, r.len);
	free(b64);
	EVP_PKEY_free(pk);
}

START_TEST(test_ec_wire_format)
{
	ec_wire_format("P-256", "ecdsa-sha2-nistp256", "nistp256", 65);
	ec_wire_format("P-384", "ecdsa-sha2-nistp384", "nistp384", 97);
	ec_wire_format("P-521", "ecdsa-sha2-nistp521", "nistp521", 133);
}
END_TEST

START_TEST(test_x509_key)
{
	X509 *x = testcert_valid("ssh user");
	const char *type = NULL;
	char *b64 = NULL, *want;
	char why[256];

	ck_assert_int_eq(cert_ssh_x509(x, &type, &b64, why, sizeof(why)), CERT_SSH_OK);
	want = encode_ok(X509_get0_pubkey(x), "ecdsa-sha2-nistp256");
	ck_assert_str_eq(type, "ecdsa-sha2-nistp256");
	ck_assert_str_eq(b64, want);
	free(b64);
	free(want);
	X509_free(x);
}
END_TEST

/* ------------------------------------------------------------- refusals */

/* PK must be refused with STATUS, a reason holding WORD, and no output. */
static void expect_refused(const EVP_PKEY *pk, enum cert_ssh_status status, const char *word)
{
	const char *type = "unset";
	char *b64 = (char *)"unset";
	char why[256];

	ck_assert_int_eq(cert_ssh_pkey(pk, &type, &b64, why, sizeof(why)), status);
	ck_assert_ptr_null(type);
	ck_assert_ptr_null(b64);
	ck_assert_msg(strstr(why, word) != NULL, "reason '%s' lacks '%s'", why, word);
	/* The reason is optional. */
	ck_assert_int_eq(cert_ssh_pkey(pk, &type, &b64, NULL, 0), status);
	ck_assert_ptr_null(b64);
}

START_TEST(test_refuse_ed25519)
{
	EVP_PKEY *pk = keygen("ED25519", NULL, 0);

	expect_refused(pk, CERT_SSH_UNSUPPORTED, "ED25519");
	EVP_PKEY_free(pk);
}
END_TEST

START_TEST(test_refuse_other_curve)
{
	EVP_PKEY *pk = pubkey(secp256k1_pem);

	expect_refused(pk, CERT_SSH_UNSUPPORTED, "secp256k1");
	EVP_PKEY_free(pk);
}
END_TEST

START_TEST(test_refuse_small_rsa)
{
	EVP_PKEY *pk = keygen("RSA", NULL, 768);

	expect_refused(pk, CERT_SSH_UNSUPPORTED, "768 bits");
	EVP_PKEY_free(pk);
}
END_TEST

START_TEST(test_refuse_rsa_pss)
{
	/* EVP_PKEY_Q_keygen takes a size for "RSA" only. */
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA-PSS", NULL);
	EVP_PKEY *pk = NULL;

	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(EVP_PKEY_keygen_init(ctx), 1);
	ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 1024), 1);
	ck_assert_int_eq(EVP_PKEY_generate(ctx, &pk), 1);
	EVP_PKEY_CTX_free(ctx);

	expect_refused(pk, CERT_SSH_UNSUPPORTED, "RSA-PSS");
	EVP_PKEY_free(pk);
}
END_TEST

START_TEST(test_refuse_no_key)
{
	expect_refused(NULL, CERT_SSH_BAD, "no public key");
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("cert_ssh");
	TCase *known = tcase_create("known");
	TCase *fresh = tcase_create("fresh");
	TCase *refuse = tcase_create("refuse");

	tcase_add_test(known, test_known_rsa);
	tcase_add_test(known, test_known_p256);
	tcase_add_test(known, test_known_p256_compressed_point);
	tcase_add_test(known, test_known_p521_leading_zero);
	suite_add_tcase(s, known);

	tcase_add_test(fresh, test_rsa_wire_format);
	tcase_add_test(fresh, test_ec_wire_format);
	tcase_add_test(fresh, test_x509_key);
	tcase_set_timeout(fresh, 30);
	suite_add_tcase(s, fresh);

	tcase_add_test(refuse, test_refuse_ed25519);
	tcase_add_test(refuse, test_refuse_other_curve);
	tcase_add_test(refuse, test_refuse_small_rsa);
	tcase_add_test(refuse, test_refuse_rsa_pss);
	tcase_add_test(refuse, test_refuse_no_key);
	tcase_set_timeout(refuse, 30);
	suite_add_tcase(s, refuse);
	return s;
}
