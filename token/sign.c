/* sign.c - the proof of possession: log in, find the private key with the
 * certificate's CKA_ID and sign the module's challenge by the best
 * mechanism the token offers; the module checks the result. */
#include "config.h"
#include "helper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The longest signature: RSA of TOKREQ_KEY_BITS_MAX bits. */
#define SIG_MAX (TOKREQ_KEY_BITS_MAX / 8)

/* DER of DigestInfo up to the digest (RFC 8017 section 9.2, note 1). */
static const unsigned char di_sha256[] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48,
					   0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20 };
static const unsigned char di_sha384[] = { 0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48,
					   0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30 };
static const unsigned char di_sha512[] = { 0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48,
					   0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40 };

/* What C_Sign gets, for one row of the table. */
struct sign_input {
	unsigned char buf[sizeof(di_sha512) + 64];
	const unsigned char *data;
	size_t len;
};

static void input_for(const struct mech_row *m, const struct tok_sign_req *req,
		      struct sign_input *in)
{
	unsigned hash = mech_hash(m, req->key_bits);
	const unsigned char *digest = hash == 256 ? req->sha256 :
				      hash == 384 ? req->sha384 : req->sha512;
	const unsigned char *prefix = hash == 256 ? di_sha256 :
				      hash == 384 ? di_sha384 : di_sha512;
	size_t dlen = hash / 8;

	switch (m->input) {
	case MECH_MESSAGE:
		in->data = req->chal;
		in->len = req->chal_len;
		break;
	case MECH_DIGEST:
		in->data = digest;
		in->len = dlen;
		break;
	case MECH_DIGESTINFO:
		memcpy(in->buf, prefix, sizeof(di_sha256));
		memcpy(in->buf + sizeof(di_sha256), digest, dlen);
		in->data = in->buf;
		in->len = sizeof(di_sha256) + dlen;
		break;
	}
}

/* PSS: salt as long as the digest, MGF1 with the same digest, as the
 * module verifies (tokverify.c). */
static void pss_for(unsigned hash, CK_RSA_PKCS_PSS_PARAMS *pss)
{
	pss->hashAlg = hash == 256 ? CKM_SHA256 : hash == 384 ? CKM_SHA384 : CKM_SHA512;
	pss->mgf = hash == 256 ? CKG_MGF1_SHA256 : hash == 384 ? CKG_MGF1_SHA384 : CKG_MGF1_SHA512;
	pss->sLen = hash / 8;
}

/* The private key with the certificate's CKA_ID, looked for after the login
 * (a card shows its private keys only then). */
static int find_key(struct p11 *p, const struct p11_slot *s, const struct p11_cert *c,
		    CK_OBJECT_HANDLE *key, struct p11_result *r)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[] = { { CKA_CLASS, &cls, sizeof(cls) },
				{ CKA_ID, c->id, c->id_len } };
	CK_ULONG n = 0;
	CK_RV rv;

	rv = p->f->C_FindObjectsInit(s->session, tmpl, 2);
	if (rv == CKR_OK) {
		rv = p->f->C_FindObjects(s->session, key, 1, &n);
		(void)p->f->C_FindObjectsFinal(s->session);
	}
	if (rv != CKR_OK) {
		p11_fail(r, TOK_E_NO_KEY, p11_flags(s->token_flags), "C_FindObjects", rv);
		return -1;
	}
	if (n == 0) {
		p11_result_set(r, TOK_E_NO_KEY, 0, "no private key with the certificate's ID");
		return -1;
	}
	return 0;
}

static int always_authenticate(struct p11 *p, const struct p11_slot *s, CK_OBJECT_HANDLE key)
{
	CK_BBOOL v = CK_FALSE;
	CK_ATTRIBUTE a = { CKA_ALWAYS_AUTHENTICATE, &v, sizeof(v) };

	return p->f->C_GetAttributeValue(s->session, key, &a, 1) == CKR_OK &&
	       a.ulValueLen == sizeof(v) && v == CK_TRUE;
}

