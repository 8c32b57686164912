/* shim.c - a PKCS#11 module that forwards to SoftHSM2 (or $SHIM_TARGET) but, as $SHIM_MODE
 * says, acts like a token SoftHSM2 cannot imitate: a locked PIN, a last try, a hang. */
#include "config.h"

#include <dlfcn.h>
#include <p11-kit/pkcs11.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_TARGET "/usr/lib/softhsm/libsofthsm2.so"

/*
 * SHIM_MODE:
 *   (unset or empty)  forward everything
 *   locked       the token reports CKF_USER_PIN_LOCKED and C_Login says CKR_PIN_LOCKED
 *   final        the token reports CKF_USER_PIN_FINAL_TRY; a wrong PIN gives CKR_PIN_LOCKED
 *   low          the token reports CKF_USER_PIN_COUNT_LOW
 *   loggedin     the first session of the process is logged in with $SHIM_PIN before
 *                the caller sees it, as when another application logged the token in
 *   badsig       every signature comes back with its last byte changed
 *   hang_login   C_Login never returns
 *   crash_login  C_Login dies of SIGSEGV
 *   initfail     C_Initialize fails with CKR_DEVICE_ERROR
 * Any other value makes C_Initialize fail, so a typo in a test cannot pass unnoticed.
 */
enum shim_mode {
	MODE_PLAIN,
	MODE_LOCKED,
	MODE_FINAL,
	MODE_LOW,
	MODE_LOGGEDIN,
	MODE_BADSIG,
	MODE_HANG_LOGIN,
	MODE_CRASH_LOGIN,
	MODE_INITFAIL,
	MODE_UNKNOWN,
};

static const char *const mode_names[] = {
	[MODE_PLAIN] = "",
	[MODE_LOCKED] = "locked",
	[MODE_FINAL] = "final",
	[MODE_LOW] = "low",
	[MODE_LOGGEDIN] = "loggedin",
	[MODE_BADSIG] = "badsig",
	[MODE_HANG_LOGIN] = "hang_login",
	[MODE_CRASH_LOGIN] = "crash_login",
	[MODE_INITFAIL] = "initfail",
};

/*
 * A PKCS#11 module hands out one function list for the process, so the shim's state is
 * process-wide: written once under pthread_once, read-only afterwards.
 */
static pthread_once_t shim_once = PTHREAD_ONCE_INIT;
static CK_FUNCTION_LIST_PTR real;
static CK_FUNCTION_LIST shim_list;
static int loggedin_done;

static enum shim_mode mode(void)
{
	const char *m = getenv("SHIM_MODE");

	if (m == NULL)
		return MODE_PLAIN;
	for (int i = 0; i < MODE_UNKNOWN; i++)
		if (strcmp(m, mode_names[i]) == 0)
			return (enum shim_mode)i;
	return MODE_UNKNOWN;
}

/* A real fault, not a trap: the pointer is volatile, so the compiler cannot prove it NULL.
 * Not instrumented by UBSan (--enable-sanitizers), which would end the helper first. */
__attribute__((no_sanitize_undefined))
static void die_now(void)
{
	volatile int *volatile p = NULL;

	/* cppcheck-suppress nullPointer */
	(void)*p;
	raise(SIGSEGV);
}

static CK_RV shim_initialize(CK_VOID_PTR args)
{
	switch (mode()) {
	case MODE_UNKNOWN:
		fprintf(stderr, "shim: unknown SHIM_MODE '%s'\n", getenv("SHIM_MODE"));
		return CKR_ARGUMENTS_BAD;
	case MODE_INITFAIL:
		return CKR_DEVICE_ERROR;
	default:
		return real->C_Initialize(args);
	}
}

static CK_RV shim_get_token_info(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info)
{
	CK_RV rv = real->C_GetTokenInfo(slot, info);

	if (rv != CKR_OK)
		return rv;
	switch (mode()) {
	case MODE_LOCKED:
		info->flags |= CKF_USER_PIN_LOCKED;
		break;
	case MODE_FINAL:
		info->flags |= CKF_USER_PIN_FINAL_TRY;
		break;
	case MODE_LOW:
		info->flags |= CKF_USER_PIN_COUNT_LOW;
		break;
	default:
		break;
	}
	return CKR_OK;
}

