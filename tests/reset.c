// SPDX-License-Identifier: MIT
/*
 * reset MODE - the peer resets the connection in the middle of a job.
 *
 * The receiver never reads (tiny receive buffer), so the first job stalls
 * with its bytes in the sender's queue; then it closes with
 * SO_LINGER {1, 0}. Must hold: every job fails (-ECONNRESET or -EPIPE),
 * exactly once, within 1 s of the reset, after release (nothing owed or
 * pinned); no SIGPIPE (the test leaves SIGPIPE at its default action, so
 * one would kill it). A write queued after the reset fails the same way.
 *
 * MODE: on, pool, off.
 */
#include "harness.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define NJOBS 4
#define JOB (1 * H_MIB)
#define SEED 71

static bool reset_error(int err)
{
	return err == -ECONNRESET || err == -EPIPE;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "on";
	struct zc_write_opts opts = { .tx_zcopy = ZC_TX_INHERIT };
	const struct zc_write_opts *optp = NULL;
	struct zc_pool *pool = NULL;
	uint64_t pool_bytes = 0;
	struct h_jobs jobs, late;
	struct zc_engine *e;
	struct zc_sock *s;
	struct zc_stats st;
	uint8_t *mem;
	double t0, ms;
	int sfd, rfd, ret;

	h_watchdog(30);
	e = h_engine(NULL);
	h_engine_mode(e, mode);
	mem = h_mode_mem(e, mode, (NJOBS + 1) * JOB, &pool, &opts, &optp);
	pool_bytes = pool ? zc_pool_size(pool) : 0;
	h_fill(mem, SEED, 0, (NJOBS + 1) * JOB);
	h_jobs_init(&jobs, NJOBS);
	/* Small buffers both ends: the first job cannot be taken whole. */
	h_tcp_pair(&sfd, &rfd, 4096, 16384);
	H_OK(zc_sock_attach(e, sfd, &s));
	for (int i = 0; i < NJOBS; i++)
		H_OK(h_write(&jobs, i, s, mem + (size_t)i * JOB, JOB, optp));
	h_run_for(e, 300);
	H_CHECK(jobs.done == 0, "%d jobs done while the peer reads nothing",
		jobs.done);
	H_OK(zc_engine_stats(e, &st));
	h_print_stats("stalled", &st);

	t0 = h_now_ms();
	h_close_reset(rfd);
	ms = h_run_jobs(e, &jobs, 5000);
	H_CHECK(ms >= 0, "only %d of %d jobs completed within 5 s of the reset",
		jobs.done, NJOBS);
	h_run_for(e, 20);
	h_jobs_expect_once(&jobs, "reset");
	for (int i = 0; i < NJOBS; i++) {
		const struct zc_result *r = &jobs.job[i].r;

		h_info("job %d: res %zd error %d (%s) after %.1f ms", i, r->res,
		       r->error, zc_strerror(r->error),
		       jobs.job[i].done_ms - t0);
		H_CHECK(reset_error(r->error),
			"job %d: error %d (%s), want -ECONNRESET or -EPIPE", i,
			r->error, zc_strerror(r->error));
		H_CHECK(r->res == r->error || (r->res >= 0 && r->res < (ssize_t)JOB),
			"job %d: res %zd with error %d", i, r->res, r->error);
	}
	h_info("all %d jobs failed %.1f ms after the reset", NJOBS, ms);
	H_CHECK(ms <= 1000, "jobs took %.0f ms after the reset, want <= 1 s",
		ms);
	h_expect_released(e, pool_bytes, "after the reset");

	/* A write after the reset: refused now or failed later, no SIGPIPE. */
	h_jobs_init(&late, 1);
	ret = h_write(&late, 0, s, mem + NJOBS * JOB, JOB, optp);
	if (ret < 0) {
		H_CHECK(ret == -EPIPE || ret == -ECONNRESET,
			"zc_write after the reset: %d (%s)", ret,
			zc_strerror(ret));
	} else {
		H_CHECK(h_run_jobs(e, &late, 5000) >= 0,
			"write after the reset: no callback in 5 s");
		H_CHECK(reset_error(late.job[0].r.error),
			"write after the reset: res %zd error %d (%s)",
			late.job[0].r.res, late.job[0].r.error,
			zc_strerror(late.job[0].r.error));
	}
	h_close(e, s, 5000);
	close(sfd);
	h_expect_released(e, pool_bytes, "after close");
	h_mode_mem_free(mem, (NJOBS + 1) * JOB, pool);
	H_OK(zc_engine_destroy(e));
	h_jobs_free(&jobs);
	h_jobs_free(&late);
	h_info("PASS reset %s", mode);
	return 0;
}
