/* sync.h - certmap sync (SPEC 4.1): the pieces that copy the certificates of
 * an LDAP directory into a region of the mapping file, one file each. */
#ifndef CERTMAP_SYNC_H
#define CERTMAP_SYNC_H

#include <stddef.h>
#include <time.h>

#include "certmap/cmd.h"

/* Beside the mapping file, whose default path is fixed too (mapfile.h). */
#define SYNC_CONF_DEFAULT "/etc/security/certmap-sync.conf"
#define SYNC_STATE_DEFAULT "/var/lib/pam_certmap/sync.state"
#define SYNC_MAX_URIS 16
#define SYNC_KEY_LEN 32          /* a certificate's key: SHA-256 of its DER */
#define SYNC_UUID_LEN 16

/* cmd_sync.c: the command, with its own argv as in cmd.h. */
int cmd_sync(const struct global *g, int argc, char **argv);

/* synccheck.c: certmap check's part: the sync regions of the file at PATH
 * (markers in place, last sync not too old) and entries written both by hand
 * and by the sync.  Prints "PATH:LINE: error|warning: ..." lines and adds to
 * the counts; a file that cannot be read or parsed is left to the caller. */
void synccheck_run(const char *path, time_t now, unsigned long *errors,
		   unsigned long *warnings);

/* "certmap: sync: MSG" on stderr: every message of the sync starts so. */
void sync_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---------------------------------------------------------- sync_conf.c */

enum sync_content { SYNC_CONTENT_AUTO, SYNC_CONTENT_OFF };

struct sync_conf {
	const char *path;        /* of the configuration file */
	char *uris[SYNC_MAX_URIS];
	size_t nuris;
	char *base, *filter, *user_attribute, *tls_cacert;
	char *bind_dn, *bind_password_file;
	char *output, *location, *state;
	unsigned timeout;        /* seconds, for the connection and each answer */
	unsigned max_drop;       /* percent of the synced entries one run may drop */
	unsigned stale_after;    /* hours: certmap check warns after */
	unsigned page_size;
	enum sync_content content_sync;
};

/* Read PATH (root-owned, not writable by others) into C.  Errors are printed
 * with the line; returns 0 or -1.  sync_conf_free either way. */
int sync_conf_load(const char *path, struct sync_conf *c);
void sync_conf_free(struct sync_conf *c);

/* What the state of an incremental sync depends on (base, filter, the
 * attributes asked): 64 hex digits. */
void sync_conf_fingerprint(const struct sync_conf *c, char out[65]);

/* ---------------------------------------------------------- sync_file.c */

/* PATH whole into *BUF (malloc'd, NUL-terminated, *LEN bytes): a regular
 * file owned by root, not writable by others, at most MAX bytes, and with
 * PRIVATE not readable by others either.  0, or -1 with WHY. */
int sync_file_read(const char *path, size_t max, int private, char **buf, size_t *len,
		   char *why, size_t whylen);

/* -------------------------------------------------------- sync_secret.c */

/* The bind password from PATH, a regular file owned by root that others can
 * neither read nor write, without its final newline.  *out is malloc'd and
 * must be given to sync_secret_free, which wipes it.  0, or -1 after a message. */
int sync_secret_read(const char *path, char **out, size_t *len);
void sync_secret_free(char *secret, size_t len);

/* ----------------------------------------------------------- sync_dir.c */

struct sync_bytes {
	unsigned char *p;        /* NUL-terminated, so a string value reads as one */
	size_t len;
	int checked;             /* a certificate value: 1 is one, -1 is not, 0 not looked at */
};

/* A directory entry, as much of it as the sync reads. */
struct dir_entry {
	unsigned char uuid[SYNC_UUID_LEN];
	int has_uuid;            /* content synchronisation's entryUUID */
	char *dn;
	struct sync_bytes *users;   /* values of user_attribute */
	size_t nusers;
	struct sync_bytes *certs;   /* values of userCertificate */
	size_t ncerts;
	char *uac;               /* userAccountControl, NULL when absent */
	char *lock;              /* nsAccountLock */
	int pwd_locked;          /* pwdAccountLockedTime is present */
	int mark;                /* scratch for dirset_apply */
	size_t seq;              /* scratch: order of arrival */
};

