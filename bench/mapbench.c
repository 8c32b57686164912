/* mapbench.c - the mapping-file benchmark's engine: generates IIS files of distinct real
 * certificates, and times a bare expat parse against a mapfile look-up of the last entry. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <expat.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "mapfile.h"

/* The level that holds the entries, as IIS writes a site's mappings. */
#define BENCH_LOCATION "Default Web Site"
#define CHUNK (64 * 1024)
#define MAX_REPEAT 1000
#define MAX_DER (64 * 1024)
/* The files go past the 64 MiB default; the limit is not what is measured. */
#define BENCH_MAX_SIZE ((size_t)1024 * 1024 * 1024)

struct der {
	unsigned char buf[MAX_DER];
	size_t len;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: mapbench gen N OUT.xml LAST.der\n"
		"       mapbench bare|lookup FILE CERT.der [REPEAT]\n");
}

static double now_ms(clockid_t clk)
{
	struct timespec ts;

	if (clock_gettime(clk, &ts) != 0)
		return 0.0;
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int parse_count(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v == 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

/* ------------------------------------------------------------------ gen */

static int add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext == NULL)
		return -1;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok == 1 ? 0 : -1;
}

static int set_names(X509 *x, unsigned long i)
{
	X509_NAME *name = X509_get_subject_name(x);
	char cn[64], san[96];

	snprintf(cn, sizeof(cn), "user%lu", i);
	snprintf(san, sizeof(san), "email:user%lu@example.test", i);
	if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
				       (const unsigned char *)"Example", -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				       (const unsigned char *)cn, -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, name) != 1)
		return -1;
	if (add_ext(x, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
	    add_ext(x, NID_key_usage, "critical,digitalSignature") != 0 ||
	    add_ext(x, NID_ext_key_usage, "clientAuth") != 0 ||
	    add_ext(x, NID_subject_alt_name, san) != 0)
		return -1;
	return 0;
}

/* One self-signed client certificate with a fresh P-256 key, as DER. */
static int make_cert(unsigned long i, struct der *out)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	unsigned char *p = out->buf;
	uint64_t serial;
	int len, ret = -1;

	if (key == NULL || x == NULL)
		goto out;
	if (RAND_bytes((unsigned char *)&serial, sizeof(serial)) != 1)
		goto out;
	serial >>= 1;
	if (X509_set_version(x, X509_VERSION_3) != 1 ||
	    ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), 0) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 365L * 86400L) == NULL ||
	    X509_set_pubkey(x, key) != 1 || set_names(x, i) != 0)
		goto out;
	if (X509_sign(x, key, EVP_sha256()) <= 0)
		goto out;
	len = i2d_X509(x, NULL);
	if (len <= 0 || len > MAX_DER)
		goto out;
	if (i2d_X509(x, &p) != len)
		goto out;
	out->len = (size_t)len;
	ret = 0;
out:
	X509_free(x);
	EVP_PKEY_free(key);
	return ret;
}

static const char head[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<configuration>\n"
	"    <system.webServer>\n"
	"        <security>\n"
	"            <authentication>\n"
	"                <iisClientCertificateMappingAuthentication enabled=\"false\" />\n"
	"            </authentication>\n"
	"        </security>\n"
	"    </system.webServer>\n"
	"    <location path=\"" BENCH_LOCATION "\" overrideMode=\"Allow\">\n"
	"        <system.webServer>\n"
	"            <security>\n"
	"                <access sslFlags=\"Ssl, SslNegotiateCert, SslRequireCert\" />\n"
	"                <authentication>\n"
	"                    <anonymousAuthentication enabled=\"false\" />\n"
	"                    <iisClientCertificateMappingAuthentication enabled=\"true\""
	" oneToOneCertificateMappingsEnabled=\"true\">\n"
	"                        <oneToOneMappings>\n";

static const char tail[] =
	"                        </oneToOneMappings>\n"
	"                    </iisClientCertificateMappingAuthentication>\n"
	"                </authentication>\n"
	"            </security>\n"
	"        </system.webServer>\n"
	"    </location>\n"
	"</configuration>\n";

/* An <add> as IIS Manager writes it: the password is an opaque encrypted blob. */
static int write_entry(FILE *f, unsigned long i, const struct der *d)
{
	static const size_t b64max = (MAX_DER + 2) / 3 * 4 + 1;
	unsigned char blob[48], pw[65];
	unsigned char *b64 = malloc(b64max);
	int ret = -1;

	if (b64 == NULL || RAND_bytes(blob, sizeof(blob)) != 1)
		goto out;
	EVP_EncodeBlock(b64, d->buf, (int)d->len);
	EVP_EncodeBlock(pw, blob, sizeof(blob));
	if (fprintf(f, "                            <add userName=\"EXAMPLE\\user%lu\""
		    " password=\"[enc:AesProvider:%s:enc]\" certificate=\"%s\" />\n",
		    i, (const char *)pw, (const char *)b64) < 0)
		goto out;
	ret = 0;
out:
	free(b64);
	return ret;
}

static int write_der(const char *path, const struct der *d)
{
	FILE *f = fopen(path, "wbe");
	int ret = -1;

	if (f == NULL)
		return -1;
	if (fwrite(d->buf, 1, d->len, f) == d->len)
		ret = 0;
	if (fclose(f) != 0)
		ret = -1;
	return ret;
}

static int cmd_gen(const char *count, const char *xml, const char *last)
{
	struct der *d = malloc(sizeof(*d));
	unsigned long n, i;
	FILE *f = NULL;
	int ret = 1;

	if (d == NULL || parse_count(count, 10000000UL, &n) != 0) {
		usage();
		goto out;
	}
	f = fopen(xml, "we");
	if (f == NULL || fchmod(fileno(f), 0644) != 0 || fputs(head, f) == EOF) {
		perror(xml);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (make_cert(i, d) != 0 || write_entry(f, i, d) != 0) {
			fprintf(stderr, "mapbench: cannot make or write certificate %lu\n", i);
			goto out;
		}
	}
	if (fputs(tail, f) == EOF || write_der(last, d) != 0) {
		perror(last);
		goto out;
	}
	ret = 0;
out:
	if (f != NULL && fclose(f) != 0) {
		perror(xml);
		ret = 1;
	}
	free(d);
	return ret;
}

/* ------------------------------------------------------------- measure */

static void XMLCALL noop_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	(void)ud;
	(void)name;
	(void)atts;
}

