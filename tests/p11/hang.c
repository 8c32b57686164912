/* hang.c - a PKCS#11 module whose C_Initialize never returns, for the token tests:
 * the module must kill the helper after token_timeout and answer PAM_AUTHINFO_UNAVAIL. */
#include "config.h"

#include <p11-kit/pkcs11.h>
#include <unistd.h>

static CK_RV hang_initialize(CK_VOID_PTR args)
{
	(void)args;
	/* a vendor library stuck on a dead reader: only a signal ends this */
	for (;;)
		pause();
	return CKR_GENERAL_ERROR;
}

static CK_RV hang_finalize(CK_VOID_PTR reserved)
{
	(void)reserved;
	return CKR_OK;
}

/* Only C_Initialize is ever reached; the rest stay NULL as no caller gets past it. */
static CK_FUNCTION_LIST hang_list = {
	.version = { CRYPTOKI_VERSION_MAJOR, CRYPTOKI_VERSION_MINOR },
	.C_Initialize = hang_initialize,
	.C_Finalize = hang_finalize,
	.C_GetFunctionList = C_GetFunctionList,
};

__attribute__((visibility("default")))
CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
	if (list == NULL)
		return CKR_ARGUMENTS_BAD;
	*list = &hang_list;
	return CKR_OK;
}
