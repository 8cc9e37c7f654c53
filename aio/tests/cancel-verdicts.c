// SPDX-License-Identifier: MIT
/*
 * cancel-verdicts - aio_cancel()'s exact answers on a socket: a write
 * stuck in the kernel (the peer does not read) is AIO_NOTCANCELED, never
 * AIO_ALLDONE while it is in progress; a write queued behind it is
 * AIO_CANCELED; for the whole descriptor, one started write makes it
 * AIO_NOTCANCELED; a read in flight that got nothing is AIO_CANCELED;
 * nothing pending is AIO_ALLDONE. The peer then receives exactly the bytes
 * the writes reported, intact.
 */
#include <linux/sockios.h>
#include <sys/ioctl.h>

#include "aiot.h"

#define BIG (4 << 20)

/* Until the socket's send queue holds bytes: the write has started. */
static void wait_started(int fd)
{
	double end = t_now() + 10;
	int outq = 0;

	while (t_now() < end) {
		T_ASSERT(!ioctl(fd, SIOCOUTQ, &outq));
		if (outq > 0)
			return;
		usleep(1000);
	}
	T_FAIL("the write never started");
}

/* Read what has arrived at @b, checking it; *@got counts. */
static void drain(int b, uint64_t *got)
{
	uint8_t tmp[65536];
	ssize_t r;

	while ((r = recv(b, tmp, sizeof(tmp), MSG_DONTWAIT)) > 0) {
		t_check(tmp, (size_t)r, *got, 31);
		*got += (uint64_t)r;
	}
}

/* Cancel a started write; return the bytes it reported once done. */
static uint64_t cancel_started(int a, struct aiocb *w, struct aiocb *q,
			       bool whole_fd, uint64_t *got, int b)
{
	int ret, err;
	ssize_t n;

	wait_started(a);
	if (whole_fd) {
		ret = aio_cancel(a, NULL);
		if (ret != AIO_NOTCANCELED)
			T_FAIL("aio_cancel(fd, NULL) said %d", ret);
	} else {
		ret = aio_cancel(a, q);
		if (ret != AIO_CANCELED)
			T_FAIL("queued write: aio_cancel said %d", ret);
		ret = aio_cancel(a, w);
		if (ret != AIO_NOTCANCELED)
			T_FAIL("started write: aio_cancel said %d", ret);
	}
	T_ASSERT(aio_error(q) == ECANCELED && aio_return(q) == -1);
	/* It goes on: the peer drains, the write completes (maybe short). */
	err = aio_error(w);
	T_ASSERT(err == EINPROGRESS || err == 0);
	if (err == EINPROGRESS && aio_cancel(a, w) == AIO_ALLDONE)
		T_ASSERT(aio_error(w) != EINPROGRESS);
	while ((err = aio_error(w)) == EINPROGRESS) {
		drain(b, got);
		usleep(1000);
	}
	T_ASSERT(err == 0);
	n = aio_return(w);
	T_ASSERT(n > 0 && n <= BIG);
	return (uint64_t)n;
}

int main(void)
{
	static uint8_t big[2][BIG], small[64], rb[64];
	struct aiocb w, q, r;
	uint64_t sent = 0, got = 0;
	int a, b, c, d, ret, pass;

	t_layer(60);
	t_pair_opts(&a, &b, 65536, 65536);
	for (pass = 0; pass < 2; pass++) {
		uint64_t n;

		t_fill(big[pass], BIG, sent, 31);
		t_setup(&w, a, big[pass], BIG);
		t_setup(&q, a, small, sizeof(small));
		T_ASSERT(!aio_write(&w));
		T_ASSERT(!aio_write(&q));
		n = cancel_started(a, &w, &q, pass == 1, &got, b);
		sent += n;
		while (got < sent) {
			drain(b, &got);
			usleep(1000);
		}
		T_ASSERT(got == sent);
	}
	T_ASSERT(aio_cancel(a, NULL) == AIO_ALLDONE);
	/* Nothing beyond the reported bytes reached the peer. */
	T_ASSERT(!shutdown(a, SHUT_WR));
	{
		uint8_t one;

		T_ASSERT(read(b, &one, 1) == 0);
	}

	/* A read in flight that received nothing is cancelled. */
	t_pair(&c, &d);
	t_setup(&r, d, rb, sizeof(rb));
	T_ASSERT(!aio_read(&r));
	usleep(20 * 1000);
	ret = aio_cancel(d, &r);
	if (ret != AIO_CANCELED)
		T_FAIL("read in flight: aio_cancel said %d", ret);
	T_ASSERT(aio_error(&r) == ECANCELED);
	T_ASSERT(aio_cancel(d, &r) == AIO_ALLDONE);
	T_ASSERT(aio_cancel(d, NULL) == AIO_ALLDONE);
	close(a);
	close(b);
	close(c);
	close(d);
	printf("ok: cancel verdicts exact, %llu bytes intact\n",
	       (unsigned long long)sent);
	return 0;
}
