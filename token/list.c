/* list.c - the slots with a token and the X.509 certificates on each, read
 * with C_FindObjects; each listed token keeps its session for the signature. */
#include "config.h"
#include "helper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS_MAX 1024

/* A fixed-width, blank-padded CK_UTF8CHAR field as a C string: up to the
 * first NUL, trailing blanks removed.  OUT has room for LEN + 1 bytes. */
static void token_string(const CK_UTF8CHAR *in, size_t len, char *out)
{
	size_t n = 0;

	while (n < len && in[n] != '\0')
		n++;
	while (n > 0 && in[n - 1] == ' ')
		n--;
	memcpy(out, in, n);
	out[n] = '\0';
}

int p11_token_usable(struct p11 *p, CK_SLOT_ID id, const char *label, CK_TOKEN_INFO *ti)
{
	char got[sizeof(ti->label) + 1];

	if (p->f->C_GetTokenInfo(id, ti) != CKR_OK || !(ti->flags & CKF_TOKEN_INITIALIZED))
		return 0;
	token_string(ti->label, sizeof(ti->label), got);
	return label[0] == '\0' || strcmp(got, label) == 0;
}

/* The slots with a token present, in the module's order; *N of them. */
static CK_RV present_slots(struct p11 *p, CK_SLOT_ID **ids, CK_ULONG *n)
{
	CK_SLOT_ID *v = NULL;
	CK_ULONG count = 0;
	CK_RV rv;

	*ids = NULL;
	*n = 0;
	/* A reader may come between the two calls: ask again, a few times. */
	for (int tries = 0; tries < 3; tries++) {
		rv = p->f->C_GetSlotList(CK_TRUE, NULL, &count);
		if (rv != CKR_OK)
			break;
		if (count > SLOTS_MAX)
			count = SLOTS_MAX;
		free(v);
		v = calloc(count ? count : 1, sizeof(*v));
		if (v == NULL)
			return CKR_HOST_MEMORY;
		rv = p->f->C_GetSlotList(CK_TRUE, v, &count);
		if (rv != CKR_BUFFER_TOO_SMALL)
			break;
	}
	if (rv == CKR_OK) {
		*ids = v;
		*n = count;
		v = NULL;
	}
	free(v);
	return rv;
}

int p11_token_present(struct p11 *p, const char *label)
{
	CK_SLOT_ID *ids = NULL;
	CK_TOKEN_INFO ti;
	CK_ULONG n = 0, i;
	int found = 0;

	if (present_slots(p, &ids, &n) != CKR_OK)
		return 0;
	for (i = 0; i < n && !found; i++)
		found = p11_token_usable(p, ids[i], label, &ti);
	free(ids);
	return found;
}

/* CKA_VALUE and CKA_ID of certificate object H, newly allocated. */
static int read_cert(struct p11 *p, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
		     struct p11_cert *c)
{
	CK_ATTRIBUTE a[2] = { { CKA_VALUE, NULL, 0 }, { CKA_ID, NULL, 0 } };

	/* A certificate without CKA_ID has no key to pair with: length 0. */
	if (p->f->C_GetAttributeValue(s, h, a, 2) != CKR_OK && a[0].ulValueLen == 0)
		return -1;
	if (a[0].ulValueLen == 0 || a[0].ulValueLen == CK_UNAVAILABLE_INFORMATION ||
	    a[0].ulValueLen > HELPER_DER_MAX)
		return -1;
	if (a[1].ulValueLen == CK_UNAVAILABLE_INFORMATION || a[1].ulValueLen > HELPER_DER_MAX)
		a[1].ulValueLen = 0;
	c->der = malloc(a[0].ulValueLen);
	c->id = malloc(a[1].ulValueLen ? a[1].ulValueLen : 1);
	if (c->der == NULL || c->id == NULL)
		return -1;
	a[0].pValue = c->der;
	a[1].pValue = c->id;
	if (p->f->C_GetAttributeValue(s, h, a, a[1].ulValueLen ? 2 : 1) != CKR_OK)
		return -1;
	c->der_len = a[0].ulValueLen;
	c->id_len = a[1].ulValueLen;
	return 0;
}

