/* p11.c - the PKCS#11 side of pam_certmap_token: list the certificates of the
 * tokens, log in with the PIN and sign a challenge with the matching key. */
#include "config.h"
#include "helper.h"
#include "tokproto.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libp11.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
/* p11-kit's self-contained copy of the PKCS#11 header (libp11-kit-dev). */
#include <p11-kit/pkcs11.h>

#define CERTS_MAX 4096

struct found {
	struct p11_cert c;
	PKCS11_SLOT *slot;
};

/* libp11 0.4.12 hides the sessions, never sends C_Logout before a login of
 * its own, and waits forever for a session it failed to open; the few calls
 * that need to be exact go to the module's function list directly. */
struct raw {
	void *dl;
	CK_FUNCTION_LIST_PTR f;
	int own;
};

struct p11 {
	PKCS11_CTX *ctx;
	int loaded;
	struct raw raw;
	PKCS11_SLOT *slots;
	unsigned int nslots;
	struct found *certs;
	size_t ncerts;
};

struct p11 *p11_new(void)
{
	return calloc(1, sizeof(struct p11));
}

static void found_free(struct found *f)
{
	free(f->c.label);
	free(f->c.serial);
	OPENSSL_free(f->c.der);
	free(f->c.id);
}

void p11_free(struct p11 *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->ncerts; i++)
		found_free(&p->certs[i]);
	free(p->certs);
	/* Releasing the slots also wipes libp11's copy of the PIN. */
	if (p->slots != NULL)
		PKCS11_release_all_slots(p->ctx, p->slots, p->nslots);
	if (p->raw.own)
		(void)p->raw.f->C_Finalize(NULL);
	if (p->raw.dl != NULL)
		dlclose(p->raw.dl);
	if (p->loaded)
		PKCS11_CTX_unload(p->ctx);
	if (p->ctx != NULL)
		PKCS11_CTX_free(p->ctx);
	free(p);
}

size_t p11_count(const struct p11 *p)
{
	return p->ncerts;
}

const struct p11_cert *p11_cert_at(const struct p11 *p, size_t i)
{
	return i < p->ncerts ? &p->certs[i].c : NULL;
}

static uint32_t token_flags(const PKCS11_TOKEN *t)
{
	uint32_t f = 0;

	if (t->loginRequired)
		f |= TOK_FLAG_LOGIN_REQUIRED;
	if (t->userPinCountLow)
		f |= TOK_FLAG_PIN_COUNT_LOW;
	if (t->userPinFinalTry)
		f |= TOK_FLAG_PIN_FINAL_TRY;
	if (t->userPinLocked)
		f |= TOK_FLAG_PIN_LOCKED;
	if (t->secureLogin)
		f |= TOK_FLAG_PROTECTED_AUTH;
	return f;
}

/* The CKR_ code of the last libp11 call that failed: libp11 raises its
 * errors in a library of its own (ERR_get_CKR_code()) with the CKR_ value as
 * the reason.  Empties the queue; 0 when no such error was there. */
static unsigned long ckr_from_queue(void)
{
	int lib = ERR_get_CKR_code();
	unsigned long e, ckr = 0;

	while ((e = ERR_get_error()) != 0)
		if (ERR_GET_LIB(e) == lib)
			ckr = (unsigned long)ERR_GET_REASON(e);
	return ckr;
}

/* ------------------------------------------------------------ raw PKCS#11 */

/* The function list libp11 uses: the module is loaded and initialised by
 * then, and RTLD_NOLOAD finds that same instance. */
static int raw_bind(struct raw *r, const char *module)
{
	CK_C_GetFunctionList get;
	CK_RV rv;

	r->dl = dlopen(module, RTLD_LAZY | RTLD_LOCAL | RTLD_NOLOAD);
	if (r->dl == NULL)
		return -1;
	get = (CK_C_GetFunctionList)dlsym(r->dl, "C_GetFunctionList");
	if (get == NULL || get(&r->f) != CKR_OK || r->f == NULL)
		return -1;
	rv = r->f->C_Initialize(NULL);
	if (rv == CKR_OK)
		r->own = 1;
	else if (rv != CKR_CRYPTOKI_ALREADY_INITIALIZED)
		return -1;
	return 0;
}

static int raw_open(const struct raw *r, PKCS11_SLOT *slot, CK_SESSION_HANDLE *s)
{
	CK_SLOT_ID id = PKCS11_get_slotid_from_slot(slot);

	return r->f->C_OpenSession(id, CKF_SERIAL_SESSION, NULL, NULL, s) == CKR_OK ? 0 : -1;
}

/* libp11 0.4.12 waits forever for a session it could not open (a token not
 * initialised, a card pulled out): such a token is left out beforehand. */
