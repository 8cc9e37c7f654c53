// SPDX-License-Identifier: MIT
/*
 * cancel-budget-held - cancelling a write that the pin budget holds back
 * at the head of its socket.
 *
 * Budget 1 MiB. Socket X's peer never reads: X's 1 MiB zero-copy write
 * holds the whole budget. Socket Y queues B (512 KiB), which cannot
 * start, and C behind it. Cancel B: it must complete -ECANCELED at once,
 * and none of its bytes may ever reach Y's peer (a seeded bug reported
 * -ECANCELED and sent B anyway; no test caught it). Then X's reader
 * starts, the budget comes back, C goes; Y's peer must see exactly C's
 * bytes, intact.
 *
 * Runs where sends pin plain memory: io_uring and msg_zerocopy, mode on.
 */
#include "harness.h"

#include <errno.h>
#include <unistd.h>

#define BUDGET (1 * H_MIB)
#define XJOB   (1 * H_MIB)
#define BJOB   (512 * H_KIB)
#define CJOB   (256 * H_KIB)

int main(void)
{
	struct h_rx rx_x = { .seed = 81 };
	struct h_rx rx_y = { .seed = 82 };
	struct h_jobs xj, yj;
	struct zc_engine *e;
	struct zc_sock *x, *y;
	struct zc_stats st;
	uint8_t *mem;
	int xs, ys;

	h_watchdog(60);
	e = h_engine_budget(BUDGET);
	mem = h_alloc(XJOB + BJOB + CJOB);
	h_fill(mem, rx_x.seed, 0, XJOB);
	/* B holds what would be Y's stream from offset 0 but one byte off,
	 * so its bytes at the peer show as corruption, never as C's. */
	h_fill(mem + XJOB, rx_y.seed, 1, BJOB);
	h_fill(mem + XJOB + BJOB, rx_y.seed, 0, CJOB);
	h_jobs_init(&yj, 2);
	x = h_stalled_writer(e, &rx_x, &xs, &xj, mem, XJOB);

	h_tcp_pair(&ys, &rx_y.fd, 0, 0);
	h_rx_start(&rx_y);
	H_OK(zc_sock_attach(e, ys, &y));
	H_OK(h_write(&yj, 0, y, mem + XJOB, BJOB, NULL));
	H_OK(h_write(&yj, 1, y, mem + XJOB + BJOB, CJOB, NULL));
	h_run_for(e, 100);
	H_OK(zc_sock_stats(y, &st));
	H_CHECK(st.bytes_written == 0 && yj.job[0].calls == 0,
		"B went out (%llu bytes) with the budget full",
		(unsigned long long)st.bytes_written);
	H_OK(zc_cancel(y, yj.job[0].id));
	/* Counters count callbacks run: B's has not run yet. */
	H_OK(zc_sock_stats(y, &st));
	H_CHECK(st.jobs_failed == 0 && st.jobs_done == 0,
		"B counted (failed %llu) before its callback ran",
		(unsigned long long)st.jobs_failed);
	yj.n = 1;
	H_CHECK(h_run_jobs(e, &yj, 2000) >= 0, "cancelled B did not complete");
	H_CHECK(yj.job[0].r.error == -ECANCELED && yj.job[0].r.res <= 0,
		"B: res %zd error %d, want -ECANCELED", yj.job[0].r.res,
		yj.job[0].r.error);
	yj.n = 2;
	H_CHECK(yj.job[1].calls == 0, "C completed with the budget full");

	h_rx_release(&rx_x);
	H_CHECK(h_run_jobs(e, &yj, 10000) >= 0, "C did not complete");
	H_CHECK(yj.job[1].r.res == (ssize_t)CJOB && !yj.job[1].r.error,
		"C: res %zd error %d", yj.job[1].r.res, yj.job[1].r.error);
	H_CHECK(h_run_jobs(e, &xj, 10000) >= 0, "X's job did not complete");
	h_jobs_expect_once(&yj, "Y");
	h_jobs_expect_once(&xj, "X");
	H_CHECK(h_close(e, y, 5000) == 0, "closing Y reported an error");
	H_CHECK(h_close(e, x, 5000) == 0, "closing X reported an error");
	close(xs);
	close(ys);
	h_rx_join(&rx_y, 10000);
	h_rx_join(&rx_x, 10000);
	h_rx_expect_intact(&rx_y, CJOB, "Y (only C's bytes)");
	h_rx_expect_intact(&rx_x, XJOB, "X");
	h_expect_released(e, 0, "end");
	H_OK(zc_engine_destroy(e));
	h_free(mem, XJOB + BJOB + CJOB);
	h_jobs_free(&xj);
	h_jobs_free(&yj);
	h_info("PASS cancel-budget-held");
	return 0;
}