static CK_RV shim_login(CK_SESSION_HANDLE session, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin,
			CK_ULONG pin_len)
{
	CK_RV rv;

	if (user == CKU_SO)
		return real->C_Login(session, user, pin, pin_len);
	switch (mode()) {
	case MODE_LOCKED:
		return CKR_PIN_LOCKED;
	case MODE_HANG_LOGIN:
		for (;;)
			pause();
	case MODE_CRASH_LOGIN:
		die_now();
		return CKR_GENERAL_ERROR;
	case MODE_FINAL:
		rv = real->C_Login(session, user, pin, pin_len);
		return rv == CKR_PIN_INCORRECT ? CKR_PIN_LOCKED : rv;
	default:
		return real->C_Login(session, user, pin, pin_len);
	}
}

/* Logs the token in behind the caller's back, once per process. */
static CK_RV prelogin(CK_SESSION_HANDLE session)
{
	const char *pin = getenv("SHIM_PIN");
	CK_RV rv;

	if (__atomic_exchange_n(&loggedin_done, 1, __ATOMIC_SEQ_CST) != 0)
		return CKR_OK;
	if (pin == NULL) {
		fprintf(stderr, "shim: SHIM_MODE=loggedin needs SHIM_PIN\n");
		return CKR_GENERAL_ERROR;
	}
	rv = real->C_Login(session, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
	return rv == CKR_USER_ALREADY_LOGGED_IN ? CKR_OK : rv;
}

static CK_RV shim_open_session(CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR app,
			       CK_NOTIFY notify, CK_SESSION_HANDLE_PTR session)
{
	CK_RV rv = real->C_OpenSession(slot, flags, app, notify, session);

	if (rv != CKR_OK || mode() != MODE_LOGGEDIN)
		return rv;
	rv = prelogin(*session);
	if (rv != CKR_OK)
		real->C_CloseSession(*session);
	return rv;
}

static void spoil(CK_BYTE_PTR sig, const CK_ULONG *len)
{
	if (mode() == MODE_BADSIG && sig != NULL && len != NULL && *len > 0)
		sig[*len - 1] ^= 0x01;
}

static CK_RV shim_sign(CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG data_len,
		       CK_BYTE_PTR sig, CK_ULONG_PTR sig_len)
{
	CK_RV rv = real->C_Sign(session, data, data_len, sig, sig_len);

	if (rv == CKR_OK)
		spoil(sig, sig_len);
	return rv;
}

static CK_RV shim_sign_final(CK_SESSION_HANDLE session, CK_BYTE_PTR sig, CK_ULONG_PTR sig_len)
{
	CK_RV rv = real->C_SignFinal(session, sig, sig_len);

	if (rv == CKR_OK)
		spoil(sig, sig_len);
	return rv;
}

static void shim_load(void)
{
	const char *target = getenv("SHIM_TARGET");
	CK_C_GetFunctionList get;
	CK_FUNCTION_LIST_PTR list = NULL;
	void *lib;

	if (target == NULL || *target == '\0')
		target = DEFAULT_TARGET;
	/* never closed: the target lives as long as the shim */
	lib = dlopen(target, RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		fprintf(stderr, "shim: %s\n", dlerror());
		return;
	}
	*(void **)&get = dlsym(lib, "C_GetFunctionList");
	if (get == NULL || get(&list) != CKR_OK || list == NULL) {
		fprintf(stderr, "shim: %s has no usable C_GetFunctionList\n", target);
		return;
	}
	shim_list = *list;
	shim_list.C_GetFunctionList = C_GetFunctionList;
	shim_list.C_Initialize = shim_initialize;
	shim_list.C_GetTokenInfo = shim_get_token_info;
	shim_list.C_Login = shim_login;
	shim_list.C_OpenSession = shim_open_session;
	shim_list.C_Sign = shim_sign;
	shim_list.C_SignFinal = shim_sign_final;
	real = list;
}

__attribute__((visibility("default")))
CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
	if (list == NULL)
		return CKR_ARGUMENTS_BAD;
	if (pthread_once(&shim_once, shim_load) != 0 || real == NULL)
		return CKR_GENERAL_ERROR;
	*list = &shim_list;
	return CKR_OK;
}
