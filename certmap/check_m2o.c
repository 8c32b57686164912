/* check_m2o.c - certmap check of many-to-one mappings: rules that match
 * nothing or everything, Allow without userName, accounts, passwords, and
 * the note that they grant only with the module's trust anchors. */
#include "config.h"

#include <string.h>

#include "certmap/check.h"
#include "certmap/cmd.h"

static int all_stars(const char *s)
{
	return s[0] != '\0' && s[strspn(s, "*")] == '\0';
}

/* An Allow mapping that can map someone: its rules and its account. */
static void check_allow(struct check *c, const char *level_path,
			const struct mapfile_mapping *m, const char *qn)
{
	const struct mapfile_rule *r = mapfile_mapping_rules(c->mf, m);
	struct mapfile_answer ans;
	size_t stars = 0;

	for (size_t i = 0; i < m->nrules; i++)
		stars += all_stars(r[i].criteria) != 0;
	if (stars == m->nrules) {
		char qu[160];

		diag(c, m->line, SEV_WARNING, "many-to-one mapping %s matches every certificate "
		     "that has the attributes its rules name (each rule is '*'): every such "
		     "certificate of a CA that pam_certmap trusts logs in as %s", qn,
		     cm_quote(m->user_name, qu, sizeof(qu)));
	}
	mapfile_query(c->mf, level_path, -1, &ans);
	check_account(c, m->line, m->user_name, ans.default_logon_domain);
	if (c->grant_line == 0)
		c->grant_line = m->line;
}

void check_mapping(void *ctx, const char *level_path, const struct mapfile_mapping *m)
{
	struct check *c = ctx;
	char qn[160];

	cm_quote(m->name, qn, sizeof(qn));
	if (m->password_plain)
		diag(c, m->line, SEV_WARNING, "plaintext password in many-to-one mapping %s; "
		     "pam_certmap never uses it, remove it", qn);
	if (!m->enabled)
		return;
	if (m->nrules == 0)
		diag(c, m->line, SEV_WARNING, "many-to-one mapping %s has no rules, so it matches "
		     "nothing", qn);
	else if (!m->deny && m->user_name == NULL)
		diag(c, m->line, SEV_WARNING, "many-to-one mapping %s allows without a userName: "
		     "a certificate it matches maps nobody, and no later mapping is tried", qn);
	else if (!m->deny)
		check_allow(c, level_path, m, qn);
}

/* Names prove nothing: said once, where the first mapping could grant. */
void check_trust_note(struct check *c)
{
	if (c->grant_line == 0)
		return;
	diag(c, c->grant_line, SEV_NOTE, "many-to-one mappings grant only when pam_certmap has "
	     "trust anchors: without ca_file=PATH or ca_dir=PATH on its line in /etc/pam.d it "
	     "refuses every many-to-one match (check cannot see the module's options)");
}

