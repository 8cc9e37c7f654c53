// SPDX-License-Identifier: MIT
/*
 * close-in-handler - close() is async-signal-safe: a signal handler that
 * closes a descriptor (here: opens and closes /dev/null every 200 us of
 * CPU time) while the program's thread is inside aio_write() or
 * aio_error() must not deadlock, and the writes go on intact.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sys/time.h>

#include "aiot.h"

#define LEN 4096
#define COUNT 20000

static volatile sig_atomic_t closes;

static void on_prof(int sig)
{
	int fd = open("/dev/null", O_RDONLY);

	if (fd >= 0) {
		close(fd);
		closes++;
	}
}

static int rfd;
static uint64_t total;

static void *reader(void *arg)
{
	t_read_check(rfd, total, 0, 97);
	return arg;
}

int main(void)
{
	static uint8_t buf[LEN];
	struct itimerval it = { { 0, 200 }, { 0, 200 } };
	struct sigaction sa = { .sa_handler = on_prof };
	struct aiocb cb;
	pthread_t th;
	double end;
	uint64_t off = 0;
	int a, n = 0;

	t_layer(60);
	t_pair(&a, &rfd);
	total = (uint64_t)COUNT * LEN;
	T_ASSERT(!pthread_create(&th, NULL, reader, NULL));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	T_ASSERT(!sigaction(SIGPROF, &sa, NULL));
	T_ASSERT(!setitimer(ITIMER_PROF, &it, NULL));
	end = t_now() + 30;
	while (off < total && t_now() < end) {
		t_fill(buf, LEN, off, 97);
		t_setup(&cb, a, buf, LEN);
		T_ASSERT(!aio_write(&cb));
		while (aio_error(&cb) == EINPROGRESS)
			;
		T_ASSERT(aio_return(&cb) == LEN);
		off += LEN;
		n++;
	}
	it = (struct itimerval){ { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_PROF, &it, NULL);
	T_ASSERT(off == total);
	T_ASSERT(!pthread_join(th, NULL));
	close(a);
	close(rfd);
	printf("ok: %d writes with %d closes in a signal handler\n", n,
	       (int)closes);
	return 0;
}