/* The directory as last seen, and the content synchronisation cookie. */
struct dirset {
	struct dir_entry *v;
	size_t n, cap;
	struct sync_bytes cookie;   /* p NULL: none */
};

/* What one refresh brought: everything (full), or changes to a dirset. */
struct sync_journal {
	int full;                /* no cookie was sent: adds are the whole directory */
	struct dirset adds;      /* entries sent whole: added, changed, or all of them */
	unsigned char (*gone)[SYNC_UUID_LEN];   /* deleted */
	size_t ngone, capgone;
	unsigned char (*kept)[SYNC_UUID_LEN];   /* present, unchanged */
	size_t nkept, capkept;
	int refresh_deletes;     /* deletions were sent: what was not sent stays */
	struct sync_bytes cookie;   /* the new cookie, p NULL when none came */
};

struct sync_counts {
	size_t changed, deleted, unchanged;
};

enum dir_apply { DIR_APPLIED, DIR_INCONSISTENT, DIR_NOMEM };

void dir_entry_free(struct dir_entry *e);
/* Move *E to the end of S (E is cleared).  0, or -1 when out of memory. */
int dirset_push(struct dirset *s, struct dir_entry *e);
void dirset_free(struct dirset *s);
int sync_bytes_set(struct sync_bytes *b, const void *p, size_t len);
int journal_uuid(unsigned char (**v)[SYNC_UUID_LEN], size_t *n, size_t *cap,
		 const unsigned char *uuid);
void journal_free(struct sync_journal *j);
/* Bring S up to date with J (J's entries move into S).  DIR_INCONSISTENT: J
 * speaks of entries S does not hold, so only a full refresh can help. */
enum dir_apply dirset_apply(struct dirset *s, struct sync_journal *j, struct sync_counts *n);

/* --------------------------------------------------------- sync_state.c */

/* The state file PATH (0600, root's) for fingerprint FP into S: the entries
 * and cookie of the last content synchronisation.  A missing file, one for
 * another configuration or a damaged one leaves S empty (a damaged one is
 * reported): the refresh is then a full one.  -1 only when out of memory. */
int sync_state_load(const char *path, const char *fp, struct dirset *s);
/* Replace PATH atomically with S.  0, or -1 after a message. */
int sync_state_save(const char *path, const char *fp, const struct dirset *s);
/* One sync at a time per state file: an exclusive lock on PATH.lock, made
 * with its directory when missing.  The descriptor, or -1 after a message. */
int sync_state_lock(const char *path);

/* ---------------------------------------------------------- sync_ldap.c */

struct ldap;
/* URI's server, TLS verified against tls_cacert (ldaps:// or StartTLS),
 * bound as bind_dn or anonymously.  *ld on 0; -1 after a message. */
int sync_connect(const struct sync_conf *c, const char *uri, struct ldap **out);
/* Does the server offer RFC 4533 content synchronisation, RFC 2696 paging?
 * 0 (a root DSE it hides offers neither), or -1 after a message. */
int sync_root_dse(const struct sync_conf *c, struct ldap *ld, const char *uri,
		  int *content_sync, int *paging);
/* An LDAP error of an operation, for a message: "URI: what: error (detail)",
 * the detail the server's diagnostic message (of LD), quoted. */
void sync_ldap_err(struct ldap *ld, const char *uri, const char *what, int rc);
void sync_ldap_say(const char *uri, const char *what, int rc, const char *diag);
void sync_unbind(struct ldap *ld);

/* -------------------------------------------------------- sync_sockio.c */

struct sync_deadline {
	unsigned timeout;        /* seconds */
	int timed_out;           /* a wait ran out */
};
/* Make each read and write of LD's connection (made, without TLS yet) wait
 * at most timeout seconds, then fail.  The layer's state (the connection
 * frees it), or NULL. */
