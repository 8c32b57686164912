/* fuzz_mapindex.c - libFuzzer harness for the look-up index as the module
 * reads it (mapindex_file.c, mapindex_dec.c): a constant database as found on
 * disk, records the harness seals so the decoder sees past the checksums,
 * and mapping files whose index must answer as the file itself does. */
#include "config.h"
#include "mapfile.h"
#include "mapfile_model.h"
#include "mapindex.h"
#include "mapindex_rec.h"
#include "mistore.h"
#include "fuzz/fuzz.h"

#include <cdb.h>
#include <string.h>
#include <sys/mman.h>

/* Input: one mode byte, then by its low two bits:
 *   0  a tinycdb file, read as the module reads an index;
 *   1  records, [klen u8][key][vlen u16 LE][value]..., sealed here (the header
 *      "H" with the build id its own bytes 8..24 hold) and put in a tinycdb
 *      file, read the same way;
 *   2, 3  a mapping file: its records (loaded with keys) must give the same
 *      answers as the whole file, from memory and from a tinycdb file.
 * Bit 2 makes bob's certificate a second candidate. */
#define MODE_TWO_CANDIDATES 0x04

static const char *const locations[] = {
	"", "webapp", "intranet", "WebApp/sub", "Site/App", "a/b/c", "x//y/./z", "A",
};
#define NLOC (sizeof(locations) / sizeof(locations[0]))

static unsigned char *cand_der[2];
static size_t cand_len[2];
static X509 *cand_x509[2];

static void setup(void)
{
	if (cand_x509[0] != NULL)
		return;
	cand_x509[0] = fuzz_cert(FUZZ_ALICE_PEM);
	cand_x509[1] = fuzz_cert(FUZZ_BOB_PEM);
	for (int i = 0; i < 2; i++)
		cand_der[i] = fuzz_der(cand_x509[i], &cand_len[i]);
}

static int memfd(void)
{
	int fd = memfd_create("fuzz_mapindex", MFD_CLOEXEC);

	if (fd < 0)
		fuzz_die("memfd_create");
	return fd;
}

static void write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			fuzz_die("write");
		p += w;
		n -= (size_t)w;
	}
}

/* ------------------------------------------------------------ invariants */

/* A model the index gave must be one the queries can walk: every level
 * applies, every directive points inside its array, every entry is a
 * candidate's. */
static void check_model(const struct mapfile *mf, const char *q, size_t ncand)
{
	for (size_t i = 0; i < mf->nlevels; i++) {
		const struct mf_level *l = &mf->levels[i];

		if (!mapfile_path_applies(l->norm, q) || l->first_dir + l->ndir > mf->ndirs)
			abort();
		for (size_t j = l->first_dir; j < l->first_dir + l->ndir; j++) {
			uint32_t x = MF_DIR_INDEX(mf->dirs[j]);

			switch (MF_DIR_KIND(mf->dirs[j])) {
			case MF_O2O_ADD:
				if (x >= mf->no2o || mf->o2o[x].entry >= mf->nentries ||
				    mf->entries[mf->o2o[x].entry].cand < 0 ||
				    (size_t)mf->entries[mf->o2o[x].entry].cand >= ncand)
					abort();
				break;
			case MF_M2O_ADD:
				if (x >= mf->nm2o ||
				    mf->m2o[x].m.first_rule + mf->m2o[x].m.nrules > mf->nrules)
					abort();
				break;
			default:
				if (x >= mf->nclears)
					abort();
			}
		}
	}
}

/* Every query of a model: no crash, the answer's strings readable. */
static void walk(const struct mapfile *mf, const char *q, size_t ncand)
{
	for (int c = -1; c < (int)ncand; c++) {
		struct mapfile_answer a;
		const char *u;

		if (c < 0) {
			mapfile_query(mf, q, c, &a);
		} else if (mapfile_query_cert(mf, q, c, cand_x509[c], &a) != MAPFILE_OK &&
			   a.mapping != NULL) {
			abort();
		}
		u = mapfile_answer_user(&a);
		if (u != NULL && strlen(u) == (size_t)-1)
			abort();
	}
}

