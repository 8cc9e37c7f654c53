// SPDX-License-Identifier: MIT
/*
 * budget-contention - a job whose pages came back completes even while
 * the next job of its socket waits for the pin budget.
 *
 * Budget 1.5 MiB. Socket X's peer never reads: X's 1 MiB zero-copy write
 * keeps 1 MiB pinned. Socket Y queues A (256 KiB, fits) then B (768 KiB,
 * does not fit while X holds its pages). Y's reader takes A: A's pages
 * come back, and A's callback must run while B still waits (it once did
 * not: the send loop returned early on the budget and skipped completing
 * what was ready). Then X's reader starts: B goes, closing Y and X
 * finishes, and both streams are intact.
 *
 * Runs where sends pin plain memory: io_uring and msg_zerocopy, mode on.
 */
#include "harness.h"

#include <unistd.h>

#define BUDGET (1536 * H_KIB)
#define XJOB   (1 * H_MIB)
#define AJOB   (256 * H_KIB)
#define BJOB   (768 * H_KIB)

int main(void)
{
	struct h_rx rx_x = { .seed = 91 };
	struct h_rx rx_y = { .seed = 92 };
	struct h_jobs xj, yj;
	struct zc_engine *e;
	struct zc_sock *x, *y;
	uint8_t *mem;
	int xs, ys;

	h_watchdog(60);
	e = h_engine_budget(BUDGET);
	mem = h_alloc(XJOB + AJOB + BJOB);
	h_fill(mem, rx_x.seed, 0, XJOB);
	h_fill(mem + XJOB, rx_y.seed, 0, AJOB + BJOB);
	h_jobs_init(&yj, 2);
	x = h_stalled_writer(e, &rx_x, &xs, &xj, mem, XJOB);

	/* Y: A fits beside X, B does not. */
	h_tcp_pair(&ys, &rx_y.fd, 0, 0);
	H_OK(zc_sock_attach(e, ys, &y));
	H_OK(h_write(&yj, 0, y, mem + XJOB, AJOB, NULL));
	H_OK(h_write(&yj, 1, y, mem + XJOB + AJOB, BJOB, NULL));
	h_rx_start(&rx_y);
	H_CHECK(h_run_until(e, h_job_called, &yj.job[0], 5000) >= 0,
		"A's pages came back (reader has %llu bytes) but its callback "
		"did not run while B waits for the budget",
		(unsigned long long)atomic_load(&rx_y.progress));
	H_CHECK(yj.job[0].r.res == (ssize_t)AJOB && !yj.job[0].r.error,
		"A: res %zd error %d", yj.job[0].r.res, yj.job[0].r.error);
	H_CHECK(yj.job[1].calls == 0, "B completed while X holds the budget");
	H_CHECK(xj.job[0].calls == 0, "X's job completed with no reader");

	/* X's reader goes: the budget comes back, B goes. */
	h_rx_release(&rx_x);
	H_CHECK(h_run_jobs(e, &yj, 10000) >= 0, "B did not complete");
	H_CHECK(h_run_jobs(e, &xj, 10000) >= 0, "X's job did not complete");
	h_jobs_expect_once(&yj, "Y");
	h_jobs_expect_once(&xj, "X");
	h_jobs_expect_order(&yj, "Y");
	H_CHECK(h_close(e, y, 5000) == 0, "closing Y reported an error");
	H_CHECK(h_close(e, x, 5000) == 0, "closing X reported an error");
	close(xs);
	close(ys);
	h_rx_join(&rx_y, 10000);
	h_rx_join(&rx_x, 10000);
	h_rx_expect_intact(&rx_y, AJOB + BJOB, "Y");
	h_rx_expect_intact(&rx_x, XJOB, "X");
	h_expect_released(e, 0, "end");
	H_OK(zc_engine_destroy(e));
	h_free(mem, XJOB + AJOB + BJOB);
	h_jobs_free(&xj);
	h_jobs_free(&yj);
	h_info("PASS budget-contention");
	return 0;
}