struct sync_deadline *sync_sockio_push(const struct sync_conf *c, struct ldap *ld);

/* --------------------------------------------------------- sync_entry.c */

/* The attributes a search asks for, NULL-terminated (at most 8). */
void sync_attrs(const struct sync_conf *c, char *attrs[8]);
struct ldapmsg;
/* Entry M's DN and attributes into E.  0, or -1 when out of memory. */
int sync_entry_read(const struct sync_conf *c, struct ldap *ld, struct ldapmsg *m,
		    struct dir_entry *e);

/* -------------------------------------------------- sync_search.c, sync_rfc4533.c */

enum sync_search { SEARCH_OK, SEARCH_FAILED, SEARCH_LIMIT, SEARCH_REFRESH_REQUIRED };

/* What a search does with its entries and intermediate messages: 0 to go
 * on, -1 to stop it (after a message). */
struct search_io {
	int (*entry)(void *ctx, struct ldapmsg *m);
	int (*intermediate)(void *ctx, struct ldapmsg *m);
	void *ctx;
};
struct ldapcontrol;
/* One search of base and filter for the attributes of sync_attrs, with
 * server controls CTRLS, each answer awaited for timeout seconds.  0 with the
 * result's code in *CODE (any but success, a limit and refresh-required
 * printed) and its controls in *RCTRLS (ldap_controls_free them); -1 when
 * the search failed (printed). */
int sync_search_run(const struct sync_conf *c, struct ldap *ld, const char *uri,
		    struct ldapcontrol **ctrls, const struct search_io *io, int *code,
		    struct ldapcontrol ***rctrls);

/* The whole result of the search, page by page when PAGING (RFC 2696), into
 * J (full).  SEARCH_LIMIT: the server's size limit cut it. */
enum sync_search sync_search_full(const struct sync_conf *c, struct ldap *ld, const char *uri,
				  int paging, struct sync_journal *j);
/* A refreshOnly content synchronisation (RFC 4533) from COOKIE (NULL: from
 * nothing, a full refresh) into J. */
enum sync_search sync_search_content(const struct sync_conf *c, struct ldap *ld,
				     const char *uri, const struct sync_bytes *cookie,
				     struct sync_journal *j);

/* ---------------------------------------------------------- sync_fetch.c */

struct sync_fetched {
	const char *uri;         /* the server that answered */
	int incremental;         /* content synchronisation from a cookie */
	int content;             /* content synchronisation was used */
	struct sync_counts counts;
};

/* Bring S (the state, maybe empty) up to date from the first URI that
 * answers.  0, or -1 when none did (every failure printed). */
int sync_fetch(const struct sync_conf *c, struct dirset *s, struct sync_fetched *r);

/* ------------------------------------------------------------ sync_set.c */

/* One <add> the sync writes. */
struct sync_out {
	const char *user;        /* in the dirset */
	const struct sync_bytes *cert;
	unsigned char key[SYNC_KEY_LEN];
	int disabled;
	size_t entry;            /* index in the dirset */
	int out;                 /* left out */
};

struct sync_set {
	struct sync_out *v;
	size_t n;
	size_t entries, disabled, left_out, no_cert;
};

/* The entries for S: disabled accounts marked, values that are not
 * certificates, certificates of two entries and user names of two entries
 * left out (each reported).  Each value's check is kept in its checked, so
 * the state spares the next sync parsing it again.  0, or -1 when out of
 * memory. */
int sync_set_build(struct dirset *s, const struct sync_conf *c, struct sync_set *out);
/* A certificate mapped by hand at a level related to the sync's. */
struct sync_hand {
	unsigned char key[SYNC_KEY_LEN];
	unsigned long line;
};
/* Leave out the entries whose key is in HAND (N, sorted by key), reporting
 * each with the line of PATH that maps it by hand. */
