// SPDX-License-Identifier: MIT
/*
 * suspend-herd - completions wake only the aio_suspend() callers whose
 * list holds a completed request. Eight threads wait in aio_suspend() on
 * reads that stay pending while the main thread runs 2000 writes on
 * another socket, each waited for; the idle threads must not be woken for
 * those (a wake-up of every waiter per completion costs each of them
 * hundreds of context switches here). One of them may be the thread that
 * drives the engine, sleeping inside the ring, which wakes for every
 * completion: the others must stay asleep. Then their reads complete and
 * each of them wakes.
 */
#include <pthread.h>
#include <sys/syscall.h>

#include "aiot.h"

#define NT 8
#define NW 2000
#define WLEN 4096
#define MAX_SWITCHES 50

struct idle {
	int fd;
	pid_t tid;
	struct aiocb cb;
	uint8_t buf[64];
	int ready;
};

static long switches(pid_t tid)
{
	char path[64], line[128];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)tid);
	f = fopen(path, "r");
	T_ASSERT(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

static void *idler(void *arg)
{
	struct idle *d = arg;
	const struct aiocb *list[1] = { &d->cb };

	d->tid = (pid_t)syscall(SYS_gettid);
	t_setup(&d->cb, d->fd, d->buf, sizeof(d->buf));
	T_ASSERT(!aio_read(&d->cb));
	__atomic_store_n(&d->ready, 1, __ATOMIC_RELEASE);
	while (aio_error(&d->cb) == EINPROGRESS)
		aio_suspend(list, 1, NULL);
	T_ASSERT(aio_return(&d->cb) == 1);
	return NULL;
}

int main(void)
{
	static struct idle d[NT];
	static uint8_t wbuf[WLEN];
	int peer[NT], a, b, i;
	long before[NT], n[NT], worst = 0, busiest = 0;
	pthread_t th[NT];

	t_layer(120);
	for (i = 0; i < NT; i++) {
		t_pair(&d[i].fd, &peer[i]);
		T_ASSERT(!pthread_create(&th[i], NULL, idler, &d[i]));
	}
	t_pair(&a, &b);
	for (i = 0; i < NT; i++)
		while (!__atomic_load_n(&d[i].ready, __ATOMIC_ACQUIRE))
			usleep(1000);
	usleep(50 * 1000); /* into aio_suspend() */
	for (i = 0; i < NT; i++)
		before[i] = switches(d[i].tid);
	for (i = 0; i < NW; i++) {
		struct aiocb cb;

		t_fill(wbuf, WLEN, (uint64_t)i * WLEN, 81);
		t_setup(&cb, a, wbuf, WLEN);
		T_ASSERT(!aio_write(&cb));
		T_ASSERT(t_wait(&cb, 10000) == 0);
		T_ASSERT(aio_return(&cb) == WLEN);
		t_read_check(b, WLEN, (uint64_t)i * WLEN, 81);
	}
	/* The busiest may be the driver; the worst of the others counts. */
	for (i = 0; i < NT; i++) {
		n[i] = switches(d[i].tid) - before[i];
		if (n[i] > n[busiest])
			busiest = i;
	}
	for (i = 0; i < NT; i++)
		if (i != busiest && n[i] > worst)
			worst = n[i];
	for (i = 0; i < NT; i++)
		T_ASSERT(write(peer[i], "x", 1) == 1);
	for (i = 0; i < NT; i++)
		T_ASSERT(!pthread_join(th[i], NULL));
	if (worst > MAX_SWITCHES)
		T_FAIL("an idle waiter was switched in %ld times during %d "
		       "unrelated completions",
		       worst, NW);
	for (i = 0; i < NT; i++) {
		close(d[i].fd);
		close(peer[i]);
	}
	close(a);
	close(b);
	printf("ok: idle waiters woken at most %ld times in %d completions "
	       "(the busiest, maybe driving: %ld)\n",
	       worst, NW, n[busiest]);
	return 0;
}