/* One more certificate of slot SI; a certificate that cannot be read is
 * left out (fewer candidates can only deny).  -1 only when out of memory. */
static int add_cert(struct p11 *p, size_t si, CK_OBJECT_HANDLE h)
{
	struct p11_cert *grown, c;

	memset(&c, 0, sizeof(c));
	c.slot = si;
	if (p->ncerts >= HELPER_CERTS_MAX || read_cert(p, p->slots[si].session, h, &c) != 0) {
		free(c.der);
		free(c.id);
		return 0;
	}
	grown = realloc(p->certs, (p->ncerts + 1) * sizeof(*grown));
	if (grown == NULL) {
		free(c.der);
		free(c.id);
		return -1;
	}
	p->certs = grown;
	p->certs[p->ncerts++] = c;
	return 0;
}

/* The X.509 certificates of slot SI, in the order the token gives them. */
static int find_certs(struct p11 *p, size_t si)
{
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE type = CKC_X_509;
	CK_ATTRIBUTE tmpl[] = { { CKA_CLASS, &cls, sizeof(cls) },
				{ CKA_CERTIFICATE_TYPE, &type, sizeof(type) } };
	CK_SESSION_HANDLE s = p->slots[si].session;
	CK_OBJECT_HANDLE h[32];
	CK_ULONG n = 0, i;
	int rc = 0;

	if (p->f->C_FindObjectsInit(s, tmpl, 2) != CKR_OK)
		return 0;
	while (rc == 0 && p->f->C_FindObjects(s, h, 32, &n) == CKR_OK && n > 0)
		for (i = 0; i < n && rc == 0; i++)
			rc = add_cert(p, si, h[i]);
	(void)p->f->C_FindObjectsFinal(s);
	return rc;
}

/* Slot ID as a listed token, with a session; -1 when out of memory.  A token
 * whose session cannot be opened (a card pulled out, a token not
 * initialised) is left out. */
static int add_slot(struct p11 *p, CK_SLOT_ID id, const CK_TOKEN_INFO *ti)
{
	struct p11_slot *grown, *s;
	size_t before = p->ncerts;
	CK_RV rv;

	grown = realloc(p->slots, (p->nslots + 1) * sizeof(*grown));
	if (grown == NULL)
		return -1;
	p->slots = grown;
	s = &p->slots[p->nslots];
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->token_flags = ti->flags;
	token_string(ti->label, sizeof(ti->label), s->label);
	token_string(ti->serialNumber, sizeof(ti->serialNumber), s->serial);
	rv = p->f->C_OpenSession(id, CKF_SERIAL_SESSION, NULL, NULL, &s->session);
	if (rv != CKR_OK) {
		fprintf(stderr, "pam_certmap_token: slot %lu: C_OpenSession: %s\n",
			(unsigned long)id, ckr_name(rv));
		return 0;
	}
	p->nslots++;
	if (find_certs(p, p->nslots - 1) != 0)
		return -1;
	/* No certificate: nothing to sign for, so no session to keep. */
	if (p->ncerts == before) {
		(void)p->f->C_CloseSession(s->session);
		p->nslots--;
	}
	return 0;
}

uint32_t p11_list(struct p11 *p, const char *label, char *msg, size_t msglen)
{
	CK_SLOT_ID *ids = NULL;
	CK_TOKEN_INFO ti;
	CK_ULONG n = 0, i;
	uint32_t err = 0;
	CK_RV rv;

	rv = present_slots(p, &ids, &n);
	if (rv != CKR_OK) {
		snprintf(msg, msglen, "C_GetSlotList failed: %s (0x%lx)", ckr_name(rv),
			 (unsigned long)rv);
		return ckr_token_err(rv) ? ckr_token_err(rv) : TOK_E_MODULE;
	}
	for (i = 0; i < n && err == 0; i++) {
		if (!p11_token_usable(p, ids[i], label, &ti))
			continue;
		if (add_slot(p, ids[i], &ti) != 0) {
			snprintf(msg, msglen, "out of memory listing certificates");
			err = TOK_E_INTERNAL;
		}
	}
	free(ids);
	return err;
}
