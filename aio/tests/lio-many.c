// SPDX-License-Identifier: MIT
/*
 * lio-many - sysconf(_SC_AIO_LISTIO_MAX) says -1 (no limit), so a list of
 * 6000 entries is taken: writes on a socket with LIO_NOP entries between
 * them, LIO_WAIT. Every write completes in order, the peer gets the bytes.
 */
#include <pthread.h>

#include "aiot.h"

#define N   6000
#define LEN 16

static int rfd;

static void *reader(void *arg)
{
	t_read_check(rfd, (size_t)(N / 2) * LEN, 0, 41);
	return arg;
}

int main(void)
{
	static uint8_t buf[N / 2][LEN];
	static struct aiocb cbs[N], *list[N];
	long max = sysconf(_SC_AIO_LISTIO_MAX);
	pthread_t th;
	int a, i;

	t_layer(60);
	if (max != -1 && max < N)
		T_SKIP("_SC_AIO_LISTIO_MAX is %ld here", max);
	t_pair(&a, &rfd);
	for (i = 0; i < N; i++) {
		list[i] = &cbs[i];
		if (i % 2) {
			memset(&cbs[i], 0, sizeof(cbs[i]));
			cbs[i].aio_lio_opcode = LIO_NOP;
			continue;
		}
		t_fill(buf[i / 2], LEN, (uint64_t)(i / 2) * LEN, 41);
		t_setup(&cbs[i], a, buf[i / 2], LEN);
		cbs[i].aio_lio_opcode = LIO_WRITE;
	}
	T_ASSERT(!pthread_create(&th, NULL, reader, NULL));
	T_ASSERT(lio_listio(LIO_WAIT, list, N, NULL) == 0);
	for (i = 0; i < N; i += 2)
		T_ASSERT(aio_error(&cbs[i]) == 0 && aio_return(&cbs[i]) == LEN);
	T_ASSERT(!pthread_join(th, NULL));
	close(a);
	close(rfd);
	printf("ok: lio_listio of %d entries\n", N);
	return 0;
}