static int raw_can_open(const struct raw *r, PKCS11_SLOT *slot)
{
	CK_SESSION_HANDLE s;

	if (raw_open(r, slot, &s) != 0)
		return 0;
	(void)r->f->C_CloseSession(s);
	return 1;
}

static int user_state(CK_STATE st)
{
	return st == CKS_RO_USER_FUNCTIONS || st == CKS_RW_USER_FUNCTIONS ||
	       st == CKS_RW_SO_FUNCTIONS;
}

/* A module may share its login state between processes; PKCS11_logout does
 * nothing before libp11's own login, and libp11 takes "already logged in" for
 * a good PIN.  0 once the token is seen logged out. */
static int raw_logout(const struct raw *r, PKCS11_SLOT *slot)
{
	CK_SESSION_HANDLE s;
	CK_SESSION_INFO info;
	int ret = -1;

	if (raw_open(r, slot, &s) != 0)
		return -1;
	if (r->f->C_GetSessionInfo(s, &info) != CKR_OK)
		goto out;
	if (user_state(info.state)) {
		(void)r->f->C_Logout(s);
		if (r->f->C_GetSessionInfo(s, &info) != CKR_OK || user_state(info.state))
			goto out;
	}
	ret = 0;
out:
	(void)r->f->C_CloseSession(s);
	return ret;
}

/* The token flags as they are now: a failed login changes them, and libp11
 * read them once, at enumeration. */
static uint32_t raw_flags(const struct raw *r, PKCS11_SLOT *slot, uint32_t old)
{
	CK_TOKEN_INFO ti;
	uint32_t f = 0;

	if (r->f->C_GetTokenInfo(PKCS11_get_slotid_from_slot(slot), &ti) != CKR_OK)
		return old;
	if (ti.flags & CKF_LOGIN_REQUIRED)
		f |= TOK_FLAG_LOGIN_REQUIRED;
	if (ti.flags & CKF_USER_PIN_COUNT_LOW)
		f |= TOK_FLAG_PIN_COUNT_LOW;
	if (ti.flags & CKF_USER_PIN_FINAL_TRY)
		f |= TOK_FLAG_PIN_FINAL_TRY;
	if (ti.flags & CKF_USER_PIN_LOCKED)
		f |= TOK_FLAG_PIN_LOCKED;
	if (ti.flags & CKF_PROTECTED_AUTHENTICATION_PATH)
		f |= TOK_FLAG_PROTECTED_AUTH;
	return f;
}

/* ------------------------------------------------------------ listing */

static int copy_cert(struct found *f, PKCS11_SLOT *slot, unsigned int si, const PKCS11_CERT *pc)
{
	const PKCS11_TOKEN *t = slot->token;
	int n;

	f->slot = slot;
	f->c.slot_index = si;
	f->c.flags = token_flags(t);
	f->c.label = strdup(t->label != NULL ? t->label : "");
	f->c.serial = strdup(t->serialnr != NULL ? t->serialnr : "");
	n = i2d_X509(pc->x509, &f->c.der);
	f->c.der_len = n > 0 ? (size_t)n : 0;
	f->c.id_len = pc->id != NULL ? pc->id_len : 0;
	f->c.id = malloc(f->c.id_len > 0 ? f->c.id_len : 1);
	if (f->c.label == NULL || f->c.serial == NULL || n <= 0 || f->c.id == NULL)
		return -1;
	if (f->c.id_len > 0)
		memcpy(f->c.id, pc->id, f->c.id_len);
	return 0;
}

static int add_cert(struct p11 *p, PKCS11_SLOT *slot, unsigned int si, const PKCS11_CERT *pc)
{
	struct found *grown;

	if (pc->x509 == NULL)
		return 0;
	if (p->ncerts >= CERTS_MAX)
		return -1;
	grown = realloc(p->certs, (p->ncerts + 1) * sizeof(*grown));
	if (grown == NULL)
		return -1;
	p->certs = grown;
	memset(&p->certs[p->ncerts], 0, sizeof(*grown));
	/* Counted before filled, so p11_free frees a half-made copy. */
	p->ncerts++;
	return copy_cert(&p->certs[p->ncerts - 1], slot, si, pc);
}

/* A token whose certificates cannot be read is left out, not fatal: fewer
 * candidates can only deny. */
