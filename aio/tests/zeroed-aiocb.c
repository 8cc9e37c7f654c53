// SPDX-License-Identifier: MIT
/*
 * zeroed-aiocb - an aiocb set up the way most programs do it, memset to 0
 * and then descriptor, buffer and length (which leaves SIGEV_SIGNAL with
 * signal 0: "no signal" to glibc), is accepted as glibc accepts it: on a
 * socket, on a file, in lio_listio (also with a zeroed list sigevent), and
 * a bad descriptor reports EBADF, not EINVAL.
 */
#include <fcntl.h>

#include "aiot.h"

static void zeroed(struct aiocb *cb, int fd, void *buf, size_t len, int op)
{
	memset(cb, 0, sizeof(*cb));
	cb->aio_fildes = fd;
	cb->aio_buf = buf;
	cb->aio_nbytes = len;
	cb->aio_lio_opcode = op;
}

int main(void)
{
	static uint8_t w[4096], r[4096];
	char path[] = "/tmp/zcaio-aio-zeroed-XXXXXX";
	struct aiocb cw, cr, cf, l[2], *list[2] = { &l[0], &l[1] };
	struct sigevent sev;
	int a, b, fd, ret;

	t_layer(30);
	T_ASSERT(SIGEV_SIGNAL == 0); /* what memset leaves */
	t_pair(&a, &b);

	/* A socket: a write, and a read on the other end. */
	t_fill(w, sizeof(w), 0, 21);
	zeroed(&cr, b, r, sizeof(r), 0);
	zeroed(&cw, a, w, sizeof(w), 0);
	T_ASSERT(aio_read(&cr) == 0);
	T_ASSERT(aio_write(&cw) == 0);
	T_ASSERT(t_wait(&cw, 10000) == 0 && aio_return(&cw) == sizeof(w));
	T_ASSERT(t_wait(&cr, 10000) == 0);
	ret = (int)aio_return(&cr);
	T_ASSERT(ret > 0);
	t_check(r, (size_t)ret, 0, 21);
	t_read_check(b, sizeof(w) - (size_t)ret, (uint64_t)ret, 21);

	/* A file: glibc's, untouched by the layer's checks. */
	fd = mkstemp(path);
	T_ASSERT(fd >= 0);
	unlink(path);
	zeroed(&cf, fd, w, sizeof(w), 0);
	T_ASSERT(aio_write(&cf) == 0);
	T_ASSERT(t_wait(&cf, 10000) == 0 && aio_return(&cf) == sizeof(w));

	/* lio_listio, LIO_WAIT, then LIO_NOWAIT with a zeroed sigevent. */
	zeroed(&l[0], a, w, 100, LIO_WRITE);
	zeroed(&l[1], a, w + 100, 100, LIO_WRITE);
	T_ASSERT(lio_listio(LIO_WAIT, list, 2, NULL) == 0);
	T_ASSERT(aio_return(&l[0]) == 100 && aio_return(&l[1]) == 100);
	zeroed(&l[0], a, w + 200, 100, LIO_WRITE);
	zeroed(&l[1], a, w + 300, 100, LIO_WRITE);
	memset(&sev, 0, sizeof(sev));
	T_ASSERT(lio_listio(LIO_NOWAIT, list, 2, &sev) == 0);
	T_ASSERT(t_wait(&l[0], 10000) == 0 && aio_return(&l[0]) == 100);
	T_ASSERT(t_wait(&l[1], 10000) == 0 && aio_return(&l[1]) == 100);
	t_read_check(b, 400, 0, 21);

	/* A bad descriptor: EBADF, whatever the sigevent says. */
	zeroed(&cw, -1, w, sizeof(w), 0);
	T_ASSERT(aio_write(&cw) == -1 && errno == EBADF);
	zeroed(&cw, 1000, w, sizeof(w), 0);
	T_ASSERT(aio_read(&cw) == -1 && errno == EBADF);
	zeroed(&l[0], -1, w, 100, LIO_WRITE);
	T_ASSERT(lio_listio(LIO_WAIT, list, 1, NULL) == -1 && errno == EIO);
	T_ASSERT(aio_error(&l[0]) == EBADF);

	close(fd);
	close(a);
	close(b);
	printf("ok: zeroed aiocbs accepted on a socket, a file and in lists\n");
	return 0;
}
