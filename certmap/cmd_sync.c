/* cmd_sync.c - certmap sync: read the directory, make the entries, and
 * replace the sync's region of the mapping file in one validated commit;
 * on any failure the file stays exactly as it was. */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "certmap/commit.h"
#include "certmap/edit.h"
#include "certmap/sync.h"

void sync_err(const char *fmt, ...)
{
	va_list ap;

	fputs("certmap: sync: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ------------------------------------------------------------ arguments */

struct sync_args {
	const char *config;
	int max_drop;            /* -1: as configured */
};

enum { OPT_CONFIG = 256, OPT_MAX_DROP };

static int parse_percent(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || (*end != '\0' && strcmp(end, "%") != 0) || v < 0 || v > 100)
		return -1;
	*out = (int)v;
	return 0;
}

/* 0 to go on, 1 when the help was shown, -1 after a usage error. */
static int parse_args(int argc, char **argv, struct sync_args *a)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "max-drop", required_argument, NULL, OPT_MAX_DROP },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	a->config = SYNC_CONF_DEFAULT;
	a->max_drop = -1;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_CONFIG:
			a->config = optarg;
			break;
		case OPT_MAX_DROP:
			if (parse_percent(optarg, &a->max_drop) != 0) {
				cm_bad_usage("--max-drop needs a percentage from 0 to 100, not '%s'",
					     optarg);
				return -1;
			}
			break;
		case 'h':
			cm_usage(stdout);
			return 1;
		default:
			cm_bad_option(c, argv);
			return -1;
		}
	}
	if (optind != argc) {
		cm_bad_usage("sync takes no arguments; the configuration names the directory");
		return -1;
	}
	return 0;
}

/* -f and -l give output and location when the configuration does not. */
static int settle_target(const struct global *g, struct sync_conf *c)
{
	if (c->output != NULL && strcmp(g->mapfile, MAPFILE_DEFAULT_PATH) != 0 &&
	    strcmp(g->mapfile, c->output) != 0) {
		cm_err("-f %s and 'output = %s' of %s disagree", g->mapfile, c->output, c->path);
		return -1;
	}
	if (c->location != NULL && g->location[0] != '\0' &&
	    strcmp(g->location, c->location) != 0) {
		cm_err("-l %s and 'location = %s' of %s disagree", g->location, c->location,
		       c->path);
		return -1;
	}
	if ((c->output == NULL && (c->output = strdup(g->mapfile)) == NULL) ||
	    (c->location == NULL && (c->location = strdup(g->location)) == NULL)) {
		cm_err("out of memory");
		return -1;
	}
	return 0;
}

/* The password is read into this process: it must not leave it in a core
 * dump, and libldap must not read ldap.conf, ~/.ldaprc or LDAP* variables,
 * which could weaken the TLS check. */
static int harden(void)
{
	const struct rlimit none = { 0, 0 };

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 || setrlimit(RLIMIT_CORE, &none) != 0 ||
	    setenv("LDAPNOINIT", "1", 1) != 0) {
		cm_err("cannot turn core dumps off");
		return -1;
	}
	return 0;
}

/* ----------------------------------------------------- the file as it is */

/* The file's entries that share a collection with the sync's: in its region
 * REGION (what the last sync wrote) or not (by hand, or another sync's). */
static int mine(const struct sync_keys *k, const struct sync_keyed *e, long region,
		const char *location, int in_region)
{
	return (e->region == region) == in_region && sync_keys_related(k, e, location);
}

static int by_key(const void *a, const void *b)
{
	return sync_key_cmp(a, b);
}

/* How many of the last sync's certificates the new set lacks. */
static size_t dropped(const struct sync_keys *k, long region, const char *location,
		      const struct sync_set *set, size_t *before)
{
	unsigned char (*keys)[SYNC_KEY_LEN] = malloc((set->n + 1) * SYNC_KEY_LEN);
	size_t n = 0, lost = 0;

	*before = 0;
	if (keys == NULL)
		return (size_t)-1;
	for (size_t i = 0; i < set->n; i++)
		if (!set->v[i].out)
			memcpy(keys[n++], set->v[i].key, SYNC_KEY_LEN);
	qsort(keys, n, SYNC_KEY_LEN, by_key);
	for (size_t i = 0; i < k->n; i++) {
		if (!mine(k, &k->v[i], region, location, 1))
			continue;
		(*before)++;
		if (bsearch(k->v[i].key, keys, n, SYNC_KEY_LEN, by_key) == NULL)
			lost++;
	}
	free(keys);
	return lost;
}

