/* sync_entry.c - what certmap sync reads of a directory entry: its DN, user
 * name, certificates and the attributes that say an account is disabled. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <ldap.h>

#include "ascii.h"
#include "certmap/sync.h"

/* AD publishes userCertificate plain, OpenLDAP and 389-ds with ;binary. */
#define CERT_ATTR "userCertificate"
#define CERT_ATTR_BINARY "userCertificate;binary"

void sync_attrs(const struct sync_conf *c, char *attrs[8])
{
	attrs[0] = c->user_attribute;
	attrs[1] = CERT_ATTR_BINARY;
	attrs[2] = CERT_ATTR;
	attrs[3] = "userAccountControl";
	attrs[4] = "nsAccountLock";
	/* Operational: sent only when asked by name. */
	attrs[5] = "pwdAccountLockedTime";
	attrs[6] = NULL;
	attrs[7] = NULL;
}

enum what { W_OTHER, W_USER, W_CERT, W_UAC, W_LOCK, W_PWDLOCK };

/* Which of ours the attribute description NAME is (names without case). */
static enum what what_is(const struct sync_conf *c, const char *name)
{
	if (ascii_casecmp(name, CERT_ATTR) == 0 || ascii_casecmp(name, CERT_ATTR_BINARY) == 0)
		return W_CERT;
	if (ascii_casecmp(name, c->user_attribute) == 0)
		return W_USER;
	if (ascii_casecmp(name, "userAccountControl") == 0)
		return W_UAC;
	if (ascii_casecmp(name, "nsAccountLock") == 0)
		return W_LOCK;
	if (ascii_casecmp(name, "pwdAccountLockedTime") == 0)
		return W_PWDLOCK;
	/* uid;lang-de and other tagged forms are not the account's name. */
	return W_OTHER;
}

static int copy_values(struct berval **vals, struct sync_bytes **out, size_t *n)
{
	size_t count = (size_t)ldap_count_values_len(vals), have = *n;
	struct sync_bytes *v;

	if (count == 0)
		return 0;
	v = realloc(*out, (have + count) * sizeof(*v));
	if (v == NULL)
		return -1;
	*out = v;
	for (size_t i = 0; i < count; i++) {
		memset(&v[have + i], 0, sizeof(v[0]));
		if (sync_bytes_set(&v[have + i], vals[i]->bv_val, vals[i]->bv_len) != 0)
			return -1;
		(*n)++;
	}
	return 0;
}

static int first_string(struct berval **vals, char **out)
{
	struct sync_bytes b = { NULL, 0, 0 };

	if (vals == NULL || vals[0] == NULL)
		return 0;
	if (sync_bytes_set(&b, vals[0]->bv_val, vals[0]->bv_len) != 0)
		return -1;
	free(*out);
	*out = (char *)b.p;
	return 0;
}

static int take(const struct sync_conf *c, struct dir_entry *e, const char *name,
		struct berval **vals)
{
	switch (what_is(c, name)) {
	case W_USER:
		return copy_values(vals, &e->users, &e->nusers);
	case W_CERT:
		return copy_values(vals, &e->certs, &e->ncerts);
	case W_UAC:
		return first_string(vals, &e->uac);
	case W_LOCK:
		return first_string(vals, &e->lock);
	case W_PWDLOCK:
		e->pwd_locked = vals != NULL && vals[0] != NULL;
		return 0;
	case W_OTHER:
		break;
	}
	return 0;
}

int sync_entry_read(const struct sync_conf *c, LDAP *ld, LDAPMessage *m, struct dir_entry *e)
{
	BerElement *ber = NULL;
	char *dn = ldap_get_dn(ld, m), *a;
	int rc = -1;

	memset(e, 0, sizeof(*e));
	if (dn == NULL || (e->dn = strdup(dn)) == NULL)
		goto out;
	for (a = ldap_first_attribute(ld, m, &ber); a != NULL;
	     a = ldap_next_attribute(ld, m, ber)) {
		struct berval **vals = ldap_get_values_len(ld, m, a);
		int r = take(c, e, a, vals);

		ldap_value_free_len(vals);
		ldap_memfree(a);
		if (r != 0)
			goto out;
	}
	rc = 0;
out:
	ber_free(ber, 0);
	ldap_memfree(dn);
	if (rc != 0)
		dir_entry_free(e);
	return rc;
}
