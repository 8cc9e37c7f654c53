// SPDX-License-Identifier: MIT
/*
 * signals MODE - EINTR everywhere, SIGPIPE never.
 *
 * 1. A SIGALRM every millisecond (handler without SA_RESTART) through a
 *    64 MiB transfer of 1 MiB jobs: zc_engine_run() is interrupted all the
 *    time and must never report it as an error; every job completes exactly
 *    once, in order, and the stream is intact.
 * 2. The peer closes without reading; the test keeps writing until a job
 *    fails. It must fail with -EPIPE or -ECONNRESET and no SIGPIPE: the
 *    test leaves SIGPIPE at its default action, so one would kill it.
 *
 * MODE: on, off.
 */
#include "harness.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#define NJOBS 64
#define SLOTS 4
#define JOB (1 * H_MIB)
#define SEED 131

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	alarms++;
}

static struct {
	uint8_t *mem;
	struct h_jobs jobs;
	int err;
} g;

static void queue_job(struct zc_sock *s, int idx)
{
	uint8_t *slot = g.mem + (size_t)(idx % SLOTS) * JOB;
	int ret;

	h_fill(slot, SEED, (uint64_t)idx * JOB, JOB);
	ret = h_write(&g.jobs, idx, s, slot, JOB, NULL);
	if (ret < 0 && !g.err)
		g.err = ret;
}

static void on_done(struct h_job *j, struct zc_sock *s)
{
	if (j->idx + SLOTS < NJOBS)
		queue_job(s, j->idx + SLOTS);
}

static void set_timer(long usec)
{
	struct itimerval it = { { 0, usec }, { 0, usec } };

	if (setitimer(ITIMER_REAL, &it, NULL) < 0)
		h_fail("setitimer: %s", strerror(errno));
}

static void interrupted_transfer(struct zc_engine *e)
{
	struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */
	/* A reader slow enough that the transfer spans many signals. */
	struct h_rx rx = { .seed = SEED, .chunk = 128 * H_KIB, .delay_us = 200 };
	sigset_t alrm, old;
	struct zc_sock *s;
	int sfd, rfd;
	double ms;

	if (sigaction(SIGALRM, &sa, NULL) < 0)
		h_fail("sigaction: %s", strerror(errno));
	h_jobs_init(&g.jobs, NJOBS);
	for (int i = 0; i < NJOBS; i++)
		g.jobs.job[i].on_done = on_done;
	h_tcp_pair(&sfd, &rfd, 0, 0);
	rx.fd = rfd;
	/* Signals go to the thread driving the engine, not the receiver. */
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alrm, &old);
	h_rx_start(&rx);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	H_OK(zc_sock_attach(e, sfd, &s));
	set_timer(1000);
	for (int i = 0; i < SLOTS; i++)
		queue_job(s, i);
	ms = h_run_jobs(e, &g.jobs, 60000);
	set_timer(0);
	if (g.err)
		h_fail("zc_write: %d (%s)", g.err, zc_strerror(g.err));
	H_CHECK(ms >= 0, "only %d of %d jobs completed in 60 s", g.jobs.done,
		NJOBS);
	h_info("64 MiB in %.0f ms through %d SIGALRMs", ms, (int)alarms);
	H_CHECK(alarms > 10, "only %d signals arrived: nothing was tested",
		(int)alarms);
	h_run_for(e, 20);
	h_jobs_expect_once(&g.jobs, "interrupted");
	h_jobs_expect_order(&g.jobs, "interrupted");
	for (int i = 0; i < NJOBS; i++)
		H_CHECK(g.jobs.job[i].r.res == (ssize_t)JOB &&
				!g.jobs.job[i].r.error,
			"job %d: res %zd error %d (%s)", i, g.jobs.job[i].r.res,
			g.jobs.job[i].r.error,
			zc_strerror(g.jobs.job[i].r.error));
	H_CHECK(h_close(e, s, 10000) == 0, "close reported an error");
	close(sfd);
	h_rx_join(&rx, 30000);
	h_rx_expect_intact(&rx, (uint64_t)NJOBS * JOB, "interrupted");
	close(rfd);
	h_jobs_free(&g.jobs);
}

static void closed_peer(struct zc_engine *e)
{
	struct zc_sock *s;
	int sfd, rfd, i, ret = 0;
	struct h_jobs one;

	h_tcp_pair(&sfd, &rfd, 0, 0);
	H_OK(zc_sock_attach(e, sfd, &s));
	close(rfd);
	h_fill(g.mem, SEED, 0, 64 * H_KIB);
	/* The first sends may still be accepted; the peer's reset follows. */
	for (i = 0; i < 100; i++) {
		h_jobs_init(&one, 1);
		ret = h_write(&one, 0, s, g.mem, 64 * H_KIB, NULL);
		if (ret < 0) {
			h_jobs_free(&one);
			break;
		}
		H_CHECK(h_run_jobs(e, &one, 5000) >= 0,
			"write to a closed peer: no callback in 5 s");
		ret = one.job[0].r.error;
		h_jobs_free(&one);
		if (ret < 0)
			break;
		h_sleep_ms(5);
	}
	H_CHECK(ret < 0, "100 writes to a closed peer all succeeded");
	h_info("write %d to the closed peer failed: %d (%s)", i, ret,
	       zc_strerror(ret));
	H_CHECK(ret == -EPIPE || ret == -ECONNRESET,
		"error %d (%s), want -EPIPE or -ECONNRESET", ret,
		zc_strerror(ret));
	h_close(e, s, 5000);
	close(sfd);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "on";
	struct zc_engine *e;

	h_watchdog(90);
	e = h_engine(NULL);
	h_engine_mode(e, mode);
	g.mem = h_alloc(SLOTS * JOB);
	interrupted_transfer(e);
	closed_peer(e);
	h_expect_released(e, 0, "end");
	H_OK(zc_engine_destroy(e));
	h_free(g.mem, SLOTS * JOB);
	h_info("PASS signals %s", mode);
	return 0;
}