static int list_slot(struct p11 *p, unsigned int si, const char *label)
{
	PKCS11_SLOT *slot = &p->slots[si];
	PKCS11_CERT *certs = NULL;
	unsigned int i, n = 0;

	if (slot->token == NULL || !slot->token->initialized)
		return 0;
	if (label[0] != '\0' && (slot->token->label == NULL || strcmp(slot->token->label, label) != 0))
		return 0;
	if (!raw_can_open(&p->raw, slot)) {
		fprintf(stderr, "pam_certmap_token: cannot open a session on slot %u\n", si);
		return 0;
	}
	if (PKCS11_enumerate_certs(slot->token, &certs, &n) != 0) {
		fprintf(stderr, "pam_certmap_token: cannot list the certificates of slot %u\n",
			si);
		ERR_clear_error();
		return 0;
	}
	for (i = 0; i < n; i++)
		if (add_cert(p, slot, si, &certs[i]) != 0)
			return -1;
	return 0;
}

static uint32_t module_error(char *msg, size_t msglen, const char *what, const char *module)
{
	unsigned long ckr = ckr_from_queue();

	if (ckr != 0)
		snprintf(msg, msglen, "%s %s: CKR 0x%lx", what, module, ckr);
	else
		snprintf(msg, msglen, "%s %s", what, module);
	return TOK_E_MODULE;
}

