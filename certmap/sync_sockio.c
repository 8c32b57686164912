/* sync_sockio.c - a libldap socket layer that waits at most timeout seconds
 * for each read and write, so a server that goes silent (during the TLS
 * handshake too) ends the wait with an error, not with a retry. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>

#include <lber.h>
#include <ldap.h>

#include "certmap/sync.h"

static int layer_setup(Sockbuf_IO_Desc *d, void *arg)
{
	d->sbiod_pvt = arg;
	return 0;
}

/* The sockbuf, freed with the handle, frees the layer's state. */
static int layer_remove(Sockbuf_IO_Desc *d)
{
	free(d->sbiod_pvt);
	d->sbiod_pvt = NULL;
	return 0;
}

static int layer_ctrl(Sockbuf_IO_Desc *d, int opt, void *arg)
{
	return LBER_SBIOD_CTRL_NEXT(d, opt, arg);
}

/* 0 when the socket is ready for EVENTS; -1 with ETIMEDOUT, unlike the
 * EAGAIN of a socket timeout, which libldap would wait on again. */
static int ready(Sockbuf_IO_Desc *d, short events)
{
	struct sync_deadline *dl = d->sbiod_pvt;
	struct pollfd p = { -1, events, 0 };
	int ms = dl->timeout > INT_MAX / 1000 ? INT_MAX : (int)dl->timeout * 1000, n;

	if (ber_sockbuf_ctrl(d->sbiod_sb, LBER_SB_OPT_GET_FD, &p.fd) != 1) {
		errno = EBADF;
		return -1;
	}
	do
		n = poll(&p, 1, ms);
	while (n < 0 && errno == EINTR);
	if (n == 0) {
		dl->timed_out = 1;
		errno = ETIMEDOUT;
	}
	return n > 0 ? 0 : -1;
}

static ber_slen_t layer_read(Sockbuf_IO_Desc *d, void *buf, ber_len_t len)
{
	if (ready(d, POLLIN) != 0)
		return -1;
	return LBER_SBIOD_READ_NEXT(d, buf, len);
}

static ber_slen_t layer_write(Sockbuf_IO_Desc *d, void *buf, ber_len_t len)
{
	if (ready(d, POLLOUT) != 0)
		return -1;
	return LBER_SBIOD_WRITE_NEXT(d, buf, len);
}

static int layer_close(Sockbuf_IO_Desc *d)
{
	(void)d;
	return 0;
}

static Sockbuf_IO deadline_io = {
	layer_setup, layer_remove, layer_ctrl, layer_read, layer_write, layer_close,
};

struct sync_deadline *sync_sockio_push(const struct sync_conf *c, LDAP *ld)
{
	struct sync_deadline *dl = calloc(1, sizeof(*dl));
	Sockbuf *sb = NULL;

	if (dl == NULL)
		return NULL;
	dl->timeout = c->timeout;
	/* Above TCP and, as TLS comes later at the same level, below TLS. */
	if (ldap_get_option(ld, LDAP_OPT_SOCKBUF, &sb) != LDAP_OPT_SUCCESS || sb == NULL ||
	    ber_sockbuf_add_io(sb, &deadline_io, LBER_SBIOD_LEVEL_TRANSPORT, dl) != 0) {
		free(dl);
		return NULL;
	}
	return dl;
}
