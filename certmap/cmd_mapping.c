/* cmd_mapping.c - certmap add-mapping, remove-mapping, enable-mapping and
 * disable-mapping: one many-to-one mapping of the location's level changes,
 * the rest of the file stays as it was. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"
#include "certname.h"
#include "certmap/cmd.h"
#include "certmap/editrun.h"

/* Rules beyond this on one command line are surely a mistake. */
#define MAX_RULES 64

struct mapping_edit {
	const struct global *g;
	struct edit_mapping rq;
	struct edit_rule rules[MAX_RULES];
	struct editrun run;
	int inactive;            /* the level maps nothing: worth a note */
};

enum { OPT_USER = 256, OPT_DENY, OPT_DESCRIPTION, OPT_DISABLED, OPT_CASE };

/* FIELD:SUBFIELD=CRITERIA into R (the strings point into ARG, the sub-field
 * as certname writes it).  -1 after a usage error. */
static int parse_rule(char *arg, struct edit_rule *r)
{
	char *colon = strchr(arg, ':'), *eq;
	int sub;

	eq = colon != NULL ? strchr(colon + 1, '=') : NULL;
	if (colon == NULL || eq == NULL) {
		cm_bad_usage("rule '%s' is not FIELD:SUBFIELD=CRITERIA, as Subject:OU=Staff", arg);
		return -1;
	}
	*colon = '\0';
	*eq = '\0';
	if (ascii_casecmp(arg, "Subject") == 0) {
		r->field = MAPFILE_FIELD_SUBJECT;
	} else if (ascii_casecmp(arg, "Issuer") == 0) {
		r->field = MAPFILE_FIELD_ISSUER;
	} else {
		cm_bad_usage("a rule's field is Subject or Issuer, not '%s'", arg);
		return -1;
	}
	sub = certname_subfield(colon + 1);
	if (sub < 0) {
		cm_bad_usage("'%s' is not a sub-field pam_certmap knows; use one of %s", colon + 1,
			     certname_subfield_list());
		return -1;
	}
	if (eq[1] == '\0') {
		cm_bad_usage("the rule on %s %s needs a criteria after '=' ('*' for any value)",
			     arg, colon + 1);
		return -1;
	}
	r->subfield = certname_subfield_name(sub);
	r->criteria = eq + 1;
	return 0;
}

/* The options of add-mapping into RQ; 0, 1 when the help was shown, -1. */
static int parse_options(int argc, char **argv, struct edit_mapping *rq)
{
	static const struct option longopts[] = {
		{ "user", required_argument, NULL, OPT_USER },
		{ "deny", no_argument, NULL, OPT_DENY },
		{ "description", required_argument, NULL, OPT_DESCRIPTION },
		{ "disabled", no_argument, NULL, OPT_DISABLED },
		{ "case-insensitive", no_argument, NULL, OPT_CASE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c != 'h' && c != OPT_USER && c != OPT_DENY && c != OPT_DESCRIPTION &&
		    c != OPT_DISABLED && c != OPT_CASE) {
			cm_bad_option(c, argv);
			return -1;
		}
		if (c != 'h' && rq->op != EDIT_ADD) {
			cm_bad_usage("%s takes no '%s'", argv[0], argv[optind - 1]);
			return -1;
		}
		switch (c) {
		case OPT_USER:
			rq->user = optarg;
			break;
		case OPT_DENY:
			rq->deny = 1;
			break;
		case OPT_DESCRIPTION:
			rq->description = optarg;
			break;
		case OPT_DISABLED:
			rq->disabled = 1;
			break;
		case OPT_CASE:
			rq->case_insensitive = 1;
			break;
		default:
			cm_usage(stdout);
			return 1;
		}
	}
	return 0;
}

/* What add-mapping needs besides the options: an Allow mapping names a
 * user, a Deny one does not, and there is at least one rule. */
static int check_add(const struct edit_mapping *rq, int nargs)
{
	if (rq->deny && rq->user != NULL)
		return cm_bad_usage("a Deny mapping maps nobody: give --user or --deny, not both");
	if (!rq->deny && rq->user == NULL)
		return cm_bad_usage("add-mapping needs --user NAME (an Allow mapping), or --deny");
	if (rq->user != NULL && rq->user[0] == '\0')
		return cm_bad_usage("--user needs a name: an empty userName maps nothing");
	if (nargs < 2)
		return cm_bad_usage("add-mapping needs a NAME and at least one RULE: a mapping "
				    "without rules matches nothing");
	if (nargs - 1 > MAX_RULES)
		return cm_bad_usage("at most %d rules", MAX_RULES);
	return 0;
}

/* 0 to go on, 1 when the help was shown, -1 after a usage error. */
static int parse_args(int argc, char **argv, struct mapping_edit *x)
{
	struct edit_mapping *rq = &x->rq;
	int r = parse_options(argc, argv, rq), nargs;

	if (r != 0)
		return r;
	nargs = argc - optind;
	if (rq->op != EDIT_ADD && nargs != 1) {
		cm_bad_usage("%s needs exactly one NAME", argv[0]);
		return -1;
	}
	if (rq->op == EDIT_ADD && check_add(rq, nargs) != 0)
		return -1;
	rq->name = argv[optind];
	if (rq->name[0] == '\0') {
		cm_bad_usage("a mapping's name must not be empty");
		return -1;
	}
	for (int i = optind + 1; i < argc; i++)
		if (parse_rule(argv[i], &x->rules[rq->nrules++]) != 0)
			return -1;
	rq->rules = x->rules;
	return 0;
}

