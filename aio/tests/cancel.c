// SPDX-License-Identifier: MIT
/*
 * cancel - a read queued behind another is cancelled (AIO_CANCELED); the
 * one in flight, which received nothing, is cancelled too (AIO_CANCELED);
 * a finished one gives AIO_ALLDONE; the socket keeps working afterwards,
 * bytes in order.
 */
#include "aiot.h"

int main(void)
{
	static uint8_t b1[4096], b2[4096], b3[4096], data[100];
	struct aiocb r1, r2, r3;
	int a, b, ret;

	t_layer(30);
	t_pair(&a, &b);
	t_setup(&r1, b, b1, sizeof(b1));
	t_setup(&r2, b, b2, sizeof(b2));
	T_ASSERT(!aio_read(&r1));
	T_ASSERT(!aio_read(&r2));
	usleep(50 * 1000);
	T_ASSERT(aio_cancel(b, &r2) == AIO_CANCELED);
	T_ASSERT(aio_error(&r2) == ECANCELED && aio_return(&r2) == -1);
	ret = aio_cancel(b, &r1);
	if (ret != AIO_CANCELED)
		T_FAIL("read in flight, nothing received: aio_cancel said %d",
		       ret);
	T_ASSERT(aio_error(&r1) == ECANCELED);
	t_fill(data, sizeof(data), 0, 13);
	T_ASSERT(write(a, data, sizeof(data)) == sizeof(data));
	t_setup(&r3, b, b3, sizeof(b3));
	T_ASSERT(!aio_read(&r3));
	T_ASSERT(t_wait(&r3, 5000) == 0);
	T_ASSERT(aio_return(&r3) == sizeof(data));
	t_check(b3, sizeof(data), 0, 13);
	T_ASSERT(aio_cancel(b, &r3) == AIO_ALLDONE);
	close(a);
	close(b);
	printf("ok: cancel\n");
	return 0;
}
