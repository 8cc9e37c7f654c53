// SPDX-License-Identifier: MIT
/*
 * late-run MODE - time is judged after the kernel's news is in.
 *
 * A 64 KiB write with a 100 ms deadline goes out and the reader takes it
 * at once: the kernel finishes the job. The application then does not
 * run the engine for 300 ms (busy, descheduled). The next run must
 * report the job done, not fail it with -ETIMEDOUT and reset the
 * connection: the deadline passed only because nobody looked. A second
 * job and a graceful close follow; the reader sees the stream intact and
 * a clean end, no reset.
 *
 * MODE: on, pool, off.
 */
#include "harness.h"

#include <string.h>
#include <unistd.h>

#define JOB  (64 * H_KIB)
#define SEED 57

static bool taken(void *arg)
{
	struct h_rx *rx = arg;

	return atomic_load(&rx->progress) >= JOB;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "on";
	struct zc_write_opts opts = { .tx_zcopy = ZC_TX_INHERIT };
	struct h_rx rx = { .seed = SEED };
	struct zc_pool *pool = NULL;
	struct h_jobs jobs;
	struct zc_engine *e;
	struct zc_sock *s;
	uint8_t *mem;
	double t0;
	int sfd;

	h_watchdog(30);
	e = h_engine(NULL);
	h_engine_mode(e, mode);
	mem = h_mode_mem(e, mode, 2 * JOB, &pool, &opts, NULL);
	h_fill(mem, SEED, 0, 2 * JOB);
	h_jobs_init(&jobs, 2);
	h_tcp_pair(&sfd, &rx.fd, 0, 0);
	h_rx_start(&rx);
	H_OK(zc_sock_attach(e, sfd, &s));
	opts.deadline_ms = 100;
	t0 = h_now_ms();
	H_OK(h_write(&jobs, 0, s, mem, JOB, &opts));
	/* Hand the send to the kernel, then look away. */
	H_OK(zc_engine_run(e, 0));
	while (!taken(&rx) && h_now_ms() - t0 < 5000)
		h_sleep_ms(1);
	H_CHECK(taken(&rx), "the reader got %llu of %lu bytes",
		(unsigned long long)atomic_load(&rx.progress), JOB);
	h_sleep_ms(300);
	jobs.n = 1;
	H_CHECK(h_run_jobs(e, &jobs, 5000) >= 0, "the job did not complete");
	jobs.n = 2;
	h_info("job 0: res %zd error %d (%s), run %.0f ms after queueing",
	       jobs.job[0].r.res, jobs.job[0].r.error,
	       zc_strerror(jobs.job[0].r.error), h_now_ms() - t0);
	H_CHECK(jobs.job[0].r.res == (ssize_t)JOB && !jobs.job[0].r.error,
		"a job the kernel finished before its deadline failed at a "
		"late run: res %zd error %d (%s)",
		jobs.job[0].r.res, jobs.job[0].r.error,
		zc_strerror(jobs.job[0].r.error));
	opts.deadline_ms = 0;
	H_OK(h_write(&jobs, 1, s, mem + JOB, JOB, &opts));
	H_CHECK(h_run_jobs(e, &jobs, 5000) >= 0, "second job: no end");
	H_CHECK(!jobs.job[1].r.error, "second job: error %d (%s)",
		jobs.job[1].r.error, zc_strerror(jobs.job[1].r.error));
	h_jobs_expect_once(&jobs, "late-run");
	H_CHECK(h_close(e, s, 5000) == 0, "close reported an error");
	close(sfd);
	h_rx_join(&rx, 10000);
	h_rx_expect_intact(&rx, 2 * JOB, "late-run");
	h_mode_mem_free(mem, 2 * JOB, pool);
	H_OK(zc_engine_destroy(e));
	h_jobs_free(&jobs);
	h_info("PASS late-run %s", mode);
	return 0;
}