void sync_set_drop_hand(struct sync_set *set, const struct dirset *s, const char *path,
			const struct sync_hand *hand, size_t n);
/* Sort what is written by user and key: the same directory, the same bytes. */
void sync_set_sort(struct sync_set *set);
void sync_set_free(struct sync_set *set);

/* The key of a certificate value as a mapping file holds it (base64, maybe
 * with whitespace).  0, or -1 when it is not strict base64. */
int sync_value_key(const char *value, unsigned char key[SYNC_KEY_LEN]);
int sync_key_cmp(const void *a, const void *b);

/* --------------------------------------------------------- sync_region.c */

#define SYNC_MARK_BEGIN "certmap-sync begin"
#define SYNC_MARK_END "certmap-sync end"

/* The entries a sync owns at one level: from its begin marker to its end
 * marker, both comments directly inside the level's <oneToOneMappings>. */
struct sync_region {
	char *level;             /* path of the level, "" for the top one */
	size_t begin, end;       /* offsets: start of the begin marker, end of the end marker */
	unsigned long begin_line, end_line;
	int closed;              /* the end marker was found */
	time_t last_sync;        /* 0 when the marker does not say */
	unsigned stale_after;    /* hours, 0 when the marker does not say */
	size_t entries;
};

/* An <add> of a <oneToOneMappings>, for the caller to look at. */
struct sync_add {
	const char *level;
	unsigned long line;
	long region;             /* index of the region it is in, -1 for none */
	const char *certificate; /* NULL when absent */
};
typedef void (*sync_add_fn)(void *ctx, const struct sync_add *a);

struct sync_regions {
	struct sync_region *v;
	size_t n;
	int utf8;                /* the document's encoding is UTF-8 */
	int nomem;
	int bad_marker;          /* the markers are wrong, at err_line */
	unsigned long err_line;  /* where the document or its markers are wrong, with why */
	char why[256];
};

/* Find the regions of the document BUF, calling FN (may be NULL) for each
 * <add>.  0, or -1 with R->why (not XML, misplaced or unpaired markers,
 * UTF-16, out of memory). */
int sync_regions_scan(const char *buf, size_t len, sync_add_fn fn, void *ctx,
		      struct sync_regions *r);
/* The region of level LOCATION, or NULL. */
const struct sync_region *sync_region_at(const struct sync_regions *r, const char *location);
void sync_regions_free(struct sync_regions *r);

/* ----------------------------------------------------------- sync_keys.c */

/* An <add> of the file whose value is base64. */
struct sync_keyed {
	unsigned char key[SYNC_KEY_LEN];
	unsigned long line;
	long region;             /* as in struct sync_add */
	size_t level;            /* index in the level names */
};

struct sync_keys {
	struct sync_keyed *v;
	size_t n, cap;
	char **levels;
	size_t nlevels;
	int nomem;
};

/* A sync_add_fn whose CTX is a struct sync_keys (zeroed to start). */
void sync_keys_collect(void *ctx, const struct sync_add *a);
/* Does E's level apply to LEVEL, or LEVEL to it (one collection holds both)? */
int sync_keys_related(const struct sync_keys *k, const struct sync_keyed *e, const char *level);
void sync_keys_free(struct sync_keys *k);

/* ---------------------------------------------------------- sync_write.c */

struct sync_doc {
	const char *old;         /* the file's bytes, NULL when there is none */
	size_t old_len;
	const struct sync_region *region;   /* the level's region in OLD, or NULL */
	int utf8;
	const char *location;
	time_t now;
	unsigned stale_after;
};

/* The new document: OLD with the level's region (made, with the level, when
 * missing) holding the entries of SET not left out.  0 with *out malloc'd,
 * or -1 with WHY. */
int sync_compose(const struct sync_doc *d, const struct sync_set *set, char **out,
		 size_t *out_len, char *why, size_t whylen);
/* Is S UTF-8 text that an XML attribute carries (no control characters)? */
int sync_text_ok(const char *s);

#endif
