// SPDX-License-Identifier: MIT
/*
 * errors - POSIX's errors: EINVAL for a bad aio_lio_opcode, aio_reqprio or
 * sigevent (a signal number no signal has, SIGEV_THREAD without a
 * function); EBADF; EAGAIN at the layer's limit (ZCAIO_AIO_MAX, set by the
 * test registration); bad pointers that can be checked; aio_suspend()
 * timeouts.
 */
#include "aiot.h"

#define LIMIT 16

int main(void)
{
	static uint8_t buf[LIMIT + 1][64];
	struct aiocb cb, never, many[LIMIT + 1], *lio[2];
	const struct aiocb *list[1];
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	/*
	 * <aio.h> declares these arguments nonnull: call through plain
	 * pointers so neither the compiler nor UBSan takes NULL for a bug of
	 * the test. The layer must still refuse it.
	 */
	struct aiocb *volatile nul = NULL;
	const struct aiocb *const *volatile nul_list = NULL;
	struct aiocb *const *volatile nul_lio = NULL;
	int (*volatile p_read)(struct aiocb *) = aio_read;
	int (*volatile p_error)(const struct aiocb *) = aio_error;
	ssize_t (*volatile p_return)(struct aiocb *) = aio_return;
	int (*volatile p_suspend)(const struct aiocb *const *, int,
				  const struct timespec *) = aio_suspend;
	int (*volatile p_listio)(int, struct aiocb *const *, int,
				 struct sigevent *) = lio_listio;
	int a, b, i, closed;

	t_layer(30);
	t_pair(&a, &b);
	memset(&never, 0, sizeof(never));
	T_ASSERT(aio_error(&never) == 0); /* as glibc: see error-states */
	T_ASSERT(p_read(nul) == -1 && errno == EINVAL);
	T_ASSERT(p_error(nul) == -1 && errno == EINVAL);
	T_ASSERT(p_return(nul) == -1 && errno == EINVAL);
	T_ASSERT(p_suspend(nul_list, 1, NULL) == -1 && errno == EINVAL);
	T_ASSERT(p_listio(LIO_WAIT, nul_lio, 1, NULL) == -1 && errno == EINVAL);

	t_setup(&cb, a, buf[0], 64);
	cb.aio_reqprio = -1;
	T_ASSERT(aio_write(&cb) == -1 && errno == EINVAL);
	cb.aio_reqprio = 1000;
	T_ASSERT(aio_write(&cb) == -1 && errno == EINVAL);
	cb.aio_reqprio = 0;
	cb.aio_sigevent.sigev_notify = SIGEV_SIGNAL;
	cb.aio_sigevent.sigev_signo = -1;
	T_ASSERT(aio_write(&cb) == -1 && errno == EINVAL);
	cb.aio_sigevent.sigev_signo = 1000;
	T_ASSERT(aio_read(&cb) == -1 && errno == EINVAL);
	cb.aio_sigevent.sigev_notify = SIGEV_THREAD;
	cb.aio_sigevent.sigev_notify_function = NULL;
	T_ASSERT(aio_read(&cb) == -1 && errno == EINVAL);
	cb.aio_sigevent.sigev_notify = SIGEV_NONE;
	cb.aio_buf = NULL;
	T_ASSERT(aio_write(&cb) == -1 && errno == EFAULT);

	/* EBADF: never opened, and closed. */
	t_setup(&cb, -1, buf[0], 64);
	T_ASSERT(aio_read(&cb) == -1 && errno == EBADF);
	closed = dup(a);
	T_ASSERT(closed >= 0);
	close(closed);
	t_setup(&cb, closed, buf[0], 64);
	T_ASSERT(aio_write(&cb) == -1 && errno == EBADF);
	T_ASSERT(aio_cancel(closed, NULL) == -1 && errno == EBADF);

	/* lio_listio: a bad opcode fails that entry, the others go. */
	t_setup(&many[0], a, buf[0], 64);
	many[0].aio_lio_opcode = 99;
	t_fill(buf[1], 64, 0, 11);
	t_setup(&many[1], a, buf[1], 64);
	many[1].aio_lio_opcode = LIO_WRITE;
	lio[0] = &many[0];
	lio[1] = &many[1];
	T_ASSERT(lio_listio(LIO_WAIT, lio, 2, NULL) == -1 && errno == EIO);
	T_ASSERT(aio_error(&many[0]) == EINVAL);
	T_ASSERT(aio_error(&many[1]) == 0 && aio_return(&many[1]) == 64);
	t_read_check(b, 64, 0, 11);
	T_ASSERT(lio_listio(12345, lio, 2, NULL) == -1 && errno == EINVAL);

	/* aio_suspend() with a timeout, and aio_cancel() mismatches. */
	t_setup(&cb, b, buf[0], 64);
	T_ASSERT(!aio_read(&cb));
	list[0] = &cb;
	T_ASSERT(aio_suspend(list, 1, &ts) == -1 && errno == EAGAIN);
	T_ASSERT(aio_cancel(a, &cb) == -1 && errno == EINVAL);
	T_ASSERT(aio_return(&cb) == -1 && errno == EINVAL); /* in progress */

	/* EAGAIN: LIMIT requests in flight at most (one is above). */
	for (i = 0; i < LIMIT - 1; i++) {
		t_setup(&many[i], b, buf[i + 1], 64);
		T_ASSERT(!aio_read(&many[i]));
	}
	t_setup(&many[LIMIT], b, buf[0], 64);
	T_ASSERT(aio_read(&many[LIMIT]) == -1 && errno == EAGAIN);
	T_ASSERT(aio_cancel(b, NULL) == AIO_CANCELED);
	T_ASSERT(aio_error(&cb) == ECANCELED && aio_return(&cb) == -1);
	for (i = 0; i < LIMIT - 1; i++)
		T_ASSERT(aio_error(&many[i]) == ECANCELED);
	T_ASSERT(aio_cancel(b, NULL) == AIO_ALLDONE);
	close(a);
	close(b);
	printf("ok: error cases\n");
	return 0;
}