uint32_t p11_list(struct p11 *p, const char *module, const char *label, char *msg,
		  size_t msglen)
{
	unsigned int i;

	p->ctx = PKCS11_CTX_new();
	if (p->ctx == NULL) {
		snprintf(msg, msglen, "out of memory");
		return TOK_E_INTERNAL;
	}
	if (PKCS11_CTX_load(p->ctx, module) != 0)
		return module_error(msg, msglen, "cannot load", module);
	p->loaded = 1;
	if (raw_bind(&p->raw, module) != 0)
		return module_error(msg, msglen, "cannot find the function list of", module);
	if (PKCS11_enumerate_slots(p->ctx, &p->slots, &p->nslots) != 0)
		return module_error(msg, msglen, "cannot list the slots of", module);
	for (i = 0; i < p->nslots; i++) {
		if (list_slot(p, i, label) != 0) {
			snprintf(msg, msglen, "out of memory listing certificates");
			return TOK_E_INTERNAL;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ login */

static void set_result(struct p11_result *r, uint32_t err, uint32_t flags, const char *msg)
{
	r->err = err;
	r->flags = flags;
	snprintf(r->msg, sizeof(r->msg), "%s", msg);
}

static const char *ckr_name(unsigned long ckr)
{
	switch (ckr) {
	case CKR_PIN_INCORRECT:
		return "CKR_PIN_INCORRECT";
	case CKR_PIN_INVALID:
		return "CKR_PIN_INVALID";
	case CKR_PIN_LEN_RANGE:
		return "CKR_PIN_LEN_RANGE";
	case CKR_PIN_EXPIRED:
		return "CKR_PIN_EXPIRED";
	case CKR_PIN_LOCKED:
		return "CKR_PIN_LOCKED";
	default:
		return "CKR";
	}
}

static void login_failed(struct p11 *p, const struct found *f, unsigned long ckr,
			 struct p11_result *r)
{
	uint32_t flags = raw_flags(&p->raw, f->slot, f->c.flags);
	uint32_t err = TOK_E_INTERNAL;

	if (ckr == CKR_PIN_LOCKED || (flags & TOK_FLAG_PIN_LOCKED))
		err = TOK_E_PIN_LOCKED;
	else if (ckr == CKR_PIN_INCORRECT)
		err = TOK_E_PIN_INCORRECT;
	else if (ckr == CKR_PIN_LEN_RANGE || ckr == CKR_PIN_INVALID)
		err = TOK_E_PIN_INVALID;
	r->err = err;
	r->flags = flags;
	snprintf(r->msg, sizeof(r->msg), "C_Login failed: %s (0x%lx)", ckr_name(ckr), ckr);
}

/* Always a fresh login, so a token some other session left logged in still
 * needs this PIN. */
static int login(struct p11 *p, const struct found *f, char *pin, struct p11_result *r)
{
	size_t pin_len = strlen(pin);
	int rc;

	(void)PKCS11_logout(f->slot);
	ERR_clear_error();
	if (raw_logout(&p->raw, f->slot) != 0) {
		explicit_bzero(pin, pin_len);
		set_result(r, TOK_E_INTERNAL, f->c.flags,
			   "the token cannot be logged out: the PIN cannot be checked");
		return -1;
	}
	/* A PIN pad token takes the PIN on its own keypad when given none. */
	rc = PKCS11_login(f->slot, 0, pin_len == 0 && f->slot->token->secureLogin ? NULL : pin);
	explicit_bzero(pin, pin_len);
	if (rc == 0)
		return 0;
	login_failed(p, f, ckr_from_queue(), r);
	return -1;
}

/* ------------------------------------------------------------ signing */

static PKCS11_KEY *find_key(const struct found *f)
{
	PKCS11_KEY *keys = NULL;
	unsigned int i, n = 0;

	if (PKCS11_enumerate_keys(f->slot->token, &keys, &n) != 0)
		return NULL;
	for (i = 0; i < n; i++) {
		if (!keys[i].isPrivate || keys[i].id_len != f->c.id_len)
			continue;
		if (f->c.id_len == 0 || memcmp(keys[i].id, f->c.id, f->c.id_len) == 0)
			return &keys[i];
	}
	return NULL;
}

static int pss_params(EVP_PKEY_CTX *pctx, const EVP_MD *md)
{
	if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1)
		return -1;
	if (EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1)
		return -1;
	return EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) == 1 ? 0 : -1;
}

/* One signature attempt; the token computes it, nothing here checks it, so
 * a key that does not belong to the certificate fails in the module. */
static int try_sign(EVP_PKEY *pk, const char *mdname, int pss, const unsigned char *msg,
		    size_t n, struct p11_result *r)
{
	const EVP_MD *md = EVP_get_digestbyname(mdname);
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *sig = NULL;
	size_t len = 0;
	int ret = -1;

	if (md == NULL || mctx == NULL)
		goto out;
	if (EVP_DigestSignInit(mctx, &pctx, md, NULL, pk) != 1)
		goto out;
	if (pss && pss_params(pctx, md) != 0)
		goto out;
	if (EVP_DigestSign(mctx, NULL, &len, msg, n) != 1 || len == 0)
		goto out;
	sig = OPENSSL_malloc(len);
	if (sig == NULL || EVP_DigestSign(mctx, sig, &len, msg, n) != 1)
		goto out;
	r->sig = sig;
	r->sig_len = len;
	sig = NULL;
	ret = 0;
out:
	OPENSSL_free(sig);
	EVP_MD_CTX_free(mctx);
	ERR_clear_error();
	return ret;
}

static int sign_rsa(EVP_PKEY *pk, const unsigned char *msg, size_t n, struct p11_result *r)
{
	if (try_sign(pk, "SHA256", 1, msg, n, r) == 0) {
		r->alg = TOK_ALG_RSA_PSS_SHA256;
		return 0;
	}
	if (try_sign(pk, "SHA256", 0, msg, n, r) == 0) {
		r->alg = TOK_ALG_RSA_PKCS1_SHA256;
		return 0;
	}
	return -1;
}

static int sign_ec(EVP_PKEY *pk, const unsigned char *msg, size_t n, struct p11_result *r)
{
	static const struct {
		int bits;
		const char *md;
		uint32_t alg;
	} by_size[] = {
		{ 256, "SHA256", TOK_ALG_ECDSA_SHA256 },
		{ 384, "SHA384", TOK_ALG_ECDSA_SHA384 },
		{ 521, "SHA512", TOK_ALG_ECDSA_SHA512 },
	};
	int bits = EVP_PKEY_get_bits(pk);
	size_t i;

	for (i = 0; i < sizeof(by_size) / sizeof(by_size[0]); i++) {
		if (by_size[i].bits != bits)
			continue;
		if (try_sign(pk, by_size[i].md, 0, msg, n, r) != 0)
			return -1;
		r->alg = by_size[i].alg;
		return 0;
	}
	return -1;
}

static void sign_with(PKCS11_KEY *key, const unsigned char *msg, size_t n, struct p11_result *r)
{
	EVP_PKEY *pk = PKCS11_get_private_key(key);
	int rc = -1;

	if (pk == NULL) {
		set_result(r, TOK_E_SIGN, 0, "the private key cannot be used");
		return;
	}
	if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA)
		rc = sign_rsa(pk, msg, n, r);
	else if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC)
		rc = sign_ec(pk, msg, n, r);
	EVP_PKEY_free(pk);
	if (rc == 0)
		set_result(r, 0, 0, "signed");
	else
		set_result(r, TOK_E_SIGN, 0, "the token refused every signature mechanism");
}

void p11_sign(struct p11 *p, size_t i, char *pin, const unsigned char *chal, size_t chal_len,
	      struct p11_result *r)
{
	const struct found *f;
	PKCS11_KEY *key;

	memset(r, 0, sizeof(*r));
	set_result(r, TOK_E_INTERNAL, 0, "internal error");
	if (i >= p->ncerts) {
		explicit_bzero(pin, strlen(pin));
		return;
	}
	f = &p->certs[i];
	if (login(p, f, pin, r) != 0)
		return;
	key = find_key(f);
	if (key == NULL) {
		ERR_clear_error();
		set_result(r, TOK_E_NO_KEY, 0, "no private key with the certificate's ID");
		return;
	}
	sign_with(key, chal, chal_len, r);
}

void p11_result_free(struct p11_result *r)
{
	OPENSSL_free(r->sig);
	r->sig = NULL;
	r->sig_len = 0;
}
