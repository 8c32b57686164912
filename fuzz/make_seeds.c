/* make_seeds.c - writes the seed frames of the two tokproto fuzz targets with
 * the real codec: fresh keys, their certificates, valid signatures, errors. */
#include "config.h"
#include "tokparse.h"
#include "tokreq.h"
#include "tokproto.h"
#include "fuzz/fuzz.h"

#include <errno.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#define SEED_DIR_MAX 4096

static const char *outdir;

static void die(const char *what)
{
	fprintf(stderr, "make_seeds: %s\n", what);
	exit(1);
}

static int open_seed(const char *target, const char *name)
{
	char path[SEED_DIR_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s/%s", outdir, target, name) >= (int)sizeof(path))
		die("path too long");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die(strerror(errno));
	return fd;
}

/* A payload alone, after its type byte (the harnesses' direct mode). */
static void payload_seed(const char *target, const char *name, uint8_t type, struct tokbuf *b)
{
	int fd = open_seed(target, name);

	if (b->error || write(fd, &type, 1) != 1 ||
	    (b->len > 0 && write(fd, b->data, b->len) != (ssize_t)b->len) || close(fd) != 0)
		die("cannot write a payload seed");
	tokbuf_free(b);
	tokbuf_init(b);
}

/* Frames as the peer writes them (the harnesses' stream mode). */
struct frames {
	int fd;
};

static void frames_open(struct frames *f, const char *target, const char *name)
{
	f->fd = open_seed(target, name);
}

static void frame(struct frames *f, uint8_t type, struct tokbuf *b)
{
	if (tok_write_frame(f->fd, type, b) != 0)
		die("cannot write a frame");
	tokbuf_free(b);
	tokbuf_init(b);
}

static void frames_close(struct frames *f)
{
	if (close(f->fd) != 0)
		die("close");
}

/* A self-signed certificate for KEY. */
static X509 *self_signed(EVP_PKEY *key, const char *cn)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();

	if (x == NULL || n == NULL || X509_set_version(x, X509_VERSION_3) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x), 4242) != 1 ||
	    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
				       0) != 1 ||
	    X509_set_subject_name(x, n) != 1 || X509_set_issuer_name(x, n) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 365 * 50) == NULL ||
	    X509_set_pubkey(x, key) != 1 || X509_sign(x, key, EVP_sha256()) <= 0)
		die("cannot make a certificate");
	X509_NAME_free(n);
	return x;
}

static void put_cert(struct tokbuf *b, uint32_t slot, const char *label, const char *serial,
		     uint32_t flags, X509 *x, const char *id)
{
	size_t len;
	unsigned char *der = fuzz_der(x, &len);

	tokbuf_put_u32(b, slot);
	tokbuf_put_str(b, label);
	tokbuf_put_str(b, serial);
	tokbuf_put_u32(b, flags);
	tokbuf_put_bytes(b, der, len);
	tokbuf_put_bytes(b, id, strlen(id));
	OPENSSL_free(der);
}

/* DER ECDSA-Sig-Value in SIG to r || s, as PKCS#11 tokens give it. */
static void ecdsa_raw(EVP_PKEY *key, unsigned char *sig, size_t *siglen)
{
	const unsigned char *p = sig;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)*siglen);
	int half = (EVP_PKEY_get_bits(key) + 7) / 8;

	if (es == NULL || BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, half) != half ||
	    BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + half, half) != half)
		die("cannot convert an ECDSA signature");
	ECDSA_SIG_free(es);
	*siglen = (size_t)half * 2;
}

