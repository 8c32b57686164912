/* shim.c - a PKCS#11 module that forwards to SoftHSM2 (or $SHIM_TARGET) but, as $SHIM_MODE
 * says, acts like a token SoftHSM2 cannot imitate: PIN states, a PIN pad, a card pulled
 * out, a hang, a crash. */
#include "config.h"
#include "wrap.h"

#include <p11-kit/pkcs11.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * SHIM_MODE:
 *   (unset or empty)  forward everything
 *   locked       the token reports CKF_USER_PIN_LOCKED and C_Login says CKR_PIN_LOCKED
 *   final        the token reports CKF_USER_PIN_FINAL_TRY; a wrong PIN gives CKR_PIN_LOCKED
 *   lockthis     the token reports CKF_USER_PIN_FINAL_TRY; a wrong PIN gives
 *                CKR_PIN_INCORRECT, and from then on the token reports CKF_USER_PIN_LOCKED
 *   low          the token reports CKF_USER_PIN_COUNT_LOW
 *   expired      the right PIN gives CKR_PIN_EXPIRED (no login)
 *   general      every user login fails with CKR_GENERAL_ERROR, as OpenSC's CAC answers a
 *                wrong PIN
 *   loggedin     the first session of the process is logged in with $SHIM_PIN before
 *                the caller sees it, as when another application logged the token in
 *   nocontext    a CKU_CONTEXT_SPECIFIC login succeeds without reaching the token
 *   pinpad       the token reports CKF_PROTECTED_AUTHENTICATION_PATH; C_Login with no PIN
 *                logs in with $SHIM_PIN as if typed on the reader; one with a PIN fails
 *                with CKR_ARGUMENTS_BAD (the PIN must not pass through the host)
 *   pinpad_slow  as pinpad, the user taking 2 seconds to type the PIN on the reader
 *   badsig       every signature comes back with its last byte changed
 *   gone_login   C_Login says CKR_DEVICE_REMOVED (the card pulled at the PIN prompt)
 *   gone_sign    C_Sign says CKR_DEVICE_REMOVED
 *   session_gone C_Login says CKR_SESSION_HANDLE_INVALID (pulled out and put back)
 *   device_sign  C_Sign says CKR_DEVICE_ERROR
 *   hang_login   C_Login never returns
 *   crash_login  C_Login dies of SIGSEGV
 *   initfail     C_Initialize fails with CKR_DEVICE_ERROR
 * Any other value makes C_Initialize fail, so a typo in a test cannot pass unnoticed.
 * SHIM_LABEL, when set, is the token label C_GetTokenInfo reports (blank-padded).
 */
enum shim_mode {
	MODE_PLAIN,
	MODE_LOCKED,
	MODE_FINAL,
	MODE_LOCKTHIS,
	MODE_LOW,
	MODE_EXPIRED,
	MODE_GENERAL,
	MODE_LOGGEDIN,
	MODE_NOCONTEXT,
	MODE_PINPAD,
	MODE_PINPAD_SLOW,
	MODE_BADSIG,
	MODE_GONE_LOGIN,
	MODE_GONE_SIGN,
	MODE_SESSION_GONE,
	MODE_DEVICE_SIGN,
	MODE_HANG_LOGIN,
	MODE_CRASH_LOGIN,
	MODE_INITFAIL,
	MODE_UNKNOWN,
};

static const char *const mode_names[] = {
	[MODE_PLAIN] = "",
	[MODE_LOCKED] = "locked",
	[MODE_FINAL] = "final",
	[MODE_LOCKTHIS] = "lockthis",
	[MODE_LOW] = "low",
	[MODE_EXPIRED] = "expired",
	[MODE_GENERAL] = "general",
	[MODE_LOGGEDIN] = "loggedin",
	[MODE_NOCONTEXT] = "nocontext",
	[MODE_PINPAD] = "pinpad",
	[MODE_PINPAD_SLOW] = "pinpad_slow",
	[MODE_BADSIG] = "badsig",
	[MODE_GONE_LOGIN] = "gone_login",
	[MODE_GONE_SIGN] = "gone_sign",
	[MODE_SESSION_GONE] = "session_gone",
	[MODE_DEVICE_SIGN] = "device_sign",
	[MODE_HANG_LOGIN] = "hang_login",
	[MODE_CRASH_LOGIN] = "crash_login",
	[MODE_INITFAIL] = "initfail",
};

/*
 * A PKCS#11 module hands out one function list for the process, so the shim's state is
 * process-wide: the list is filled once (wrap.c); the two flags change atomically.
 */
static void shim_fill(CK_FUNCTION_LIST *l);
static struct wrap shim = { .env = "SHIM_TARGET", .fill = shim_fill };
static int loggedin_done;
static int locked_now;  /* lockthis: a wrong PIN was given */

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
		return shim.real->C_Initialize(args);
	}
}

