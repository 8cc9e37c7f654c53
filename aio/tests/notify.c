// SPDX-License-Identifier: MIT
/*
 * notify - every notification kind: SIGEV_NONE, SIGEV_SIGNAL (si_code
 * SI_ASYNCIO and the sigev_value), SIGEV_THREAD (the function runs with
 * the value), and lio_listio: LIO_NOWAIT with a signal for the whole list,
 * LIO_WAIT returning after every entry completed.
 */
#include <pthread.h>

#include "aiot.h"

static int thread_value;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static void on_done(union sigval v)
{
	pthread_mutex_lock(&mu);
	thread_value = v.sival_int;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static void expect_signal(int sig, int value)
{
	struct timespec ts = { 5, 0 };
	sigset_t set;
	siginfo_t si;

	sigemptyset(&set);
	sigaddset(&set, sig);
	T_ASSERT(sigtimedwait(&set, &si, &ts) == sig);
	T_ASSERT(si.si_code == SI_ASYNCIO);
	T_ASSERT(si.si_value.sival_int == value);
}

int main(void)
{
	static uint8_t buf[4][8192], rbuf[65536];
	struct aiocb c[4];
	struct aiocb *lio[4];
	struct sigevent sev;
	sigset_t set;
	int a, b, i, sig = SIGRTMIN + 1;

	t_layer(30);
	sigemptyset(&set);
	sigaddset(&set, sig);
	T_ASSERT(!pthread_sigmask(SIG_BLOCK, &set, NULL));
	t_pair(&a, &b);
	for (i = 0; i < 4; i++)
		t_fill(buf[i], 8192, (uint64_t)i * 8192, 8);

	/* SIGEV_NONE */
	t_setup(&c[0], a, buf[0], 8192);
	T_ASSERT(!aio_write(&c[0]));
	T_ASSERT(t_wait(&c[0], 5000) == 0 && aio_return(&c[0]) == 8192);

	/* SIGEV_SIGNAL */
	t_setup(&c[1], a, buf[1], 8192);
	c[1].aio_sigevent.sigev_notify = SIGEV_SIGNAL;
	c[1].aio_sigevent.sigev_signo = sig;
	c[1].aio_sigevent.sigev_value.sival_int = 42;
	T_ASSERT(!aio_write(&c[1]));
	expect_signal(sig, 42);
	T_ASSERT(aio_error(&c[1]) == 0 && aio_return(&c[1]) == 8192);

	/* SIGEV_THREAD */
	t_setup(&c[2], a, buf[2], 8192);
	c[2].aio_sigevent.sigev_notify = SIGEV_THREAD;
	c[2].aio_sigevent.sigev_notify_function = on_done;
	c[2].aio_sigevent.sigev_value.sival_int = 77;
	T_ASSERT(!aio_write(&c[2]));
	pthread_mutex_lock(&mu);
	while (thread_value != 77)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	T_ASSERT(aio_error(&c[2]) == 0 && aio_return(&c[2]) == 8192);
	t_read_check(b, 3 * 8192, 0, 8);

	/* lio_listio LIO_NOWAIT, one signal for the list. */
	for (i = 0; i < 2; i++) {
		t_setup(&c[i], a, buf[i], 8192);
		c[i].aio_lio_opcode = LIO_WRITE;
		lio[i] = &c[i];
	}
	t_fill(buf[0], 8192, 0, 9);
	t_fill(buf[1], 8192, 8192, 9);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = sig;
	sev.sigev_value.sival_int = 7;
	T_ASSERT(!lio_listio(LIO_NOWAIT, lio, 2, &sev));
	expect_signal(sig, 7);
	for (i = 0; i < 2; i++)
		T_ASSERT(aio_error(&c[i]) == 0 && aio_return(&c[i]) == 8192);
	t_read_check(b, 2 * 8192, 0, 9);

	/* LIO_WAIT: a write and a read (of what the peer sends) together. */
	t_fill(buf[2], 8192, 0, 10);
	t_setup(&c[2], a, buf[2], 8192);
	c[2].aio_lio_opcode = LIO_WRITE;
	t_setup(&c[3], b, rbuf, 8192);
	c[3].aio_lio_opcode = LIO_READ;
	lio[0] = &c[2];
	lio[1] = NULL;
	lio[2] = &c[3];
	T_ASSERT(!lio_listio(LIO_WAIT, lio, 3, NULL));
	T_ASSERT(aio_error(&c[2]) == 0 && aio_return(&c[2]) == 8192);
	T_ASSERT(aio_error(&c[3]) == 0);
	i = (int)aio_return(&c[3]);
	T_ASSERT(i > 0);
	t_check(rbuf, (size_t)i, 0, 10);
	close(a);
	close(b);
	printf("ok: SIGEV_NONE, SIGEV_SIGNAL, SIGEV_THREAD, LIO_NOWAIT, "
	       "LIO_WAIT\n");
	return 0;
}
