/* cmd.h - what the certmap commands share: global options, exit codes, the
 * commands themselves and the helpers of util.c. */
#ifndef CERTMAP_CMD_H
#define CERTMAP_CMD_H

#include <stddef.h>
#include <stdio.h>
#include <openssl/x509.h>

#include "mapfile.h"

/* As getent: 2 is a clean "no", 1 is reserved for errors. */
#define CM_EXIT_OK 0
#define CM_EXIT_ERROR 1
#define CM_EXIT_NO 2

struct global {
	const char *mapfile;
	const char *location;
};

/* Each command gets its own argv, argv[0] being the command name. */
int cmd_lookup(const struct global *g, int argc, char **argv);
int cmd_check(const struct global *g, int argc, char **argv);
int cmd_explain(const struct global *g, int argc, char **argv);
int cmd_list(const struct global *g, int argc, char **argv);
int cmd_keys(const struct global *g, int argc, char **argv);
int cmd_add(const struct global *g, int argc, char **argv);
int cmd_remove(const struct global *g, int argc, char **argv);
int cmd_enable(const struct global *g, int argc, char **argv);
int cmd_disable(const struct global *g, int argc, char **argv);
int cmd_add_mapping(const struct global *g, int argc, char **argv);
int cmd_remove_mapping(const struct global *g, int argc, char **argv);
int cmd_enable_mapping(const struct global *g, int argc, char **argv);
int cmd_disable_mapping(const struct global *g, int argc, char **argv);

/* certmap.c: the help text, to F. */
void cm_usage(FILE *f);
/* certmap.c: "certmap: MSG" and the help on stderr; returns CM_EXIT_ERROR. */
int cm_bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* certmap.c: for getopt's '?' or ':' (with opterr = 0 and a leading ':' in
 * the option string): says which option was wrong. */
int cm_bad_option(int c, char **argv);

/* For a command that takes no options but --help and no arguments (NAME):
 * -1 to go on, else the exit status (the help shown, or a usage error). */
int cm_no_args(const char *name, int argc, char **argv);

/* "certmap: MSG" on stderr. */
void cm_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A certificate named on the command line. */
struct cm_cert {
	const char *name;      /* as given, or "(standard input)" for "-" */
	X509 *x509;
	unsigned char *der;    /* OPENSSL_malloc'd */
	size_t der_len;
};

/* Read ARG (a PEM, DER or base64 file, or "-" for stdin) into C.  On failure
 * the reason is on stderr and -1 is returned; C needs cm_cert_free either way. */
int cm_cert_read(const char *arg, struct cm_cert *c);
void cm_cert_free(struct cm_cert *c);

/* Load the mapping file of G, with C (may be NULL) as candidate 0. */
enum mapfile_status cm_load(const struct global *g, const struct cm_cert *c, int keep_all,
			    struct mapfile **mf, struct mapfile_error *err);

/* The same for G's location only, from the file's look-up index when it is
 * current for the file, as the module answers (mapload.h). */
enum mapfile_status cm_load_indexed(const struct global *g, const struct cm_cert *c,
				    struct mapfile **mf, struct mapfile_error *err);

/* The whole answer of MF for C at G's location (mapfile_query_cert): 0, or
 * -1 with the reason printed. */
int cm_query(const struct global *g, const struct mapfile *mf, const struct cm_cert *c,
	     struct mapfile_answer *ans);

/* What to add for a chain check as the module's: said wherever certmap
 * cannot grant or check for want of trust anchors. */
#define CM_TRUST_HINT "give pam_certmap's ca_file as --ca-file (or its ca_dir as --ca-dir)"

/* The reason of ERR, or words for its status when the loader left it empty. */
const char *cm_error_reason(const struct mapfile_error *err);

/* "PATH:LINE:COL: reason" (or "PATH: reason" without a position) on stderr. */
void cm_print_load_error(const char *path, const struct mapfile_error *err);

/* After "userName U is not a local account": the names the module tried
 * for U (account_resolve), where its defaultLogonDomain is DOMAIN (may be
 * NULL), into BUF; "" for a name without a domain part.  -1 when memory
 * runs out. */
int cm_names_tried(const char *user, const char *domain, char *buf, size_t len);

/* S between single quotes, control bytes and quotes escaped, for messages:
 * names come from a file and must not move the terminal around. */
const char *cm_quote(const char *s, char *buf, size_t len);

/* An ASN1 time as "YYYY-MM-DDTHH:MM:SSZ" (the form of cert_not_after). */
int cm_time_str(const ASN1_TIME *t, char out[32]);

#endif
