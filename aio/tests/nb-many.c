// SPDX-License-Identifier: MIT
/*
 * nb-many - many non-blocking sockets whose send buffers are full, each
 * with a write waiting for socket space. The peers of the first NREAD
 * sockets then read, the others never do: those NREAD writes must
 * complete, however many other sockets wait for space (the layer must not
 * watch only a fixed number of sockets for POLLOUT and forget the rest).
 */
#include <fcntl.h>

#include "aiot.h"

#define NSOCK 80
#define NREAD 8
#define JOB   65536

int main(void)
{
	static uint8_t wbuf[JOB], rbuf[65536];
	static struct aiocb cb[NSOCK];
	int a[NSOCK], b[NSOCK], i, left;
	double end;

	t_layer(10);
	memset(wbuf, 'x', sizeof(wbuf));
	for (i = 0; i < NSOCK; i++) {
		t_pair_opts(&a[i], &b[i], 4096, 4096);
		T_ASSERT(!fcntl(a[i], F_SETFL,
				fcntl(a[i], F_GETFL) | O_NONBLOCK));
		T_ASSERT(!fcntl(b[i], F_SETFL,
				fcntl(b[i], F_GETFL) | O_NONBLOCK));
		/* fill the socket: the aio write must wait for POLLOUT */
		while (write(a[i], wbuf, sizeof(wbuf)) > 0)
			;
		T_ASSERT(errno == EAGAIN);
	}
	for (i = 0; i < NSOCK; i++) {
		t_setup(&cb[i], a[i], wbuf, JOB);
		T_ASSERT(!aio_write(&cb[i]));
	}
	usleep(200 * 1000); /* every write is now waiting for space */
	end = t_now() + 6;
	do {
		left = 0;
		for (i = 0; i < NREAD; i++) {
			while (read(b[i], rbuf, sizeof(rbuf)) > 0)
				;
			if (aio_error(&cb[i]) == EINPROGRESS)
				left++;
		}
		usleep(1000);
	} while (left && t_now() < end);
	if (left)
		T_FAIL("%d of %d writes never completed once their peers "
		       "read (%d other sockets stay full)",
		       left, NREAD, NSOCK - NREAD);
	for (i = 0; i < NREAD; i++) {
		T_ASSERT(aio_error(&cb[i]) == 0);
		T_ASSERT(aio_return(&cb[i]) > 0);
	}
	for (i = NREAD; i < NSOCK; i++) {
		T_ASSERT(aio_cancel(a[i], &cb[i]) != -1);
		T_ASSERT(t_wait(&cb[i], 2000) != EINPROGRESS);
		aio_return(&cb[i]);
	}
	for (i = 0; i < NSOCK; i++) {
		close(a[i]);
		close(b[i]);
	}
	printf("ok: %d writes completed while %d other sockets stayed full\n",
	       NREAD, NSOCK - NREAD);
	return 0;
}
