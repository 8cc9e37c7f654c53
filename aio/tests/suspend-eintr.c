// SPDX-License-Identifier: MIT
/*
 * suspend-eintr - a signal caught while aio_suspend() waits (no timeout,
 * a request that never completes) makes it return -1 EINTR, so a program
 * can stop on a flag its handler sets.
 */
#include "aiot.h"

static volatile sig_atomic_t stop;

static void on_alarm(int sig)
{
	stop = 1;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	const struct aiocb *list[1];
	struct aiocb r;
	uint8_t buf[16];
	double t0;
	int a, b, ret;

	t_layer(0);
	t_pair(&a, &b);
	t_setup(&r, a, buf, sizeof(buf));
	T_ASSERT(!aio_read(&r));
	list[0] = &r;
	sigemptyset(&sa.sa_mask);
	T_ASSERT(!sigaction(SIGALRM, &sa, NULL)); /* no SA_RESTART */
	alarm(1);
	t0 = t_now();
	while (!stop && t_now() - t0 < 10) {
		ret = aio_suspend(list, 1, NULL);
		T_ASSERT(ret == -1 && errno == EINTR);
	}
	if (!stop)
		T_FAIL("aio_suspend() did not return for the signal");
	T_ASSERT(aio_error(&r) == EINPROGRESS);
	T_ASSERT(aio_cancel(a, &r) == AIO_CANCELED);
	close(a);
	close(b);
	printf("ok: aio_suspend() returned EINTR after %.2f s\n", t_now() - t0);
	return 0;
}
