// SPDX-License-Identifier: MIT
/*
 * thread-exit - requests outlive the thread that submitted them (io_uring
 * cancels a task's requests when it exits): a thread queues a read and a
 * large write that cannot finish yet, then exits; the main thread makes
 * them finish (sends the read's data, drains the write) and both complete
 * whole, bytes intact.
 */
#include <pthread.h>

#include "aiot.h"

#define BIG (4 << 20)

static struct aiocb rd, wr;
static uint8_t rbuf[64], *wbuf;
static int a, b;

static void *submitter(void *arg)
{
	t_setup(&rd, a, rbuf, sizeof(rbuf));
	T_ASSERT(!aio_read(&rd));
	t_fill(wbuf, BIG, 0, 91);
	t_setup(&wr, a, wbuf, BIG);
	T_ASSERT(!aio_write(&wr));
	return arg;
}

int main(void)
{
	static uint8_t msg[64];
	pthread_t th;

	t_layer(60);
	wbuf = malloc(BIG);
	T_ASSERT(wbuf);
	t_pair_opts(&a, &b, 65536, 65536);
	T_ASSERT(!pthread_create(&th, NULL, submitter, NULL));
	T_ASSERT(!pthread_join(th, NULL));
	usleep(50 * 1000); /* the submitter is gone */
	t_fill(msg, sizeof(msg), 0, 92);
	T_ASSERT(write(b, msg, sizeof(msg)) == sizeof(msg));
	t_read_check(b, BIG, 0, 91);
	T_ASSERT(t_wait(&wr, 20000) == 0 && aio_return(&wr) == BIG);
	T_ASSERT(t_wait(&rd, 20000) == 0 && aio_return(&rd) == sizeof(msg));
	t_check(rbuf, sizeof(msg), 0, 92);
	close(a);
	close(b);
	free(wbuf);
	printf("ok: requests of an exited thread completed\n");
	return 0;
}