/* The signature of the fixed challenge as a token makes it for ALG. */
static void put_signature(struct tokbuf *b, EVP_PKEY *key, uint32_t alg, const char *md, int pss)
{
	unsigned char sig[1024];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;

	if (ctx == NULL || EVP_DigestSignInit_ex(ctx, &pctx, md, NULL, NULL, key, NULL) != 1)
		die("cannot sign");
	if (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0))
		die("cannot set PSS");
	if (EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)FUZZ_CHALLENGE,
			   FUZZ_CHALLENGE_LEN) != 1)
		die("cannot sign");
	EVP_MD_CTX_free(ctx);
	if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC)
		ecdsa_raw(key, sig, &siglen);
	tokbuf_put_u32(b, alg);
	tokbuf_put_bytes(b, sig, siglen);
}

static void put_error(struct tokbuf *b, uint32_t err, uint32_t flags, const char *msg)
{
	tokbuf_put_u32(b, err);
	tokbuf_put_u32(b, flags);
	tokbuf_put_str(b, msg);
}

static void module_seeds(void)
{
	static const char *const t = "tokproto_module";
	EVP_PKEY *ec = EVP_EC_gen("P-256"), *rsa = EVP_RSA_gen(2048);
	X509 *xec, *xrsa, *alice = fuzz_cert(FUZZ_ALICE_PEM), *fixed_rsa = fuzz_cert(FUZZ_RSA_PEM);
	struct tokbuf b;
	struct frames f;

	if (ec == NULL || rsa == NULL)
		die("no keys");
	xec = self_signed(ec, "ec token");
	xrsa = self_signed(rsa, "rsa token");
	tokbuf_init(&b);

	tokbuf_put_u32(&b, 0);
	payload_seed(t, "certs-none", TOK_CERTS, &b);
	tokbuf_put_u32(&b, 1);
	put_cert(&b, 0, "alice token", "0001", TOK_FLAG_LOGIN_REQUIRED, alice, "\x01");
	payload_seed(t, "certs-one", TOK_CERTS, &b);
	tokbuf_put_u32(&b, 3);
	put_cert(&b, 0, "PIV", "1234abcd", TOK_FLAG_LOGIN_REQUIRED | TOK_FLAG_PIN_COUNT_LOW,
		 alice, "\x01");
	put_cert(&b, 1, "SoftHSM", "", TOK_FLAG_PROTECTED_AUTH, fixed_rsa, "");
	put_cert(&b, 7, "", "x", TOK_FLAG_PIN_LOCKED | TOK_FLAG_PIN_FINAL_TRY, xec, "key-id-02");
	payload_seed(t, "certs-three", TOK_CERTS, &b);

	tokbuf_put_u32(&b, TOK_ALG_ECDSA_SHA256);
	tokbuf_put_bytes(&b, "\x30\x06\x02\x01\x01\x02\x01\x01", 8);
	payload_seed(t, "signed-ecdsa-bad", TOK_SIGNED, &b);
	put_signature(&b, rsa, TOK_ALG_RSA_PSS_SHA256, "SHA256", 1);
	payload_seed(t, "signed-pss-other-key", TOK_SIGNED, &b);
	put_signature(&b, ec, TOK_ALG_ECDSA_SHA384, "SHA384", 0);
	payload_seed(t, "signed-ecdsa-other-key", TOK_SIGNED, &b);

	put_error(&b, TOK_E_PIN_INCORRECT, TOK_FLAG_PIN_FINAL_TRY, "CKR_PIN_INCORRECT");
	payload_seed(t, "error-pin", TOK_ERROR, &b);
	put_error(&b, TOK_E_MODULE, 0, "cannot load /usr/lib/none.so");
	payload_seed(t, "error-module", TOK_ERROR, &b);
	put_error(&b, TOK_E_PIN_LOCKED, TOK_FLAG_PIN_LOCKED, "");
	payload_seed(t, "error-locked", TOK_ERROR, &b);
	put_error(&b, TOK_E_TOKEN_GONE, 0, "C_Login failed: CKR_DEVICE_REMOVED (0x32)");
	payload_seed(t, "error-removed", TOK_ERROR, &b);
	put_error(&b, TOK_E_PIN_EXPIRED, TOK_FLAG_PIN_TO_BE_CHANGED, "label \x1b[2J\n");
	payload_seed(t, "error-expired-control", TOK_ERROR, &b);
	tokbuf_put_u32(&b, 1);
	put_cert(&b, 0, "evil\x1b]0;title\x07\r\nlabel", "\xc2\x85\xe2\x80\xae", 0, alice, "");
	payload_seed(t, "certs-control-label", TOK_CERTS, &b);

	/* What the helper sends in a whole session: the list, then the answer. */
	frames_open(&f, t, "session-ecdsa");
	tokbuf_put_u32(&b, 1);
	put_cert(&b, 0, "ec token", "42", TOK_FLAG_LOGIN_REQUIRED, xec, "\x02");
	frame(&f, TOK_CERTS, &b);
	put_signature(&b, ec, TOK_ALG_ECDSA_SHA256, "SHA256", 0);
	frame(&f, TOK_SIGNED, &b);
	frames_close(&f);

	frames_open(&f, t, "session-rsa-pkcs1");
	tokbuf_put_u32(&b, 2);
	put_cert(&b, 0, "rsa token", "43", TOK_FLAG_LOGIN_REQUIRED, xrsa, "\x03");
	put_cert(&b, 1, "alice", "44", 0, alice, "\x01");
	frame(&f, TOK_CERTS, &b);
	put_signature(&b, rsa, TOK_ALG_RSA_PKCS1_SHA512, "SHA512", 0);
	frame(&f, TOK_SIGNED, &b);
	frames_close(&f);

	frames_open(&f, t, "session-rsa-pss");
	tokbuf_put_u32(&b, 1);
	put_cert(&b, 0, "rsa token", "43", TOK_FLAG_LOGIN_REQUIRED, xrsa, "\x03");
	frame(&f, TOK_CERTS, &b);
	put_signature(&b, rsa, TOK_ALG_RSA_PSS_SHA384, "SHA384", 1);
	frame(&f, TOK_SIGNED, &b);
	frames_close(&f);

	frames_open(&f, t, "session-wrong-pin");
	tokbuf_put_u32(&b, 1);
	put_cert(&b, 0, "ec token", "42", TOK_FLAG_LOGIN_REQUIRED, xec, "\x02");
	frame(&f, TOK_CERTS, &b);
	put_error(&b, TOK_E_PIN_INCORRECT, TOK_FLAG_PIN_COUNT_LOW, "CKR_PIN_INCORRECT");
	frame(&f, TOK_ERROR, &b);
	frames_close(&f);

	/* wait_for_card: waiting, a card inserted, its list, its signature. */
	frames_open(&f, t, "session-wait");
	frame(&f, TOK_WAITING, &b);
	frame(&f, TOK_INSERTED, &b);
	tokbuf_put_u32(&b, 1);
	put_cert(&b, 0, "ec token", "42", TOK_FLAG_LOGIN_REQUIRED, xec, "\x02");
	frame(&f, TOK_CERTS, &b);
	put_signature(&b, ec, TOK_ALG_ECDSA_SHA256, "SHA256", 0);
	frame(&f, TOK_SIGNED, &b);
	frames_close(&f);

	frames_open(&f, t, "session-module-error");
	put_error(&b, TOK_E_MODULE, 0, "C_Initialize failed");
	frame(&f, TOK_ERROR, &b);
	frames_close(&f);

	X509_free(xec);
	X509_free(xrsa);
	X509_free(alice);
	X509_free(fixed_rsa);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(rsa);
}

