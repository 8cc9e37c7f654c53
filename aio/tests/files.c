// SPDX-License-Identifier: MIT
/*
 * files - descriptors that are not stream sockets still go to glibc and
 * stay correct: a file (writes at offsets, fsync, reads back), a pipe, and
 * lists that mix a file with a socket (aio_suspend, lio_listio LIO_WAIT).
 */
#include <fcntl.h>

#include "aiot.h"

#define FL (1 << 20)

int main(void)
{
	static uint8_t w[2][FL], r[2 * FL], sbuf[4096];
	char path[] = "/tmp/zcaio-aio-files-XXXXXX";
	struct aiocb c[2], fs, rd, srd, sw;
	struct aiocb *lio[2];
	const struct aiocb *list[2];
	int fd, p[2], a, b, i;

	t_layer(30);
	fd = mkstemp(path);
	T_ASSERT(fd >= 0);
	unlink(path);
	for (i = 0; i < 2; i++) {
		t_fill(w[i], FL, (uint64_t)i * FL, 6);
		t_setup(&c[i], fd, w[i], FL);
		c[i].aio_offset = (off_t)i * FL;
		T_ASSERT(!aio_write(&c[i]));
	}
	for (i = 0; i < 2; i++) {
		T_ASSERT(t_wait(&c[i], 10000) == 0);
		T_ASSERT(aio_return(&c[i]) == FL);
	}
	t_setup(&fs, fd, NULL, 0);
	T_ASSERT(!aio_fsync(O_SYNC, &fs));
	T_ASSERT(t_wait(&fs, 10000) == 0);
	T_ASSERT(aio_return(&fs) == 0);
	t_setup(&rd, fd, r, sizeof(r));
	T_ASSERT(!aio_read(&rd));
	T_ASSERT(t_wait(&rd, 10000) == 0);
	T_ASSERT(aio_return(&rd) == 2 * FL);
	t_check(r, 2 * FL, 0, 6);

	/* A pipe. */
	T_ASSERT(!pipe(p));
	t_setup(&rd, p[0], r, 4096);
	T_ASSERT(!aio_read(&rd));
	t_setup(&c[0], p[1], w[0], 4096);
	T_ASSERT(!aio_write(&c[0]));
	T_ASSERT(t_wait(&c[0], 10000) == 0 && aio_return(&c[0]) == 4096);
	T_ASSERT(t_wait(&rd, 10000) == 0 && aio_return(&rd) == 4096);
	t_check(r, 4096, 0, 6);

	/* A socket read and a file read waited for together. */
	t_pair(&a, &b);
	t_setup(&srd, b, sbuf, sizeof(sbuf));
	T_ASSERT(!aio_read(&srd));
	list[0] = &srd;
	list[1] = NULL;
	{
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		T_ASSERT(aio_suspend(list, 1, &ts) == -1 && errno == EAGAIN);
	}
	t_setup(&rd, fd, r, FL);
	rd.aio_offset = FL;
	T_ASSERT(!aio_read(&rd));
	list[1] = &rd;
	while (aio_error(&rd) == EINPROGRESS)
		T_ASSERT(!aio_suspend(list, 2, NULL) || errno == EINTR);
	T_ASSERT(aio_error(&srd) == EINPROGRESS);
	T_ASSERT(aio_return(&rd) == FL);
	t_check(r, FL, FL, 6);

	/* lio_listio LIO_WAIT over a file write and a socket write. */
	t_setup(&c[0], fd, w[1], FL);
	c[0].aio_offset = 2 * FL;
	c[0].aio_lio_opcode = LIO_WRITE;
	t_fill(w[0], 1000, 0, 7);
	t_setup(&sw, a, w[0], 1000);
	sw.aio_lio_opcode = LIO_WRITE;
	lio[0] = &c[0];
	lio[1] = &sw;
	T_ASSERT(!lio_listio(LIO_WAIT, lio, 2, NULL));
	T_ASSERT(aio_error(&c[0]) == 0 && aio_return(&c[0]) == FL);
	T_ASSERT(aio_error(&sw) == 0 && aio_return(&sw) == 1000);
	T_ASSERT(t_wait(&srd, 5000) == 0);
	T_ASSERT(aio_return(&srd) == 1000);
	t_check(sbuf, 1000, 0, 7);
	T_ASSERT(pread(fd, r, FL, 2 * FL) == FL);
	t_check(r, FL, FL, 6);
	close(fd);
	close(p[0]);
	close(p[1]);
	close(a);
	close(b);
	printf("ok: file, pipe and mixed lists through glibc\n");
	return 0;
}