static void XMLCALL noop_end(void *ud, const XML_Char *name)
{
	(void)ud;
	(void)name;
}

/* The floor: expat reading the file in chunks and calling handlers that do nothing. */
static int bare_once(const char *path, const struct der *cert, const char **user)
{
	static char buf[CHUNK];
	XML_Parser p = XML_ParserCreate(NULL);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	int ret = -1;

	(void)cert;
	if (p == NULL || fd < 0)
		goto out;
	XML_SetElementHandler(p, noop_start, noop_end);
	do {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		if (XML_Parse(p, buf, (int)n, n == 0) != XML_STATUS_OK) {
			fprintf(stderr, "mapbench: %s:%lu: %s\n", path,
				(unsigned long)XML_GetCurrentLineNumber(p),
				XML_ErrorString(XML_GetErrorCode(p)));
			goto out;
		}
	} while (n != 0);
	*user = "-";
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (p != NULL)
		XML_ParserFree(p);
	return ret;
}

/* What the module does: load with the certificate as the only candidate, then ask. */
static int lookup_once(const char *path, const struct der *cert, const char **user)
{
	static char found[256];
	const unsigned char *der = cert->buf;
	struct mapfile_params prm = {
		.max_size = BENCH_MAX_SIZE,
		.cand_der = &der,
		.cand_len = &cert->len,
		.ncand = 1,
	};
	struct mapfile *mf = NULL;
	struct mapfile_error err;
	struct mapfile_answer ans;
	const char *u;
	int ret = -1;

	if (mapfile_load(path, &prm, &mf, &err) != MAPFILE_OK) {
		fprintf(stderr, "mapbench: %s:%lu:%lu: %s\n", path, err.line, err.column,
			err.reason);
		goto out;
	}
	mapfile_query(mf, BENCH_LOCATION, 0, &ans);
	u = mapfile_answer_user(&ans);
	if (u == NULL) {
		fprintf(stderr, "mapbench: %s: the certificate maps to no user\n", path);
		goto out;
	}
	snprintf(found, sizeof(found), "%s", u);
	*user = found;
	ret = 0;
out:
	mapfile_free(mf);
	return ret;
}

static int read_der(const char *path, struct der *d)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	int ret = -1;

	if (fd < 0)
		return -1;
	d->len = 0;
	do {
		n = read(fd, d->buf + d->len, sizeof(d->buf) - d->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		d->len += (size_t)n;
	} while (n != 0 && d->len < sizeof(d->buf));
	if (d->len > 0 && d->len < sizeof(d->buf))
		ret = 0;
out:
	close(fd);
	return ret;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

typedef int (*run_fn)(const char *path, const struct der *cert, const char **user);

static int cmd_measure(const char *mode, const char *xml, const char *cert_path,
		       const char *repeat)
{
	static double ms[MAX_REPEAT], cpu[MAX_REPEAT];
	static struct der cert;
	run_fn run = strcmp(mode, "bare") == 0 ? bare_once : lookup_once;
	unsigned long reps = 1, i;
	const char *user = NULL;
	struct rusage ru;

	if (repeat != NULL && parse_count(repeat, MAX_REPEAT, &reps) != 0) {
		usage();
		return 2;
	}
	if (read_der(cert_path, &cert) != 0) {
		fprintf(stderr, "mapbench: cannot read %s\n", cert_path);
		return 2;
	}
	for (i = 0; i < reps; i++) {
		/* CPU time too: on a busy machine it is what waiting for a CPU does not blur. */
		double t0 = now_ms(CLOCK_MONOTONIC), c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);

		if (run(xml, &cert, &user) != 0)
			return 1;
		ms[i] = now_ms(CLOCK_MONOTONIC) - t0;
		cpu[i] = now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
	}
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 2;
	qsort(ms, reps, sizeof(ms[0]), cmp_double);
	qsort(cpu, reps, sizeof(cpu[0]), cmp_double);
	printf("mode=%s runs=%lu best_ms=%.3f median_ms=%.3f cpu_best_ms=%.3f cpu_median_ms=%.3f "
	       "maxrss_kib=%ld user=%s\n", mode, reps, ms[0], ms[reps / 2], cpu[0], cpu[reps / 2],
	       ru.ru_maxrss, user);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "gen") == 0)
		return cmd_gen(argv[2], argv[3], argv[4]);
	if ((argc == 4 || argc == 5) &&
	    (strcmp(argv[1], "bare") == 0 || strcmp(argv[1], "lookup") == 0))
		return cmd_measure(argv[1], argv[2], argv[3], argc == 5 ? argv[4] : NULL);
	usage();
	return 2;
}
