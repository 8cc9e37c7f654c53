// SPDX-License-Identifier: MIT
/*
 * nonblock - writes on an O_NONBLOCK socket whose peer does not read
 * complete short (with what the socket took) instead of waiting; once the
 * socket is full a write waits, and cancelling it gives AIO_CANCELED (not
 * started) or AIO_NOTCANCELED (started: it completes short once the peer
 * reads). The peer then receives exactly the bytes reported, intact.
 */
#include <fcntl.h>

#include "aiot.h"

#define JOB (1 << 20)
#define MAXJOBS 256

int main(void)
{
	uint8_t *buf = malloc((size_t)JOB * 2);
	struct aiocb cb;
	uint64_t off = 0;
	int a, b, i, err, shorts = 0, ret;
	ssize_t n;

	t_layer(60);
	T_ASSERT(buf);
	t_pair_opts(&a, &b, 32768, 32768);
	T_ASSERT(!fcntl(a, F_SETFL, fcntl(a, F_GETFL) | O_NONBLOCK));
	for (i = 0; i < MAXJOBS; i++) {
		t_fill(buf, JOB, off, 3);
		t_setup(&cb, a, buf, JOB);
		T_ASSERT(!aio_write(&cb));
		err = t_wait(&cb, 500);
		if (err == EINPROGRESS)
			break;
		T_ASSERT(err == 0);
		n = aio_return(&cb);
		T_ASSERT(n > 0 && n <= JOB);
		shorts += n < JOB;
		off += (uint64_t)n;
	}
	if (i == MAXJOBS)
		T_FAIL("the socket never filled up");
	T_ASSERT(shorts > 0);
	ret = aio_cancel(a, &cb);
	if (ret == AIO_CANCELED) {
		T_ASSERT(aio_error(&cb) == ECANCELED);
		T_ASSERT(aio_return(&cb) == -1);
	} else {
		T_ASSERT(ret == AIO_NOTCANCELED);
	}
	T_ASSERT(aio_cancel(a, &cb) == AIO_ALLDONE || ret == AIO_NOTCANCELED);
	/* Drain what was reported; a started write finishes meanwhile. */
	t_read_check(b, off, 0, 3);
	if (ret == AIO_NOTCANCELED) {
		uint8_t tmp[65536];
		uint64_t got = 0;

		T_ASSERT(t_wait(&cb, 20000) != EINPROGRESS);
		n = aio_return(&cb);
		T_ASSERT(n == -1 || (n > 0 && n < JOB));
		if (n > 0) {
			while (got < (uint64_t)n) {
				ssize_t r = read(b, tmp, sizeof(tmp));

				T_ASSERT(r > 0);
				t_check(tmp, (size_t)r, off + got, 3);
				got += (uint64_t)r;
			}
			T_ASSERT(got == (uint64_t)n);
			off += got;
		}
	}
	T_ASSERT(!shutdown(a, SHUT_WR));
	T_ASSERT(read(b, buf, 1) == 0); /* nothing beyond the reported bytes */
	close(a);
	close(b);
	printf("ok: %d writes, %d short, %llu bytes, cancel said %s\n", i,
	       shorts, (unsigned long long)off,
	       ret == AIO_CANCELED ? "AIO_CANCELED" : "AIO_NOTCANCELED");
	return 0;
}
