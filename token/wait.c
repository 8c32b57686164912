/* wait.c - wait_for_card: until a token is present, by the module's slot
 * events where it has them (OpenSC), else by polling (p11-kit's proxy only
 * reports events without blocking).  The module owns the deadline: it stops
 * waiting, and this process, when wait_for_card runs out. */
#include "config.h"
#include "helper.h"

#include <poll.h>

#define POLL_MS 250
/* Polls between two re-initialisations: a reader plugged in after the
 * start (a USB token is its own reader) is seen by the proxy only then. */
#define POLLS_PER_REINIT 8
#define DRAIN_MAX 64

/* Sleeps MS milliseconds on the module's socket: 1 when it became readable
 * (the module hung up), else 0. */
static int module_gone(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, ms) > 0;
}

/* The events the module already holds (OpenSC reports the current state at
 * the first call) are drained, so a blocking wait waits for a real one.
 * 0 when the module waits without blocking too. */
static int drain_events(struct p11 *p)
{
	CK_SLOT_ID slot;
	CK_RV rv = CKR_OK;

	for (int i = 0; i < DRAIN_MAX && rv == CKR_OK; i++)
		rv = p->f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL);
	return rv == CKR_NO_EVENT;
}

/* Blocking slot events.  1 when a token came, 0 when the module cannot wait
 * this way (then poll), -1 when the module's socket closed. */
static int wait_events(struct p11 *p, const char *label, int fd)
{
	CK_SLOT_ID slot;
	CK_RV rv;

	if (!drain_events(p))
		return 0;
	for (;;) {
		if (p11_token_present(p, label))
			return 1;
		rv = p->f->C_WaitForSlotEvent(0, &slot, NULL);
		if (rv != CKR_OK)
			return 0;
		/* An event that brought no usable token (a removal, another
		 * reader): look again, but never spin on a module that
		 * reports events without end. */
		if (!p11_token_present(p, label) && module_gone(fd, POLL_MS / 2))
			return -1;
	}
}

int p11_wait(struct p11 *p, const char *label, int fd)
{
	int polls = 0;

	switch (wait_events(p, label, fd)) {
	case 1:
		return 0;
	case -1:
		return -1;
	default:
		break;
	}
	while (!p11_token_present(p, label)) {
		if (module_gone(fd, POLL_MS))
			return -1;
		if (++polls % POLLS_PER_REINIT == 0 && p11_reinit(p) != 0)
			return -1;
	}
	return 0;
}
