// SPDX-License-Identifier: MIT
/*
 * two-reads - two reads queued before any data arrives both wait, then
 * complete in order with what arrived; 0 at end of stream.
 */
#include "aiot.h"

#define TOTAL 200000

int main(void)
{
	static uint8_t data[TOTAL], b1[65536], b2[65536];
	struct aiocb c1, c2;
	uint64_t off = 0;
	int a, b, turn = 0;

	t_layer(30);
	t_pair(&a, &b);
	t_setup(&c1, b, b1, sizeof(b1));
	t_setup(&c2, b, b2, sizeof(b2));
	T_ASSERT(!aio_read(&c1));
	T_ASSERT(!aio_read(&c2));
	usleep(100 * 1000);
	T_ASSERT(aio_error(&c1) == EINPROGRESS);
	T_ASSERT(aio_error(&c2) == EINPROGRESS);
	t_fill(data, TOTAL, 0, 1);
	T_ASSERT(write(a, data, TOTAL) == TOTAL);
	T_ASSERT(!shutdown(a, SHUT_WR));
	for (;;) {
		struct aiocb *cb = turn ? &c2 : &c1;
		uint8_t *buf = turn ? b2 : b1;
		ssize_t n;

		T_ASSERT(t_wait(cb, 5000) == 0);
		n = aio_return(cb);
		if (!n)
			break;
		T_ASSERT(n > 0);
		t_check(buf, (size_t)n, off, 1);
		off += (uint64_t)n;
		T_ASSERT(!aio_read(cb)); /* FIFO: goes behind the other */
		turn ^= 1;
	}
	T_ASSERT(off == TOTAL);
	/* The other read sees the end of the stream too. */
	turn ^= 1;
	T_ASSERT(t_wait(turn ? &c2 : &c1, 5000) == 0);
	T_ASSERT(aio_return(turn ? &c2 : &c1) == 0);
	close(a);
	close(b);
	printf("ok: %llu bytes in order over two queued reads\n",
	       (unsigned long long)off);
	return 0;
}
