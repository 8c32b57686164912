/* sync_set.c - the entries certmap sync writes, made from the directory's:
 * disabled accounts marked, and what has no single meaning left out and told:
 * values that are not certificates, a certificate of two entries, a user
 * name of two entries, a certificate also mapped by hand. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ascii.h"
#include "b64scan.h"
#include "certmap/sync.h"

int sync_key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, SYNC_KEY_LEN);
}

/* SHA-256 fetched once: an implicit fetch per call costs more than the hash. */
static int der_key(const unsigned char *der, size_t len, unsigned char key[SYNC_KEY_LEN])
{
	static EVP_MD *sha256;
	unsigned int n = 0;

	if (sha256 == NULL && (sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		return -1;
	return EVP_Digest(der, len, key, &n, sha256, NULL) == 1 && n == SYNC_KEY_LEN ? 0 : -1;
}

int sync_value_key(const char *value, unsigned char key[SYNC_KEY_LEN])
{
	struct b64scan sc;
	unsigned char *in = NULL, *der = NULL;
	size_t n = 0;
	int dlen, rc = -1;

	b64scan(value, &sc);
	if (sc.dead != MAPFILE_LIVE || sc.len > INT_MAX)
		return -1;
	in = malloc(sc.len + 1);
	der = malloc(sc.len / 4 * 3 + 1);
	if (in == NULL || der == NULL)
		goto out;
	for (; *value != '\0'; value++)
		if (!b64_is_space((unsigned char)*value))
			in[n++] = (unsigned char)*value;
	dlen = EVP_DecodeBlock(der, in, (int)n);
	/* EVP_DecodeBlock counts the padding as bytes. */
	for (size_t i = n; dlen > 0 && i > 0 && in[i - 1] == '='; i--)
		dlen--;
	if (dlen > 0)
		rc = der_key(der, (size_t)dlen, key);
out:
	free(in);
	free(der);
	return rc;
}

static void key_hex(const unsigned char key[SYNC_KEY_LEN], char out[2 * SYNC_KEY_LEN + 1])
{
	for (size_t i = 0; i < SYNC_KEY_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", key[i]);
}

/* ----------------------------------------------------------- one entry */

/* What the directory says, in a message: quoted, control bytes escaped. */
#define QUOTED(s, buf) cm_quote((s), (buf), sizeof(buf))
#define QUOTE_MAX 600

/* The entry's user name, or NULL after saying why it has none usable. */
static const char *user_of(const struct dir_entry *e, const struct sync_conf *c)
{
	const struct sync_bytes *u = e->users;
	char dn[QUOTE_MAX];

	if (e->nusers == 0) {
		sync_err("%s: has no %s: left out", QUOTED(e->dn, dn), c->user_attribute);
		return NULL;
	}
	if (e->nusers > 1) {
		sync_err("%s: has %zu values of %s, so the account it maps to cannot be told: "
			 "left out", QUOTED(e->dn, dn), e->nusers, c->user_attribute);
		return NULL;
	}
	if (u->len == 0 || strlen((const char *)u->p) != u->len ||
	    !sync_text_ok((const char *)u->p)) {
		sync_err("%s: its %s is not UTF-8 text without control characters: left out",
			 QUOTED(e->dn, dn), c->user_attribute);
		return NULL;
	}
	return (const char *)u->p;
}

/* AD's ACCOUNTDISABLE bit, 389-ds' and FreeIPA's lock, OpenLDAP ppolicy's
 * lock (whatever its time: only the server knows its lockout duration). */
static int disabled(const struct dir_entry *e)
{
	if (e->uac != NULL) {
		char *end;
		long v;

		errno = 0;
		v = strtol(e->uac, &end, 10);
		if (end == e->uac || *end != '\0' || errno != 0) {
			char dn[QUOTE_MAX], uac[64];

			sync_err("%s: userAccountControl %s is not a number: taken as disabled",
				 QUOTED(e->dn, dn), QUOTED(e->uac, uac));
			return 1;
		}
		if (v & 0x2)
			return 1;
	}
	if (e->lock != NULL && ascii_casecmp(e->lock, "true") == 0)
		return 1;
	return e->pwd_locked;
}

/* The whole value is one DER certificate.  Parsing one (its key through
 * OpenSSL's decoders) is the sync's costliest step: the verdict is kept. */
static int is_certificate(struct sync_bytes *b)
{
	const unsigned char *p = b->p;
	X509 *x;

	if (b->checked == 0) {
		x = b->len <= LONG_MAX ? d2i_X509(NULL, &p, (long)b->len) : NULL;
		b->checked = x != NULL && p == b->p + b->len ? 1 : -1;
		X509_free(x);
	}
	return b->checked > 0;
}

static int add_values(struct sync_set *set, struct dirset *s, size_t i,
		      const struct sync_conf *c)
{
	struct dir_entry *e = &s->v[i];
	const char *user = user_of(e, c);
	int off = disabled(e);
	size_t first = set->n;

	for (size_t k = 0; k < e->ncerts; k++) {
		struct sync_out *o = &set->v[set->n];
		int dup = 0;

		if (!is_certificate(&e->certs[k])) {
			char dn[QUOTE_MAX];

			sync_err("%s: value %zu of userCertificate is not a certificate: left out",
				 QUOTED(e->dn, dn), k + 1);
			set->left_out++;
			continue;
		}
		memset(o, 0, sizeof(*o));
		if (der_key(e->certs[k].p, e->certs[k].len, o->key) != 0)
			return -1;
		for (size_t m = first; m < set->n && !dup; m++)
			dup = memcmp(set->v[m].key, o->key, SYNC_KEY_LEN) == 0;
		if (dup)
			continue;
		o->user = user;
		o->cert = &e->certs[k];
		o->disabled = off;
		o->entry = i;
		o->out = user == NULL;
		set->n++;
	}
	return 0;
}

/* ------------------------------------------------------- across entries */

static int by_key(const void *a, const void *b)
{
	const struct sync_out *x = a, *y = b;
	int c = memcmp(x->key, y->key, SYNC_KEY_LEN);

	return c != 0 ? c : (x->entry > y->entry) - (x->entry < y->entry);
}

static int by_user(const void *a, const void *b)
{
	const struct sync_out *x = a, *y = b;
	int c = strcmp(x->user ? x->user : "", y->user ? y->user : "");

	return c != 0 ? c : (x->entry > y->entry) - (x->entry < y->entry);
}

static int by_user_key(const void *a, const void *b)
{
	const struct sync_out *x = a, *y = b;
	int c = strcmp(x->user ? x->user : "", y->user ? y->user : "");

	return c != 0 ? c : memcmp(x->key, y->key, SYNC_KEY_LEN);
}

/* Runs [i, j) of V that SAME joins and that span more than one entry are
 * left out, each run told once with SAY. */
static void drop_runs(struct sync_set *set, const struct dirset *s,
		      int (*same)(const struct sync_out *, const struct sync_out *),
		      void (*say)(const struct dirset *, const struct sync_out *, size_t))
{
	size_t i = 0;

	while (i < set->n) {
		size_t j = i + 1;
		int many = 0;

		while (j < set->n && same(&set->v[i], &set->v[j])) {
			many |= set->v[j].entry != set->v[i].entry;
			j++;
		}
		if (many) {
			say(s, &set->v[i], j - i);
			for (size_t k = i; k < j; k++)
				set->v[k].out = 1;
		}
		i = j;
	}
}

static int same_key(const struct sync_out *a, const struct sync_out *b)
{
	return memcmp(a->key, b->key, SYNC_KEY_LEN) == 0;
}

static int same_user(const struct sync_out *a, const struct sync_out *b)
{
	return a->user != NULL && b->user != NULL && strcmp(a->user, b->user) == 0;
}

static void say_shared(const struct dirset *s, const struct sync_out *run, size_t n)
{
	char hex[2 * SYNC_KEY_LEN + 1];

	key_hex(run->key, hex);
	sync_err("certificate sha256:%s is held by %zu directory entries, so whose it is "
		 "cannot be told: left out of all of them:", hex, n);
	for (size_t k = 0; k < n; k++) {
		char dn[QUOTE_MAX];

		sync_err("  %s", QUOTED(s->v[run[k].entry].dn, dn));
	}
}

static void say_same_user(const struct dirset *s, const struct sync_out *run, size_t n)
{
	size_t last = (size_t)-1;
	char user[QUOTE_MAX];

	sync_err("user name %s is held by several directory entries, so which one it is "
		 "cannot be told: their certificates are left out:", QUOTED(run->user, user));
	for (size_t k = 0; k < n; k++) {
		if (run[k].entry != last) {
			char dn[QUOTE_MAX];

			sync_err("  %s", QUOTED(s->v[run[k].entry].dn, dn));
		}
		last = run[k].entry;
	}
}

int sync_set_build(struct dirset *s, const struct sync_conf *c, struct sync_set *out)
{
	size_t total = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < s->n; i++)
		total += s->v[i].ncerts;
	out->v = calloc(total ? total : 1, sizeof(*out->v));
	if (out->v == NULL)
		return -1;
	for (size_t i = 0; i < s->n; i++) {
		out->entries++;
		if (s->v[i].ncerts == 0)
			out->no_cert++;
		else if (add_values(out, s, i, c) != 0)
			return -1;
	}
	qsort(out->v, out->n, sizeof(*out->v), by_key);
	drop_runs(out, s, same_key, say_shared);
	qsort(out->v, out->n, sizeof(*out->v), by_user);
	drop_runs(out, s, same_user, say_same_user);
	for (size_t i = 0; i < out->n; i++) {
		if (out->v[i].out)
			out->left_out++;
		else if (out->v[i].disabled)
			out->disabled++;
	}
	return 0;
}

static int by_hand_key(const void *key, const void *h)
{
	return memcmp(key, ((const struct sync_hand *)h)->key, SYNC_KEY_LEN);
}

static void say_hand(const struct dirset *s, const struct sync_out *o, const char *path,
		     const struct sync_hand *h)
{
	char hex[2 * SYNC_KEY_LEN + 1], dn[QUOTE_MAX];

	key_hex(o->key, hex);
	sync_err("%s: certificate sha256:%s is mapped by hand at %s:%lu; the hand-written entry "
		 "stands and the directory's is left out (sync conflict)",
		 QUOTED(s->v[o->entry].dn, dn), hex, path, h->line);
}

void sync_set_drop_hand(struct sync_set *set, const struct dirset *s, const char *path,
			const struct sync_hand *hand, size_t n)
{
	for (size_t i = 0; i < set->n; i++) {
		struct sync_out *o = &set->v[i];
		const struct sync_hand *h;

		if (o->out || (h = bsearch(o->key, hand, n, sizeof(*hand), by_hand_key)) == NULL)
			continue;
		say_hand(s, o, path, h);
		o->out = 1;
		set->left_out++;
		if (o->disabled)
			set->disabled--;
	}
}

void sync_set_sort(struct sync_set *set)
{
	qsort(set->v, set->n, sizeof(*set->v), by_user_key);
}

void sync_set_free(struct sync_set *set)
{
	free(set->v);
	memset(set, 0, sizeof(*set));
}
