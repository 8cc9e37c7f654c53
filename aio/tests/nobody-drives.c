// SPDX-License-Identifier: MIT
/*
 * nobody-drives - requests make progress while no caller is inside the
 * layer: a 4 MiB write through small socket buffers (many sends, each
 * resent after the last one's result) while the program only sleeps, and
 * a read that completes while nobody waits for it. The peer gets every
 * byte; aio_error() then says done without waiting.
 */
#include <pthread.h>

#include "aiot.h"

#define BIG (4 << 20)

static int b;

static void *reader(void *arg)
{
	t_read_check(b, BIG, 0, 93);
	T_ASSERT(write(b, "y", 1) == 1);
	return arg;
}

int main(void)
{
	uint8_t *buf = malloc(BIG), one;
	struct aiocb wr, rd;
	pthread_t th;
	double end;
	int a;

	t_layer(60);
	T_ASSERT(buf);
	t_pair_opts(&a, &b, 65536, 65536);
	t_fill(buf, BIG, 0, 93);
	t_setup(&rd, a, &one, 1);
	T_ASSERT(!aio_read(&rd));
	t_setup(&wr, a, buf, BIG);
	T_ASSERT(!aio_write(&wr));
	T_ASSERT(!pthread_create(&th, NULL, reader, NULL));
	T_ASSERT(!pthread_join(th, NULL)); /* no aio_* call meanwhile */
	/* The read's byte came after the write: give the layer time, but
	 * only look, never wait inside it. */
	end = t_now() + 10;
	while (t_now() < end) {
		usleep(20 * 1000);
		if (!__atomic_load_n(&rd.__error_code, __ATOMIC_ACQUIRE))
			break;
	}
	T_ASSERT(aio_error(&wr) == 0 && aio_return(&wr) == BIG);
	T_ASSERT(aio_error(&rd) == 0 && aio_return(&rd) == 1 && one == 'y');
	close(a);
	close(b);
	free(buf);
	printf("ok: the layer drove itself while the program slept\n");
	return 0;
}
