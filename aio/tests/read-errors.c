// SPDX-License-Identifier: MIT
/*
 * read-errors - errors on reads end where read(2)'s would: a read into a
 * bad buffer fails EFAULT alone and the next reads get the data in order;
 * after the peer resets the connection the first read reports
 * ECONNRESET and every later one the end of the stream (0). A negative
 * aio_offset on a socket is EINVAL, as glibc's pread()/pwrite() say.
 */
#include "aiot.h"

static int read_one(int fd, void *buf, size_t len, ssize_t *n)
{
	struct aiocb cb;
	int err;

	t_setup(&cb, fd, buf, len);
	T_ASSERT(!aio_read(&cb));
	err = t_wait(&cb, 10000);
	T_ASSERT(err != EINPROGRESS);
	*n = aio_return(&cb);
	return err;
}

int main(void)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct aiocb cb;
	char buf[8];
	ssize_t n;
	int a, b, err;

	t_layer(60);
	t_pair(&a, &b);
	T_ASSERT(write(b, "ABCDEFGH", 8) == 8);
	err = read_one(a, (void *)8, 4, &n);
	if (err != EFAULT)
		T_FAIL("read into a bad buffer: %s", strerror(err));
	T_ASSERT(n == -1);
	T_ASSERT(read_one(a, buf, 4, &n) == 0 && n == 4);
	T_ASSERT(!memcmp(buf, "ABCD", 4));
	T_ASSERT(read_one(a, buf, 4, &n) == 0 && n == 4);
	T_ASSERT(!memcmp(buf, "EFGH", 4));

	/* The peer resets while a read is pending. */
	t_setup(&cb, a, buf, sizeof(buf));
	T_ASSERT(!aio_read(&cb));
	T_ASSERT(!setsockopt(b, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(b);
	err = t_wait(&cb, 10000);
	if (err != ECONNRESET)
		T_FAIL("read at the reset: %s", strerror(err));
	T_ASSERT(aio_return(&cb) == -1);
	for (int i = 0; i < 2; i++) {
		err = read_one(a, buf, sizeof(buf), &n);
		if (err || n)
			T_FAIL("read after the reset: %s, %zd", strerror(err),
			       n);
	}

	/* Negative offsets. */
	t_setup(&cb, a, buf, sizeof(buf));
	cb.aio_offset = -1;
	T_ASSERT(aio_read(&cb) == -1 && errno == EINVAL);
	cb.aio_offset = -5;
	T_ASSERT(aio_write(&cb) == -1 && errno == EINVAL);
	close(a);
	printf("ok: read errors end where read(2)'s do\n");
	return 0;
}
