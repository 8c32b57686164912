/* wrap.c - loading the module a test wrapper stands in front of, and handing out the
 * wrapper's function list (tests/p11/wrap.h). */
#include "config.h"
#include "wrap.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* A module hands out one function list per process: filled once, read-only after. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static CK_FUNCTION_LIST_PTR target(const char *env)
{
	const char *path = getenv(env);
	CK_C_GetFunctionList get;
	CK_FUNCTION_LIST_PTR list = NULL;
	void *lib;

	if (path == NULL || *path == '\0')
		path = WRAP_DEFAULT_TARGET;
	lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		fprintf(stderr, "p11 wrapper: %s\n", dlerror());
		return NULL;
	}
	*(void **)&get = dlsym(lib, "C_GetFunctionList");
	if (get == NULL || get(&list) != CKR_OK || list == NULL) {
		fprintf(stderr, "p11 wrapper: %s has no usable C_GetFunctionList\n", path);
		return NULL;
	}
	return list;
}

CK_RV wrap_get(struct wrap *w, CK_C_GetFunctionList self, CK_FUNCTION_LIST_PTR_PTR out)
{
	CK_FUNCTION_LIST_PTR real;

	if (out == NULL)
		return CKR_ARGUMENTS_BAD;
	pthread_mutex_lock(&lock);
	if (w->real == NULL && (real = target(w->env)) != NULL) {
		w->list = *real;
		w->list.C_GetFunctionList = self;
		w->fill(&w->list);
		w->real = real;
	}
	pthread_mutex_unlock(&lock);
	if (w->real == NULL)
		return CKR_GENERAL_ERROR;
	*out = &w->list;
	return CKR_OK;
}
