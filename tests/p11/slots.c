/* slots.c - a PKCS#11 module in front of SoftHSM2 ($SLOTS_TARGET) whose tokens are absent
 * until the file $SLOTS_CARD exists, as a card inserted after the login prompt appeared
 * (tests of wait_for_card). */
#include "config.h"
#include "wrap.h"

#include <p11-kit/pkcs11.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * SLOTS_CARD   the file whose existence is the card in the reader
 * SLOTS_EVENTS 1: C_WaitForSlotEvent works as OpenSC's does (its first call reports the
 *              state at once, later ones block until the card comes or goes); otherwise
 *              it is CKR_FUNCTION_NOT_SUPPORTED, as with p11-kit's proxy and SoftHSM2
 * SLOTS_TRACE  a file that gets a line "block" for each blocking C_WaitForSlotEvent and
 *              "list" for each C_GetSlotList(CK_TRUE), so a test can tell how it waited
 */

static void fill(CK_FUNCTION_LIST *l);
static struct wrap slots = { .env = "SLOTS_TARGET", .fill = fill };
static int reported = -1;  /* the presence last reported as an event; -1: none yet */

static int present(void)
{
	const char *card = getenv("SLOTS_CARD");

	return card != NULL && access(card, F_OK) == 0;
}

static void trace(const char *what)
{
	const char *path = getenv("SLOTS_TRACE");
	FILE *f = path != NULL ? fopen(path, "ae") : NULL;

	if (f == NULL)
		return;
	fprintf(f, "%s\n", what);
	fclose(f);
}

static CK_RV slots_list(CK_BBOOL token, CK_SLOT_ID_PTR ids, CK_ULONG_PTR count)
{
	if (token) {
		trace("list");
		if (!present()) {
			*count = 0;
			return CKR_OK;
		}
	}
	return slots.real->C_GetSlotList(token, ids, count);
}

static CK_RV slots_slot_info(CK_SLOT_ID id, CK_SLOT_INFO_PTR info)
{
	CK_RV rv = slots.real->C_GetSlotInfo(id, info);

	if (rv == CKR_OK && !present())
		info->flags &= ~(CK_FLAGS)CKF_TOKEN_PRESENT;
	return rv;
}

static CK_RV slots_token_info(CK_SLOT_ID id, CK_TOKEN_INFO_PTR info)
{
	return present() ? slots.real->C_GetTokenInfo(id, info) : CKR_TOKEN_NOT_PRESENT;
}

static CK_RV slots_open(CK_SLOT_ID id, CK_FLAGS flags, CK_VOID_PTR app, CK_NOTIFY notify,
			CK_SESSION_HANDLE_PTR s)
{
	if (!present())
		return CKR_TOKEN_NOT_PRESENT;
	return slots.real->C_OpenSession(id, flags, app, notify, s);
}

/* An event is a change of presence since the last one reported; the first call reports
 * the state as it is. */
static int event(void)
{
	int now = present();

	if (__atomic_load_n(&reported, __ATOMIC_SEQ_CST) == now)
		return 0;
	__atomic_store_n(&reported, now, __ATOMIC_SEQ_CST);
	return 1;
}

static CK_RV slots_wait(CK_FLAGS flags, CK_SLOT_ID_PTR slot, CK_VOID_PTR reserved)
{
	CK_SLOT_ID ids[64];
	CK_ULONG n = 64;
	const char *ev = getenv("SLOTS_EVENTS");

	(void)reserved;
	if (ev == NULL || strcmp(ev, "1") != 0)
		return CKR_FUNCTION_NOT_SUPPORTED;
	if (slots.real->C_GetSlotList(CK_FALSE, ids, &n) != CKR_OK || n == 0)
		return CKR_GENERAL_ERROR;
	*slot = ids[0];
	if (flags & CKF_DONT_BLOCK)
		return event() ? CKR_OK : CKR_NO_EVENT;
	trace("block");
	while (!event())
		usleep(50 * 1000);
	return CKR_OK;
}

static void fill(CK_FUNCTION_LIST *l)
{
	l->C_GetSlotList = slots_list;
	l->C_GetSlotInfo = slots_slot_info;
	l->C_GetTokenInfo = slots_token_info;
	l->C_OpenSession = slots_open;
	l->C_WaitForSlotEvent = slots_wait;
}

__attribute__((visibility("default")))
CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR out)
{
	return wrap_get(&slots, C_GetFunctionList, out);
}
