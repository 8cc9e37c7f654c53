// SPDX-License-Identifier: MIT
/*
 * big-write - a blocking write of 8 MiB through 16 KiB socket buffers and a
 * slow reader completes once, with its full length: never short.
 */
#include <pthread.h>

#include "aiot.h"

#define JOB (8 << 20)

static int rfd;

static void *reader(void *arg)
{
	usleep(100 * 1000);
	t_read_check(rfd, JOB, 0, 2);
	return arg;
}

int main(void)
{
	uint8_t *buf = malloc(JOB);
	struct aiocb cb;
	pthread_t th;
	int a;

	t_layer(60);
	T_ASSERT(buf);
	t_pair_opts(&a, &rfd, 16384, 16384);
	t_fill(buf, JOB, 0, 2);
	t_setup(&cb, a, buf, JOB);
	T_ASSERT(!aio_write(&cb));
	T_ASSERT(!pthread_create(&th, NULL, reader, NULL));
	T_ASSERT(t_wait(&cb, 30000) == 0);
	T_ASSERT(aio_return(&cb) == JOB);
	T_ASSERT(!pthread_join(th, NULL));
	close(a);
	close(rfd);
	free(buf);
	printf("ok: one %d-byte write, never short\n", JOB);
	return 0;
}
