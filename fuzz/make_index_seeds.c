/* make_index_seeds.c - seeds of fuzz_mapindex from mapping files: for each
 * document, its index as a tinycdb file (mode 0) and as the harness's list
 * of records to seal (mode 1).  Run by fuzz/make-seeds:
 *     make_index_seeds OUTDIR DOC...   writes OUTDIR/cdb-NAME and OUTDIR/rec-NAME */
#include "config.h"
#include "mapfile.h"
#include "mapindex.h"

#include <cdb.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int put_cdb(void *ctx, const void *key, size_t klen, const void *val, size_t vlen)
{
	return cdb_make_add(ctx, key, (unsigned)klen, val, (unsigned)vlen) == 0 ? 0 : -1;
}

/* The harness's record format, its checksum left off (the harness seals). */
static int put_rec(void *ctx, const void *key, size_t klen, const void *val, size_t vlen)
{
	FILE *f = ctx;

	vlen -= MI_SUM_LEN;
	if (klen > 255 || vlen > 65535)
		return 0;
	fputc((int)klen, f);
	fwrite(key, 1, klen, f);
	fputc((int)(vlen & 0xff), f);
	fputc((int)(vlen >> 8), f);
	fwrite(val, 1, vlen, f);
	return 0;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(1 << 20);

	if (f == NULL || buf == NULL)
		exit(1);
	*len = fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	return buf;
}

static void seed(const char *outdir, const char *path)
{
	struct mapfile_params p = { .keys = 1 };
	struct mapfile *mf = NULL;
	struct mi_header h;
	struct cdb_make cm;
	char name[4096], *copy = strdup(path);
	size_t len, n;
	/* The mapping-file seeds start with the harness's mode byte. */
	char *doc = slurp(path, &len);
	int fd = memfd_create("seed", 0);
	FILE *f;
	void *img;

	memset(&h, 0, sizeof(h));
	h.version = MI_VERSION;
	memcpy(h.build, "seed build id 16", MI_BUILD_LEN);
	h.verdict.status = mapfile_parse_buffer(doc + 1, len - 1, &p, &mf, &h.verdict);
	if (fd < 0 || cdb_make_start(&cm, fd) != 0 || mi_encode(&h, mf, put_cdb, &cm) != 0 ||
	    cdb_make_finish(&cm) != 0)
		exit(1);
	n = (size_t)lseek(fd, 0, SEEK_END);
	img = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
	snprintf(name, sizeof(name), "%s/cdb-%s", outdir, basename(copy));
	f = fopen(name, "wb");
	if (img == MAP_FAILED || f == NULL)
		exit(1);
	fputc(0, f);
	fwrite(img, 1, n, f);
	fclose(f);
	snprintf(name, sizeof(name), "%s/rec-%s", outdir, basename(copy));
	f = fopen(name, "wb");
	if (f == NULL)
		exit(1);
	fputc(1, f);
	mi_encode(&h, mf, put_rec, f);
	fclose(f);
	munmap(img, n);
	close(fd);
	mapfile_free(mf);
	free(doc);
	free(copy);
}

int main(int argc, char **argv)
{
	for (int i = 2; i < argc; i++)
		seed(argv[1], argv[i]);
	return argc < 2;
}