static void put_list(struct tokbuf *b, const char *module, const char *label, uint32_t wait)
{
	struct tok_list_req req = { (char *)module, (char *)label, wait };

	tokreq_put_list(b, &req);
}

static void put_sign(struct tokbuf *b, uint32_t index, const char *pin, size_t chal_len,
		     uint32_t flags, uint32_t key, uint32_t bits)
{
	unsigned char chal[TOKREQ_CHALLENGE_MAX];
	struct tok_sign_req req = { .index = index, .pin = (char *)pin, .flags = flags,
				    .key = key, .key_bits = bits, .chal = chal };

	for (size_t i = 0; i < sizeof(chal); i++)
		chal[i] = (unsigned char)(i * 37 + 11);
	req.chal_len = chal_len < sizeof(chal) ? chal_len : sizeof(chal);
	memset(req.sha256, 0x25, sizeof(req.sha256));
	memset(req.sha384, 0x38, sizeof(req.sha384));
	memset(req.sha512, 0x51, sizeof(req.sha512));
	tokreq_put_sign(b, &req);
}

static void helper_seeds(void)
{
	static const char *const t = "tokproto_helper";
	struct tokbuf b;
	struct frames f;

	tokbuf_init(&b);
	put_list(&b, DEFAULT_PKCS11_MODULE, "", 0);
	payload_seed(t, "list-any", TOK_LIST, &b);
	put_list(&b, "/usr/lib/softhsm/libsofthsm2.so", "YubiKey PIV #123", 0);
	payload_seed(t, "list-label", TOK_LIST, &b);
	put_list(&b, DEFAULT_PKCS11_MODULE, "", 30);
	payload_seed(t, "list-wait", TOK_LIST, &b);
	put_list(&b, DEFAULT_PKCS11_MODULE, "", TOKREQ_WAIT_MAX + 1);
	payload_seed(t, "list-wait-too-long", TOK_LIST, &b);

	put_sign(&b, 0, "123456", 32, 0, TOK_KEY_EC, 256);
	payload_seed(t, "sign-first", TOK_SIGN, &b);
	put_sign(&b, 3, "", 1024, 0, TOK_KEY_RSA, 4096);
	payload_seed(t, "sign-last-empty-pin", TOK_SIGN, &b);
	put_sign(&b, 1, "", 32, TOK_SIGN_PINPAD, TOK_KEY_RSA, 2048);
	payload_seed(t, "sign-pinpad", TOK_SIGN, &b);
	put_sign(&b, 1, "1234", 32, TOK_SIGN_PINPAD, TOK_KEY_RSA, 2048);
	payload_seed(t, "sign-pinpad-with-pin", TOK_SIGN, &b);
	put_sign(&b, 4, "0000", 32, 0, TOK_KEY_EC, 384);
	payload_seed(t, "sign-index-out-of-range", TOK_SIGN, &b);
	put_sign(&b, 1, "pin", 31, 0, TOK_KEY_EC, 521);
	payload_seed(t, "sign-short-challenge", TOK_SIGN, &b);
	put_sign(&b, 1, "pin", 32, 0, 7, 521);
	payload_seed(t, "sign-unknown-key", TOK_SIGN, &b);

	/* What the module sends in a whole session: a refused PAM_AUTHTOK
	 * (try_first_pass) is followed by a second request. */
	frames_open(&f, t, "session");
	put_list(&b, DEFAULT_PKCS11_MODULE, "", 0);
	frame(&f, TOK_LIST, &b);
	put_sign(&b, 2, "12345678", 32, 0, TOK_KEY_RSA, 2048);
	frame(&f, TOK_SIGN, &b);
	put_sign(&b, 2, "87654321", 32, 0, TOK_KEY_RSA, 2048);
	frame(&f, TOK_SIGN, &b);
	frames_close(&f);

	frames_open(&f, t, "session-list-only");
	put_list(&b, "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so", "PIV_II", 10);
	frame(&f, TOK_LIST, &b);
	frames_close(&f);

	frames_open(&f, t, "session-sign-first");
	put_sign(&b, 0, "123456", 32, 0, TOK_KEY_EC, 256);
	frame(&f, TOK_SIGN, &b);
	frames_close(&f);
	tokbuf_free(&b);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: make_seeds SEED_DIR\n");
		return 2;
	}
	outdir = argv[1];
	module_seeds();
	helper_seeds();
	return 0;
}
