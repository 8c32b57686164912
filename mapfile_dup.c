/* mapfile_dup.c - a duplicate that the 128-bit keys suggest is confirmed by
 * the certificate values themselves before it makes the file invalid. */
#include "config.h"
#include "mapfile_model.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The start of a value shown in the IIS message, as IIS shortens it. */
#define SHOWN 10

/* The keys are not cryptographic: someone who can publish a certificate that
 * certmap sync copies in could craft one whose key equals another's.  Taken
 * for a duplicate, it would make the whole file invalid and deny every login;
 * so only values that are really one certificate count. */
enum mf_same mf_values_same(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;

	if (strcmp(a, b) == 0)
		return MF_SAME_VALUE;
	for (;; p++, q++) {
		while (b64_is_space(*p))
			p++;
		while (b64_is_space(*q))
			q++;
		if (*p != *q)
			return MF_DIFFERENT;
		if (*p == '\0')
			return MF_SAME_CERTIFICATE;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Where IDX is in the sorted list V of N, or -1. */
static long find_u32(const uint32_t *v, size_t n, uint32_t idx)
{
	const uint32_t *p = bsearch(&idx, v, n, sizeof(*v), cmp_u32);

	return p == NULL ? -1 : (long)(p - v);
}

void mf_collect_value(const struct mf_parse_args *a, uint32_t idx, const char *value)
{
	long k = find_u32(a->collect, a->ncollect, idx);

	/* Out of memory leaves it NULL, which the confirmation refuses. */
	if (k >= 0 && a->collected[k] == NULL)
		a->collected[k] = strdup(value);
}

/* The values of the <add>s numbered IDX[0..N) (sorted, unique) into VALUES,
 * by a second parse of A's document: the first kept only their keys. */
static enum mapfile_status collect(const struct mf_parse_args *a, const uint32_t *idx, size_t n,
				   char **values, struct mapfile_error *err)
{
	struct mapfile_params p;
	struct mf_parse_args b = *a;
	struct mapfile_error e2;
	struct mapfile *tmp = calloc(1, sizeof(*tmp));
	enum mapfile_status rc;

	memset(&p, 0, sizeof(p));
	memset(&e2, 0, sizeof(e2));
	if (tmp == NULL) {
		mf_error(err, MAPFILE_NOMEM, 0, 0, "out of memory");
		return MAPFILE_NOMEM;
	}
	b.params = &p;
	b.cands = NULL;
	b.ncands = 0;
	b.collect = idx;
	b.ncollect = n;
	b.collected = values;
	if (b.fd >= 0 && lseek(b.fd, 0, SEEK_SET) != 0) {
		mf_error(err, MAPFILE_IO, 0, 0, "cannot read the file again: %s", strerror(errno));
		rc = MAPFILE_IO;
	} else {
		rc = mf_parse(tmp, &b, &e2);
		if (rc != MAPFILE_OK)
			*err = e2;
	}
	mapfile_free(tmp);
	return rc;
}

static enum mapfile_status say_duplicate(const struct mapfile *mf, const struct mf_suspect *s,
					 const char *value, enum mf_same same,
					 struct mapfile_error *err)
{
	const struct mf_o2o *o1 = &mf->o2o[s->first], *o2 = &mf->o2o[s->again];

	if (same == MF_SAME_VALUE)
		mf_error(err, MAPFILE_INVALID, o2->line, o2->column,
			 "Cannot add duplicate collection entry of type 'add' with unique key "
			 "attribute 'certificate' set to '%.*s%s' (first added at line %lu)",
			 SHOWN, value, strlen(value) > SHOWN ? "..." : "",
			 (unsigned long)o1->line);
	else
		mf_error(err, MAPFILE_INVALID, o2->line, o2->column,
			 "the entries at lines %lu and %lu are the same certificate (their values "
			 "differ only in whitespace); one certificate has one meaning",
			 (unsigned long)o1->line, (unsigned long)o2->line);
	return MAPFILE_INVALID;
}

/* The distinct <add> numbers of the suspects, sorted, into *OUT. */
static size_t suspect_numbers(const struct mf_suspect *sus, size_t n, uint32_t *out)
{
	size_t m = 0, j = 0;

	for (size_t i = 0; i < n; i++) {
		out[m++] = sus[i].first;
		out[m++] = sus[i].again;
	}
	qsort(out, m, sizeof(*out), cmp_u32);
	for (size_t i = 0; i < m; i++)
		if (j == 0 || out[i] != out[j - 1])
			out[j++] = out[i];
	return j;
}

static enum mapfile_status judge(const struct mapfile *mf, const struct mf_suspect *sus,
				 size_t n, const uint32_t *idx, size_t m, char **values,
				 struct mapfile_error *err)
{
	for (size_t i = 0; i < n; i++) {
		long a = find_u32(idx, m, sus[i].first), b = find_u32(idx, m, sus[i].again);
		enum mf_same same;

		if (a < 0 || b < 0 || values[a] == NULL || values[b] == NULL) {
			mf_error(err, MAPFILE_INVALID, mf->o2o[sus[i].again].line, 0, "the file "
				 "changed while it was read, or memory ran out; it cannot be checked");
			return MAPFILE_INVALID;
		}
		same = mf_values_same(values[a], values[b]);
		if (same != MF_DIFFERENT)
			return say_duplicate(mf, &sus[i], values[b], same, err);
	}
	return MAPFILE_OK;
}

enum mapfile_status mf_confirm_o2o(const struct mapfile *mf, const struct mf_parse_args *a,
				   const struct mf_suspect *sus, size_t n, int full,
				   struct mapfile_error *err)
{
	uint32_t *idx = malloc(2 * n * sizeof(*idx));
	char **values = NULL;
	size_t m = 0;
	enum mapfile_status rc = MAPFILE_NOMEM;

	if (idx == NULL) {
		mf_error(err, MAPFILE_NOMEM, 0, 0, "out of memory");
		return MAPFILE_NOMEM;
	}
	m = suspect_numbers(sus, n, idx);
	values = calloc(m, sizeof(*values));
	if (values == NULL) {
		mf_error(err, MAPFILE_NOMEM, 0, 0, "out of memory");
		goto out;
	}
	rc = collect(a, idx, m, values, err);
	if (rc == MAPFILE_OK)
		rc = judge(mf, sus, n, idx, m, values, err);
	if (rc == MAPFILE_OK && full) {
		mf_error(err, MAPFILE_INVALID, mf->o2o[sus[n - 1].again].line, 0, "more than %d "
			 "certificate values share their keys with others; the file is refused "
			 "rather than compared at length", MF_MAX_SUSPECTS);
		rc = MAPFILE_INVALID;
	}
out:
	for (size_t i = 0; values != NULL && i < m; i++)
		free(values[i]);
	free(values);
	free(idx);
	return rc;
}
