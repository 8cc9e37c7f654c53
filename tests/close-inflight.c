// SPDX-License-Identifier: MIT
/*
 * close-inflight MODE - zc_sock_close() with jobs queued and in flight.
 *
 * The receiver stalls 300 ms behind a tiny receive buffer. Eight jobs are
 * queued and the socket closed at once. Every job callback and then the
 * close callback overwrite the application's buffers with garbage (they are
 * the application's again). Must hold: new jobs are refused with -EPIPE
 * once closing; every job completes with its full length before the close
 * callback; the receiver sees exactly the original bytes, then end of
 * stream. A library that closed or completed early would let the kernel
 * send the garbage.
 *
 * MODE: on, pool, off.
 */
#include "harness.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define NJOBS 8
#define JOB (512 * H_KIB)
#define SEED 81

static struct {
	struct h_jobs jobs;
	uint8_t *mem;
	int closes;
	int close_err;
	int done_at_close;
} g;

static void on_done(struct h_job *j, struct zc_sock *s)
{
	memset((void *)j->buf, H_GARBAGE, j->len);
}

static void on_close(struct zc_sock *s, int error, void *arg)
{
	g.closes++;
	g.close_err = error;
	g.done_at_close = g.jobs.done;
	memset(g.mem, H_GARBAGE, NJOBS * JOB);
}

static int strays;

static void stray_cb(struct zc_sock *s, const struct zc_result *r, void *arg)
{
	strays++;
}

static bool closed(void *arg)
{
	return g.closes > 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "on";
	struct zc_write_opts opts = { .tx_zcopy = ZC_TX_INHERIT };
	const struct zc_write_opts *optp = NULL;
	struct h_rx rx = { .seed = SEED, .stall_ms = 300, .chunk = 64 * H_KIB };
	struct zc_pool *pool = NULL;
	struct zc_engine *e;
	struct zc_sock *s;
	uint8_t extra[64];
	int sfd, rfd, ret;
	double t0, ms;

	h_watchdog(60);
	e = h_engine(NULL);
	h_engine_mode(e, mode);
	g.mem = h_mode_mem(e, mode, NJOBS * JOB, &pool, &opts, &optp);
	h_fill(g.mem, SEED, 0, NJOBS * JOB);
	h_jobs_init(&g.jobs, NJOBS);
	for (int i = 0; i < NJOBS; i++)
		g.jobs.job[i].on_done = on_done;
	h_tcp_pair(&sfd, &rfd, 4096, 0);
	rx.fd = rfd;
	H_OK(zc_sock_attach(e, sfd, &s));
	h_rx_start(&rx);
	t0 = h_now_ms();
	for (int i = 0; i < NJOBS; i++)
		H_OK(h_write(&g.jobs, i, s, g.mem + (size_t)i * JOB, JOB, optp));
	H_OK(zc_sock_close(s, on_close, NULL));
	/* Callbacks run only inside zc_engine_run() / zc_engine_destroy(). */
	H_CHECK(g.closes == 0 && g.jobs.done == 0,
		"callbacks ran inside zc_sock_close()");
	ret = zc_sock_close(s, on_close, NULL);
	H_CHECK(ret == -EALREADY, "second zc_sock_close: %d, want -EALREADY",
		ret);
	memset(extra, H_GARBAGE, sizeof(extra));
	ret = zc_write(s, extra, sizeof(extra), NULL, stray_cb, NULL, NULL);
	H_CHECK(ret == -EPIPE, "zc_write on a closing socket: %d, want -EPIPE",
		ret);

	ms = h_run_until(e, closed, NULL, 30000);
	H_CHECK(ms >= 0, "close callback not run in 30 s (%d jobs done, "
		"receiver has %llu bytes)", g.jobs.done,
		(unsigned long long)atomic_load(&rx.progress));
	h_info("close callback after %.0f ms, receiver had %llu bytes then",
	       h_now_ms() - t0, (unsigned long long)atomic_load(&rx.progress));
	h_run_for(e, 20);
	H_CHECK(g.closes == 1, "close callback ran %d times", g.closes);
	H_CHECK(strays == 0, "the refused write called back");
	H_CHECK(g.close_err == 0, "close callback error %d (%s)", g.close_err,
		zc_strerror(g.close_err));
	H_CHECK(g.done_at_close == NJOBS,
		"only %d of %d job callbacks ran before the close callback",
		g.done_at_close, NJOBS);
	h_jobs_expect_once(&g.jobs, "close-inflight");
	h_jobs_expect_order(&g.jobs, "close-inflight");
	for (int i = 0; i < NJOBS; i++)
		H_CHECK(g.jobs.job[i].r.res == (ssize_t)JOB &&
				!g.jobs.job[i].r.error,
			"job %d: res %zd error %d", i, g.jobs.job[i].r.res,
			g.jobs.job[i].r.error);
	h_expect_released(e, pool ? zc_pool_size(pool) : 0, "after close");
	/* The receiver must reach end of stream without our close(fd): the
	 * library shut the sending side down. */
	h_rx_join(&rx, 20000);
	h_rx_expect_intact(&rx, (uint64_t)NJOBS * JOB, "close-inflight");
	close(sfd);
	close(rfd);
	h_mode_mem_free(g.mem, NJOBS * JOB, pool);
	H_OK(zc_engine_destroy(e));
	h_jobs_free(&g.jobs);
	h_info("PASS close-inflight %s", mode);
	return 0;
}