static void ask(const struct mi_source *src, const struct mapfile_params *p)
{
	for (size_t i = 0; i < NLOC; i++) {
		struct mapfile *mf = NULL;
		struct mapfile_error err;
		enum mapfile_status st = mi_answer(src, locations[i], p, &mf, &err);

		if (st != MAPFILE_OK && st != MAPFILE_NOMEM && st != MAPFILE_IO)
			abort();
		if ((st == MAPFILE_OK) != (mf != NULL) || (st != MAPFILE_OK && err.reason[0] == '\0'))
			abort();
		if (mf != NULL) {
			check_model(mf, locations[i], p->ncand);
			walk(mf, locations[i], p->ncand);
		}
		mapfile_free(mf);
	}
}

/* The index in FD as the module reads it: the header, then every answer. */
static void read_index(int fd, const struct mapfile_params *p)
{
	const char hkey = MI_KEY_HEADER;
	struct mi_source src;
	struct mi_file f;
	struct stat st;
	unsigned char *v = NULL;
	size_t len = 0;

	memset(&f, 0, sizeof(f));
	if (fstat(fd, &st) != 0)
		fuzz_die("fstat");
	f.fd = fd;
	f.size = (size_t)st.st_size;
	mi_file_source(&f, &src);
	if (src.get(src.ctx, &hkey, 1, &v, &len) != 1)
		return;
	if (mi_header_decode(v, len, &f.h) == 0) {
		if (f.h.verdict.status != MAPFILE_OK && f.h.verdict.status != MAPFILE_INVALID)
			abort();
		mi_file_source(&f, &src);
		if (f.h.verdict.status == MAPFILE_OK)
			ask(&src, p);
	}
	free(v);
}

/* ------------------------------------------------------------ the modes */

static void raw_cdb(const uint8_t *data, size_t size, const struct mapfile_params *p)
{
	int fd = memfd();

	write_all(fd, data, size);
	read_index(fd, p);
	close(fd);
}

static void sealed_records(const uint8_t *data, size_t size, const struct mapfile_params *p)
{
	unsigned char build[MI_BUILD_LEN] = "fuzz build id 16";
	struct cdb_make cm;
	int fd = memfd();

	if (cdb_make_start(&cm, fd) != 0)
		fuzz_die("cdb_make_start");
	while (size >= 3) {
		size_t klen = data[0], vlen;
		struct mi_buf b = { 0 };
		const uint8_t *key = data + 1;

		if (size < 1 + klen + 2)
			break;
		vlen = (size_t)data[1 + klen] | (size_t)data[2 + klen] << 8;
		if (size < 3 + klen + vlen)
			vlen = size - 3 - klen;
		mi_put_bytes(&b, data + 3 + klen, vlen);
		/* The header's checksum is over its own build id, and so are the
		 * records' after it. */
		if (klen == 1 && key[0] == MI_KEY_HEADER && vlen >= 8 + MI_BUILD_LEN)
			memcpy(build, data + 3 + klen + 8, MI_BUILD_LEN);
		if (mi_seal(&b, build, key, klen) == 0)
			cdb_make_add(&cm, key, (unsigned)klen, b.p, (unsigned)b.len);
		mi_buf_free(&b);
		data += 3 + klen + vlen;
		size -= 3 + klen + vlen;
	}
	if (cdb_make_finish(&cm) != 0)
		fuzz_die("cdb_make_finish");
	read_index(fd, p);
	close(fd);
}

static int put_cdb(void *ctx, const void *key, size_t klen, const void *val, size_t vlen)
{
	return cdb_make_add(ctx, key, (unsigned)klen, val, (unsigned)vlen) == 0 ? 0 : -1;
}

