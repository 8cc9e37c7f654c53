// SPDX-License-Identifier: MIT
/*
 * zero-len - an empty aio_write reports the connection's state as
 * write(2) does: 0 on a live connection, an error (EPIPE, ECONNRESET)
 * after the peer reset it. An empty read completes with 0.
 */
#include <poll.h>

#include "aiot.h"

static int empty(int fd, int write_op)
{
	struct aiocb cb;
	char c;
	int err;

	t_setup(&cb, fd, &c, 0);
	T_ASSERT(!(write_op ? aio_write(&cb) : aio_read(&cb)));
	err = t_wait(&cb, 10000);
	T_ASSERT(err != EINPROGRESS);
	T_ASSERT(aio_return(&cb) == (err ? -1 : 0));
	return err;
}

int main(void)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct pollfd p;
	int a, b, err;

	t_layer(30);
	t_pair(&a, &b);
	T_ASSERT(empty(a, 1) == 0);
	T_ASSERT(empty(a, 0) == 0);
	T_ASSERT(!setsockopt(b, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(b);
	p = (struct pollfd){ .fd = a, .events = POLLIN };
	T_ASSERT(poll(&p, 1, 5000) == 1); /* the reset arrived */
	err = empty(a, 1);
	if (err != ECONNRESET && err != EPIPE)
		T_FAIL("empty write after a reset: %s", strerror(err));
	close(a);
	printf("ok: an empty write reports the connection (%s)\n",
	       strerror(err));
	return 0;
}
