// SPDX-License-Identifier: MIT
/*
 * duplex - a read pending on a socket does not hold back a write on the
 * same socket (glibc serialises them: the write waits for the read's data).
 */
#include "aiot.h"

#define WLEN (256 << 10)

int main(void)
{
	static uint8_t wbuf[WLEN], rbuf[4096];
	struct aiocb rd, wr;
	double t0;
	int a, b;

	t_layer(30);
	t_pair(&a, &b);
	t_setup(&rd, a, rbuf, sizeof(rbuf));
	T_ASSERT(!aio_read(&rd));
	t_fill(wbuf, WLEN, 0, 4);
	t_setup(&wr, a, wbuf, WLEN);
	t0 = t_now();
	T_ASSERT(!aio_write(&wr));
	t_read_check(b, WLEN, 0, 4);
	T_ASSERT(t_wait(&wr, 5000) == 0);
	T_ASSERT(aio_return(&wr) == WLEN);
	T_ASSERT(aio_error(&rd) == EINPROGRESS); /* still waiting, alone */
	printf("write done in %.3f s with a read pending\n", t_now() - t0);
	t_fill(wbuf, 100, 0, 5);
	T_ASSERT(write(b, wbuf, 100) == 100);
	T_ASSERT(t_wait(&rd, 5000) == 0);
	T_ASSERT(aio_return(&rd) == 100);
	t_check(rbuf, 100, 0, 5);
	close(a);
	close(b);
	printf("ok: read and write in flight at once on one socket\n");
	return 0;
}