static int same_answer(const struct mapfile_answer *a, const struct mapfile_answer *b)
{
	const char *ua = mapfile_answer_user(a), *ub = mapfile_answer_user(b);

	return a->section_enabled == b->section_enabled &&
	       a->one_to_one_enabled == b->one_to_one_enabled &&
	       a->many_to_one_enabled == b->many_to_one_enabled &&
	       a->many_to_one_count == b->many_to_one_count &&
	       (a->entry == NULL) == (b->entry == NULL) &&
	       (a->entry == NULL || a->entry->line == b->entry->line) &&
	       (a->mapping == NULL) == (b->mapping == NULL) &&
	       (a->mapping == NULL || a->mapping->line == b->mapping->line) &&
	       (ua == ub || (ua != NULL && ub != NULL && strcmp(ua, ub) == 0));
}

/* The index's model at Q answers as the whole file does, for every candidate. */
static void compare(const struct mapfile *full, const struct mi_source *src, const char *q,
		    const struct mapfile_params *p)
{
	struct mapfile *mini = NULL;
	struct mapfile_error err;

	if (mi_answer(src, q, p, &mini, &err) != MAPFILE_OK) {
		if (err.status == MAPFILE_NOMEM)
			return;
		fprintf(stderr, "index of a valid file refused at '%s': %s\n", q, err.reason);
		abort();
	}
	for (int c = -1; c < (int)p->ncand; c++) {
		struct mapfile_answer a, m;
		enum mapfile_status sa, sm;

		if (c < 0) {
			mapfile_query(full, q, c, &a);
			mapfile_query(mini, q, c, &m);
			sa = sm = MAPFILE_OK;
		} else {
			sa = mapfile_query_cert(full, q, c, cand_x509[c], &a);
			sm = mapfile_query_cert(mini, q, c, cand_x509[c], &m);
		}
		if (sa != sm || !same_answer(&a, &m)) {
			fprintf(stderr, "the index answers otherwise at '%s', candidate %d\n", q, c);
			abort();
		}
	}
	mapfile_free(mini);
}

static void document(const uint8_t *data, size_t size, const struct mapfile_params *p)
{
	struct mapfile_params pk = *p;
	struct mapfile *full = NULL;
	struct mapfile_error err;
	struct mi_header h;
	struct mi_source src;
	struct mi_store *store = mi_store_new();
	struct cdb_make cm;
	int fd = memfd();

	pk.keys = 1;
	memset(&h, 0, sizeof(h));
	h.version = MI_VERSION;
	memcpy(h.build, "fuzz build id 16", MI_BUILD_LEN);
	h.verdict.status = mapfile_parse_buffer((const char *)data, size, &pk, &full, &err);
	if (h.verdict.status != MAPFILE_OK && h.verdict.status != MAPFILE_INVALID)
		goto out;  /* out of memory, or too large: nothing to index */
	if (h.verdict.status == MAPFILE_INVALID)
		h.verdict = err;
	if (store == NULL || mi_encode(&h, full, mi_store_put, store) != 0 ||
	    mi_store_seal(store) != 0 || cdb_make_start(&cm, fd) != 0 ||
	    mi_encode(&h, full, put_cdb, &cm) != 0 || cdb_make_finish(&cm) != 0)
		fuzz_die("cannot write the index");
	read_index(fd, p);
	src.get = mi_store_get;
	src.ctx = store;
	memcpy(src.build, h.build, MI_BUILD_LEN);
	for (size_t i = 0; full != NULL && i < NLOC; i++)
		compare(full, &src, locations[i], p);
	for (size_t i = 0; full != NULL && i < full->nlevels && i < 8; i++)
		compare(full, &src, full->levels[i].path, p);
out:
	mapfile_free(full);
	mi_store_free(store);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *der[2];
	struct mapfile_params p;

	if (size < 1)
		return 0;
	setup();
	memset(&p, 0, sizeof(p));
	der[0] = cand_der[0];
	der[1] = cand_der[1];
	p.cand_der = der;
	p.cand_len = cand_len;
	p.ncand = (data[0] & MODE_TWO_CANDIDATES) ? 2 : 1;
	switch (data[0] & 3) {
	case 0:
		raw_cdb(data + 1, size - 1, &p);
		break;
	case 1:
		sealed_records(data + 1, size - 1, &p);
		break;
	default:
		document(data + 1, size - 1, &p);
		break;
	}
	return 0;
}
