// SPDX-License-Identifier: MIT
/*
 * cancel-worker - pthread_cancel() of a thread that is busy with AIO
 * never leaves the layer stuck: the thread is not cancelled inside the
 * layer (glibc's AIO has no cancellation point there either), and every
 * other thread's AIO goes on.
 */
#include <pthread.h>

#include "aiot.h"

static int wfd;
static volatile int done;

static void *worker(void *arg)
{
	static uint8_t buf[4096];
	struct aiocb cb;

	while (!done) {
		t_setup(&cb, wfd, buf, sizeof(buf));
		if (aio_write(&cb))
			break;
		while (aio_error(&cb) == EINPROGRESS)
			;
		aio_return(&cb);
	}
	return arg;
}

static void *drain(void *arg)
{
	static uint8_t buf[65536];

	while (read(*(int *)arg, buf, sizeof(buf)) > 0)
		;
	return arg;
}

int main(void)
{
	static uint8_t buf[64];
	pthread_t th, dr;
	int a, b, c, d;

	t_layer(60);
	t_pair(&wfd, &b);
	t_pair(&c, &d);
	T_ASSERT(!pthread_create(&dr, NULL, drain, &b));
	T_ASSERT(!pthread_create(&th, NULL, worker, NULL));
	usleep(200 * 1000);
	T_ASSERT(!pthread_cancel(th));
	usleep(200 * 1000);
	for (a = 0; a < 100; a++) {
		t_aio_write_all(c, buf, sizeof(buf), (uint64_t)a * sizeof(buf),
				99);
		t_read_check(d, sizeof(buf), (uint64_t)a * sizeof(buf), 99);
	}
	done = 1;
	T_ASSERT(!pthread_join(th, NULL));
	shutdown(wfd, SHUT_WR);
	T_ASSERT(!pthread_join(dr, NULL));
	close(wfd);
	close(b);
	close(c);
	close(d);
	printf("ok: AIO goes on after pthread_cancel() of a busy thread\n");
	return 0;
}
