/* ckr.c - what the module's answers mean: CKR_ names for the log, which
 * codes say the token or reader is gone or broken, the token's PIN flags. */
#include "config.h"
#include "helper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CKR(x) { x, #x }

static const struct {
	CK_RV rv;
	const char *name;
} names[] = {
	CKR(CKR_OK), CKR(CKR_HOST_MEMORY), CKR(CKR_SLOT_ID_INVALID), CKR(CKR_GENERAL_ERROR),
	CKR(CKR_FUNCTION_FAILED), CKR(CKR_ARGUMENTS_BAD), CKR(CKR_NO_EVENT),
	CKR(CKR_CANT_LOCK), CKR(CKR_ATTRIBUTE_TYPE_INVALID), CKR(CKR_DATA_INVALID),
	CKR(CKR_DATA_LEN_RANGE), CKR(CKR_DEVICE_ERROR), CKR(CKR_DEVICE_MEMORY),
	CKR(CKR_DEVICE_REMOVED), CKR(CKR_FUNCTION_CANCELED), CKR(CKR_FUNCTION_NOT_SUPPORTED),
	CKR(CKR_KEY_HANDLE_INVALID), CKR(CKR_KEY_SIZE_RANGE), CKR(CKR_KEY_TYPE_INCONSISTENT),
	CKR(CKR_KEY_FUNCTION_NOT_PERMITTED), CKR(CKR_MECHANISM_INVALID),
	CKR(CKR_MECHANISM_PARAM_INVALID), CKR(CKR_OBJECT_HANDLE_INVALID),
	CKR(CKR_OPERATION_ACTIVE), CKR(CKR_OPERATION_NOT_INITIALIZED), CKR(CKR_PIN_INCORRECT),
	CKR(CKR_PIN_INVALID), CKR(CKR_PIN_LEN_RANGE), CKR(CKR_PIN_EXPIRED), CKR(CKR_PIN_LOCKED),
	CKR(CKR_SESSION_CLOSED), CKR(CKR_SESSION_COUNT), CKR(CKR_SESSION_HANDLE_INVALID),
	CKR(CKR_TOKEN_NOT_PRESENT), CKR(CKR_TOKEN_NOT_RECOGNIZED), CKR(CKR_USER_ALREADY_LOGGED_IN),
	CKR(CKR_USER_NOT_LOGGED_IN), CKR(CKR_USER_PIN_NOT_INITIALIZED),
	CKR(CKR_USER_TYPE_INVALID), CKR(CKR_USER_ANOTHER_ALREADY_LOGGED_IN),
	CKR(CKR_BUFFER_TOO_SMALL), CKR(CKR_CRYPTOKI_NOT_INITIALIZED),
	CKR(CKR_CRYPTOKI_ALREADY_INITIALIZED),
};

const char *ckr_name(CK_RV rv)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].rv == rv)
			return names[i].name;
	return "CKR";
}

uint32_t ckr_token_err(CK_RV rv)
{
	switch (rv) {
	/* A session dies with the card it was opened on: pulled out and
	 * perhaps put back, it is not the card the PIN was asked for. */
	case CKR_DEVICE_REMOVED:
	case CKR_TOKEN_NOT_PRESENT:
	case CKR_SESSION_HANDLE_INVALID:
	case CKR_SESSION_CLOSED:
	case CKR_SLOT_ID_INVALID:
		return TOK_E_TOKEN_GONE;
	case CKR_DEVICE_ERROR:
	case CKR_DEVICE_MEMORY:
	case CKR_TOKEN_NOT_RECOGNIZED:
		return TOK_E_DEVICE;
	default:
		return 0;
	}
}

uint32_t p11_flags(CK_FLAGS f)
{
	uint32_t t = 0;

	if (f & CKF_LOGIN_REQUIRED)
		t |= TOK_FLAG_LOGIN_REQUIRED;
	if (f & CKF_USER_PIN_COUNT_LOW)
		t |= TOK_FLAG_PIN_COUNT_LOW;
	if (f & CKF_USER_PIN_FINAL_TRY)
		t |= TOK_FLAG_PIN_FINAL_TRY;
	if (f & CKF_USER_PIN_LOCKED)
		t |= TOK_FLAG_PIN_LOCKED;
	if (f & CKF_PROTECTED_AUTHENTICATION_PATH)
		t |= TOK_FLAG_PROTECTED_AUTH;
	if (f & CKF_USER_PIN_TO_BE_CHANGED)
		t |= TOK_FLAG_PIN_TO_BE_CHANGED;
	return t;
}

void p11_result_set(struct p11_result *r, uint32_t err, uint32_t flags, const char *msg)
{
	r->err = err;
	r->flags = flags;
	snprintf(r->msg, sizeof(r->msg), "%s", msg);
}

void p11_fail(struct p11_result *r, uint32_t err, uint32_t flags, const char *what, CK_RV rv)
{
	uint32_t dev = ckr_token_err(rv);

	r->err = dev != 0 ? dev : err;
	r->flags = flags;
	snprintf(r->msg, sizeof(r->msg), "%s failed: %s (0x%lx)", what, ckr_name(rv),
		 (unsigned long)rv);
}

void p11_result_free(struct p11_result *r)
{
	free(r->sig);
	r->sig = NULL;
	r->sig_len = 0;
}
