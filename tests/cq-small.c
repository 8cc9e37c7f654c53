// SPDX-License-Identifier: MIT
/*
 * cq-small MODE CQ - a completion queue far smaller than the work.
 *
 * Engine with 8 submission entries and CQ completion entries; 64 jobs of
 * 256 KiB queued at once over four sockets, cut into 16 KiB sends (a
 * zero-copy send produces two completions: result and release). Must hold:
 * every job completes exactly once, in order per socket, every stream
 * intact, nothing owed at the end.
 *
 * MODE: on, off. CQ: 8 or 16.
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NSOCK 4
#define PER_SOCK 16
#define JOB (256 * H_KIB)
#define SEG (16 * H_KIB)

static struct h_jobs jobs[NSOCK];

static bool all_done(void *arg)
{
	for (int i = 0; i < NSOCK; i++)
		if (jobs[i].done < jobs[i].n)
			return false;
	return true;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "on";
	struct zc_engine_params p = { .sq_entries = 8 };
	struct h_rx rx[NSOCK];
	struct zc_sock *s[NSOCK];
	int sfd[NSOCK], rfd[NSOCK];
	struct zc_engine *e;
	struct zc_stats st;
	uint8_t *mem;
	double ms;
	int done = 0;

	h_watchdog(60);
	p.cq_entries = argc > 2 ? (unsigned int)atoi(argv[2]) : 16;
	e = h_engine(&p);
	h_engine_mode(e, mode);
	mem = h_alloc((size_t)NSOCK * PER_SOCK * JOB);
	memset(rx, 0, sizeof(rx));
	for (int i = 0; i < NSOCK; i++) {
		uint8_t *base = mem + (size_t)i * PER_SOCK * JOB;

		h_fill(base, 140 + (uint64_t)i, 0, PER_SOCK * JOB);
		h_jobs_init(&jobs[i], PER_SOCK);
		h_tcp_pair(&sfd[i], &rfd[i], 0, 0);
		rx[i].fd = rfd[i];
		rx[i].seed = 140 + (uint64_t)i;
		h_rx_start(&rx[i]);
		H_OK(zc_sock_attach(e, sfd[i], &s[i]));
		H_OK(zc_sock_setopt(s[i], ZC_OPT_SEG_MAX, SEG));
	}
	/* Interleave the sockets so completions of all four mix. */
	for (int j = 0; j < PER_SOCK; j++)
		for (int i = 0; i < NSOCK; i++)
			H_OK(h_write(&jobs[i], j, s[i],
				     mem + ((size_t)i * PER_SOCK + j) * JOB,
				     JOB, NULL));
	ms = h_run_until(e, all_done, NULL, 40000);
	for (int i = 0; i < NSOCK; i++)
		done += jobs[i].done;
	H_CHECK(ms >= 0, "only %d of %d jobs completed in 40 s", done,
		NSOCK * PER_SOCK);
	h_run_for(e, 50);
	H_OK(zc_engine_stats(e, &st));
	h_print_stats("engine", &st);
	h_info("sq 8 cq %u: %d jobs in %.0f ms", p.cq_entries,
	       NSOCK * PER_SOCK, ms);
	for (int i = 0; i < NSOCK; i++) {
		h_jobs_expect_once(&jobs[i], "cq-small");
		h_jobs_expect_order(&jobs[i], "cq-small");
		for (int j = 0; j < PER_SOCK; j++)
			H_CHECK(jobs[i].job[j].r.res == (ssize_t)JOB &&
					!jobs[i].job[j].r.error,
				"socket %d job %d: res %zd error %d", i, j,
				jobs[i].job[j].r.res, jobs[i].job[j].r.error);
	}
	H_CHECK(st.jobs_done == NSOCK * PER_SOCK && st.jobs_failed == 0,
		"engine counts %llu done %llu failed",
		(unsigned long long)st.jobs_done,
		(unsigned long long)st.jobs_failed);
	h_expect_released(e, 0, "after the last callback");
	for (int i = 0; i < NSOCK; i++) {
		H_CHECK(h_close(e, s[i], 10000) == 0, "close reported an error");
		close(sfd[i]);
	}
	for (int i = 0; i < NSOCK; i++) {
		h_rx_join(&rx[i], 20000);
		h_rx_expect_intact(&rx[i], (uint64_t)PER_SOCK * JOB, "cq-small");
		close(rfd[i]);
		h_jobs_free(&jobs[i]);
	}
	H_OK(zc_engine_destroy(e));
	h_free(mem, (size_t)NSOCK * PER_SOCK * JOB);
	h_info("PASS cq-small %s %u", mode, p.cq_entries);
	return 0;
}
