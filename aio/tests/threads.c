// SPDX-License-Identifier: MIT
/*
 * threads - several threads use the layer at once: four threads each
 * stream over their own socket, and on one shared socket one thread reads
 * while another writes.
 */
#include <pthread.h>

#include "aiot.h"

#define NT 4
#define LEN 32768
#define COUNT 64

struct job {
	int fd, seed, write;
};

static void *worker(void *arg)
{
	struct job *j = arg;
	uint8_t *buf = malloc(LEN);
	uint64_t off = 0, total = (uint64_t)LEN * COUNT;
	struct aiocb cb;

	T_ASSERT(buf);
	while (off < total) {
		ssize_t n;

		if (j->write)
			t_fill(buf, LEN, off, (unsigned)j->seed);
		t_setup(&cb, j->fd, buf, LEN);
		T_ASSERT(!(j->write ? aio_write(&cb) : aio_read(&cb)));
		T_ASSERT(t_wait(&cb, 20000) == 0);
		n = aio_return(&cb);
		T_ASSERT(n > 0 && (!j->write || n == LEN));
		if (!j->write)
			t_check(buf, (size_t)n, off, (unsigned)j->seed);
		off += (uint64_t)n;
	}
	free(buf);
	return NULL;
}

int main(void)
{
	struct job jobs[2 * NT + 2];
	pthread_t th[2 * NT + 2];
	int i, a, b, sa, sb;

	t_layer(60);
	for (i = 0; i < NT; i++) {
		t_pair(&a, &b);
		jobs[2 * i] = (struct job){ a, 20 + i, 1 };
		jobs[2 * i + 1] = (struct job){ b, 20 + i, 0 };
	}
	/* Shared: sa is written by one thread and read by another. */
	t_pair(&sa, &sb);
	jobs[2 * NT] = (struct job){ sa, 30, 1 };
	jobs[2 * NT + 1] = (struct job){ sa, 31, 0 };
	for (i = 0; i < 2 * NT + 2; i++)
		T_ASSERT(!pthread_create(&th[i], NULL, worker, &jobs[i]));
	{
		uint8_t *buf = malloc((size_t)LEN * COUNT);

		T_ASSERT(buf);
		t_fill(buf, (size_t)LEN * COUNT, 0, 31);
		T_ASSERT(write(sb, buf, (size_t)LEN * COUNT) ==
			 (ssize_t)LEN * COUNT);
		t_read_check(sb, (size_t)LEN * COUNT, 0, 30);
		free(buf);
	}
	for (i = 0; i < 2 * NT + 2; i++)
		T_ASSERT(!pthread_join(th[i], NULL));
	for (i = 0; i < 2 * NT + 2; i += 2) {
		close(jobs[i].fd);
		if (jobs[i + 1].fd != jobs[i].fd)
			close(jobs[i + 1].fd);
	}
	close(sb);
	printf("ok: %d threads\n", 2 * NT + 2);
	return 0;
}
