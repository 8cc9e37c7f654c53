// SPDX-License-Identifier: MIT
/*
 * submitter-not-interrupted - with ZC_ENGINE_ANY_THREAD | ZC_ENGINE_SQPOLL
 * a thread that submitted work and then sleeps in a blocking call of its
 * own is never woken with EINTR when that work completes.
 *
 * Thread A queues a read and a write (to a peer that does not read yet)
 * and runs the engine, then sleeps in epoll_wait() on a pipe. The main
 * thread starts the peers and drives the engine until both jobs complete,
 * then writes to the pipe. Must hold: A's epoll_wait() returns the pipe's
 * event (1), never -1 EINTR, though the kernel finished A's requests
 * while it slept (without SQPOLL, io_uring interrupts A to post them: the
 * documented EINTR of ZC_ENGINE_ANY_THREAD); both jobs complete whole and
 * the bytes are intact.
 */
#include "harness.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define WJOB (4 * H_MIB)
#define SEED 191

static struct {
	struct zc_engine *e;
	struct zc_sock *ws, *rs;
	struct h_jobs jobs; /* 0: the write, 1: the read */
	uint8_t *wbuf, rbuf[4096];
	int wfd, rfd, pipe[2];
	pthread_mutex_t mu;
	atomic_int epoll_ret, epoll_errno;
	atomic_bool asleep;
} g = { .mu = PTHREAD_MUTEX_INITIALIZER };

static void *thread_a(void *arg)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(0), n;

	(void)arg;
	H_CHECK(ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, g.pipe[0], &ev) == 0,
		"epoll: %s", strerror(errno));
	pthread_mutex_lock(&g.mu);
	H_OK(zc_sock_attach(g.e, g.wfd, &g.ws));
	H_OK(zc_sock_attach(g.e, g.rfd, &g.rs));
	H_OK(h_write(&g.jobs, 0, g.ws, g.wbuf, WJOB, NULL));
	g.jobs.job[1].buf = g.rbuf;
	g.jobs.job[1].len = sizeof(g.rbuf);
	H_OK(zc_read(g.rs, g.rbuf, sizeof(g.rbuf), h_job_cb, &g.jobs.job[1],
		     &g.jobs.job[1].id));
	H_OK(zc_engine_run(g.e, 20));
	pthread_mutex_unlock(&g.mu);
	atomic_store(&g.asleep, true);
	n = epoll_wait(ep, &ev, 1, 30000);
	atomic_store(&g.epoll_errno, n < 0 ? errno : 0);
	atomic_store(&g.epoll_ret, n);
	close(ep);
	return NULL;
}

static bool jobs_done(void *arg)
{
	(void)arg;
	return g.jobs.done == 2;
}

int main(void)
{
	struct zc_engine_params p = { .flags = ZC_ENGINE_ANY_THREAD |
					       ZC_ENGINE_SQPOLL };
	struct h_rx rx = { .seed = SEED, .hold = true };
	static uint8_t msg[4096];
	int wpeer, rpeer;
	pthread_t ta;

	h_watchdog(60);
	g.e = h_engine(&p);
	h_engine_mode(g.e, "on");
	h_info("backend %s", zc_engine_backend(g.e));
	g.wbuf = h_alloc(WJOB);
	h_fill(g.wbuf, SEED, 0, WJOB);
	h_jobs_init(&g.jobs, 2);
	H_CHECK(pipe(g.pipe) == 0, "pipe: %s", strerror(errno));
	h_tcp_pair(&g.wfd, &wpeer, 16 * 1024, 0);
	h_tcp_pair(&rpeer, &g.rfd, 0, 0);
	rx.fd = wpeer;
	h_rx_start(&rx);
	H_CHECK(pthread_create(&ta, NULL, thread_a, NULL) == 0, "thread");
	while (!atomic_load(&g.asleep))
		h_sleep_ms(1);

	/* The peers move; this thread drives while A sleeps. */
	h_rx_release(&rx);
	h_fill(msg, SEED + 1, 0, sizeof(msg));
	H_CHECK(send(rpeer, msg, sizeof(msg), 0) == (ssize_t)sizeof(msg),
		"peer send: %s", strerror(errno));
	pthread_mutex_lock(&g.mu);
	H_CHECK(h_run_until(g.e, jobs_done, NULL, 30000) >= 0,
		"%d of 2 jobs completed", g.jobs.done);
	pthread_mutex_unlock(&g.mu);
	H_CHECK(write(g.pipe[1], "x", 1) == 1, "pipe write");
	pthread_join(ta, NULL);

	H_CHECK(atomic_load(&g.epoll_ret) == 1,
		"thread A's epoll_wait() = %d (%s): woken by the completion "
		"of its requests",
		atomic_load(&g.epoll_ret),
		strerror(atomic_load(&g.epoll_errno)));
	h_jobs_expect_once(&g.jobs, "submitter-not-interrupted");
	H_CHECK(g.jobs.job[0].r.res == (ssize_t)WJOB && !g.jobs.job[0].r.error,
		"write: res %zd error %d", g.jobs.job[0].r.res,
		g.jobs.job[0].r.error);
	H_CHECK(g.jobs.job[1].r.res > 0 &&
			h_verify(g.rbuf, SEED + 1, 0,
				 (size_t)g.jobs.job[1].r.res) == H_NO_BAD,
		"read: res %zd error %d, or wrong bytes", g.jobs.job[1].r.res,
		g.jobs.job[1].r.error);
	H_CHECK(h_close(g.e, g.ws, 10000) == 0, "close reported an error");
	H_CHECK(h_close(g.e, g.rs, 10000) == 0, "close reported an error");
	close(g.wfd);
	h_rx_join(&rx, 30000);
	h_rx_expect_intact(&rx, WJOB, "submitter-not-interrupted");
	H_OK(zc_engine_destroy(g.e));
	close(wpeer);
	close(rpeer);
	close(g.rfd);
	close(g.pipe[0]);
	close(g.pipe[1]);
	h_jobs_free(&g.jobs);
	h_free(g.wbuf, WJOB);
	h_info("PASS submitter-not-interrupted");
	return 0;
}
