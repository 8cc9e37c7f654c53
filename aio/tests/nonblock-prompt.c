// SPDX-License-Identifier: MIT
/*
 * nonblock-prompt - a write on an O_NONBLOCK socket completes as a
 * non-blocking write(2) would: once the kernel took the bytes, not when
 * the peer acknowledges them. The peer's receive window is full and it
 * does not read, so nothing sent is acknowledged; a write whose completion
 * waited for the release of zero-copy pages (tx_zcopy auto probes with
 * zero-copy on a new socket) would never complete. The peer then gets
 * exactly the bytes reported, intact.
 */
#include <fcntl.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>

#include "aiot.h"

#define FILL (256 << 10)
#define LEN (64 << 10)
#define ROUNDS 3

int main(void)
{
	static uint8_t fill[FILL], buf[ROUNDS][LEN];
	struct aiocb cb;
	uint64_t off = 0;
	int a, b, i, err;
	ssize_t n;

	t_layer(60);
	t_pair_opts(&a, &b, 4 << 20, 16384);
	T_ASSERT(!fcntl(a, F_SETFL, fcntl(a, F_GETFL) | O_NONBLOCK));
	/* Close the peer's window: what follows stays in our send queue. */
	t_fill(fill, FILL, 0, 71);
	n = write(a, fill, FILL);
	T_ASSERT(n > 0);
	off = (uint64_t)n;
	for (i = 0; i < ROUNDS; i++) {
		t_fill(buf[i], LEN, off, 71);
		t_setup(&cb, a, buf[i], LEN);
		T_ASSERT(!aio_write(&cb));
		err = t_wait(&cb, 5000);
		if (err == EINPROGRESS)
			T_FAIL("write %d still in progress after 5 s: it waits "
			       "for the peer",
			       i);
		T_ASSERT(err == 0);
		n = aio_return(&cb);
		T_ASSERT(n > 0 && n <= LEN);
		off += (uint64_t)n;
	}
	t_read_check(b, off, 0, 71);
	T_ASSERT(!shutdown(a, SHUT_WR));
	{
		uint8_t one;

		T_ASSERT(read(b, &one, 1) == 0);
	}
	close(a);
	close(b);
	printf("ok: non-blocking writes completed without the peer, %llu "
	       "bytes intact\n",
	       (unsigned long long)off);
	return 0;
}