static CK_FLAGS pin_flags(void)
{
	switch (mode()) {
	case MODE_LOCKED:
		return CKF_USER_PIN_LOCKED;
	case MODE_FINAL:
		return CKF_USER_PIN_FINAL_TRY;
	case MODE_LOCKTHIS:
		return __atomic_load_n(&locked_now, __ATOMIC_SEQ_CST) ? CKF_USER_PIN_LOCKED :
									  CKF_USER_PIN_FINAL_TRY;
	case MODE_LOW:
		return CKF_USER_PIN_COUNT_LOW;
	case MODE_PINPAD:
	case MODE_PINPAD_SLOW:
		return CKF_PROTECTED_AUTHENTICATION_PATH;
	default:
		return 0;
	}
}

static CK_RV shim_get_token_info(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info)
{
	const char *label = getenv("SHIM_LABEL");
	CK_RV rv = shim.real->C_GetTokenInfo(slot, info);
	size_t n;

	if (rv != CKR_OK)
		return rv;
	info->flags |= pin_flags();
	if (label != NULL) {
		n = strlen(label);
		memset(info->label, ' ', sizeof(info->label));
		memcpy(info->label, label, n < sizeof(info->label) ? n : sizeof(info->label));
	}
	return CKR_OK;
}

/* A PIN pad: the PIN comes from the reader, never from the caller. */
static CK_RV pinpad_login(CK_SESSION_HANDLE session, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin)
{
	const char *typed = getenv("SHIM_PIN");

	if (pin != NULL || typed == NULL)
		return CKR_ARGUMENTS_BAD;
	return shim.real->C_Login(session, user, (CK_UTF8CHAR_PTR)typed, strlen(typed));
}

/* The right PIN, but it must be changed first: no login remains. */
static CK_RV expired_login(CK_SESSION_HANDLE session, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin,
			   CK_ULONG pin_len)
{
	CK_RV rv = shim.real->C_Login(session, user, pin, pin_len);

	if (rv != CKR_OK)
		return rv;
	(void)shim.real->C_Logout(session);
	return CKR_PIN_EXPIRED;
}

static CK_RV shim_login(CK_SESSION_HANDLE session, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin,
			CK_ULONG pin_len)
{
	CK_RV rv;

	if (user == CKU_SO)
		return shim.real->C_Login(session, user, pin, pin_len);
	if (user == CKU_CONTEXT_SPECIFIC && mode() == MODE_NOCONTEXT)
		return CKR_OK;
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
		rv = shim.real->C_Login(session, user, pin, pin_len);
		return rv == CKR_PIN_INCORRECT ? CKR_PIN_LOCKED : rv;
	case MODE_LOCKTHIS:
		if (__atomic_load_n(&locked_now, __ATOMIC_SEQ_CST))
			return CKR_PIN_LOCKED;
		rv = shim.real->C_Login(session, user, pin, pin_len);
		if (rv == CKR_PIN_INCORRECT)
			__atomic_store_n(&locked_now, 1, __ATOMIC_SEQ_CST);
		return rv;
	case MODE_EXPIRED:
		return expired_login(session, user, pin, pin_len);
	case MODE_GENERAL:
		return CKR_GENERAL_ERROR;
	case MODE_PINPAD:
		return pinpad_login(session, user, pin);
	case MODE_PINPAD_SLOW:
		sleep(2);
		return pinpad_login(session, user, pin);
	case MODE_GONE_LOGIN:
		return CKR_DEVICE_REMOVED;
	case MODE_SESSION_GONE:
		return CKR_SESSION_HANDLE_INVALID;
	default:
		return shim.real->C_Login(session, user, pin, pin_len);
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
	rv = shim.real->C_Login(session, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
	return rv == CKR_USER_ALREADY_LOGGED_IN ? CKR_OK : rv;
}

static CK_RV shim_open_session(CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR app,
			       CK_NOTIFY notify, CK_SESSION_HANDLE_PTR session)
{
	CK_RV rv = shim.real->C_OpenSession(slot, flags, app, notify, session);

	if (rv != CKR_OK || mode() != MODE_LOGGEDIN)
		return rv;
	rv = prelogin(*session);
	if (rv != CKR_OK)
		shim.real->C_CloseSession(*session);
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
	CK_RV rv;

	if (mode() == MODE_GONE_SIGN)
		return CKR_DEVICE_REMOVED;
	if (mode() == MODE_DEVICE_SIGN)
		return CKR_DEVICE_ERROR;
	rv = shim.real->C_Sign(session, data, data_len, sig, sig_len);
	if (rv == CKR_OK)
		spoil(sig, sig_len);
	return rv;
}

static CK_RV shim_sign_final(CK_SESSION_HANDLE session, CK_BYTE_PTR sig, CK_ULONG_PTR sig_len)
{
	CK_RV rv = shim.real->C_SignFinal(session, sig, sig_len);

	if (rv == CKR_OK)
		spoil(sig, sig_len);
	return rv;
}

static void shim_fill(CK_FUNCTION_LIST *l)
{
	l->C_Initialize = shim_initialize;
	l->C_GetTokenInfo = shim_get_token_info;
	l->C_Login = shim_login;
	l->C_OpenSession = shim_open_session;
	l->C_Sign = shim_sign;
	l->C_SignFinal = shim_sign_final;
}

__attribute__((visibility("default")))
CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
	return wrap_get(&shim, C_GetFunctionList, list);
}
