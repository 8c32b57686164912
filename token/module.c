/* module.c - the PKCS#11 module itself: loaded with dlopen, its function
 * list taken and initialised, and at the end logged out and finalised. */
#include "config.h"
#include "helper.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* The module may make threads of its own (OpenSC's reader monitoring), so
 * it gets the OS's locking; libp11, which the helper used before, asks the
 * same, and the modules people use are tested with that. */
static CK_RV initialize(struct p11 *p)
{
	CK_C_INITIALIZE_ARGS args;
	CK_RV rv;

	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	rv = p->f->C_Initialize(&args);
	if (rv == CKR_OK)
		p->initialized = 1;
	return rv;
}

uint32_t p11_load(struct p11 *p, const char *path, char *msg, size_t msglen)
{
	CK_C_GetFunctionList get;
	CK_RV rv;

	/* Lazy binding: a vendor library resolves only the symbols it uses. */
	p->dl = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
	if (p->dl == NULL) {
		snprintf(msg, msglen, "%s", dlerror());
		return TOK_E_MODULE;
	}
	*(void **)&get = dlsym(p->dl, "C_GetFunctionList");
	if (get == NULL) {
		snprintf(msg, msglen, "%s has no C_GetFunctionList", path);
		return TOK_E_MODULE;
	}
	rv = get(&p->f);
	if (rv != CKR_OK || p->f == NULL || p->f->C_Initialize == NULL) {
		snprintf(msg, msglen, "C_GetFunctionList of %s failed: %s (0x%lx)", path,
			 ckr_name(rv), (unsigned long)rv);
		return TOK_E_MODULE;
	}
	rv = initialize(p);
	if (rv != CKR_OK) {
		snprintf(msg, msglen, "C_Initialize of %s failed: %s (0x%lx)", path, ckr_name(rv),
			 (unsigned long)rv);
		return TOK_E_MODULE;
	}
	return 0;
}

int p11_reinit(struct p11 *p)
{
	if (p->initialized)
		(void)p->f->C_Finalize(NULL);
	p->initialized = 0;
	return initialize(p) == CKR_OK ? 0 : -1;
}

void p11_close(struct p11 *p)
{
	size_t i;

	if (p->initialized) {
		/* A card may keep a verified PIN until it is reset: log out
		 * explicitly rather than leave it to C_Finalize. */
		for (i = 0; i < p->nslots; i++) {
			if (p->slots[i].logged_in)
				(void)p->f->C_Logout(p->slots[i].session);
			(void)p->f->C_CloseSession(p->slots[i].session);
		}
		(void)p->f->C_Finalize(NULL);
		p->initialized = 0;
	}
	for (i = 0; i < p->ncerts; i++) {
		free(p->certs[i].der);
		free(p->certs[i].id);
	}
	free(p->certs);
	free(p->slots);
	p->certs = NULL;
	p->slots = NULL;
	p->ncerts = p->nslots = 0;
}
