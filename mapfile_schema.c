/* mapfile_schema.c - the attributes of the IIS schema (SPEC 2.2): which each
 * element has, their types and enums, required and non-empty ones. */
#include "config.h"
#include "ascii.h"
#include "mapfile_parse.h"

#include <string.h>

static const char *const logon_methods[] = { "Interactive", "Batch", "Network", "ClearText", NULL };
const char *const mf_permission_modes[] = { "Allow", "Deny", NULL };
const char *const mf_cert_fields[] = { "Subject", "Issuer", NULL };

const struct mf_adef mf_section_attrs[] = {
	{ "enabled", A_BOOL, 0, NULL },
	{ "oneToOneCertificateMappingsEnabled", A_BOOL, 0, NULL },
	{ "manyToOneCertificateMappingsEnabled", A_BOOL, 0, NULL },
	{ "defaultLogonDomain", A_STR, 0, NULL },
	{ "logonMethod", A_ENUM, 0, logon_methods },
};

const struct mf_adef mf_o2o_add_attrs[] = {
	{ "enabled", A_BOOL, 0, NULL },
	{ "userName", A_STR, 0, NULL },
	{ "password", A_STR, 0, NULL },
	{ "certificate", A_STR, A_REQ, NULL },
};

const struct mf_adef mf_m2o_add_attrs[] = {
	{ "name", A_STR, A_REQ | A_NONEMPTY, NULL },
	{ "description", A_STR, 0, NULL },
	{ "enabled", A_BOOL, 0, NULL },
	{ "permissionMode", A_ENUM, 0, mf_permission_modes },
	{ "userName", A_STR, A_NONEMPTY, NULL },
	{ "password", A_STR, 0, NULL },
};

const struct mf_adef mf_rule_add_attrs[] = {
	{ "certificateField", A_ENUM, A_REQ, mf_cert_fields },
	{ "certificateSubField", A_STR, A_REQ, NULL },
	{ "matchCriteria", A_STR, A_REQ, NULL },
	{ "compareCaseSensitive", A_BOOL, 0, NULL },
};

/* IIS locking meta-attributes: allowed anywhere in the section, no meaning here. */
static int is_lock_attr(const char *name)
{
	return strcmp(name, "lockItem") == 0 || strcmp(name, "lockAttributes") == 0 ||
	       strcmp(name, "lockElements") == 0 || strcmp(name, "lockAllAttributesExcept") == 0 ||
	       strcmp(name, "lockAllElementsExcept") == 0;
}

static int bool_value(const char *v)
{
	if (ascii_casecmp(v, "true") == 0)
		return 1;
	if (ascii_casecmp(v, "false") == 0)
		return 0;
	return -1;
}

int mf_bool(const char *v, int dflt)
{
	return v == NULL ? dflt : bool_value(v);
}

int mf_enum_index(const char *const *names, const char *v)
{
	for (int i = 0; names[i] != NULL; i++)
		if (ascii_casecmp(names[i], v) == 0)
			return i;
	return -1;
}

int mf_is_encrypted(const char *pw)
{
	size_t n = strlen(pw);

	return n >= 10 && strncmp(pw, "[enc:", 5) == 0 && strcmp(pw + n - 5, ":enc]") == 0;
}

static int check_value(struct pstate *s, const char *el, const struct mf_adef *d, const char *v)
{
	if (d->type == A_BOOL && bool_value(v) < 0) {
		mf_fail(s, MAPFILE_INVALID, "attribute '%s' of <%s> must be true or false, not '%s'",
			d->name, el, v);
		return -1;
	}
	if (d->type == A_ENUM && mf_enum_index(d->names, v) < 0) {
		char list[128] = "";

		for (int i = 0; d->names[i] != NULL; i++) {
			strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
			strncat(list, d->names[i], sizeof(list) - strlen(list) - 1);
		}
		mf_fail(s, MAPFILE_INVALID, "attribute '%s' of <%s> must be one of %s, not '%s'",
			d->name, el, list, v);
		return -1;
	}
	if ((d->flags & A_NONEMPTY) && v[0] == '\0') {
		mf_fail(s, MAPFILE_INVALID, "attribute '%s' of <%s> must not be empty", d->name, el);
		return -1;
	}
	return 0;
}

static int unknown_attr(struct pstate *s, const char *el, const char *name)
{
	if (strcmp(name, "configSource") == 0)
		mf_fail(s, MAPFILE_INVALID, "configSource is not supported: pam_certmap reads one "
			"file; move the section into this file");
	else
		mf_fail(s, MAPFILE_INVALID, "unrecognized attribute '%s' on <%s>", name, el);
	return -1;
}

int mf_check_attrs(struct pstate *s, const char *el, const char **atts,
		   const struct mf_adef *defs, size_t n, const char **vals)
{
	for (size_t i = 0; i < n; i++)
		vals[i] = NULL;
	for (; atts[0] != NULL; atts += 2) {
		size_t i;

		for (i = 0; i < n && strcmp(defs[i].name, atts[0]) != 0; i++)
			;
		if (i == n) {
			if (is_lock_attr(atts[0]))
				continue;
			return unknown_attr(s, el, atts[0]);
		}
		if (check_value(s, el, &defs[i], atts[1]) != 0)
			return -1;
		vals[i] = atts[1];
	}
	for (size_t i = 0; i < n; i++) {
		if ((defs[i].flags & A_REQ) && vals[i] == NULL) {
			mf_fail(s, MAPFILE_INVALID, "<%s> is missing its required attribute '%s'",
				el, defs[i].name);
			return -1;
		}
	}
	return 0;
}