/* The key and how it must be used, for each row tried. */
struct signer {
	struct p11 *p;
	struct p11_slot *s;
	CK_OBJECT_HANDLE key;
	int always;
	const struct tok_sign_req *req;
	CK_RV last;              /* the last refusal, for the log */
};

/* C_Sign into R; the operation stays active after CKR_BUFFER_TOO_SMALL. */
static CK_RV sign_into(struct signer *g, const struct sign_input *in, struct p11_result *r)
{
	CK_ULONG len = SIG_MAX;
	CK_RV rv;

	r->sig = malloc(SIG_MAX);
	if (r->sig == NULL)
		return CKR_HOST_MEMORY;
	rv = g->p->f->C_Sign(g->s->session, (CK_BYTE_PTR)in->data, in->len, r->sig, &len);
	if (rv == CKR_OK && len <= SIG_MAX) {
		r->sig_len = len;
		return CKR_OK;
	}
	p11_result_free(r);
	return rv == CKR_OK ? CKR_GENERAL_ERROR : rv;
}

/* One row: 0 signed, 1 refused (try the next), -1 stop with R filled. */
static int try_row(struct signer *g, const struct mech_row *m, struct p11_result *r)
{
	unsigned hash = mech_hash(m, g->req->key_bits);
	CK_RSA_PKCS_PSS_PARAMS pss;
	CK_MECHANISM mech = { m->type, NULL, 0 };
	struct sign_input in;
	CK_RV rv;

	if (m->pss) {
		pss_for(hash, &pss);
		mech.pParameter = &pss;
		mech.ulParameterLen = sizeof(pss);
	}
	input_for(m, g->req, &in);
	rv = g->p->f->C_SignInit(g->s->session, &mech, g->key);
	if (rv == CKR_OK && g->always && p11_login_context(g->p, g->s, g->req, r) != 0)
		return -1;
	if (rv == CKR_OK)
		rv = sign_into(g, &in, r);
	if (rv == CKR_OK) {
		r->alg = mech_alg(m, g->req->key_bits);
		return 0;
	}
	if (ckr_token_err(rv) != 0 || rv == CKR_HOST_MEMORY) {
		p11_fail(r, TOK_E_INTERNAL, p11_flags(g->s->token_flags), "C_Sign", rv);
		return -1;
	}
	fprintf(stderr, "pam_certmap_token: mechanism 0x%lx refused: %s\n",
		(unsigned long)m->type, ckr_name(rv));
	g->last = rv;
	return 1;
}

static void sign_with(struct signer *g, struct p11_result *r)
{
	const struct mech_row *cand[MECH_MAX];
	size_t n = mech_candidates(g->p, g->s->id, g->req->key, g->req->key_bits, cand);
	char what[64];

	if (n == 0) {
		p11_result_set(r, TOK_E_SIGN, 0, "the token offers no signature mechanism for "
			       "this key");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		switch (try_row(g, cand[i], r)) {
		case 0:
			p11_result_set(r, 0, 0, "signed");
			return;
		case -1:
			return;
		default:
			break;
		}
	}
	snprintf(what, sizeof(what), "every one of %zu signature mechanisms", n);
	p11_fail(r, TOK_E_SIGN, 0, what, g->last);
}

void p11_sign(struct p11 *p, const struct tok_sign_req *req, struct p11_result *r)
{
	struct signer g = { .p = p, .req = req, .last = CKR_OK };
	const struct p11_cert *c;

	memset(r, 0, sizeof(*r));
	p11_result_set(r, TOK_E_INTERNAL, 0, "internal error");
	if (req->index >= p->ncerts)
		return;
	c = &p->certs[req->index];
	g.s = &p->slots[c->slot];
	if (p11_login_user(p, g.s, req, r) != 0)
		return;
	if (find_key(p, g.s, c, &g.key, r) != 0)
		return;
	g.always = always_authenticate(p, g.s, g.key);
	sign_with(&g, r);
}
