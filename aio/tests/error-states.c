// SPDX-License-Identifier: MIT
/*
 * error-states - aio_error() and aio_return() where POSIX leaves it open,
 * decided as glibc does (the aiocb's own fields answer): a never-submitted
 * zeroed aiocb gives 0 and 0; an LIO_NOP entry is left as it was (0 when
 * zeroed); after aio_return() aio_error() still gives the final status
 * (0, or the error) and aio_return() the same value again. Both on a
 * socket (the layer's) and on a file (glibc's).
 */
#include <fcntl.h>

#include "aiot.h"

static void check_done_twice(struct aiocb *cb, ssize_t want, int err)
{
	T_ASSERT(t_wait(cb, 10000) == err);
	T_ASSERT(aio_return(cb) == want);
	T_ASSERT(aio_error(cb) == err);
	T_ASSERT(aio_return(cb) == want);
	T_ASSERT(aio_error(cb) == err);
}

int main(void)
{
	static uint8_t buf[256];
	char path[] = "/tmp/zcaio-aio-states-XXXXXX";
	struct aiocb never, nop, w, rd, f, *list[2] = { &nop, &w };
	int a, b, fd, ret;

	t_layer(30);
	t_pair(&a, &b);
	memset(&never, 0, sizeof(never));
	never.aio_fildes = a;
	T_ASSERT(aio_error(&never) == 0);
	T_ASSERT(aio_return(&never) == 0);

	/* LIO_NOP next to a write: untouched. */
	memset(&nop, 0, sizeof(nop));
	nop.aio_fildes = a;
	nop.aio_lio_opcode = LIO_NOP;
	t_setup(&w, a, buf, 100);
	w.aio_lio_opcode = LIO_WRITE;
	T_ASSERT(lio_listio(LIO_WAIT, list, 2, NULL) == 0);
	T_ASSERT(aio_error(&nop) == 0 && aio_return(&nop) == 0);
	check_done_twice(&w, 100, 0);

	/* A cancelled read: the error stays readable. */
	t_setup(&rd, a, buf, sizeof(buf)); /* b never writes */
	T_ASSERT(!aio_read(&rd));
	ret = aio_cancel(a, &rd);
	if (ret != AIO_CANCELED)
		T_FAIL("aio_cancel said %d", ret);
	check_done_twice(&rd, -1, ECANCELED);

	/* A file, served by glibc. */
	fd = mkstemp(path);
	T_ASSERT(fd >= 0);
	unlink(path);
	t_setup(&f, fd, buf, 50);
	T_ASSERT(!aio_write(&f));
	check_done_twice(&f, 50, 0);
	close(fd);
	close(a);
	close(b);
	printf("ok: aio_error/aio_return states as glibc\n");
	return 0;
}
