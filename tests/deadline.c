// SPDX-License-Identifier: MIT
/*
 * deadline MODE - a peer that never reads (zero window for ever) would pin
 * the sender's pages for ever. With a socket deadline of 1 s, every job
 * must fail with -ETIMEDOUT near the deadline (not before 0.9 s, by 2 s),
 * exactly once, after its pages came back: nothing pinned or owed after.
 * A per-job deadline of 300 ms on a second socket ends that one earlier.
 *
 * MODE: on, pool, off.
 */
#include "harness.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define NJOBS 4
#define JOB   (1 * H_MIB)
#define SEED  31

static void expect_timeouts(struct h_jobs *jobs, double t0, double lo,
			    double hi, const char *what)
{
	h_jobs_expect_once(jobs, what);
	for (int i = 0; i < jobs->n; i++) {
		const struct h_job *j = &jobs->job[i];
		double at = j->done_ms - t0;

		h_info("%s: job %d: res %zd error %d (%s) at %.0f ms", what, i,
		       j->r.res, j->r.error, zc_strerror(j->r.error), at);
		H_CHECK(j->r.error == -ETIMEDOUT,
			"%s: job %d: error %d, want -ETIMEDOUT", what, i,
			j->r.error);
		H_CHECK(at >= lo && at <= hi,
			"%s: job %d failed at %.0f ms, want %.0f..%.0f", what,
			i, at, lo, hi);
	}
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "on";
	struct zc_write_opts opts = { .tx_zcopy = ZC_TX_INHERIT };
	struct zc_pool *pool = NULL;
	uint64_t pool_bytes = 0;
	struct h_jobs jobs, late;
	struct zc_engine *e;
	struct zc_sock *s, *s2;
	uint8_t *mem;
	double t0;
	int sfd, rfd, sfd2, rfd2;

	h_watchdog(30);
	e = h_engine(NULL);
	h_engine_mode(e, mode);
	mem = h_mode_mem(e, mode, (NJOBS + 1) * JOB, &pool, &opts, NULL);
	pool_bytes = pool ? zc_pool_size(pool) : 0;
	h_fill(mem, SEED, 0, (NJOBS + 1) * JOB);

	/* Socket deadline: 1 s for every job. */
	h_tcp_pair(&sfd, &rfd, 4096, 16384);
	H_OK(zc_sock_attach(e, sfd, &s));
	H_OK(zc_sock_setopt(s, ZC_OPT_DEADLINE_MS, 1000));
	h_jobs_init(&jobs, NJOBS);
	t0 = h_now_ms();
	for (int i = 0; i < NJOBS; i++)
		H_OK(h_write(&jobs, i, s, mem + (size_t)i * JOB, JOB, &opts));
	H_CHECK(h_run_jobs(e, &jobs, 5000) >= 0,
		"only %d of %d jobs ended within 5 s", jobs.done, NJOBS);
	expect_timeouts(&jobs, t0, 900, 2000, "socket deadline");
	h_expect_released(e, pool_bytes, "after the socket deadline");

	/* Per-job deadline on another socket, none on the socket itself. */
	h_tcp_pair(&sfd2, &rfd2, 4096, 16384);
	H_OK(zc_sock_attach(e, sfd2, &s2));
	opts.deadline_ms = 300;
	h_jobs_init(&late, 1);
	t0 = h_now_ms();
	H_OK(h_write(&late, 0, s2, mem + NJOBS * JOB, JOB, &opts));
	H_CHECK(h_run_jobs(e, &late, 5000) >= 0, "per-job deadline: no end");
	expect_timeouts(&late, t0, 250, 1000, "job deadline");
	h_expect_released(e, pool_bytes, "after the job deadline");

	h_close(e, s, 5000);
	h_close(e, s2, 5000);
	close(sfd);
	close(rfd);
	close(sfd2);
	close(rfd2);
	h_mode_mem_free(mem, (NJOBS + 1) * JOB, pool);
	H_OK(zc_engine_destroy(e));
	h_jobs_free(&jobs);
	h_jobs_free(&late);
	h_info("PASS deadline %s", mode);
	return 0;
}