/* The certificates mapped outside the region, for sync_set_drop_hand. */
static struct sync_hand *hand_of(const struct sync_keys *k, long region, const char *location,
				 size_t *n)
{
	struct sync_hand *h = malloc((k->n + 1) * sizeof(*h));

	*n = 0;
	if (h == NULL)
		return NULL;
	for (size_t i = 0; i < k->n; i++) {
		if (!mine(k, &k->v[i], region, location, 0))
			continue;
		memcpy(h[*n].key, k->v[i].key, SYNC_KEY_LEN);
		h[(*n)++].line = k->v[i].line;
	}
	qsort(h, *n, sizeof(*h), by_key);
	return h;
}

/* ---------------------------------------------------------------- write */

struct target {
	const struct sync_conf *c;
	size_t written;
	int inactive;
};

/* The commit's last look: the region holds what was written, and whether
 * the level maps anything at all is worth a note. */
static int check_written(void *ctx, const struct mapfile *mf, const char *buf, size_t len)
{
	struct target *t = ctx;
	struct sync_regions rs;
	const struct sync_region *g;
	struct mapfile_answer ans;
	int ok;

	mapfile_query(mf, t->c->location, -1, &ans);
	t->inactive = !ans.section_enabled || !ans.one_to_one_enabled;
	ok = sync_regions_scan(buf, len, NULL, NULL, &rs) == 0 &&
	     (g = sync_region_at(&rs, t->c->location)) != NULL && g->closed &&
	     g->entries == t->written;
	sync_regions_free(&rs);
	if (!ok)
		sync_err("%s: the new file does not hold the entries as written; this is a bug "
			 "in certmap", t->c->output);
	return ok ? 0 : -1;
}

/* Drop what conflicts, refuse a suspect drop, compose and commit. */
static int commit_set(const struct sync_conf *c, struct commit *cm, struct sync_set *set,
		      const struct dirset *dir, const struct sync_keys *k,
		      const struct sync_regions *rs)
{
	const struct sync_region *g = sync_region_at(rs, c->location);
	long region = g != NULL ? (long)(g - rs->v) : -2;
	struct sync_doc d = { cm->old, cm->old_len, g, rs->utf8, c->location, time(NULL),
			      c->stale_after };
	struct target t = { c, 0, 0 };
	struct mapfile_params p;
	struct sync_hand *hand;
	size_t nhand = 0, before = 0, lost;
	char *buf = NULL, why[256] = "";
	size_t len = 0;
	int rc = -1;

	hand = hand_of(k, region, c->location, &nhand);
	if (hand == NULL)
		goto nomem;
	sync_set_drop_hand(set, dir, c->output, hand, nhand);
	free(hand);
	lost = dropped(k, region, c->location, set, &before);
	if (lost == (size_t)-1)
		goto nomem;
	if (before > 0 && lost * 100 > (size_t)c->max_drop * before) {
		sync_err("%s: the directory's answer would drop %zu of the %zu entries of the last "
			 "sync, more than max_drop (%u%%) allows: it looks wrong (a changed base "
			 "or filter, a directory half restored?); if it is right, run once with "
			 "--max-drop 100", c->output, lost, before, c->max_drop);
		return -1;
	}
	sync_set_sort(set);
	for (size_t i = 0; i < set->n; i++)
		t.written += !set->v[i].out;
	if (sync_compose(&d, set, &buf, &len, why, sizeof(why)) != 0) {
		sync_err("%s: %s", c->output, why);
		return -1;
	}
	/* The old bytes are in the new document now; commit_replace needs only
	 * the file's owner and mode, and a 100 MiB file need not be held twice. */
	free(cm->old);
	cm->old = NULL;
	cm->old_len = 0;
	memset(&p, 0, sizeof(p));
	rc = commit_replace(cm, buf, len, &p, check_written, &t);
	if (rc == 0 && t.inactive)
		sync_err("note: the section or its one-to-one mappings are not enabled at the "
			 "level of location '%s': the entries map nothing until they are",
			 c->location);
	free(buf);
	return rc;
nomem:
	sync_err("out of memory");
	return -1;
}

