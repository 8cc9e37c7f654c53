// SPDX-License-Identifier: MIT
/*
 * close - the program closes a socket with 4 MiB of writes in flight and a
 * read pending. The writes still complete with their full length, the peer
 * receives every byte; the read ends (cancelled by the preload's close(),
 * or, linked to zc_aio_*, which cannot see a close(), as with glibc: by
 * the end of stream the peer then sends), and the peer sees the end of
 * the stream once the layer let go of the socket.
 */
#include <pthread.h>

#include "aiot.h"

#define WL (1 << 20)
#define NW 4

static int rfd;

static void *reader(void *arg)
{
	uint8_t one;

	usleep(200 * 1000); /* the writes are in flight when a closes */
	t_read_check(rfd, (size_t)WL * NW, 0, 12);
	T_ASSERT(!shutdown(rfd, SHUT_WR));
	T_ASSERT(read(rfd, &one, 1) == 0);
	return arg;
}

int main(void)
{
	static uint8_t wb[NW][WL], rb[64];
	struct aiocb w[NW], r;
	pthread_t th;
	int a, i, err;

	t_layer(60);
	t_pair_opts(&a, &rfd, 65536, 65536);
	t_setup(&r, a, rb, sizeof(rb));
	T_ASSERT(!aio_read(&r));
	for (i = 0; i < NW; i++) {
		t_fill(wb[i], WL, (uint64_t)i * WL, 12);
		t_setup(&w[i], a, wb[i], WL);
		T_ASSERT(!aio_write(&w[i]));
	}
	T_ASSERT(!pthread_create(&th, NULL, reader, NULL));
	close(a);
	for (i = 0; i < NW; i++) {
		T_ASSERT(t_wait(&w[i], 20000) == 0);
		T_ASSERT(aio_return(&w[i]) == WL);
	}
	err = t_wait(&r, 20000);
	T_ASSERT(err == ECANCELED || err == 0);
	T_ASSERT(!pthread_join(th, NULL));
	close(rfd);
	printf("ok: closed with writes in flight; read ended with %s\n",
	       strerror(err));
	return 0;
}
