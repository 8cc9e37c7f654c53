// SPDX-License-Identifier: MIT
#include <unistd.h>

#include "transfer.h"

void transfer(struct zc_engine *e, int njobs, size_t job, bool pool,
	      const char *what)
{
	struct h_rx rx = { .seed = 9 };
	struct zc_write_opts opts = { .tx_zcopy = ZC_TX_INHERIT };
	struct zc_pool *p = NULL;
	struct h_jobs jobs;
	struct zc_sock *s;
	struct zc_stats st;
	size_t total = (size_t)njobs * job;
	uint8_t *mem;
	int snd;

	H_OK(zc_engine_setopt(e, ZC_OPT_TX_ZCOPY, ZC_TX_ON));
	if (pool) {
		H_OK(zc_pool_create(e, total, &p));
		mem = zc_pool_base(p);
		opts.pool = p;
	} else {
		mem = h_alloc(total);
	}
	h_tcp_pair(&snd, &rx.fd, 0, 0);
	h_rx_start(&rx);
	H_OK(zc_sock_attach(e, snd, &s));
	h_jobs_init(&jobs, njobs);
	for (int i = 0; i < njobs; i++) {
		h_fill(mem + (size_t)i * job, rx.seed, (uint64_t)i * job, job);
		H_OK(h_write(&jobs, i, s, mem + (size_t)i * job, job, &opts));
	}
	H_CHECK(h_run_jobs(e, &jobs, 30000) >= 0, "%s: jobs did not complete",
		what);
	h_jobs_expect_once(&jobs, what);
	h_jobs_expect_order(&jobs, what);
	for (int i = 0; i < njobs; i++)
		H_CHECK(jobs.job[i].r.res == (ssize_t)job &&
				!jobs.job[i].r.error,
			"%s: job %d: res %zd error %d", what, i,
			jobs.job[i].r.res, jobs.job[i].r.error);
	H_OK(zc_sock_stats(s, &st));
	h_print_stats(what, &st);
	h_close(e, s, 5000);
	close(snd);
	h_rx_join(&rx, 10000);
	h_rx_expect_intact(&rx, total, what);
	h_expect_released(e, pool ? zc_pool_size(p) : 0, what);
	h_jobs_free(&jobs);
	if (pool)
		H_OK(zc_pool_destroy(p));
	else
		h_free(mem, total);
}
