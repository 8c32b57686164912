/* crash.c - a PKCS#11 module that dies of SIGSEGV, for the token tests: the helper dies,
 * the caller of pam_authenticate lives on and gets PAM_AUTHINFO_UNAVAIL.
 * CRASH_AT=initialize crashes in C_Initialize, otherwise C_GetSlotList crashes. */
#include "config.h"

#include <p11-kit/pkcs11.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* A real fault, not a trap: the pointer is volatile, so the compiler cannot prove it NULL.
 * Not instrumented by UBSan (--enable-sanitizers), which would end the helper first. */
__attribute__((no_sanitize_undefined))
static void crash_now(void)
{
	volatile int *volatile p = NULL;

	/* cppcheck-suppress nullPointer */
	(void)*p;
	raise(SIGSEGV);
}

static int crash_at(const char *where)
{
	const char *at = getenv("CRASH_AT");

	if (at == NULL || *at == '\0')
		at = "slotlist";
	return strcmp(at, where) == 0;
}

static CK_RV crash_initialize(CK_VOID_PTR args)
{
	(void)args;
	if (crash_at("initialize")) {
		crash_now();
		return CKR_GENERAL_ERROR;
	}
	return CKR_OK;
}

static CK_RV crash_finalize(CK_VOID_PTR reserved)
{
	(void)reserved;
	return CKR_OK;
}

static CK_RV crash_get_info(CK_INFO_PTR info)
{
	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	memset(info, ' ', sizeof(*info));
	info->cryptokiVersion.major = CRYPTOKI_VERSION_MAJOR;
	info->cryptokiVersion.minor = CRYPTOKI_VERSION_MINOR;
	memcpy(info->manufacturerID, "pam_certmap tests", strlen("pam_certmap tests"));
	info->flags = 0;
	memcpy(info->libraryDescription, "crash", strlen("crash"));
	info->libraryVersion.major = 1;
	info->libraryVersion.minor = 0;
	return CKR_OK;
}

static CK_RV crash_get_slot_list(CK_BBOOL present, CK_SLOT_ID_PTR slots, CK_ULONG_PTR count)
{
	(void)present;
	(void)slots;
	(void)count;
	crash_now();
	return CKR_GENERAL_ERROR;
}

/* Callers get no further than the slot list; the rest stay NULL. */
static CK_FUNCTION_LIST crash_list = {
	.version = { CRYPTOKI_VERSION_MAJOR, CRYPTOKI_VERSION_MINOR },
	.C_Initialize = crash_initialize,
	.C_Finalize = crash_finalize,
	.C_GetFunctionList = C_GetFunctionList,
	.C_GetInfo = crash_get_info,
	.C_GetSlotList = crash_get_slot_list,
};

__attribute__((visibility("default")))
CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
	if (list == NULL)
		return CKR_ARGUMENTS_BAD;
	*list = &crash_list;
	return CKR_OK;
}
