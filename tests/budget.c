// SPDX-License-Identifier: MIT
/*
 * budget - back-pressure. Root has no RLIMIT_MEMLOCK, so the library's own
 * pinned-bytes budget is all that bounds pinned memory: with a budget of
 * 8 MiB and 64 MiB of zero-copy jobs from plain memory offered at once on
 * four sockets, the pinned bytes must never exceed 8 MiB, and every job
 * must still complete once with the streams intact. Then ZC_OPT_MAX_JOBS:
 * the job past the cap is refused with -EAGAIN, and accepted again after
 * a completion.
 */
#include "harness.h"

#include <errno.h>
#include <unistd.h>

#define NSOCK	 4
#define PER_SOCK 16
#define JOB	 (1 * H_MIB)
#define BUDGET	 (8 * H_MIB)

static uint64_t max_pinned;

static bool all_done(void *arg)
{
	struct h_jobs *sets = arg;

	for (int i = 0; i < NSOCK; i++)
		if (sets[i].done < sets[i].n)
			return false;
	return true;
}

static void sample(struct h_job *j, struct zc_sock *s)
{
	struct zc_stats st;

	(void)s;
	if (zc_engine_stats(j->arg, &st) == 0 && st.bytes_pinned > max_pinned)
		max_pinned = st.bytes_pinned;
}

static void budget(struct zc_engine *e)
{
	struct h_jobs sets[NSOCK];
	struct h_rx rx[NSOCK];
	struct zc_sock *s[NSOCK];
	int snd[NSOCK];
	uint8_t *mem = h_alloc((size_t)NSOCK * PER_SOCK * JOB);

	H_OK(zc_engine_setopt(e, ZC_OPT_PIN_BUDGET, BUDGET));
	for (int i = 0; i < NSOCK; i++) {
		rx[i] = (struct h_rx){ .seed = 40 + (uint64_t)i,
				       .delay_us = 200 };
		h_tcp_pair(&snd[i], &rx[i].fd, 0, 0);
		h_rx_start(&rx[i]);
		H_OK(zc_sock_attach(e, snd[i], &s[i]));
		h_jobs_init(&sets[i], PER_SOCK);
		for (int j = 0; j < PER_SOCK; j++) {
			uint8_t *b = mem + ((size_t)i * PER_SOCK + j) * JOB;

			h_fill(b, rx[i].seed, (uint64_t)j * JOB, JOB);
			H_OK(h_write(&sets[i], j, s[i], b, JOB, NULL));
			sets[i].job[j].on_done = sample;
			sets[i].job[j].arg = e;
		}
	}
	/* Sample between runs too, not only in callbacks. */
	for (int k = 0; k < 100000 && !all_done(sets); k++) {
		struct zc_stats st;

		H_OK(zc_engine_run(e, 100));
		H_OK(zc_engine_stats(e, &st));
		if (st.bytes_pinned > max_pinned)
			max_pinned = st.bytes_pinned;
	}
	H_CHECK(all_done(sets), "jobs did not all complete");
	h_info("most bytes pinned at once: %llu (budget %lu)",
	       (unsigned long long)max_pinned, (unsigned long)BUDGET);
	H_CHECK(max_pinned > 0, "nothing was ever pinned: not zero-copy?");
	H_CHECK(max_pinned <= BUDGET, "pinned %llu bytes, budget %lu",
		(unsigned long long)max_pinned, (unsigned long)BUDGET);
	for (int i = 0; i < NSOCK; i++) {
		h_jobs_expect_once(&sets[i], "budget");
		h_jobs_expect_order(&sets[i], "budget");
		h_close(e, s[i], 5000);
		close(snd[i]);
		h_rx_join(&rx[i], 10000);
		h_rx_expect_intact(&rx[i], (uint64_t)PER_SOCK * JOB, "budget");
		h_jobs_free(&sets[i]);
	}
	h_expect_released(e, 0, "budget");
	h_free(mem, (size_t)NSOCK * PER_SOCK * JOB);
}

static void max_jobs(struct zc_engine *e)
{
	struct h_rx rx = { .seed = 77 };
	struct h_jobs jobs;
	struct zc_sock *s;
	uint8_t *mem = h_alloc(6 * 64 * H_KIB);
	int snd, ret;

	H_OK(zc_engine_setopt(e, ZC_OPT_MAX_JOBS, 4));
	h_tcp_pair(&snd, &rx.fd, 0, 0);
	h_rx_start(&rx);
	H_OK(zc_sock_attach(e, snd, &s));
	h_jobs_init(&jobs, 5);
	h_fill(mem, rx.seed, 0, 6 * 64 * H_KIB);
	for (int i = 0; i < 4; i++)
		H_OK(h_write(&jobs, i, s, mem + i * 64 * H_KIB, 64 * H_KIB,
			     NULL));
	ret = h_write(&jobs, 4, s, mem + 4 * 64 * H_KIB, 64 * H_KIB, NULL);
	H_CHECK(ret == -EAGAIN, "5th job over a cap of 4: %d, want -EAGAIN",
		ret);
	jobs.n = 4;
	H_CHECK(h_run_jobs(e, &jobs, 5000) >= 0, "capped jobs did not "
						 "complete");
	jobs.n = 5;
	H_OK(h_write(&jobs, 4, s, mem + 4 * 64 * H_KIB, 64 * H_KIB, NULL));
	H_CHECK(h_run_jobs(e, &jobs, 5000) >= 0, "job after the cap: no end");
	h_jobs_expect_once(&jobs, "max jobs");
	h_close(e, s, 5000);
	close(snd);
	h_rx_join(&rx, 10000);
	h_rx_expect_intact(&rx, 5 * 64 * H_KIB, "max jobs");
	h_jobs_free(&jobs);
	h_free(mem, 6 * 64 * H_KIB);
}

int main(void)
{
	struct zc_engine *e;

	h_watchdog(60);
	e = h_engine(NULL);
	h_engine_mode(e, "on");
	budget(e);
	max_jobs(e);
	H_OK(zc_engine_destroy(e));
	h_info("PASS budget");
	return 0;
}