static int write_output(const struct sync_conf *c, struct sync_set *set,
			const struct dirset *dir)
{
	struct commit cm;
	struct sync_regions rs;
	struct sync_keys k;
	int rc = -1;

	memset(&rs, 0, sizeof(rs));
	memset(&k, 0, sizeof(k));
	if (commit_begin(&cm, c->output, 1) != 0)
		goto out;
	if (cm.exists && sync_regions_scan(cm.old, cm.old_len, sync_keys_collect, &k, &rs) != 0) {
		if (rs.err_line)
			sync_err("%s:%lu: %s", c->output, rs.err_line, rs.why);
		else
			sync_err("%s: %s", c->output, rs.why);
		goto out;
	}
	if (k.nomem) {
		sync_err("out of memory");
		goto out;
	}
	rc = commit_set(c, &cm, set, dir, &k, &rs);
out:
	if (rc != 0)
		sync_err("%s left unchanged", c->output);
	sync_keys_free(&k);
	sync_regions_free(&rs);
	commit_end(&cm);
	return rc;
}

/* ---------------------------------------------------------------- run */

static void summary(const struct sync_conf *c, const struct sync_fetched *f,
		    const struct sync_set *set)
{
	size_t written = 0;

	for (size_t i = 0; i < set->n; i++)
		written += !set->v[i].out;
	printf("certmap sync: %s: %zu certificates of %zu directory entries written (%zu "
	       "disabled), %zu left out, %zu entries without a certificate; from %s by ",
	       c->output, written, set->entries, set->disabled, set->left_out, set->no_cert,
	       f->uri);
	if (f->content && f->incremental)
		printf("incremental content synchronisation (%zu changed, %zu deleted, %zu "
		       "unchanged)\n", f->counts.changed, f->counts.deleted, f->counts.unchanged);
	else if (f->content)
		printf("full content synchronisation\n");
	else
		printf("search\n");
}

static int run_sync(struct sync_conf *c)
{
	struct dirset dir;
	struct sync_set set;
	struct sync_fetched f;
	char fp[65];
	int lock = -1, rc = CM_EXIT_ERROR;

	memset(&dir, 0, sizeof(dir));
	memset(&set, 0, sizeof(set));
	sync_conf_fingerprint(c, fp);
	if (c->content_sync == SYNC_CONTENT_AUTO) {
		lock = sync_state_lock(c->state);
		if (lock < 0 || sync_state_load(c->state, fp, &dir) != 0)
			goto out;
	}
	if (sync_fetch(c, &dir, &f) != 0) {
		sync_err("%s left unchanged", c->output);
		goto out;
	}
	if (sync_set_build(&dir, c, &set) != 0) {
		sync_err("out of memory; %s left unchanged", c->output);
		goto out;
	}
	if (write_output(c, &set, &dir) != 0)
		goto out;
	/* After the file: a state ahead of the file would lose changes. */
	if (f.content && sync_state_save(c->state, fp, &dir) != 0)
		sync_err("warning: the next sync will start from the state before this one");
	summary(c, &f, &set);
	rc = CM_EXIT_OK;
out:
	sync_set_free(&set);
	dirset_free(&dir);
	if (lock >= 0)
		close(lock);
	return rc;
}

int cmd_sync(const struct global *g, int argc, char **argv)
{
	struct sync_args a;
	struct sync_conf c;
	int r, rc = CM_EXIT_ERROR;

	r = parse_args(argc, argv, &a);
	if (r != 0)
		return r > 0 ? CM_EXIT_OK : CM_EXIT_ERROR;
	if (harden() != 0)
		return CM_EXIT_ERROR;
	if (sync_conf_load(a.config, &c) != 0 || settle_target(g, &c) != 0)
		goto out;
	if (a.max_drop >= 0)
		c.max_drop = (unsigned)a.max_drop;
	rc = run_sync(&c);
out:
	sync_conf_free(&c);
	return rc;
}
