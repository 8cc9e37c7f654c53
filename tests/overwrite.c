// SPDX-License-Identifier: MIT
/*
 * overwrite MODE [unsafe] - the application owns its buffer again the
 * moment a job's callback runs.
 *
 * The receiver stalls for 300 ms behind a tiny receive buffer, so the bytes
 * of the first jobs sit in the sender's socket queue, still pointing at the
 * application's pages. In each job callback the test writes garbage over
 * the buffer at once and reuses it for the next job. If a job completed
 * before the kernel let go of its pages, the receiver sees garbage (or a
 * later job's bytes) where the original bytes belong.
 *
 * MODE: on (zero-copy, plain memory), pool (registered pool), off (copy).
 * With "unsafe" (only in the build with test hooks, test-overwrite-hooks)
 * the engine completes jobs before the kernel releases their pages, and
 * the test passes only when the receiver DOES see corruption: it proves
 * the check above can fail.
 */
#include "harness.h"
#ifdef ZC__TEST_HOOKS
#include "internal.h" /* zc__test_early_complete() */
#endif

#include <string.h>
#include <unistd.h>

#define NJOBS 128
#define SLOTS 4
#define JOB (64 * H_KIB)
#define TRIES 3

struct ctx {
	uint8_t *mem;
	struct zc_write_opts opts;
	const struct zc_write_opts *optp;
	struct h_jobs jobs;
	uint64_t seed;
	int err;
};

static struct ctx c;

static void queue_job(struct zc_sock *s, int idx)
{
	uint8_t *slot = c.mem + (size_t)(idx % SLOTS) * JOB;
	int ret;

	h_fill(slot, c.seed, (uint64_t)idx * JOB, JOB);
	ret = h_write(&c.jobs, idx, s, slot, JOB, c.optp);
	if (ret < 0 && !c.err)
		c.err = ret;
}

static void on_done(struct h_job *j, struct zc_sock *s)
{
	memset((void *)j->buf, H_GARBAGE, j->len);
	if (j->idx + SLOTS < NJOBS)
		queue_job(s, j->idx + SLOTS);
}

/* One transfer; returns the receiver's first bad offset (H_NO_BAD). */
static uint64_t one_try(struct zc_engine *e, bool unsafe, int try)
{
	struct h_rx rx = {
		.stall_ms = 300, .chunk = 64 * H_KIB, .delay_us = 100,
		.quiet = unsafe, .timeout_ms = 30000,
	};
	struct zc_sock *s;
	int sfd, rfd;

	c.seed = 100 + (uint64_t)try;
	rx.seed = c.seed;
	h_jobs_init(&c.jobs, NJOBS);
	for (int i = 0; i < NJOBS; i++)
		c.jobs.job[i].on_done = on_done;
	h_tcp_pair(&sfd, &rfd, 4096, 0);
	rx.fd = rfd;
	h_rx_start(&rx);
	H_OK(zc_sock_attach(e, sfd, &s));
	for (int i = 0; i < SLOTS; i++)
		queue_job(s, i);
	H_CHECK(h_run_jobs(e, &c.jobs, 40000) >= 0,
		"only %d of %d jobs completed", c.jobs.done, NJOBS);
	if (c.err)
		h_fail("zc_write: %d (%s)", c.err, zc_strerror(c.err));
	h_jobs_expect_once(&c.jobs, "overwrite");
	h_jobs_expect_order(&c.jobs, "overwrite");
	for (int i = 0; i < NJOBS; i++)
		H_CHECK(c.jobs.job[i].r.res == (ssize_t)JOB &&
				!c.jobs.job[i].r.error,
			"job %d: res %zd error %d", i, c.jobs.job[i].r.res,
			c.jobs.job[i].r.error);
	H_CHECK(h_close(e, s, 10000) == 0, "close callback reported an error");
	close(sfd);
	h_rx_join(&rx, 30000);
	close(rfd);
	h_jobs_free(&c.jobs);
	if (rx.bad_off == H_NO_BAD)
		h_rx_expect_intact(&rx, (uint64_t)NJOBS * JOB, "overwrite");
	else
		h_info("try %d: receiver saw %llu wrong bytes from offset %llu",
		       try, (unsigned long long)rx.bad_count,
		       (unsigned long long)rx.bad_off);
	return rx.bad_off;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "on";
	bool unsafe = argc > 2 && !strcmp(argv[2], "unsafe");
	struct zc_pool *pool = NULL;
	struct zc_engine *e;

	h_watchdog(unsafe ? 120 : 60);
	e = h_engine(NULL);
	h_engine_mode(e, mode);
	if (unsafe) {
#ifdef ZC__TEST_HOOKS
		zc__test_early_complete(e, true);
#else
		h_fail("\"unsafe\" needs the build with test hooks "
		       "(test-overwrite-hooks)");
#endif
	}
	if (!strcmp(mode, "pool")) {
		H_OK(zc_pool_create(e, SLOTS * JOB, &pool));
		c.mem = zc_pool_base(pool);
		c.opts.tx_zcopy = ZC_TX_INHERIT;
		c.opts.pool = pool;
		c.optp = &c.opts;
	} else {
		c.mem = h_alloc(SLOTS * JOB);
	}

	if (!unsafe) {
		uint64_t bad = one_try(e, false, 0);

		H_CHECK(bad == H_NO_BAD,
			"the receiver saw overwritten bytes at offset %llu: a "
			"job completed before the kernel released its pages",
			(unsigned long long)bad);
	} else {
		int try;

		for (try = 0; try < TRIES; try++)
			if (one_try(e, true, try) != H_NO_BAD)
				break;
		H_CHECK(try < TRIES,
			"with early completion the verifier saw no "
			"corruption in %d tries: the overwrite test cannot "
			"catch early completion",
			TRIES);
		h_info("corruption detected on try %d, as it must be", try);
	}
	if (pool)
		H_OK(zc_pool_destroy(pool));
	else
		h_free(c.mem, SLOTS * JOB);
	h_expect_released(e, 0, "end");
	H_OK(zc_engine_destroy(e));
	h_info("PASS overwrite %s%s", mode, unsafe ? " unsafe" : "");
	return 0;
}
