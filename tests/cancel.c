// SPDX-License-Identifier: MIT
/*
 * cancel MODE - zc_cancel() on a queued and on a started job.
 *
 * Behind a stalled receiver, job A (4 MiB, sends of at most 64 KiB) starts
 * and job B (1 MiB) waits behind it.
 *  - B, never started: completes at once (the receiver still stalled) with
 *    error -ECANCELED and res -ECANCELED (nothing was sent).
 *  - A, started: cannot be taken back; it stops after its current send and
 *    completes short (0 < res < len) with -ECANCELED, only after release.
 *  - Cancelling either again: -ENOENT.
 *  - Job C queued afterwards continues the stream right after A's res
 *    bytes: the receiver gets exactly A.res + C bytes, intact.
 *
 * MODE: on, off.
 */
#include "harness.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define JOB_A (4 * H_MIB)
#define JOB_B (1 * H_MIB)
#define JOB_C (256 * H_KIB)
#define SEG (64 * H_KIB)
#define SEED 101

static bool job_done(void *arg)
{
	return ((struct h_job *)arg)->calls > 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "on";
	struct h_rx rx = { .seed = SEED, .hold = true };
	struct h_jobs jobs, tail;
	struct h_job *a, *b;
	struct zc_engine *e;
	struct zc_sock *s;
	uint8_t *ma, *mb, *mc;
	uint64_t a_res;
	int sfd, rfd, ret;

	h_watchdog(60);
	e = h_engine(NULL);
	h_engine_mode(e, mode);
	ma = h_alloc(JOB_A);
	mb = h_alloc(JOB_B);
	mc = h_alloc(JOB_C);
	h_fill(ma, SEED, 0, JOB_A);
	/* B would follow A; it must never reach the wire. */
	memset(mb, H_GARBAGE, JOB_B);
	h_jobs_init(&jobs, 2);
	a = &jobs.job[0];
	b = &jobs.job[1];
	h_tcp_pair(&sfd, &rfd, 4096, 16384);
	rx.fd = rfd;
	h_rx_start(&rx);
	H_OK(zc_sock_attach(e, sfd, &s));
	H_OK(zc_sock_setopt(s, ZC_OPT_SEG_MAX, SEG));
	H_OK(h_write(&jobs, 0, s, ma, JOB_A, NULL));
	H_OK(h_write(&jobs, 1, s, mb, JOB_B, NULL));
	h_run_for(e, 200);
	H_CHECK(jobs.done == 0, "%d jobs done while the receiver stalls",
		jobs.done);

	H_OK(zc_cancel(s, b->id));
	/* Callbacks run only inside zc_engine_run() / zc_engine_destroy(). */
	H_CHECK(b->calls == 0, "the callback ran inside zc_cancel()");
	H_CHECK(h_run_until(e, job_done, b, 1000) >= 0,
		"cancelled queued job: no callback within 1 s");
	H_CHECK(b->r.error == -ECANCELED,
		"cancelled queued job: error %d (%s), want -ECANCELED",
		b->r.error, zc_strerror(b->r.error));
	/* Nothing was transferred: res == error (zcaio.h, struct zc_result). */
	H_CHECK(b->r.res == -ECANCELED,
		"cancelled queued job: res %zd, want -ECANCELED (res == error)",
		b->r.res);
	H_CHECK(a->calls == 0, "started job completed while stalled: res %zd",
		a->r.res);
	ret = zc_cancel(s, b->id);
	H_CHECK(ret == -ENOENT, "cancel of a finished job: %d, want -ENOENT",
		ret);

	H_OK(zc_cancel(s, a->id));
	h_run_for(e, 100);
	H_CHECK(a->calls == 0 || !strcmp(mode, "off"),
		"cancelled started job completed before its pages could be "
		"released (receiver still stalled): res %zd error %d",
		a->r.res, a->r.error);
	h_rx_release(&rx);
	H_CHECK(h_run_until(e, job_done, a, 10000) >= 0,
		"cancelled started job: no callback within 10 s");
	h_info("started job cancelled: res %zd error %d (%s)", a->r.res,
	       a->r.error, zc_strerror(a->r.error));
	H_CHECK(a->r.error == -ECANCELED, "started job: error %d (%s), want "
		"-ECANCELED", a->r.error, zc_strerror(a->r.error));
	H_CHECK(a->r.res > 0 && a->r.res < (ssize_t)JOB_A,
		"started job: res %zd, want short (0 < res < %lu)", a->r.res,
		JOB_A);
	h_run_for(e, 20);
	h_jobs_expect_once(&jobs, "cancel");
	ret = zc_cancel(s, a->id);
	H_CHECK(ret == -ENOENT, "cancel of a finished job: %d, want -ENOENT",
		ret);
	h_expect_released(e, 0, "after the cancelled job");

	a_res = (uint64_t)a->r.res;
	h_fill(mc, SEED, a_res, JOB_C);
	h_jobs_init(&tail, 1);
	H_OK(h_write(&tail, 0, s, mc, JOB_C, NULL));
	H_CHECK(h_run_jobs(e, &tail, 10000) >= 0, "job after the cancel: no "
		"callback in 10 s");
	H_CHECK(!tail.job[0].r.error && tail.job[0].r.res == (ssize_t)JOB_C,
		"job after the cancel: res %zd error %d (%s)",
		tail.job[0].r.res, tail.job[0].r.error,
		zc_strerror(tail.job[0].r.error));
	H_CHECK(h_close(e, s, 10000) == 0, "close reported an error");
	close(sfd);
	h_rx_join(&rx, 20000);
	h_rx_expect_intact(&rx, a_res + JOB_C, "cancel");
	h_expect_released(e, 0, "end");
	H_OK(zc_engine_destroy(e));
	close(rfd);
	h_free(ma, JOB_A);
	h_free(mb, JOB_B);
	h_free(mc, JOB_C);
	h_jobs_free(&jobs);
	h_jobs_free(&tail);
	h_done(!strcmp(mode, "on") ? "cancel on" : "cancel off");
}
