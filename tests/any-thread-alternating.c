// SPDX-License-Identifier: MIT
/*
 * any-thread-alternating MODE - a ZC_ENGINE_ANY_THREAD engine driven by
 * three threads in turn, under the caller's mutex, as the POSIX AIO layer
 * drives it from application threads.
 *
 * Each thread loops: take the mutex, queue a write of the next 256 KiB of
 * the stream if fewer than four are pending, run the engine for up to
 * 2 ms, let go. So requests are submitted by every thread and completed
 * on any (on io_uring, a completion is posted through the task that
 * submitted it: that thread is interrupted while it waits for the mutex).
 * Must hold: 128 jobs complete once each, in order and whole, the stream
 * is intact, nothing is owed or pinned at the end, and no call from these
 * threads is refused.
 *
 * MODE: on (zero-copy), off (copy); then "sqpoll" adds ZC_ENGINE_SQPOLL.
 */
#include "harness.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define NTHREADS 3
#define NJOBS 128
#define SLOTS 4
#define JOB (256 * H_KIB)
#define SEED 181

static struct {
	pthread_mutex_t mu;
	struct zc_engine *e;
	struct zc_sock *s;
	struct h_jobs jobs;
	uint8_t *mem;
	int queued;
	int err;
} g = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* With the mutex held: keep SLOTS jobs pending, slot i % SLOTS free. */
static void top_up(void)
{
	while (g.queued < NJOBS && g.queued - g.jobs.done < SLOTS) {
		int i = g.queued;
		uint8_t *slot = g.mem + (size_t)(i % SLOTS) * JOB;
		int ret;

		h_fill(slot, SEED, (uint64_t)i * JOB, JOB);
		ret = h_write(&g.jobs, i, g.s, slot, JOB, NULL);
		if (ret < 0) {
			g.err = ret;
			return;
		}
		g.queued++;
	}
}

static void *driver(void *arg)
{
	double start = h_now_ms();

	(void)arg;
	for (;;) {
		int ret;
		bool end;

		pthread_mutex_lock(&g.mu);
		end = g.jobs.done == NJOBS || g.err;
		if (!end) {
			top_up();
			ret = zc_engine_run(g.e, 2);
			if (ret < 0 && !g.err)
				g.err = ret;
		}
		pthread_mutex_unlock(&g.mu);
		if (end)
			return NULL;
		if (h_now_ms() - start > 60000) {
			h_fail_later("timed out at %d of %d jobs", g.jobs.done,
				     NJOBS);
			pthread_mutex_lock(&g.mu);
			g.err = -ETIMEDOUT;
			pthread_mutex_unlock(&g.mu);
		}
	}
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "on";
	bool sqpoll = argc > 2 && !strcmp(argv[2], "sqpoll");
	struct zc_engine_params p = {
		.flags = ZC_ENGINE_ANY_THREAD | (sqpoll ? ZC_ENGINE_SQPOLL : 0)
	};
	struct h_rx rx = { .seed = SEED, .chunk = 64 * H_KIB,
			   .delay_us = 50 };
	pthread_t th[NTHREADS];
	int sfd, rfd;

	h_watchdog(90);
	g.e = h_engine(&p);
	h_engine_mode(g.e, mode);
	h_info("backend %s, mode %s", zc_engine_backend(g.e), mode);
	g.mem = h_alloc(SLOTS * JOB);
	h_jobs_init(&g.jobs, NJOBS);
	h_tcp_pair(&sfd, &rfd, 64 * 1024, 0);
	rx.fd = rfd;
	h_rx_start(&rx);
	H_OK(zc_sock_attach(g.e, sfd, &g.s));
	for (int i = 0; i < NTHREADS; i++)
		H_CHECK(pthread_create(&th[i], NULL, driver, NULL) == 0,
			"pthread_create");
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	H_CHECK(!g.err, "a call failed: %d (%s)", g.err, zc_strerror(g.err));
	h_jobs_expect_once(&g.jobs, "any-thread-alternating");
	h_jobs_expect_order(&g.jobs, "any-thread-alternating");
	h_jobs_expect_full(&g.jobs, "any-thread-alternating");
	H_CHECK(h_close(g.e, g.s, 10000) == 0, "close reported an error");
	close(sfd);
	h_rx_join(&rx, 30000);
	h_rx_expect_intact(&rx, (uint64_t)NJOBS * JOB,
			   "any-thread-alternating");
	close(rfd);
	h_expect_released(g.e, 0, "end");
	H_OK(zc_engine_destroy(g.e));
	h_jobs_free(&g.jobs);
	h_free(g.mem, SLOTS * JOB);
	h_done("any-thread-alternating");
}