/* The effective collection at the location already holds the name. */
struct dup {
	const char *name;
	const struct mapfile_mapping *found;
	const char *level;
};

static void find_name(void *ctx, const char *level_path, const struct mapfile_mapping *m)
{
	struct dup *d = ctx;

	if (d->found == NULL && ascii_casecmp(m->name, d->name) == 0) {
		d->found = m;
		d->level = level_path;
	}
}

static int check_before(void *ctx, const struct mapfile *mf)
{
	const struct mapping_edit *x = ctx;
	struct dup d = { x->rq.name, NULL, NULL };
	char q[160];

	if (x->rq.op != EDIT_ADD)
		return CM_EXIT_OK;
	mapfile_foreach_effective_mapping(mf, x->rq.location, find_name, &d);
	if (d.found == NULL)
		return CM_EXIT_OK;
	cm_err("%s:%lu: Cannot add duplicate collection entry of type 'add' with unique key "
	       "attribute 'name' set to %s", x->g->mapfile, d.found->line,
	       cm_quote(x->rq.name, q, sizeof(q)));
	return CM_EXIT_ERROR;
}

static enum edit_status apply(void *ctx, const char *old, size_t len, const struct mapfile *mf,
			      struct edit_result *res)
{
	const struct mapping_edit *x = ctx;

	return edit_mapping_apply(old, len, mf, &x->rq, res);
}

static int same(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int check_result(void *ctx, const struct mapfile *mf, const char *buf, size_t len)
{
	struct mapping_edit *x = ctx;
	const struct edit_mapping *rq = &x->rq;
	struct edit_mapping_hit hit;
	const struct mapfile_mapping *m;
	struct mapfile_answer ans;
	int ok = 0;

	(void)buf;
	(void)len;
	edit_mapping_find(mf, rq, &hit);
	m = hit.mapping;
	mapfile_query(mf, rq->location, -1, &ans);
	x->inactive = !ans.section_enabled || !ans.many_to_one_enabled;
	switch (rq->op) {
	case EDIT_ADD:
		ok = hit.count == 1 && m != NULL && same(m->user_name, rq->user) &&
		     m->deny == rq->deny && m->enabled == !rq->disabled &&
		     m->nrules == rq->nrules;
		break;
	case EDIT_REMOVE:
		ok = hit.count + 1 == x->run.before_count;
		break;
	case EDIT_ENABLE:
	case EDIT_DISABLE:
		ok = hit.count == x->run.before_count && m != NULL &&
		     m->enabled == (rq->op == EDIT_ENABLE);
		break;
	}
	if (!ok)
		cm_err("%s: the edited file does not show the change as it should; this is a "
		       "bug in certmap", x->g->mapfile);
	return ok ? 0 : -1;
}

static void done(void *ctx)
{
	const struct mapping_edit *x = ctx;

	if (x->rq.op != EDIT_ADD && x->rq.op != EDIT_ENABLE)
		return;
	if (x->inactive) {
		char words[300];

		cm_err("note: the section or its many-to-one mappings are not enabled at %s: "
		       "the mapping does nothing until they are",
		       editrun_level_words(x->g->location, words, sizeof(words)));
	}
	if (x->rq.op == EDIT_ADD && !x->rq.deny)
		cm_err("note: many-to-one mappings grant only when pam_certmap has trust anchors "
		       "(ca_file= or ca_dir=) and the certificate's chain verifies against them");
}

static int mapping_command(const struct global *g, enum edit_op op, int argc, char **argv)
{
	struct mapping_edit x;
	char missing[256], q[160];
	int r;

	memset(&x, 0, sizeof(x));
	x.g = g;
	x.rq.op = op;
	x.rq.location = g->location;
	r = parse_args(argc, argv, &x);
	if (r != 0)
		return r > 0 ? CM_EXIT_OK : CM_EXIT_ERROR;
	snprintf(missing, sizeof(missing), "no many-to-one mapping named %s",
		 cm_quote(x.rq.name, q, sizeof(q)));
	x.run = (struct editrun){
		.g = g, .op = op, .thing = "the mapping", .missing = missing,
		.elsewhere = "a mapping of that name is", .before = { .positions = 1 },
		.check_before = check_before, .apply = apply, .check_after = check_result,
		.done = done, .ctx = &x,
	};
	return editrun(&x.run);
}

int cmd_add_mapping(const struct global *g, int argc, char **argv)
{
	return mapping_command(g, EDIT_ADD, argc, argv);
}

int cmd_remove_mapping(const struct global *g, int argc, char **argv)
{
	return mapping_command(g, EDIT_REMOVE, argc, argv);
}

int cmd_enable_mapping(const struct global *g, int argc, char **argv)
{
	return mapping_command(g, EDIT_ENABLE, argc, argv);
}

int cmd_disable_mapping(const struct global *g, int argc, char **argv)
{
	return mapping_command(g, EDIT_DISABLE, argc, argv);
}
